"""Stage 4: writers. Each turns a Document into the bytes of one file format.

A writer never reads the record; it renders only what the Document holds. A new format is a new
module (a package for a family of modules) here and one line in WRITERS.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

# format → (module, function). Imported only when that format is asked for, so the heavy
# libraries behind one writer never slow down another or the CLI's start.
WRITERS: dict[str, tuple[str, str]] = {
    "html": ("reportkit.writers.html", "render_standalone"),
    "pdf": ("reportkit.writers.weasyprint.writer", "render"),
    "pdf-reportlab": ("reportkit.writers.reportlab.writer", "render"),
    "pdf-typst": ("reportkit.writers.typst.writer", "render"),
    # the same PDF still open in pikepdf, for `archive.finish_archival` to finish and save once
    "pdf-typst-open": ("reportkit.writers.typst.writer", "render_open"),
    "docx": ("reportkit.writers.docx.writer", "render"),
}


def writer(name: str) -> Callable[..., bytes]:
    module, function = WRITERS[name]
    return getattr(import_module(module), function)
