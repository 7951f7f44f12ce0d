"""The verification code a printed report carries: the record's SHA-256 and its reference, as text
and as a QR code (SVG for the HTML/WeasyPrint page, PNG for DOCX, the matrix for ReportLab).

It sits beneath the document model and the writers, and imports neither.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote
from xml.sax.saxutils import quoteattr

QR_PREFIX = "reportkit:v1"

# The code is printed 28-30 mm wide. Up to version 25 (117 modules with the quiet zone) a module
# stays about 0.25 mm, which phone cameras and 300 dpi scans of a printed page read; bigger codes
# hold more but stop scanning from paper. Error correction M, byte mode: version 25 holds 997
# bytes (ISO/IEC 18004 table 7), and both encoders reportkit uses (qrcode, ReportLab's) agree.
QR_VERSION = 25
QR_CAPACITY = 997
_SAFE = "/-._~"
_FIXED = len(f"{QR_PREFIX};ref=;sha256=") + 64


def _encoded(reference: str) -> str:
    return quote(reference, safe=_SAFE)


def code_reference(reference: str) -> str:
    """The part of `reference` the verification code carries: all of it when it fits, else its
    longest beginning that does, cut between characters (never inside a percent-encoded one).

    The SHA-256 always fits, so every record gets a code that says which record it was made from;
    a very long reference is shortened in the code, and the printed text says so.
    """
    reference = reference or ""
    budget = QR_CAPACITY - _FIXED
    if len(_encoded(reference)) <= budget:
        return reference
    used = 0
    for i, ch in enumerate(reference):
        used += len(_encoded(ch))
        if used > budget:
            return reference[:i]
    return reference


def verification_payload(reference: str, sha256: str) -> str:
    """`reportkit:v1;ref=<reference, percent-encoded UTF-8>;sha256=<hex>`, with as much of the
    reference as the code holds (`code_reference`), so every writer's code carries the same text.

    Percent-encoding keeps the payload ASCII (an Arabic reference reads the same in every scanner,
    whatever character set it guesses) and keeps `;` and `=` in a reference from breaking fields.
    """
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError(f"not a hex SHA-256: {sha256!r}")
    return f"{QR_PREFIX};ref={_encoded(code_reference(reference))};sha256={sha256}"


def parse_verification_payload(text: str) -> tuple[str, str]:
    """The (reference, sha256) a verification code carries; ValueError for anything else."""
    parts = text.strip().split(";")
    if len(parts) != 3 or parts[0] != QR_PREFIX:
        raise ValueError(f"not a reportkit verification code: {text[:80]!r}")
    fields = dict(part.split("=", 1) for part in parts[1:] if "=" in part)
    if set(fields) != {"ref", "sha256"} or not re.fullmatch(r"[0-9a-f]{64}", fields["sha256"]):
        raise ValueError(f"not a reportkit verification code: {text[:80]!r}")
    return unquote(fields["ref"]), fields["sha256"]


def _qr(reference: str, sha256: str, **kwargs):
    import qrcode

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, **kwargs)
    qr.add_data(verification_payload(reference, sha256).encode("ascii"), optimize=0)
    qr.make(fit=True)  # the payload fits QR_VERSION by construction
    return qr


def verification_qr_svg(reference: str, sha256: str, size: str = "28mm") -> str:
    """The verification code as an inline SVG element (one path, no XML declaration).

    `size` is its CSS width and height. The quiet zone (4 modules) is inside the square and drawn
    white, so the code scans on any background; each row's dark modules are merged into runs, so
    no hairline seams show between neighbouring modules.
    """
    qr = _qr(reference, sha256)
    matrix = qr.get_matrix()  # with the quiet zone
    n = len(matrix)
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < n:
            if row[x]:
                start = x
                while x < n and row[x]:
                    x += 1
                runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    label = (
        f"reportkit verification code: {reference}" if reference else "reportkit verification code"
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" class="verification-qr"'
        f' viewBox="0 0 {n} {n}" width={quoteattr(size)} height={quoteattr(size)}'
        f' role="img" aria-label={quoteattr(label)} shape-rendering="crispEdges">'
        f'<rect width="{n}" height="{n}" fill="#ffffff"/>'
        f'<path d="{"".join(runs)}" fill="#000000"/></svg>'
    )


def verification_qr_png(reference: str, sha256: str, box_size: int = 8) -> bytes:
    """The verification code as PNG bytes (black on white, `box_size` pixels a module).

    Written directly as a 1-bit greyscale PNG: the matrix is all there is to draw, and PIL's
    import alone would cost a DOCX export a tenth of its time.
    """
    import struct
    import zlib

    matrix = _qr(reference, sha256).get_matrix()  # with the quiet zone
    side = len(matrix) * box_size
    rows = []
    for row in matrix:
        bits = "".join(("0" if dark else "1") * box_size for dark in row)  # 1 = white
        bits += "1" * (-len(bits) % 8)
        line = b"\x00" + int(bits, 2).to_bytes(len(bits) // 8, "big")  # filter byte 0, then pixels
        rows.append(line * box_size)

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1 bit, greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )
