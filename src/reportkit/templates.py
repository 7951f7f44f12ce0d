"""An office's own HTML templates (`export --template DIR`), and the rules they run under.

The HTML writer (and so the WeasyPrint PDF) looks for each template and stylesheet in DIR first,
then in reportkit's own `templates/`: a folder may hold only the one file it changes. A user's
template is code someone else wrote, run on a machine that holds records, so:

- it runs in Jinja2's immutable sandbox (autoescaping on, as for reportkit's own): no Python
  internals (`__class__`, `__globals__`), no changing the document it is given;
- it reads templates only from DIR and reportkit's templates: a name that leads outside them
  (`..`, an absolute path, a symbolic link out of the folder) is not found;
- while rendering, stylesheets, fonts and images come from DIR or reportkit's folders only
  (`resolve` below, used by the WeasyPrint URL fetcher): a file DIR lacks is looked for at the
  same place in reportkit's tree, so a copied `report.css` still finds `../fonts/`.

Every failure is one line naming the file and line: `--template DIR: report.html.j2:12: unexpected
'}'`. Record text still reaches a template only as variables: it is never compiled as template
code, whichever template prints it.

`reportkit template init DIR` (`init`) writes a copy of the built-in templates and a README of the
variables they receive (`VARIABLES`, the context `html.render_html` builds).
"""

from __future__ import annotations

import os
import re
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import UsageError
from .resources import is_resource, templates_dir

if TYPE_CHECKING:
    import jinja2

# The built-in files a template folder may replace, and `template init` copies.
TEMPLATE = "report.html.j2"
STYLESHEET = "report.css"
COPIED = (TEMPLATE, STYLESHEET)

# The files a render serves, by extension (the WeasyPrint URL fetcher, the standalone HTML).
MEDIA_TYPES = {
    ".css": "text/css",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".svg": "image/svg+xml",
}

# What a template receives (html.render_html's context); the README `init` writes lists them,
# and a test keeps this list and the context the same.
VARIABLES: dict[str, str] = {
    "doc": "the document model (reportkit.document.Document): `doc.languages`, `doc.lang`, "
    "`doc.dir`, `doc.bilingual`, `doc.meta` (title, author, subject, keywords), `doc.title` "
    "(organizer, title, fields: each a list of Spans, one per language), `doc.blocks`, "
    "`doc.reference`, `doc.notice`, `doc.marking`, `doc.draft`, `doc.verification` (reference, "
    "sha256, heading, fingerprint_label, hint) and `doc.letterhead` (right, left, logo_alt, "
    "basmala, signature: name then title, footer, date: the report's date under the band, facing the "
    "reference)",
    "blocks": "the report's blocks in order (`doc.blocks`): each has `kind` (heading, paragraph "
    "or list) and `texts` (one Span per language), a list has `items` (texts, number, category) "
    "and `numbered`",
    "running": "the running header's Spans (organizer or title, one per language), shortened",
    "running_reference": "the reference as a Span, shortened for the running header, or none",
    "outline": "the title in the first language, shortened: the PDF outline's entry",
    "print_breaks": "true for the PDF (line-break controls inside links and numbers), false for "
    "the HTML file",
    "dirs": "the direction (rtl or ltr) of each document language, in `doc.languages` order",
    "number": "`number(n, lang)`: a number in the office's digits for Arabic, as written otherwise",
    "page_content": 'the CSS `content` value of "page X of Y" in each language',
    "stylesheet": "the stylesheet's text for a self-contained HTML file (then it goes inline), "
    "else none (the page links report.css)",
    "label": "`label(lang, key)`: a word reportkit writes (e.g. `label('ar', 'reference')`)",
    "qr_svg": "the verification QR code as inline SVG (print it with `|safe`), or empty",
    "logo": "the letterhead's emblem, or none: `logo.src` (a data: URI), `logo.alt` (its text "
    "alternative), `logo.width` and `logo.height` (millimetres, within 25 mm high)",
    "footer_margin": "the bottom page margin in millimetres that leaves room for the "
    'letterhead\'s footer lines under "page X of Y"',
}
FILTERS: dict[str, str] = {
    "inline": "`span|inline` (or `span|inline(true)` in a table cell): a Span's text as HTML, "
    "escaped, foreign runs isolated in `<bdi>`, links as `<a>`",
    "breakable": "`text|breakable(dir)`: plain text as HTML, very long words cut so they can wrap",
}


class TemplateError(UsageError):
    """A template folder that cannot be used, or a template that fails: one line."""


class LeavesFolder(Exception):
    """A template in the folder that is a link to a file outside it (never read, and no
    fallback to reportkit's template of that name either: the office meant its own)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def template_folder(path: str | os.PathLike) -> Path:
    """`path` as a template folder, resolved; a UsageError when it is not a folder."""
    folder = Path(path).expanduser()
    if not folder.exists():
        raise TemplateError(f"--template {path}: no such folder")
    if not folder.is_dir():
        raise TemplateError(
            f"--template {path}: not a folder (give the folder that holds report.html.j2 "
            "and report.css)"
        )
    return folder.resolve()


def resolve(path: Path, folder: Path | None) -> Path | None:
    """The file a render may read for the local `path` a URL names, or None.

    Inside `folder` (followed through links, it must stay there); else, for a path relative to
    `folder` (`folder/report.css`, `folder/../fonts/X.ttf`), the file at the same place relative
    to reportkit's templates; else one of reportkit's own files."""
    path = Path(os.path.normpath(path))
    if folder is not None:
        if path.is_relative_to(folder) and os.path.lexists(path):
            # the folder's own file, which a link must not lead out of
            real = path.resolve()
            return real if real.is_relative_to(folder) and real.is_file() else None
        relative = os.path.relpath(path, folder)
        own = Path(os.path.normpath(templates_dir() / relative))
        if is_resource(own):
            return own.resolve()
    return path.resolve() if is_resource(path) else None


def _loader(folder: Path) -> jinja2.BaseLoader:
    import jinja2

    class FolderLoader(jinja2.BaseLoader):
        """Templates from one folder only: a name that leads outside it is not found."""

        def __init__(self, root: Path) -> None:
            self.root = root.resolve()

        def get_source(self, environment, template):
            # split_template_path refuses ".." pieces; an absolute name becomes relative
            pieces = jinja2.loaders.split_template_path(template)
            given = self.root.joinpath(*pieces)
            if not os.path.lexists(given):
                raise jinja2.TemplateNotFound(template)
            path = given.resolve()
            if not path.is_relative_to(self.root):
                raise LeavesFolder(template)
            if not path.is_file():
                raise jinja2.TemplateNotFound(template)
            source = path.read_text(encoding="utf-8")
            mtime = path.stat().st_mtime
            return source, str(path), lambda: path.stat().st_mtime == mtime

    return FolderLoader(folder)


def environment(folder: Path | None) -> jinja2.Environment:
    """The Jinja2 environment for reportkit's templates, or for `folder`'s over them (sandboxed).
    Filters are added by the HTML writer."""
    import jinja2
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    settings = {"autoescape": True, "undefined": jinja2.StrictUndefined, "trim_blocks": False}
    if folder is None:
        return jinja2.Environment(loader=_loader(templates_dir()), **settings)
    loader = jinja2.ChoiceLoader([_loader(folder), _loader(templates_dir())])
    return ImmutableSandboxedEnvironment(loader=loader, **settings)


def _shown(filename: str | None, folder: Path) -> str:
    """A template file as a message names it: relative to the folder, or reportkit's."""
    if not filename:
        return "?"
    path = Path(filename)
    for root, prefix in ((folder, ""), (templates_dir().resolve(), "reportkit's ")):
        if path.is_relative_to(root):
            return prefix + str(path.relative_to(root))
    return filename


def template_failure(err: Exception, folder: Path, shown_folder: str) -> TemplateError:
    """A template's failure as one line: `--template DIR: file:line: what`."""
    import jinja2
    from jinja2.sandbox import SecurityError

    where = "?"
    if isinstance(err, jinja2.TemplateSyntaxError):
        where = f"{_shown(err.filename, folder)}:{err.lineno}"
    else:
        # Jinja2 rewrites a render's traceback: a template's frames carry its file and line
        files = {str(p) for p in (folder, templates_dir().resolve())}
        for frame in reversed(traceback.extract_tb(err.__traceback__)):
            if any(frame.filename.startswith(f + os.sep) for f in files):
                where = f"{_shown(frame.filename, folder)}:{frame.lineno}"
                break
    if isinstance(err, jinja2.TemplateSyntaxError):
        what = err.message or "syntax error"
    elif isinstance(err, jinja2.TemplateNotFound):
        what = (
            f"no template {err.name!r} here (templates are read from this folder and "
            "reportkit's templates only)"
        )
    elif isinstance(err, LeavesFolder):
        what = f"{err.name} is a link to a file outside the folder: refused"
    elif isinstance(err, SecurityError):
        what = f"refused: {err} (templates run sandboxed, without Python internals)"
    elif isinstance(err, jinja2.UndefinedError):
        what = str(err)
    else:
        what = f"{type(err).__name__}: {err}"
    what = " ".join(what.split())  # one line, whatever the message holds
    where = "" if where == "?" else f"{where}: "
    return TemplateError(f"--template {shown_folder}: {where}{what}")


