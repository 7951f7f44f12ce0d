"""Archival PDFs: PDF/A-3b with the source record inside, verification codes, extraction, signing.

Every reportkit PDF carries the record it was made from as an associated file `record.json`
(MIME application/json, /AFRelationship /Source, listed in the catalog's /AF array), so
`extract_record` works on any of them, PDF/A or not. The PDF/A-3b variant is WeasyPrint's
(`pdfa_write_options`); `finish_archival` then attaches the record and writes XMP metadata and the
document information dictionary from the same values, so the two always agree.

The XMP uses only schemas that XMP and ISO 19005 predefine (no extension schema, which some
validators do not accept): the reference is dc:identifier, the conference dates are dc:date (start,
end) and dc:coverage (an ISO 8601 interval), and dc:source is `sha256:<hex>` of the attached record,
the same fingerprint the verification QR code carries.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import uuid
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from . import __version__
from .document import Document
from .errors import UsageError, one_line
from .record.load import MAX_BYTES

RECORD_NAME = "record.json"
RECORD_MIME = "application/json"
RECORD_DESCRIPTION = "The conference record this report was made from (reportkit record, JSON)"
PDFA_VARIANT = "pdf/a-3b"  # untagged (--no-tags)
PDFA_TAGGED_VARIANT = "pdf/a-3a"  # tagged: level A, the default
PDFUA_PART = 1

_NS_PDFUAID = "http://www.aiim.org/pdfua/ns/id/"
_NS = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "xmpMM": "http://ns.adobe.com/xap/1.0/mm/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
    "pdfuaid": _NS_PDFUAID,
    "pdfaExtension": "http://www.aiim.org/pdfa/ns/extension/",
    "pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#",
    "pdfaProperty": "http://www.aiim.org/pdfa/ns/property#",
}
# ISO 19005 predefines no PDF/UA schema: a PDF/A file that claims PDF/UA describes it, in the
# form ISO 14289-1 gives (a plain PDF needs no description).
_PDFUA_EXTENSION = (
    "<pdfaExtension:schemas><rdf:Bag>"
    '<rdf:li rdf:parseType="Resource">'
    "<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>"
    f"<pdfaSchema:namespaceURI>{_NS_PDFUAID}</pdfaSchema:namespaceURI>"
    "<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>"
    "<pdfaSchema:property><rdf:Seq>"
    '<rdf:li rdf:parseType="Resource">'
    "<pdfaProperty:name>part</pdfaProperty:name>"
    "<pdfaProperty:valueType>Integer</pdfaProperty:valueType>"
    "<pdfaProperty:category>internal</pdfaProperty:category>"
    "<pdfaProperty:description>Indicates, which part of ISO 14289 standard is followed"
    "</pdfaProperty:description>"
    "</rdf:li>"
    "</rdf:Seq></pdfaSchema:property>"
    "</rdf:li>"
    "</rdf:Bag></pdfaExtension:schemas>"
)


class ArchiveError(UsageError):
    """A PDF that cannot be read back, or a signing key that cannot be used."""


class NotAPdf(ArchiveError):
    """The file is not a PDF."""


class NoRecord(ArchiveError):
    """The PDF carries no reportkit record."""


# --- Rendering options -------------------------------------------------------------------------


def pdfa_write_options(document: Document) -> dict[str, Any]:
    """Keyword arguments for WeasyPrint's `HTML.write_pdf` that make a PDF/A-3 file: level A
    (tagged) unless `document.options["tags"]` is false, then level B.

    WeasyPrint then writes the PDF/A identification, the sRGB output intent (/GTS_PDFA1 with its
    ICC profile), PDF 1.7 and the trailer /ID, and embeds every font (subset: PDF/A needs every
    glyph used, not whole fonts). The record attachment and the full metadata are added after
    rendering by `finish_archival`, the same way for PDF/A and plain PDFs.
    """
    variant = PDFA_TAGGED_VARIANT if document.options.get("tags", True) else PDFA_VARIANT
    return {"pdf_variant": variant, "pdf_identifier": True, "uncompressed_pdf": False}


def sha256_of(document: Document) -> str:
    """Hex SHA-256 of the record the document was made from (its canonical JSON bytes)."""
    return hashlib.sha256(document.source).hexdigest()


# --- Finishing: record attachment, XMP and Info --------------------------------------------------


def _timestamp(document: Document, created: dt.datetime | None) -> dt.datetime:
    """When the file is made: `created`, else options["created"], else SOURCE_DATE_EPOCH, else now."""
    value: Any = created or document.options.get("created")
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value is None and os.environ.get("SOURCE_DATE_EPOCH", "").strip().isdigit():
        value = dt.datetime.fromtimestamp(int(os.environ["SOURCE_DATE_EPOCH"]), dt.UTC)
    if value is None:
        value = dt.datetime.now(dt.UTC)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    if value.tzinfo is None:
        value = value.astimezone()  # a naive time is local time
    return value.astimezone(dt.UTC).replace(microsecond=0)


def _xmp_date(d: dt.datetime) -> str:
    return d.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _pdf_date(d: dt.datetime) -> str:
    return d.strftime("D:%Y%m%d%H%M%S+00'00'")


def _conference_dates(document: Document) -> tuple[str | None, str | None]:
    try:
        conference = json.loads(document.source).get("conference", {})
    except (ValueError, AttributeError):
        return None, None
    return conference.get("start_date"), conference.get("end_date")


def _document_uuid(document: Document) -> uuid.UUID:
    return uuid.uuid5(
        uuid.NAMESPACE_URL, f"reportkit:{sha256_of(document)}:{'+'.join(document.languages)}"
    )


def archival_metadata(
    document: Document,
    created: dt.datetime,
    producer: str,
    pdfa: tuple[int, str] | None,
    pdfua: int | None = None,
) -> tuple[bytes, dict[str, str]]:
    """The XMP packet and the matching document information entries (same values, both sides).

    `pdfa` is the (part, conformance) the file claims, e.g. (3, "B"), or None for a plain PDF;
    `pdfua` the PDF/UA part it claims (1 for a tagged reportkit PDF), or None.
    """
    meta = document.meta
    start, end = _conference_dates(document)
    keywords = ", ".join(meta.keywords)
    creator_tool = f"reportkit {__version__}"
    doc_id = _document_uuid(document)
    instance_id = uuid.uuid5(doc_id, _xmp_date(created))

    def text(name: str, value: str) -> str:
        return f"<{name}>{escape(value)}</{name}>"

    def container(name: str, kind: str, items: list[str]) -> str:
        lis = "".join(f"<rdf:li>{escape(i)}</rdf:li>" for i in items)
        return f"<{name}><rdf:{kind}>{lis}</rdf:{kind}></{name}>"

    def alt(name: str, default: str, by_lang: tuple[tuple[str, str], ...] = ()) -> str:
        lis = f'<rdf:li xml:lang="x-default">{escape(default)}</rdf:li>'
        lis += "".join(
            f"<rdf:li xml:lang={quoteattr(lang)}>{escape(v)}</rdf:li>" for lang, v in by_lang if v
        )
        return f"<{name}><rdf:Alt>{lis}</rdf:Alt></{name}>"

    props: list[str] = []
    if pdfa:
        props += [text("pdfaid:part", str(pdfa[0])), text("pdfaid:conformance", pdfa[1])]
    if pdfua:
        props.append(text("pdfuaid:part", str(pdfua)))
        if pdfa:
            props.append(_PDFUA_EXTENSION)
    props.append(text("dc:format", "application/pdf"))
    props.append(alt("dc:title", meta.title, tuple((s.lang, s.text) for s in document.title.title)))
    if meta.author:
        props.append(container("dc:creator", "Seq", [meta.author]))
    if meta.subject:
        props.append(alt("dc:description", meta.subject))
    if meta.keywords:
        props.append(container("dc:subject", "Bag", list(meta.keywords)))
    props.append(container("dc:language", "Bag", list(document.languages)))
    if meta.reference:
        props.append(text("dc:identifier", meta.reference))
    dates = [d for d in (start, end) if d]
    if dates:
        props.append(container("dc:date", "Seq", dates))
        props.append(text("dc:coverage", "/".join(dict.fromkeys((start or end, end or start)))))
    if document.source:
        props.append(text("dc:source", f"sha256:{sha256_of(document)}"))
    props += [
        text("pdf:Producer", producer),
        *([text("pdf:Keywords", keywords)] if keywords else []),
        text("xmp:CreatorTool", creator_tool),
        text("xmp:CreateDate", _xmp_date(created)),
        text("xmp:ModifyDate", _xmp_date(created)),
        text("xmp:MetadataDate", _xmp_date(created)),
        text("xmpMM:DocumentID", f"uuid:{doc_id}"),
        text("xmpMM:InstanceID", f"uuid:{instance_id}"),
    ]
    used = {"dc", "xmp", "xmpMM", "pdf"} | ({"pdfaid"} if pdfa else set())
    if pdfua:
        used.add("pdfuaid")
        if pdfa:
            used |= {"pdfaExtension", "pdfaSchema", "pdfaProperty"}
    xmlns = " ".join(f'xmlns:{p}="{_NS[p]}"' for p in _NS if p in used)
    packet = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        f'<x:xmpmeta xmlns:x="{_NS["x"]}" x:xmptk="reportkit {__version__}">\n'
        f'<rdf:RDF xmlns:rdf="{_NS["rdf"]}">\n'
        f'<rdf:Description rdf:about="" {xmlns}>\n'
        + "\n".join(props)
        + "\n</rdf:Description>\n</rdf:RDF>\n</x:xmpmeta>\n"
        + (" " * 99 + "\n") * 20  # padding, so a later editor can rewrite the packet in place
        + '<?xpacket end="w"?>'
    )
    info = {
        "/Title": meta.title,
        "/Creator": creator_tool,
        "/Producer": producer,
        "/CreationDate": _pdf_date(created),
        "/ModDate": _pdf_date(created),
    }
    if meta.author:
        info["/Author"] = meta.author
    if meta.subject:
        info["/Subject"] = meta.subject
    if keywords:
        info["/Keywords"] = keywords
    return packet.encode("utf-8"), info


def _pdfa_claim(pdf) -> tuple[int, str] | None:
    """The PDF/A (part, conformance) the file claims in its XMP; None for a plain PDF."""
    try:
        status = pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False).pdfa_status
    except Exception:  # unreadable XMP: treated as none
        return None
    match = re.fullmatch(r"(\d)([A-Za-z]?)", status or "")
    return (int(match.group(1)), match.group(2).upper() or "B") if match else None


def _pdfua_claim(pdf) -> int | None:
    """The PDF/UA part the file claims: what its XMP says (WeasyPrint's pdf/ua-1 variant, or a
    file finished before), else 1 for a tagged file (PDF/A-3a, whose XMP says nothing of UA:
    reportkit's tagged files are made for PDF/UA-1), else None."""
    from .writers.weasyprint.tags import is_tagged

    if not is_tagged(pdf):
        return None
    try:
        metadata = pdf.Root.Metadata.read_bytes().decode("utf-8", "replace")
    except (AttributeError, KeyError, ValueError):
        metadata = ""
    found = re.search(r"pdfuaid:part(?:>|=\")\s*(\d+)", metadata)
    return int(found.group(1)) if found else PDFUA_PART


_RESOURCE_KINDS = ("/Pattern", "/Shading", "/XObject", "/ExtGState", "/Properties", "/ColorSpace")


def _drop_empty_resources(pdf) -> None:
    """Remove empty resource categories (WeasyPrint writes `/Pattern << >>`, `/Shading << >>`).

    An empty category means the same as an absent one; some PDF/A checkers refuse what they
    cannot rule out, and an absent category leaves them nothing to rule out.
    """
    import pikepdf

    seen: set[tuple[int, int]] = set()

    def clean(resources) -> None:
        if not isinstance(resources, pikepdf.Dictionary):
            return
        if resources.is_indirect:
            if resources.objgen in seen:
                return
            seen.add(resources.objgen)
        for key in _RESOURCE_KINDS:
            value = resources.get(key)
            if isinstance(value, pikepdf.Dictionary) and len(value.keys()) == 0:
                del resources[key]
        for group in ("/XObject", "/Pattern"):
            children = resources.get(group)
            if isinstance(children, pikepdf.Dictionary):
                for item in children.values():
                    if isinstance(item, pikepdf.Stream | pikepdf.Dictionary):
                        clean(item.get("/Resources"))

    for page in pdf.pages:
        clean(page.obj.get("/Resources"))


def _attach_record(pdf, document: Document, created: dt.datetime) -> None:
    import pikepdf

    # Drop any earlier record attachment (a WeasyPrint attachment, or a second finishing pass).
    for name in list(pdf.attachments.keys()):
        if name == RECORD_NAME:
            del pdf.attachments[name]
    date = _pdf_date(created)
    spec = pikepdf.AttachedFileSpec(
        pdf,
        document.source,
        description=RECORD_DESCRIPTION,
        filename=RECORD_NAME,
        mime_type=RECORD_MIME,
        creation_date=date,
        mod_date=date,
        relationship=pikepdf.Name.Source,
    )
    pdf.attachments[RECORD_NAME] = spec
    # One /AF entry per file specification that still exists, the record's among them.
    entries, seen = [], set()
    for item in list(pdf.Root.get("/AF", pikepdf.Array())) + [spec.obj]:
        key = item.objgen if item.is_indirect else id(item)
        if key in seen or not _is_live_spec(pdf, item, spec):
            continue
        seen.add(key)
        entries.append(item)
    pdf.Root.AF = pikepdf.Array(entries)


def _is_live_spec(pdf, item, spec) -> bool:
    if item.is_indirect and spec.obj.is_indirect and item.objgen == spec.obj.objgen:
        return True
    name = str(item.get("/UF", item.get("/F", "")))
    return name != RECORD_NAME  # older record specs were replaced


def finish_archival(
    pdf_bytes: bytes | Any, document: Document, *, created: dt.datetime | None = None
) -> bytes:
    """Attach the record and write matching XMP and Info metadata to a rendered PDF.

    Works on any PDF (WeasyPrint's, ReportLab's): a file rendered as PDF/A-3b (see
    `pdfa_write_options`) stays PDF/A-3b and keeps its identification; a plain PDF gets the same
    attachment and metadata without claiming PDF/A. `created` (else `document.options["created"]`,
    else SOURCE_DATE_EPOCH, else now) dates the file, so a fixed time gives identical bytes.
    `pdf_bytes` may also be an open `pikepdf.Pdf` (a writer that corrects its PDF with pikepdf
    hands it over rather than saving and parsing it twice); it is closed here.
    """
    import pikepdf

    if isinstance(pdf_bytes, pikepdf.Pdf):
        pdf = pdf_bytes
    else:
        try:
            pdf = pikepdf.open(io.BytesIO(pdf_bytes))
        except pikepdf.PdfError as err:
            raise ValueError(f"finish_archival: not a readable PDF ({err})") from None
    with pdf:
        claim = _pdfa_claim(pdf)
        if claim is not None and claim[0] != 3:
            raise ValueError(
                f"finish_archival: a PDF/A-{claim[0]} file cannot carry a JSON attachment; "
                f"render with pdf_variant={PDFA_VARIANT!r}"
            )
        when = _timestamp(document, created)
        old_producer = str(pdf.docinfo.get("/Producer", "")) if "/Info" in pdf.trailer else ""
        producer = "; ".join(p for p in (old_producer, f"pikepdf {pikepdf.__version__}") if p)
        _drop_empty_resources(pdf)
        if document.source:
            _attach_record(pdf, document, when)
        ua = _pdfua_claim(pdf)
        if ua is not None:  # PDF/UA: the viewer shows the title, not the file name
            pdf.Root.ViewerPreferences = pdf.Root.get("/ViewerPreferences", pikepdf.Dictionary())
            pdf.Root.ViewerPreferences.DisplayDocTitle = True
        xmp, info = archival_metadata(document, when, producer, claim, ua)
        pdf.Root.Metadata = pdf.make_stream(
            xmp, Type=pikepdf.Name.Metadata, Subtype=pikepdf.Name.XML
        )
        pdf.docinfo = pdf.make_indirect(
            pikepdf.Dictionary({k: pikepdf.String(v) for k, v in info.items()})
        )
        if "/Lang" not in pdf.Root:
            pdf.Root.Lang = pikepdf.String(document.lang)
        out = io.BytesIO()
        pdf.save(
            out,
            preserve_pdfa=True,
            normalize_content=False,
            fix_metadata_version=False,
            qdf=False,
            compress_streams=True,
            object_stream_mode=pikepdf.ObjectStreamMode.generate,
            stream_decode_level=pikepdf.StreamDecodeLevel.generalized,
            deterministic_id=True,
        )
    return out.getvalue()


# --- Reading the record back -------------------------------------------------------------------


def _open_pdf(path: Path):
    import pikepdf

    try:
        with open(path, "rb") as f:
            head = f.read(1024)
    except FileNotFoundError:
        raise ArchiveError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ArchiveError(f"{path}: is a directory, not a PDF") from None
    except OSError as err:
        raise ArchiveError(f"{path}: cannot be read: {err.strerror}") from None
    if b"%PDF-" not in head:
        raise NotAPdf(f"{path}: not a PDF file")
    try:
        return pikepdf.open(path)
    except pikepdf.PasswordError:
        raise ArchiveError(f"{path}: the PDF is encrypted; reportkit cannot read it") from None
    except pikepdf.PdfError as err:
        raise NotAPdf(f"{path}: not a readable PDF ({err})") from None


# A record is read no further than the record loader accepts (MAX_BYTES, 5 MiB): nothing larger
# can be a record, and stopping there holds a decompression bomb (a one-megabyte stream that
# inflates to gigabytes) to a few megabytes of memory and milliseconds. Deflate makes no data
# larger than 0.1% plus a few bytes, hence the allowance for the stored (encoded) size.
_RECORD_LIMIT = MAX_BYTES
_XMP_LIMIT = 4 * 1024 * 1024  # an XMP packet is kilobytes; larger ones are not reportkit's
_SLACK = 64 * 1024
# reportkit attaches one file; a PDF listing thousands is searched no further than this many.
_MAX_CANDIDATES = 1000


class _TooLarge(Exception):
    pass


class _Unreadable(Exception):
    pass


def _filters(stream) -> list[str]:
    import pikepdf

    value = stream.get("/Filter")
    if value is None:
        return []
    items = list(value) if isinstance(value, pikepdf.Array) else [value]
    return [str(item) for item in items]


def _has_predictor(stream) -> bool:
    import pikepdf

    parms = stream.get("/DecodeParms")
    if isinstance(parms, pikepdf.Array):
        parms = parms[0] if len(parms) else None
    if not isinstance(parms, pikepdf.Dictionary):
        return False
    try:
        return int(parms.get("/Predictor", 1)) > 1
    except (TypeError, ValueError):
        return True


def _bounded_data(stream, limit: int) -> bytes:
    """The decoded data of a PDF stream, never more than `limit` bytes of it held: _TooLarge as
    soon as it would pass the limit, _Unreadable for data reportkit does not decode.

    Only what reportkit writes is decoded (unfiltered data, or FlateDecode without predictor), by
    zlib with a bound on its output: a decoder that expands without limit (pikepdf's would hand
    back the whole gigabyte) is never asked.
    """
    import zlib

    length = stream.get("/Length")
    try:
        if length is not None and int(length) > limit + _SLACK:
            raise _TooLarge
    except (TypeError, ValueError):
        pass  # an odd /Length: qpdf found the data anyway, and its size is checked below
    filters = _filters(stream)
    if filters not in ([], ["/FlateDecode"]) or (filters and _has_predictor(stream)):
        raise _Unreadable(f"it is encoded with {' '.join(filters)}, which reportkit does not read")
    raw = stream.read_raw_bytes()
    if len(raw) > limit + _SLACK or (not filters and len(raw) > limit):
        raise _TooLarge
    if not filters:
        return raw
    inflate = zlib.decompressobj()
    out, pending = bytearray(), raw
    try:
        while True:
            piece = inflate.decompress(pending, limit + 1 - len(out))
            out += piece
            if len(out) > limit:
                raise _TooLarge
            pending = inflate.unconsumed_tail
            if inflate.eof or not (pending or piece):  # done, or a truncated stream ran out
                break
    except zlib.error as err:
        raise _Unreadable(f"its compressed data is damaged ({err})") from None
    return bytes(out)


def _candidates(pdf):
    """(name, file specification) of the attached files: from the catalog's /AF array and the
    EmbeddedFiles name tree, at most _MAX_CANDIDATES of each; and whether any were left out."""
    import pikepdf

    found, more = [], False
    af = pdf.Root.get("/AF")
    if isinstance(af, pikepdf.Array):
        more = len(af) > _MAX_CANDIDATES
        for i in range(min(len(af), _MAX_CANDIDATES)):
            item = af[i]
            if isinstance(item, pikepdf.Dictionary):
                found.append((str(item.get("/UF", item.get("/F", ""))), item))
    names = pdf.Root.get("/Names")
    tree = names.get("/EmbeddedFiles") if isinstance(names, pikepdf.Dictionary) else None
    if isinstance(tree, pikepdf.Dictionary):
        for count, (name, item) in enumerate(pikepdf.NameTree(tree).items()):
            if count == _MAX_CANDIDATES:
                more = True
                break
            if isinstance(item, pikepdf.Dictionary):
                found.append((str(name), item))
    return found, more


def _record_spec(candidates):
    """The file specification of the attached record among (name, spec) pairs, or None."""
    import pikepdf

    def mime(obj) -> str:
        try:
            return str(obj.EF.F.get("/Subtype", ""))[1:]
        except (AttributeError, KeyError):
            return ""

    def rank(entry) -> int:
        name, obj = entry
        return (
            (name == RECORD_NAME) * 4
            + (obj.get("/AFRelationship") == pikepdf.Name.Source) * 2
            + (mime(obj) == RECORD_MIME)
        )

    usable = [c for c in candidates if "/EF" in c[1] and (c[0] == RECORD_NAME or rank(c) == 3)]
    return max(usable, key=rank) if usable else None


def _declared_sha256(pdf) -> str | None:
    """The record fingerprint the XMP metadata states (dc:source `sha256:<hex>`), if any.

    Read with a bound like the record (_XMP_LIMIT), and parsed with no DTD, entity or network
    access; an unreadable or oversized packet states nothing (the fingerprint is a check against
    accidents, not a seal: whoever can change the attachment can change the metadata too).
    """
    import pikepdf
    from lxml import etree

    stream = pdf.Root.get("/Metadata")
    if not isinstance(stream, pikepdf.Stream):
        return None
    try:
        packet = _bounded_data(stream, _XMP_LIMIT)
        parser = etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
        )
        root = etree.fromstring(packet, parser)
    except (_TooLarge, _Unreadable, etree.XMLSyntaxError, pikepdf.PdfError, ValueError):
        return None
    dc = _NS["dc"]
    values = [e.text or "" for e in root.iter(f"{{{dc}}}source")]
    values += [
        v for e in root.iter(f"{{{_NS['rdf']}}}Description") if (v := e.get(f"{{{dc}}}source"))
    ]
    for source in values:
        source = source.strip()
        if source.startswith("sha256:"):
            return source[len("sha256:") :]
    return None


def extract_record(pdf_path: str | Path) -> tuple[dict[str, Any], str]:
    """The record attached to a reportkit PDF, as plain data, and the attachment's name.

    The data is checked like any record file (JSON syntax, duplicate keys, the record model), and
    against the fingerprint in the PDF's metadata when there is one.
    """
    from .errors import Problem, RecordError
    from .record.load import parse_data, record_from_data

    path = Path(pdf_path)
    pdf = _open_pdf(path)
    with pdf:
        candidates, more = _candidates(pdf)
        found = _record_spec(candidates)
        if found is None:
            among = f" among the first {_MAX_CANDIDATES} attached files" if more else ""
            raise NoRecord(
                f"{path}: no reportkit record is attached to this PDF{among} "
                f"(it was not made by reportkit, or the attachment was removed)"
            )
        name, obj = found
        name = one_line(name)
        try:
            raw = _bounded_data(obj.EF.F, _RECORD_LIMIT)
        except _TooLarge:
            raise ArchiveError(
                f"{path}: the attached {name} is larger than a record can be "
                f"({_RECORD_LIMIT // 1024 // 1024} MB); it is not a reportkit record"
            ) from None
        except _Unreadable as err:
            raise ArchiveError(f"{path}: the attached {name} cannot be read: {err}") from None
        except Exception as err:
            raise ArchiveError(f"{path}: the attached {name} cannot be read ({err})") from None
        declared = _declared_sha256(pdf)
    where = f"{path}:{name}"
    if declared and hashlib.sha256(raw).hexdigest() != declared:
        raise ArchiveError(
            f"{where}: the attached record does not match the fingerprint in the PDF's metadata "
            f"(sha256 {declared[:12]}…); the attachment was changed after the report was made"
        )
    data, positions = parse_data(raw, where, "json")
    if not isinstance(data, dict):
        raise RecordError([Problem(where, "the attachment is not a reportkit record")])
    record_from_data(data, where, positions)  # raises RecordError naming what is wrong
    return data, name


