"""HTML writer: the Jinja2 template filled with a Document (also the input of the PDF engine).

Record text reaches the template only as variables, with autoescaping on: it is never compiled as
template code, and HTML in it is shown as text. An office's own templates (`--template DIR`) are
looked for first and run sandboxed (`reportkit.templates`); reportkit's fill in what they lack.
The letterhead's emblem goes into the page as a data: image: the renderer reads no file for it.
"""

from __future__ import annotations

import base64
import dataclasses
import re
import unicodedata
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from .. import inline
from ..conventions import digits
from ..document import Document, Span
from ..inline import Run
from ..labels import label
from ..languages import direction, first_strong_direction
from ..resources import ARABIC_FAMILY, FALLBACK_FAMILIES, LATIN_FAMILY, templates_dir

if TYPE_CHECKING:
    import jinja2
    from markupsafe import Markup

# What every page repeats is a short form: the running header (organizer or title, and the
# reference) and the outline's entries. The whole text is in the title block; repeating a title
# of 50,000 characters on every page would make the cost grow with the square of its length.
RUNNING_CHARS = 200
REFERENCE_CHARS = 80
OUTLINE_CHARS = 200


def short_text(text: str, limit: int) -> str:
    """`text` when it has at most `limit` characters; else its beginning, cut at a space near
    the limit (or between letters, never before a combining mark), followed by "…". On one line:
    a running header or a bookmark has no room for the text's line breaks, which become spaces."""
    text = text.replace("\n", " ")
    if len(text) <= limit:
        return text
    cut = limit - 1
    space = text.rfind(" ", limit // 2, cut + 1)
    if space > 0:
        cut = space
    while cut > 0 and (unicodedata.category(text[cut])[0] == "M" or text[cut] == "\u200d"):
        cut -= 1  # a mark (or a joiner) stays with the letter before it
    return text[:cut].rstrip() + "…"


# A run of text with no space longer than LONG_RUN characters is cut into pieces of about
# PIECE characters, each its own inline box after the first. WeasyPrint lays out the whole rest of
# a text box for every line it breaks inside a word, so one box of megabytes would cost time
# that grows with the square of its length; pieces keep every line's work small.
LONG_RUN = 400
PIECE = 200
# In a table cell every piece breaks anywhere, and runs are cut from CELL_RUN characters on: the
# cells' words break only where they overflow (report.css), so that measuring a cell's smallest
# width goes word by word, and no word is wider than a cell can be.
CELL_RUN = 40
_LONG = re.compile(f"[^ \t\n\r\f]{{{LONG_RUN},}}")
_LONG_IN_CELL = re.compile(f"[^ \t\n\r\f]{{{CELL_RUN},}}")
# Arabic letters that join only to the letter before them (alef, dal, reh, waw, teh marbuta...):
# a cut after one of them changes no letter's shape. Hamza joins neither side.
_JOINS_BEFORE_ONLY = frozenset(
    "\u0621\u0622\u0623\u0624\u0625\u0627\u0629\u062f\u0630\u0631\u0632\u0648"
    "\u0671\u0672\u0673\u0675\u0676\u0677\u0688\u0689\u068a\u068b\u068c\u068d\u068e"
    "\u068f\u0690\u0691\u0692\u0693\u0694\u0695\u0696\u0697\u0698\u0699\u06c0\u06c3"
    "\u06c4\u06c5\u06c6\u06c7\u06c8\u06c9\u06ca\u06cb\u06cd\u06cf\u06d2\u06d3\u06d5"
    "\u06ee\u06ef"
)


def _joins_next(ch: str) -> bool:
    """Whether `ch` may join the letter after it (Arabic-script letters, tatweel, ZWJ)."""
    cp = ord(ch)
    arabic = 0x0620 <= cp <= 0x06FF or 0x0750 <= cp <= 0x077F or 0x08A0 <= cp <= 0x08FF
    return (arabic and unicodedata.category(ch)[0] == "L" and ch not in _JOINS_BEFORE_ONLY) or (
        ch in "\u0640\u200d"
    )


def _can_cut(run: str, i: int, anywhere: bool) -> bool:
    """A cut before run[i] keeps every letter with its marks and, unless `anywhere`, every
    Arabic letter in the form it has in the whole run."""
    ch = run[i]
    if unicodedata.category(ch)[0] == "M" or ch in "\u200c\u200d\ufe0e\ufe0f\u2060":
        return False  # a mark, joiner or selector stays with what it follows
    return anywhere or not _joins_next(run[i - 1])


def pieces(run: str, size: int = PIECE) -> list[str]:
    """`run` cut into pieces of about `size` characters, where a cut changes no letter's shape
    (after a letter that does not join the next); a run of joining letters only is cut
    between two letters when no such place comes for `size` characters."""
    out = []
    start, n = 0, len(run)
    while n - start > size:
        cut = None
        for anywhere in (False, True):
            for i in range(start + size, min(n, start + 2 * size)):
                if _can_cut(run, i, anywhere):
                    cut = i
                    break
            if cut is not None:
                break
        if cut is None:
            break  # one cluster of hundreds of marks: left whole
        out.append(run[start:cut])
        start = cut
    out.append(run[start:])
    return out


def breakable(text: str, base_dir: str, cell: bool = False) -> Markup:
    """`text` as escaped HTML, its runs of more than LONG_RUN characters without a space cut
    into `pieces`, the second and later each in a `<span class="brk">` (report.css breaks them
    anywhere); in a table `cell`, runs of more than CELL_RUN characters, every piece in a span.
    A run in the other direction than `base_dir` (its span's) is isolated in a span of its own,
    so that its pieces stand in its order, not the paragraph's."""
    from markupsafe import Markup, escape

    threshold, size, pattern = (
        (CELL_RUN, CELL_RUN, _LONG_IN_CELL) if cell else (LONG_RUN, PIECE, _LONG)
    )
    if len(text) < threshold:
        return escape(text)
    out = []
    pos = 0
    brk = Markup('<span class="brk">{}</span>')
    for m in pattern.finditer(text):
        out.append(escape(text[pos : m.start()]))
        run = m.group()
        first, *rest = pieces(run, size)
        html = (brk.format(first) if cell else escape(first)) + Markup("").join(
            brk.format(p) for p in rest
        )
        run_dir = first_strong_direction(run, base_dir)
        if run_dir != base_dir:
            html = Markup('<span dir="{}">{}</span>').format(run_dir, html)
        out.append(html)
        pos = m.end()
    out.append(escape(text[pos:]))
    return Markup("").join(out)


# Where a line may not break inside a link or a foreign run is decided by the document model
# (`inline.printed`: word joiners, which draw nothing and leave nothing in the PDF's text). They
# are left out of the HTML a browser opens, where they would be copied with the address.
_NO_LETTER = re.compile(r"[^\w]|[\d_]")
# An isolate or link with a stretch longer than this between its break opportunities may break
# anywhere (class "wrap"), or it could overflow a narrow column; a shorter one moves to the next
# line whole when it does not fit at the end of one.
UNBROKEN = inline.UNBROKEN
# (Inside a code name only spaces break; inside a link, a "/" too, and the "@" of a long e-mail.)
_STRETCHES = {"link": re.compile(r"[^\s/@]+"), "isolate": re.compile(r"\S+")}
# Whatever inline.py decides, a link the page carries opens a web page or writes an e-mail.
_LINK_SCHEMES = ("https://", "http://", "mailto:")


# In the HTML a browser opens, the held stretches of a run are `<span class="nb">` (report.css:
# no wrap) instead of joiners, which a reader would copy with the address. The places a line may
# break: a space that holds nothing, the break opportunity after a long e-mail's "@", a "/" of a
# link that holds nothing after it.
_BREAKS = re.compile(
    f" (?!{inline.WORD_JOINER})|{inline.ZERO_WIDTH_SPACE}|(?<=/)(?!{inline.WORD_JOINER})"
)


def held_html(shown: str) -> Markup:
    """`shown` (`inline.printed`) as escaped HTML without joiners: each stretch the joiners
    hold, if short, in a no-wrap span."""
    from markupsafe import Markup, escape

    out = []
    pos = 0
    for m in [*_BREAKS.finditer(shown), None]:
        end = m.start() if m else len(shown)
        piece = shown[pos:end]
        text = piece.replace(inline.WORD_JOINER, "")
        if inline.WORD_JOINER in piece and len(text) <= UNBROKEN:
            out.append(Markup('<span class="nb">{}</span>').format(text))
        else:
            out.append(escape(text))
        if m:
            out.append(escape(m.group().replace(inline.ZERO_WIDTH_SPACE, "")))
            pos = m.end()
    return Markup("").join(out)


def _is_number(text: str) -> bool:
    """Digits with spaces and symbols only: a phone number, an amount, a date."""
    return all(_NO_LETTER.fullmatch(ch) for ch in text) and any(ch.isdigit() for ch in text)


def _wrap_class(text: str, kind: str) -> Markup:
    from markupsafe import Markup

    if kind == "number":
        long = len(text) > UNBROKEN
    else:
        long = any(len(s) > UNBROKEN for s in _STRETCHES[kind].findall(text))
    return Markup(' class="wrap"') if long else Markup("")


def run_html(
    run: Run, base_dir: str, cell: bool = False, print_breaks: bool = True, lang: str = ""
) -> Markup:
    """One run of a Span as escaped HTML.

    Text flowing in the Span's direction stays as it is. A foreign run is a `<bdi>` of its own
    direction: it displays as written ("C++", not "++C"), and broken over two lines keeps each
    part in its order. A URL or e-mail address is an `<a>` link (a PDF link annotation), itself
    an isolate. `lang`, where the run is in another language than its text (`Span.run_lang`),
    goes on its element: a screen reader voices "INTERPOL" inside Arabic in English (the tagged
    PDF's /Lang); the stylesheet keeps such a run's look its text's. With `print_breaks`, links
    and foreign runs hold where `inline.printed` says. Runs that `breakable` cuts into pieces keep
    them inside the element."""
    from markupsafe import Markup

    lang_attr = Markup(' lang="{}"').format(lang) if lang else Markup("")
    # A browser's HTML: the held stretches of a short run as no-wrap spans (`held_html`).
    held = not print_breaks and run.dir and len(run.text) < LONG_RUN and not cell
    if run.href and run.href.lower().startswith(_LINK_SCHEMES):
        text = inline.printed(run) if print_breaks else run.text
        return Markup('<a href="{}" dir="ltr"{}{}>{}</a>').format(
            run.href,
            lang_attr,
            _wrap_class(run.text, "link"),
            held_html(inline.printed(run)) if held else breakable(text, "ltr", cell),
        )
    if not run.dir:
        return breakable(run.text, base_dir, cell)
    number = _is_number(run.text)
    # Digits and symbols alone ("+966 11 234 5678") read left to right.
    run_dir = "ltr" if number else run.dir
    text = inline.printed(run) if print_breaks else run.text
    return Markup('<bdi dir="{}"{}{}>{}</bdi>').format(
        run_dir,
        lang_attr,
        _wrap_class(run.text, "number" if number else "isolate"),
        held_html(inline.printed(run)) if held else breakable(text, run_dir, cell),
    )


def span_html(span: Span, cell: bool = False, print_breaks: bool = True) -> Markup:
    """A Span's text as escaped HTML, run by run (`run_html`); each line feed a `<br>`.

    A line feed in a document text is a line break the record asks for (a YAML `|` block, or
    U+2028/U+2029, which the document layer turns into line feeds): ReportLab, Typst and Word
    break the line there, and so do the HTML and WeasyPrint pages, where it would otherwise be
    white space. Each line's bidi controls are already closed on it (`record.text`)."""
    from markupsafe import Markup

    out = []
    for group in inline.isolates(span.runs):
        if len(group) == 1:
            out.append(run_html(group[0], span.dir, cell, print_breaks, span.run_lang(group[0])))
        else:  # a Latin phrase and the link inside it: one isolate, or the phrase would split
            inner = Markup("").join(run_html(run, "ltr", cell, print_breaks) for run in group)
            lang = span.run_lang(group[0])
            lang_attr = Markup(' lang="{}"').format(lang) if lang else Markup("")
            out.append(Markup('<bdi dir="ltr"{}>{}</bdi>').format(lang_attr, inner))
    html = Markup("").join(out)
    return html.replace("\n", Markup("<br>")) if "\n" in html else html


@cache
def _environment(folder: Path | None = None) -> jinja2.Environment:
    """reportkit's templates, or a user's `folder` over them in the sandbox (`templates`)."""
    import jinja2

    from ..templates import environment

    env = environment(folder)
    env.filters["breakable"] = breakable

    @jinja2.pass_context
    def inline(context, span: Span, cell: bool = False) -> Markup:
        return span_html(span, cell, context["print_breaks"])

    env.filters["inline"] = inline
    return env


def template_folder(document: Document) -> Path | None:
    """The office's template folder for this document (`--template`), or None."""
    folder = document.options.get("template")
    return Path(str(folder)) if folder else None


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


def _short(span: Span, limit: int) -> Span:
    return dataclasses.replace(span, text=short_text(span.text, limit))


def context(
    document: Document, *, stylesheet: str | None = None, print_breaks: bool = True
) -> dict[str, object]:
    """What the template receives (`templates.VARIABLES` says what each is)."""
    style = document.digits
    reference = document.reference
    return {
        "doc": document,
        "blocks": document.blocks,
        "running": [_short(s, RUNNING_CHARS) for s in document.running],
        "running_reference": reference and _short(reference, REFERENCE_CHARS),
        "outline": short_text(document.title.title[0].text, OUTLINE_CHARS),
        "print_breaks": print_breaks,
        "dirs": [direction(lang) for lang in document.languages],
        "number": lambda n, lang: digits(str(n), style) if lang == "ar" else str(n),
        "page_content": page_content(document),
        "stylesheet": stylesheet,
        "label": label,
        "qr_svg": qr_svg(document),
        "logo": logo(document, print_breaks),
        "footer_margin": footer_margin(document),
    }


def render_html(
    document: Document, *, stylesheet: str | None = None, print_breaks: bool = True
) -> str:
    """The report as HTML that links `report.css` (or embeds `stylesheet`). `print_breaks`:
    the line-break controls inside links and numbers that print needs (see `run_html`). With a
    template folder (`--template`), its templates over reportkit's; their failures are one
    line (`templates.template_failure`)."""
    values = context(document, stylesheet=stylesheet, print_breaks=print_breaks)
    folder = template_folder(document)
    if folder is None:
        return _environment().get_template("report.html.j2").render(values)
    from ..templates import check_resources, template_failure

    shown = str(document.options.get("template_given") or folder)
    try:
        html = _environment(folder).get_template("report.html.j2").render(values)
    except Exception as err:  # whatever a user's template raises is that template's failure
        raise template_failure(err, folder, shown) from None
    check_resources(html, folder, shown)
    return html


# The letterhead's emblem on page one: at most this high, and this wide (its column between the
# right and left blocks, as in the other writers).
LOGO_HEIGHT_MM = 25.0
LOGO_COLUMN_MM = 0.26 * 170  # of the 170 mm between the page's side margins


def logo(document: Document, for_print: bool = True) -> dict[str, object] | None:
    """The letterhead's emblem for the template: a data: URI (the renderer reads no file), its
    text alternative in each document language, and its size in millimetres, the largest within
    its column and 25 mm high that keeps its proportions. For print (WeasyPrint), an SVG that
    holds text is the picture resvg draws of it (`svgimage`); a browser gets the SVG."""
    lh = document.letterhead
    if lh is None or lh.logo is None:
        return None
    image = lh.logo
    scale = min(LOGO_COLUMN_MM / image.width, LOGO_HEIGHT_MM / image.height)
    mime, data = image.mime, image.data
    if for_print and mime == "image/svg+xml":
        from .svgimage import holds_text, svg_png

        if holds_text(data):
            height = image.height * scale
            mime, data = (
                "image/png",
                svg_png(image, height, "an SVG with text is printed as a picture"),
            )
    return {
        "src": f"data:{mime};base64,{base64.b64encode(data).decode()}",
        "alt": " / ".join(s.text for s in lh.logo_alt if s.text),
        "width": round(image.width * scale, 2),
        "height": round(image.height * scale, 2),
    }


# The bottom margin (report.css) and what stands in it: "page X of Y" from its top, then the
# letterhead's footer lines, which must stay FOOTER_CLEAR_MM above the paper's edge (the margin
# grows only when they would not).
BOTTOM_MM = 24.0
FOOTER_TOP_MM = 8.5  # under the rule: 2 mm, one 9 pt line of the page label, a little air
FOOTER_LINE_MM = 8 * 1.45 * 25.4 / 72  # 8 pt lines
FOOTER_CLEAR_MM = 8.0


def footer_margin(document: Document) -> float:
    """The bottom margin in millimetres: room for the letterhead's footer lines, if any."""
    lines = len(document.letterhead.footer) if document.letterhead is not None else 0
    if not lines:
        return BOTTOM_MM
    return round(max(BOTTOM_MM, FOOTER_TOP_MM + lines * FOOTER_LINE_MM + FOOTER_CLEAR_MM), 2)


def qr_alt(document: Document) -> str:
    """The verification code's text alternative (the PDF's Figure /Alt: WeasyPrint takes an
    SVG's <title>; the HTML's accessible name): one sentence per document language, " / "
    between."""
    return " / ".join(label(lang, "qr_alt") for lang in document.languages)


def qr_svg(document: Document) -> str:
    """The verification block's QR code as inline SVG (vector: sharp in print), named by
    `qr_alt` in its <title> and aria-label."""
    if document.verification is None:
        return ""
    from xml.sax.saxutils import escape, quoteattr

    from ..verification import verification_qr_svg

    svg = verification_qr_svg(document.verification.reference, document.verification.sha256)
    alt = qr_alt(document)
    svg = re.sub(r' aria-label="[^"]*"', lambda _m: f" aria-label={quoteattr(alt)}", svg, count=1)
    end = svg.index(">") + 1  # the opening tag's end: its attributes escape ">"
    return f"{svg[:end]}<title>{escape(alt)}</title>{svg[end:]}"


_CSS_URL = re.compile(r"""url\(\s*(["']?)([^"')]+)\1\s*\)""")


def inline_urls(css: str, folder: Path | None) -> str:
    """Each `url(…)` of a stylesheet that names a file a render may read (relative to the
    template folder, else reportkit's templates: `templates.resolve`) as a data: URL."""
    from ..templates import MEDIA_TYPES, resolve

    base = folder or templates_dir()

    def data_uri(match: re.Match[str]) -> str:
        target = match.group(2)
        if ":" in target:  # data: or a URL with a scheme: never fetched, left as written
            return match.group()
        path = resolve(base / target, folder)
        if path is None:
            return match.group()
        media = MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")
        return f'url("data:{media};base64,{base64.b64encode(path.read_bytes()).decode()}")'

    return _CSS_URL.sub(data_uri, css)


def fallbacks_needed(document: Document) -> set[str]:
    """The fallback families (symbols, math, emoji) some character of the document is drawn
    with: those the text fonts lack, each from the first fallback that has it."""
    from ..glyphs import coverage

    text_fonts = coverage(ARABIC_FAMILY) | coverage(LATIN_FAMILY)
    chars = {ch for span in document.spans() for ch in span.text} - {chr(c) for c in text_fonts}
    needed = set()
    for ch in chars:
        for family in FALLBACK_FAMILIES:
            if ord(ch) in coverage(family):
                needed.add(family)
                break
    return needed


def render_standalone(document: Document) -> bytes:
    """One self-contained HTML file: stylesheet inline (the template folder's, else reportkit's)
    and fonts as data, so it opens anywhere.
    A fallback font is embedded only when the document has a character drawn with it (the
    emoji and symbol fonts would double the file's size)."""
    from ..templates import STYLESHEET, resolve

    folder = template_folder(document)
    source = resolve((folder or templates_dir()) / STYLESHEET, folder)
    css = source.read_text(encoding="utf-8") if source is not None else ""
    needed = fallbacks_needed(document)
    for family in set(FALLBACK_FAMILIES) - needed:
        css = re.sub(rf'@font-face {{ font-family: "{family}";[^}}]*}}\n', "", css)
    css = inline_urls(css, folder)
    return render_html(document, stylesheet=css, print_breaks=False).encode("utf-8")
