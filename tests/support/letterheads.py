"""A letterhead folder the tests share: description, a small PNG emblem, and a helper to write
variants of it."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from html import unescape
from pathlib import Path

import pytest

from .readers import normalize

LETTERHEAD = """\
logo: emblem.png
right: [الجمهورية التونسية, وزارة الداخلية]
left: ["République Tunisienne", "Ministère de l'Intérieur"]
basmala: true
signature: {name: العقيد منير الحاج, title: مدير التعاون الدولي}
footer: [العنوان: شارع الحبيب بورقيبة، تونس]
"""


def png(width: int = 64, height: int = 64, rgb: tuple[int, int, int] = (0, 98, 51)) -> bytes:
    """A plain one-colour PNG, written directly."""
    row = b"\x00" + bytes(rgb) * width

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def letterhead(folder: Path, text: str = LETTERHEAD, name: str = "letterhead.yaml") -> Path:
    """The shared letterhead (or `text`) with its emblem, in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "emblem.png").write_bytes(png())
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# What the shared letterhead and the example record put on the page, and how tests find it.
MM = 72 / 25.4
PAGE_W, PAGE_H = 595.2756, 841.8898  # A4 in points
EMBLEM_RGB = (0, 98, 51)  # the shared letterhead's PNG emblem (support.letterheads.png)

RIGHT = ("الجمهورية التونسية", "وزارة الداخلية")
LEFT = ("République Tunisienne", "Ministère de l'Intérieur")
BASMALA = "بسم الله الرحمن الرحيم"
TITLE = "المؤتمر السابع والأربعون لقادة الشرطة والأمن العرب"
SIGNATURE_NAME, SIGNATURE_TITLE = "العقيد منير الحاج", "مدير التعاون الدولي"
FOOTER = "العنوان: شارع الحبيب بورقيبة، تونس"

SVG = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 120" width="100" height="120">
  <rect x="0" y="0" width="100" height="120" fill="#006233"/>
  <circle cx="50" cy="60" r="30" fill="#ffffff"/>
</svg>
"""


def need(tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed")


def word_boxes(pdf: Path, page: int) -> list[tuple[str, float, float, float, float]]:
    """(word, left, top, right, bottom) in points from the page's top left, as poppler reads
    the page (page counts from 1)."""
    html = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    pattern = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
    return [
        (normalize(unescape(w)), float(a), float(b), float(c), float(d))
        for a, b, c, d, w in re.findall(pattern, html)
    ]


def box_of(boxes, word: str) -> tuple[float, float, float, float]:
    # poppler gives an Arabic word in the order its letters stand on the page
    found = [b[1:] for b in boxes if b[0].strip(".,:،") in (word, word[::-1])]
    assert found, f"{word!r} not on the page: {[b[0] for b in boxes][:40]}"
    return found[0]


def pixels(pdf: Path, page: int, folder: Path):
    """The page rendered at 72 dpi (one pixel per point) as a PIL image."""
    from PIL import Image

    need("pdftoppm")
    stem = folder / f"page{page}"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "72", "-f", str(page), "-l", str(page), str(pdf), str(stem)],
        check=True,
    )
    (png,) = folder.glob(f"page{page}*.png")
    return Image.open(png).convert("RGB")


def emblem_box(image, rgb=EMBLEM_RGB) -> tuple[int, int, int, int]:
    """The bounding box (left, top, right, bottom) of the emblem's colour on a rendered page."""
    from PIL import ImageChops

    solid = image.copy()
    solid.paste(rgb, (0, 0, *image.size))
    diff = ImageChops.difference(image, solid).convert("L").point(lambda v: 255 if v < 24 else 0)
    box = diff.getbbox()
    assert box is not None, "the emblem's colour is nowhere on the page"
    return box