def write_record_yaml(data: dict[str, Any], path: str | Path) -> Path:
    """Write a record as YAML (atomically); returns the path written."""
    from .files import write_atomic
    from .record.dump import record_yaml

    path = Path(path)
    write_atomic(path, record_yaml(data))
    return path


# --- Signing -----------------------------------------------------------------------------------


def check_signer(p12_path: str | Path, password: bytes | str | None) -> tuple[bytes, bytes]:
    """The PKCS#12 file's bytes and the password as bytes, once the file is known to hold a key
    and a certificate valid today; else an ArchiveError saying why not.

    Only `cryptography` is used (a tenth of a second), so a certificate reportkit will not sign
    with is refused before any work and before pyHanko loads (half a second more)."""
    import importlib.util

    if importlib.util.find_spec("pyhanko") is None:  # the extra, named before any work
        raise ModuleNotFoundError("No module named 'pyhanko'", name="pyhanko")
    path = Path(p12_path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ArchiveError(f"{path}: no such file") from None
    except OSError as err:
        raise ArchiveError(f"{path}: cannot be read: {err.strerror or err}") from None
    if isinstance(password, str):
        password = password.encode("utf-8")
    from cryptography.hazmat.primitives.serialization import pkcs12

    try:
        key, cert, _others = pkcs12.load_key_and_certificates(data, password)
    except Exception:
        key = cert = None
    if key is None or cert is None:
        raise _unreadable(path)
    _check_validity(path, cert)
    return data, password or b""


def _unreadable(path: Path) -> ArchiveError:
    return ArchiveError(
        f"{path}: cannot read a key and certificate from it: wrong password, or not a "
        f"PKCS#12 (.p12/.pfx) file"
    )


def load_signer(p12_path: str | Path, password: bytes | str | None):
    """A pyHanko signer from a PKCS#12 file (checked by `check_signer`), or an ArchiveError."""
    data, password = check_signer(p12_path, password)
    from pyhanko.sign import signers

    try:
        signer = signers.SimpleSigner.load_pkcs12_data(
            data, other_certs=None, passphrase=password or None
        )
    except Exception:
        signer = None
    if signer is None:
        raise _unreadable(Path(p12_path))
    return signer


def _check_validity(path: Path, cert) -> None:
    """Refuse a certificate (a `cryptography` one) outside its validity period: a signature made
    with it is one no recipient's validator accepts, and nothing in the report would say so."""
    now = dt.datetime.now(dt.UTC)
    start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
    if start <= now <= end:
        return
    state = "has expired" if now > end else "is not valid yet"
    raise ArchiveError(
        f"{path}: the certificate ({one_line(cert.subject.rfc4514_string())}) {state}: valid "
        f"from {start.isoformat()} to {end.isoformat()}; reportkit does not sign with it"
    )


def sign_pdf(
    pdf_bytes: bytes,
    p12_path: str | Path,
    password: bytes | str | None,
    *,
    field_name: str = "Signature1",
    reason: str | None = None,
    location: str | None = None,
) -> bytes:
    """Sign a PDF (PAdES baseline B, invisible signature) as an incremental update.

    The original bytes stay untouched before the update, so the record attachment and the PDF/A
    structure are kept; the invisible widget has the print flag and a zero-size box, as PDF/A
    wants. No timestamp is requested (reportkit works offline).
    """
    from pyhanko.sign import fields, signers

    signer = load_signer(p12_path, password)
    writer_class = _signing_writer_class()
    try:
        writer = writer_class(io.BytesIO(pdf_bytes), strict=False)
    except Exception as err:
        raise ArchiveError(f"cannot sign: not a readable PDF ({err})") from None
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        location=location,
    )
    out = signers.PdfSigner(meta, signer=signer).sign_pdf(writer)
    return out.getvalue()