# What a page fetches: stylesheets, images and the like by their HTML attribute (never <a href:
# a link is an annotation, not fetched), and url(…) and @import in a stylesheet.
_HTML_FETCHES = re.compile(
    r"""<(?:link|img|image|script|iframe|object|embed|source|video|audio|input)\b[^>]*?"""
    r"""\s(?:href|src|data|srcset)\s*=\s*(["'])([^"']*)\1""",
    re.IGNORECASE,
)
_STYLE_ELEMENT = re.compile(r"<style\b[^>]*>(.*?)</style>", re.IGNORECASE | re.DOTALL)
_CSS_FETCHES = re.compile(r"""url\(\s*(["']?)([^"')]+)\1\s*\)|@import\s+(["'])([^"']+)\3""")


def check_resources(html: str, folder: Path, shown_folder: str) -> None:
    """Refuse, in one line, a page from `folder`'s templates that names a file or URL the
    renderer would not fetch (the URL fetcher refuses it in any case, but WeasyPrint would then
    go on without it: a report without its stylesheet, in the wrong fonts)."""
    from urllib.parse import unquote, urljoin, urlparse

    def refuse(url: str, where: str) -> None:
        raise TemplateError(
            f"--template {shown_folder}: {where}: {url[:80]!r} is outside the template folder "
            "and reportkit's files: a template reads nothing else"
        )

    def check(url: str, base: str, where: str, seen: set[str]) -> None:
        url = url.strip()
        if not url or url.startswith("#"):
            return
        if url.lower().startswith("data:"):
            # images (the emblem), and fonts the self-contained HTML carries: nothing fetched
            if not url[5:].lower().startswith(("image/", "font/")):
                refuse(url, where)
            return
        absolute = urljoin(base, url)
        parsed = urlparse(absolute)
        path = resolve(Path(unquote(parsed.path)), folder) if parsed.scheme == "file" else None
        if path is None:
            refuse(url, where)
        if path.suffix.lower() == ".css" and str(path) not in seen:
            seen.add(str(path))
            text = path.read_text(encoding="utf-8", errors="replace")
            for found in _CSS_FETCHES.finditer(text):
                check(
                    found.group(2) or found.group(4), path.as_uri(), _shown(str(path), folder), seen
                )

    base = folder.as_uri() + "/"
    seen: set[str] = set()
    for found in _HTML_FETCHES.finditer(html):
        check(found.group(2), base, TEMPLATE, seen)
    for style in _STYLE_ELEMENT.finditer(html):
        for found in _CSS_FETCHES.finditer(style.group(1)):
            check(found.group(2) or found.group(4), base, TEMPLATE, seen)


def readme() -> str:
    """The README `init` writes: what the templates receive, and how the folder is used."""
    rows = "\n".join(f"- `{name}`: {text}" for name, text in VARIABLES.items())
    filters = "\n".join(f"- `{name}`: {text}" for name, text in FILTERS.items())
    return f"""# reportkit templates

`reportkit export RECORD.yaml --template THIS-FOLDER` renders the HTML and the WeasyPrint PDF
with the templates in this folder; anything it lacks comes from reportkit's own templates (delete
a file to go back to reportkit's). `report.html.j2` is the page (Jinja2), `report.css` its style
(WeasyPrint CSS: `@page` rules, margin boxes). Stylesheets, fonts and images are read from this
folder or reportkit's: `url("fonts/Office.ttf")` is a file here, `url("../fonts/…")` reportkit's
fonts. Nothing else is fetched: no other file, no network.

Templates run sandboxed (no Python internals, no changing the document) and autoescaped: record
text is printed as text. A Span (a text in one language) has `text`, `lang`, `dir` and
`machine` (set for a machine translation); print it with `|inline`. An error is reported as
`--template FOLDER: FILE:LINE: what`.

## Variables

{rows}

## Filters

{filters}

The built-in template's `span` macro shows how a Span becomes an element with its language and
direction; keep `lang` and `dir` on every element that holds text (screen readers and the PDF's
tags use them).
"""


def init(folder: str | os.PathLike) -> list[Path]:
    """Write a copy of the built-in templates and the README into `folder` (created if need
    be); an existing file is never replaced. Returns the files written."""
    from .files import write_output

    target = Path(folder)
    files = {name: (templates_dir() / name).read_bytes() for name in COPIED}
    files["README.md"] = readme().encode("utf-8")
    if target.exists() and not target.is_dir():
        raise UsageError(f"{folder}: not a folder")
    # A link counts as a file, even one pointing nowhere: writing through it would put a
    # template wherever it points.
    existing = [name for name in files if os.path.lexists(target / name)]
    if existing:
        raise UsageError(
            f"{target / existing[0]} exists: reportkit does not replace a template; "
            "choose an empty folder"
        )
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        from .files import cannot_write

        raise cannot_write(Path(folder), err) from None
    written: list[Path] = []
    try:
        for name, data in files.items():
            write_output(target / name, data)
            written.append(target / name)
    except BaseException:
        for path in written:  # all the templates or none: the ones written were new
            path.unlink(missing_ok=True)
        raise
    return written
