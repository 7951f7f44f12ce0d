"""PDF writer on WeasyPrint: the HTML writer's page, laid out by Pango/HarfBuzz.

The renderer may read only reportkit's own templates and fonts, and an office's template folder
(`--template`): every other URL — a file path or a network address that a record or a template
might smuggle in — is refused by the URL fetcher. The letterhead's emblem arrives in the page as
a `data:` image, the one kind of data URL it accepts.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

from ...resources import templates_dir

if TYPE_CHECKING:  # the worker process imports this module first: nothing heavy before WeasyPrint
    from ...document import Document


class ResourceRefused(Exception):
    pass


# The data URLs the page may hold: images (the letterhead's emblem, already checked when the
# letterhead was read). Not stylesheets or fonts, which come from files we know.
_DATA_TYPES = frozenset({"image/png", "image/jpeg", "image/svg+xml"})
# write_pdf's options travel to the worker as plain data; the template folder rides along under
# this key, taken out before WeasyPrint sees them.
TEMPLATE_OPTION = "reportkit_template"


def _data_image(url: str) -> tuple[str, bytes] | None:
    """A `data:` URL's media type and bytes, when it is an image we accept (base64 or not)."""
    import base64
    import binascii

    header, comma, payload = url[5:].partition(",")
    if not comma:
        return None
    media, *params = header.split(";")
    if media.strip().lower() not in _DATA_TYPES:
        return None
    try:
        data = base64.b64decode(payload, validate=True) if "base64" in params else None
    except binascii.Error:
        return None
    return media.strip().lower(), data if data is not None else unquote(payload).encode()


def _own_files_fetcher(folder: Path | None = None):
    """The URL fetcher of a render: reportkit's templates and fonts, `folder`'s files (an
    office's templates, see `templates.resolve`), and data: images; nothing else."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    from ...templates import MEDIA_TYPES, resolve

    class OwnFilesFetcher(URLFetcher):
        """Serves reportkit's templates and fonts; refuses every other URL, local or remote."""

        def fetch(self, url, headers=None):
            parsed = urlparse(url)
            if parsed.scheme == "file":
                path = resolve(Path(unquote(parsed.path)), folder)
                if path is not None:
                    content_type = MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")
                    return URLFetcherResponse(
                        path.as_uri(), path.read_bytes(), {"Content-Type": content_type}
                    )
            elif parsed.scheme == "data":
                image = _data_image(url)
                if image is not None:
                    return URLFetcherResponse(url, image[1], {"Content-Type": image[0]})
            raise ResourceRefused(f"reportkit does not fetch {url[:80]!r} while rendering")

    return OwnFilesFetcher(allowed_protocols=("file", "data"))


def tagged(document: Document) -> bool:
    """Whether the PDF is tagged (the default): `--no-tags` asks for the untagged file."""
    return bool(document.options.get("tags", True))


def write_options(document: Document) -> dict:
    """WeasyPrint's `write_pdf` options for this document (plain data: they cross to a worker).

    Tagged, the file is PDF/UA-1 (WeasyPrint writes the structure tree, /MarkInfo and
    /DisplayDocTitle); with `--pdfa`, PDF/A-3a, which is tagged too (`archive` keeps the UA
    claim). `--no-tags` gives the untagged file: plain, or PDF/A-3b.
    """
    if document.options.get("pdfa"):
        from ...archive import pdfa_write_options

        options = pdfa_write_options(document)
    else:
        options = {"pdf_variant": "pdf/ua-1"} if tagged(document) else {}
    if document.options.get("template"):
        options = {**options, TEMPLATE_OPTION: str(document.options["template"])}
    return options


def _writes_tags(options: dict) -> bool:
    from weasyprint.pdf import VARIANTS

    variant = options.get("pdf_variant")
    implied = VARIANTS[variant][1].get("pdf_tags") if variant else None
    return bool(implied if implied is not None else options.get("pdf_tags"))


