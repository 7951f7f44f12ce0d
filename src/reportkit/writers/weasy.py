"""PDF writer on WeasyPrint: the HTML writer's page, laid out by Pango/HarfBuzz.

The renderer may read only reportkit's own templates and fonts: every other URL — a file path or a
network address that a record might smuggle in — is refused by the URL fetcher.
"""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import unquote, urlparse

from ..document import Document
from ..resources import is_resource, templates_dir
from .html import render_html


class ResourceRefused(Exception):
    pass


_TYPES = {".css": "text/css", ".ttf": "font/ttf", ".png": "image/png", ".svg": "image/svg+xml"}


def _own_files_fetcher():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class OwnFilesFetcher(URLFetcher):
        """Serves reportkit's templates and fonts; refuses every other URL, local or remote."""

        def fetch(self, url, headers=None):
            parsed = urlparse(url)
            if parsed.scheme == "file":
                path = Path(unquote(parsed.path))
                if is_resource(path):
                    content_type = _TYPES.get(path.suffix, "application/octet-stream")
                    return URLFetcherResponse(
                        url, path.read_bytes(), {"Content-Type": content_type}
                    )
            raise ResourceRefused(f"reportkit does not fetch {url!r} while rendering")

    return OwnFilesFetcher(allowed_protocols=("file",))


def render(document: Document) -> bytes:
    import weasyprint

    from ..archive import pdfa_write_options

    html = weasyprint.HTML(
        string=render_html(document),
        base_url=templates_dir().as_uri() + "/",
        url_fetcher=_own_files_fetcher(),
    )
    options: dict = {}
    if document.options.get("pdfa"):
        options |= pdfa_write_options(document)
    out = io.BytesIO()
    html.write_pdf(out, **options)
    return out.getvalue()
