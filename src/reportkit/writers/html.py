"""HTML writer: the Jinja2 template filled with a Document (also the input of the PDF engine).

Record text reaches the template only as variables, with autoescaping on: it is never compiled as
template code, and HTML in it is shown as text.
"""

from __future__ import annotations

import base64
import re
from functools import cache

from ..conventions import digits
from ..document import Document
from ..labels import label
from ..languages import direction
from ..resources import fonts_dir, templates_dir


@cache
def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
    )


def css_string(text: str) -> str:
    """`text` as a quoted CSS string that cannot end the declaration it stands in."""
    return (
        '"'
        + "".join(ch if ch.isalnum() or ch in " .,:·—-" else f"\\{ord(ch):x} " for ch in text)
        + '"'
    )


def page_content(document: Document) -> str:
    """The CSS `content` value of the footer: "Page 1 of 3", per language, counters in place."""
    parts = []
    for span in document.page_label:
        # Arabic-Indic digits in the Arabic label only: "Page ١ of ٣" would be wrong in English.
        arabic_indic = document.digits == "arabic-indic" and span.lang == "ar"
        style = "arabic-indic" if arabic_indic else "decimal"
        pieces = re.split(r"(\{page\}|\{pages\})", span.text)
        out = []
        for piece in pieces:
            if piece == "{page}":
                out.append(f"counter(page, {style})")
            elif piece == "{pages}":
                out.append(f"counter(pages, {style})")
            elif piece:
                out.append(css_string(piece))
        parts.append(" ".join(out))
    return ' "   —   " '.join(parts)


def render_html(document: Document, *, stylesheet: str | None = None) -> str:
    """The report as HTML that links `report.css` (or embeds `stylesheet`)."""
    style = document.digits
    template = _environment().get_template("report.html.j2")
    return template.render(
        doc=document,
        blocks=document.blocks,
        dirs=[direction(lang) for lang in document.languages],
        number=lambda n, lang: digits(str(n), style) if lang == "ar" else str(n),
        page_content=page_content(document),
        stylesheet=stylesheet,
        label=label,
        qr_svg=qr_svg(document),
    )


def qr_svg(document: Document) -> str:
    """The verification block's QR code as inline SVG (vector: sharp in print)."""
    if document.verification is None:
        return ""
    from ..verification import verification_qr_svg

    return verification_qr_svg(document.verification.reference, document.verification.sha256)


def _font_data_uri(match: re.Match[str]) -> str:
    data = (fonts_dir() / match.group(1)).read_bytes()
    return f'url("data:font/ttf;base64,{base64.b64encode(data).decode()}")'


def render_standalone(document: Document) -> bytes:
    """One self-contained HTML file: stylesheet inline and fonts as data, so it opens anywhere."""
    css = (templates_dir() / "report.css").read_text(encoding="utf-8")
    css = re.sub(r'url\("\.\./fonts/([\w.-]+)"\)', _font_data_uri, css)
    return render_html(document, stylesheet=css).encode("utf-8")