def html_to_pdf(html: str, options: dict) -> bytes:
    """The one place WeasyPrint renders: reportkit's HTML, fetching only reportkit's files (and
    the template folder's, `TEMPLATE_OPTION`).
    Its text layer is then corrected (`pdftext`), so that every word printed is found again,
    and a tagged file's structure made one a screen reader can use (`tags`)."""
    import contextlib

    import pikepdf
    import weasyprint

    from ..pdftext import fix_text_layer
    from .tags import fix_structure, tagging

    options = dict(options)
    folder = options.pop(TEMPLATE_OPTION, None)
    folder = Path(folder) if folder else None
    # Relative URLs (report.css) are the template folder's, else reportkit's templates'.
    base = (folder or templates_dir()).as_uri() + "/"
    tags = _writes_tags(options)
    out = io.BytesIO()
    with tagging() if tags else contextlib.nullcontext():
        weasyprint.HTML(
            string=html, base_url=base, url_fetcher=_own_files_fetcher(folder)
        ).write_pdf(out, **options)
    fixed = io.BytesIO()
    with pikepdf.open(io.BytesIO(out.getvalue())) as pdf:
        fix_text_layer(pdf)
        if tags:
            fix_structure(pdf)
        pdf.save(fixed, preserve_pdfa=True, deterministic_id=True)
    return fixed.getvalue()


def render(document: Document) -> bytes:
    from ..html import render_html

    return html_to_pdf(render_html(document), write_options(document))


class Worker:
    """WeasyPrint in a process started before the record is even read.

    Importing WeasyPrint takes about half a second of one core; the worker spends it while this
    process reads, validates and lays out the report on the other. It then renders the HTML it is
    sent with `html_to_pdf`, the same function as in-process rendering.

    The worker never outlives this process: it holds the read end of a pipe whose only write end
    is ours, and exits as soon as that pipe reports end-of-file (this process is gone, however it
    ended, `kill -9` included); on Linux the kernel also sends it SIGKILL when we die. It ignores
    Ctrl-C, which reaches the whole process group: this process decides, and `close` ends it.
    """

    def __init__(self) -> None:
        import os
        import subprocess
        import sys

        lifeline, self._lifeline = os.pipe()
        try:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "reportkit.writers.weasyprint.writer",
                    str(lifeline),
                    str(os.getpid()),
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=(lifeline,),
            )
        finally:
            os.close(lifeline)

    def render(self, document: Document) -> bytes:
        import json

        from ..html import render_html

        payload = json.dumps({"html": render_html(document), "options": write_options(document)})
        out, err = self.proc.communicate(payload.encode("utf-8"))
        if self.proc.returncode != 0:
            last = err.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
            raise RuntimeError(f"the PDF renderer failed: {last[0]}")
        return out

    def close(self) -> None:
        import os

        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None and not stream.closed:
                stream.close()
        if self._lifeline is not None:
            os.close(self._lifeline)
            self._lifeline = None


def _die_with_parent(lifeline: int, parent: int) -> None:
    """Exit at once when the parent is gone (see `Worker`); leave Ctrl-C to the parent."""
    import os
    import signal

    from ...lifeline import exit_with_parent

    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def lifeline_closed() -> None:
        while os.read(lifeline, 1):
            pass  # end-of-file: the parent's end is closed, so the parent is gone

    exit_with_parent(lifeline_closed, lambda: os.getppid() == parent)


def _serve() -> None:
    import json
    import sys

    _die_with_parent(int(sys.argv[1]), int(sys.argv[2]))
    import weasyprint  # noqa: F401  (the point of the worker: import while the parent works)

    from ...resources import ARABIC_FAMILY, font_path
    from ..pdftext import font_text

    font_text(font_path(ARABIC_FAMILY))  # the text-layer fix's tables, read while we wait

    payload = json.loads(sys.stdin.buffer.read() or b"null")
    if payload is None:  # the parent closed our input without a job: nothing to do
        return
    sys.stdout.buffer.write(html_to_pdf(payload["html"], payload["options"]))


if __name__ == "__main__":
    _serve()
