"""A letterhead folder the tests share: description, a small PNG emblem, and a helper to write
variants of it."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

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