_XMP_FIELDS = ("pdf:Producer", "xmp:ModifyDate", "xmp:MetadataDate", "xmpMM:InstanceID")


def _signing_writer_class():
    """pyHanko's incremental writer, with the metadata update made consistent.

    pyHanko appends itself to the Info /Producer but writes XMP pdf:Producer as itself alone, and
    re-serializes the packet (the xmpMM prefix becomes ns0). This writer updates the same four
    values on both sides instead (producer, modification and metadata dates, instance id), in the
    packet `finish_archival` wrote; a packet it does not recognize is left as it is, with Info.
    """
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.metadata.model import VENDOR  # "pyHanko <version>"

    class ArchivalSigningWriter(IncrementalPdfFileWriter):
        def _update_meta(self):
            try:
                xmp = self.root["/Metadata"].get_object().data.decode("utf-8")
                info = self._info.get_object() if self._info is not None else None
            except Exception:
                return
            if info is None or not all(f"<{name}>" in xmp for name in _XMP_FIELDS):
                return
            now = dt.datetime.now(dt.UTC).replace(microsecond=0)
            producer = str(info.get("/Producer", ""))
            if "pyHanko" not in producer:
                producer = "; ".join(p for p in (producer, VENDOR) if p)
            document_id = re.search(r"<xmpMM:DocumentID>uuid:([0-9a-f-]+)<", xmp)
            base = uuid.UUID(document_id.group(1)) if document_id else uuid.NAMESPACE_URL
            values = {
                "pdf:Producer": escape(producer),
                "xmp:ModifyDate": _xmp_date(now),
                "xmp:MetadataDate": _xmp_date(now),
                "xmpMM:InstanceID": f"uuid:{uuid.uuid5(base, _xmp_date(now))}",
            }
            for name, value in values.items():
                xmp = re.sub(
                    rf"<{name}>[^<]*</{name}>", lambda _m, n=name, v=value: f"<{n}>{v}</{n}>", xmp
                )
            stream = generic.StreamObject(
                {
                    generic.pdf_name("/Type"): generic.pdf_name("/Metadata"),
                    generic.pdf_name("/Subtype"): generic.pdf_name("/XML"),
                },
                stream_data=xmp.encode("utf-8"),
            )
            self.root["/Metadata"] = self.add_object(stream)
            self.update_root()
            info["/Producer"] = generic.TextStringObject(producer)
            info["/ModDate"] = generic.TextStringObject(_pdf_date(now))
            self.mark_update(self._info)

    return ArchivalSigningWriter
