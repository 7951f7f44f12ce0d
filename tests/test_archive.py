"""Archival PDFs: PDF/A-3 structure (3a, tagged, by default; 3b untagged), the record attached and
read back, the verification code, PAdES signing, and Hijri dates. Every PDF here is rendered by the
real WeasyPrint writer path and read back with qpdf, poppler, pikepdf (and its PDF/A-3b validator,
which checks a level-A file as the level-B file it also is: support.readers.pdfa_report), pyHanko
and zbar."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import subprocess

import pikepdf
import pytest
import weasyprint

from conftest import EXAMPLE
from reportkit.archive import (
    ArchiveError,
    NoRecord,
    NotAPdf,
    extract_record,
    finish_archival,
    pdfa_write_options,
    sha256_of,
    sign_pdf,
    write_record_yaml,
)
from reportkit.document import build_document, with_options
from reportkit.errors import RecordError, UsageError
from reportkit.hijri import (
    HIJRI_MONTHS_AR,
    HIJRI_MONTHS_EN,
    format_dual_date,
    hijri_date,
    hijri_long,
)
from reportkit.record import load_record
from reportkit.record.model import Record
from reportkit.verification import (
    parse_verification_payload,
    verification_payload,
    verification_qr_png,
    verification_qr_svg,
)
from reportkit.writers.html import render_html
from reportkit.writers.weasyprint.writer import _own_files_fetcher, html_to_pdf, write_options
from support.readers import pdfa_report, pdffonts, zbar

CREATED = dt.datetime(2024, 7, 13, 9, 30, tzinfo=dt.UTC)
XMP_NS = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
    "pdfuaid": "http://www.aiim.org/pdfua/ns/id/",
}


def render(document, *, pdfa: bool = True, html: str | None = None) -> bytes:
    """The writer's rendering (WeasyPrint, then the text layer and structure fixes), with the
    archival options when `pdfa`."""
    return html_to_pdf(
        html if html is not None else render_html(document),
        pdfa_write_options(document) if pdfa else write_options(document),
    )


@pytest.fixture(scope="module")
def record() -> Record:
    return load_record(EXAMPLE)


@pytest.fixture(scope="module")
def document(record):
    return build_document(record)


@pytest.fixture(scope="module")
def raw_pdfa(document) -> bytes:
    return render(document)


@pytest.fixture(scope="module")
def pdfa_path(raw_pdfa, document, tmp_path_factory):
    path = tmp_path_factory.mktemp("archive") / "conference-47.pdf"
    path.write_bytes(finish_archival(raw_pdfa, document, created=CREATED))
    return path


@pytest.fixture(scope="module")
def plain_path(document, tmp_path_factory):
    path = tmp_path_factory.mktemp("plain") / "conference-47.pdf"
    path.write_bytes(finish_archival(render(document, pdfa=False), document, created=CREATED))
    return path


def xmp_tree(pdf: pikepdf.Pdf):
    from lxml import etree

    return etree.fromstring(pdf.Root.Metadata.read_bytes())


def etree_text(tree) -> str:
    from lxml import etree

    return etree.tostring(tree, encoding="unicode")


def xmp_values(tree, name: str) -> list[str]:
    """Every value of an XMP property, written as an element or as an attribute."""
    prefix, local = name.split(":")
    qname = f"{{{XMP_NS[prefix]}}}{local}"
    out = []
    for desc in tree.iter(f"{{{XMP_NS['rdf']}}}Description"):
        if qname in desc.attrib:
            out.append(desc.attrib[qname])
        for el in desc.iter(qname):
            items = el.findall(f".//{{{XMP_NS['rdf']}}}li")
            out += [i.text or "" for i in items] if items else [el.text or ""]
    return out


def x_default(tree, name: str) -> str | None:
    prefix, local = name.split(":")
    for li in tree.iter(f"{{{XMP_NS[prefix]}}}{local}"):
        for item in li.iter(f"{{{XMP_NS['rdf']}}}li"):
            if item.get("{http://www.w3.org/XML/1998/namespace}lang") == "x-default":
                return item.text
    return None


def all_objects(pdf: pikepdf.Pdf):
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Stream):
            yield obj.stream_dict
        elif isinstance(obj, (pikepdf.Dictionary, pikepdf.Array)):
            yield obj


# --- PDF/A-3 structure ---------------------------------------------------------------------------


def test_options_are_weasyprint_options(document):
    options = pdfa_write_options(document)
    assert set(options) <= set(weasyprint.DEFAULT_OPTIONS)
    assert options["pdf_variant"] == "pdf/a-3a"  # tagged unless --no-tags
    untagged = pdfa_write_options(with_options(document, tags=False))
    assert untagged["pdf_variant"] == "pdf/a-3b"


def test_qpdf_finds_no_structural_error(pdfa_path):
    result = subprocess.run(["qpdf", "--check", str(pdfa_path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors" in result.stdout


def test_pikepdf_pdfa_validator_approves_the_file(pdfa_path):
    report = pdfa_report(pdfa_path)
    assert report.passed, report.summary()


def test_xmp_identifies_pdfa_3a_and_pdfua_1_and_describes_the_report(pdfa_path, document, record):
    with pikepdf.open(pdfa_path) as pdf:
        assert pdf.pdf_version == "1.7"
        assert pdf.open_metadata(set_pikepdf_as_editor=False).pdfa_status == "3A"
        tree = xmp_tree(pdf)
    assert xmp_values(tree, "pdfaid:part") == ["3"]
    assert xmp_values(tree, "pdfaid:conformance") == ["A"]
    assert xmp_values(tree, "pdfuaid:part") == ["1"]
    # ISO 19005 predefines no PDF/UA schema: the PDF/A file describes the one it uses.
    assert "<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>" in etree_text(tree)
    c = record.conference
    assert x_default(tree, "dc:title") == c.title["ar"]
    assert xmp_values(tree, "dc:creator") == [c.organizer]
    assert xmp_values(tree, "dc:language") == ["ar"]
    assert xmp_values(tree, "dc:identifier") == [c.reference]
    assert xmp_values(tree, "dc:date") == [c.start_date.isoformat(), c.end_date.isoformat()]
    assert xmp_values(tree, "dc:coverage") == [f"{c.start_date}/{c.end_date}"]
    assert xmp_values(tree, "dc:source") == [f"sha256:{sha256_of(document)}"]
    assert xmp_values(tree, "xmp:CreateDate") == ["2024-07-13T09:30:00+00:00"]
    assert xmp_values(tree, "xmp:CreatorTool")[0].startswith("reportkit ")


BILINGUAL = {
    "language": "ar",
    "conference": {
        "title": {"ar": "اجتماع تنسيقي", "en": "Coordination meeting"},
        "organizer": {"ar": "الأمانة العامة", "en": "The General Secretariat"},
        "start_date": "2024-07-13",
    },
    "summary": {"ar": "ملخص قصير.", "en": "A short summary."},
}


def test_bilingual_title_is_in_each_language():
    record = Record.model_validate(BILINGUAL)
    document = build_document(record, "ar+en")
    data = finish_archival(render(document), document, created=CREATED)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        tree = xmp_tree(pdf)
    titles = {
        li.get("{http://www.w3.org/XML/1998/namespace}lang"): li.text
        for li in tree.iter(f"{{{XMP_NS['rdf']}}}li")
        if li.getparent().getparent().tag == f"{{{XMP_NS['dc']}}}title"
    }
    assert titles == {
        "x-default": record.conference.title["ar"],
        "ar": record.conference.title["ar"],
        "en": record.conference.title["en"],
    }
    assert xmp_values(tree, "dc:language") == ["ar", "en"]
    assert xmp_values(tree, "dc:date") == ["2024-07-13"]
    assert xmp_values(tree, "dc:coverage") == ["2024-07-13"]
    assert "dc:identifier" not in etree_text(tree)


def check_info_matches_xmp(pdf: pikepdf.Pdf) -> None:
    """Every Info entry equals its XMP counterpart (ISO 19005-1 6.7.3, kept for PDF/A-3 too)."""
    from pikepdf.models.metadata import decode_pdf_date
    from pikepdf.models.metadata._converters import parse_xmp_date

    tree = xmp_tree(pdf)
    info = pdf.docinfo
    pairs = {
        "/Title": x_default(tree, "dc:title"),
        "/Author": (xmp_values(tree, "dc:creator") or [None])[0],
        "/Subject": x_default(tree, "dc:description"),
        "/Keywords": (xmp_values(tree, "pdf:Keywords") or [None])[0],
        "/Creator": (xmp_values(tree, "xmp:CreatorTool") or [None])[0],
        "/Producer": (xmp_values(tree, "pdf:Producer") or [None])[0],
    }
    for key, xmp_value in pairs.items():
        assert key in info, key
        assert str(info[key]) == xmp_value, key
    for key, prop in (("/CreationDate", "xmp:CreateDate"), ("/ModDate", "xmp:ModifyDate")):
        (xmp_date,) = xmp_values(tree, prop)
        assert decode_pdf_date(str(info[key])) == parse_xmp_date(xmp_date), key


def test_info_dictionary_matches_xmp(pdfa_path):
    with pikepdf.open(pdfa_path) as pdf:
        check_info_matches_xmp(pdf)


def test_output_intent_is_pdfa_with_an_srgb_profile(pdfa_path):
    with pikepdf.open(pdfa_path) as pdf:
        intents = pdf.Root.OutputIntents
        assert len(intents) == 1
        intent = intents[0]
        assert intent.S == pikepdf.Name("/GTS_PDFA1")
        profile = intent.DestOutputProfile
        assert profile.N == 3
        icc = profile.read_bytes()
        assert icc[36:40] == b"acsp" and icc[16:20] == b"RGB "


def test_every_font_is_embedded(pdfa_path):
    fonts = pdffonts(pdfa_path)
    assert fonts
    assert all(f["emb"] == "yes" for f in fonts), fonts
    out = subprocess.run(["pdffonts", str(pdfa_path)], capture_output=True, text=True).stdout
    assert "Type 3" not in out
    with pikepdf.open(pdfa_path) as pdf:
        for page in pdf.pages:
            for font in page.Resources.Font.values():
                for f in [font, *font.get("/DescendantFonts", [])]:
                    if "/FontDescriptor" in f:
                        d = f.FontDescriptor
                        assert any(k in d for k in ("/FontFile", "/FontFile2", "/FontFile3"))


def test_record_is_an_associated_source_file(pdfa_path, document):
    with pikepdf.open(pdfa_path) as pdf:
        assert list(pdf.attachments) == ["record.json"]
        spec = pdf.attachments["record.json"].obj
        assert spec.AFRelationship == pikepdf.Name.Source
        assert str(spec.F) == str(spec.UF) == "record.json"
        af = pdf.Root.AF
        assert len(af) == 1 and af[0].objgen == spec.objgen
        stream = spec.EF.F
        assert stream.Subtype == pikepdf.Name("/application/json")
        params = stream.Params
        assert int(params.Size) == len(document.source)
        assert str(params.ModDate).startswith("D:20240713093000")
        assert stream.read_bytes() == document.source
    # The MIME type as written: a name with its slash escaped (streams are never compressed away).
    assert re.search(rb"/Subtype\s*/application#2[fF]json", pdfa_path.read_bytes())


def test_no_encryption_no_javascript_no_actions(pdfa_path):
    with pikepdf.open(pdfa_path) as pdf:
        assert not pdf.is_encrypted and "/Encrypt" not in pdf.trailer
        assert "/OpenAction" not in pdf.Root and "/AA" not in pdf.Root
        assert "/JavaScript" not in pdf.Root.get("/Names", {})
        for obj in all_objects(pdf):
            if isinstance(obj, pikepdf.Dictionary):
                assert "/JS" not in obj and "/JavaScript" not in obj
                assert obj.get("/S") not in (pikepdf.Name.JavaScript, pikepdf.Name.Launch)


def test_same_time_gives_identical_bytes(raw_pdfa, document, monkeypatch):
    """Rendered again and finished at the same time: the same file, byte for byte."""
    again = render(document)
    assert again == raw_pdfa
    assert finish_archival(again, document, created=CREATED) == finish_archival(
        raw_pdfa, document, created=CREATED
    )
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(CREATED.timestamp())))
    assert finish_archival(raw_pdfa, document) == finish_archival(
        raw_pdfa, document, created=CREATED
    )


def test_finishing_twice_keeps_one_record(pdfa_path, document, tmp_path):
    again = tmp_path / "again.pdf"
    again.write_bytes(finish_archival(pdfa_path.read_bytes(), document, created=CREATED))
    with pikepdf.open(again) as pdf:
        assert list(pdf.attachments) == ["record.json"]
        assert len(pdf.Root.AF) == 1
    assert pdfa_report(again).passed


def test_plain_pdf_carries_the_record_without_claiming_pdfa(plain_path, document):
    with pikepdf.open(plain_path) as pdf:
        assert pdf.open_metadata(set_pikepdf_as_editor=False).pdfa_status == ""
        assert "pdfaid" not in pdf.Root.Metadata.read_bytes().decode()
        check_info_matches_xmp(pdf)
        assert pdf.attachments["record.json"].obj.AFRelationship == pikepdf.Name.Source
    data, name = extract_record(plain_path)
    assert name == "record.json"
    assert json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode() == (
        document.source
    )


def test_a_pdfa_3u_file_keeps_its_conformance_level(document):
    pdfa3u = weasyprint.HTML(string="<p>x</p>", url_fetcher=_own_files_fetcher()).write_pdf(
        pdf_variant="pdf/a-3u"
    )
    with pikepdf.open(io.BytesIO(finish_archival(pdfa3u, document, created=CREATED))) as pdf:
        assert pdf.open_metadata(set_pikepdf_as_editor=False).pdfa_status == "3U"


def test_a_pdfa_2_file_is_refused(document):
    pdfa2 = weasyprint.HTML(string="<p>x</p>", url_fetcher=_own_files_fetcher()).write_pdf(
        pdf_variant="pdf/a-2b"
    )
    with pytest.raises(ValueError, match="PDF/A-2"):
        finish_archival(pdfa2, document, created=CREATED)


# --- Reading the record back ---------------------------------------------------------------------


def test_export_extract_round_trip_gives_the_same_record(pdfa_path, record, tmp_path):
    data, name = extract_record(pdfa_path)
    assert name == "record.json"
    out = write_record_yaml(data, tmp_path / "back.yaml")
    assert Record.model_validate(data) == record
    assert load_record(out) == record


TRICKY = {
    "language": "ar",
    "conference": {
        "title": {
            "ar": "عنوان: فيه نقطتان # وعلامة",
            "en": {"text": "yes", "machine": {"from": "ar", "engine": "argostranslate"}},
            "fr": {"text": "null", "machine": {"from": "ar", "via": "en"}},
        },
        "number": 3,
        "organizer": "  مسافات في الطرفين  ",
        "start_date": "2024-07-13",
        "reference": "2024-07-13",
    },
    "summary": "سطر أول\nسطر ثان — \"اقتباس\" و'اقتباس' 😀 1.0 0x1F ~ true",
    "topics": ["- ليس عنصر قائمة", "[ليس] {قائمة}", "&anchor *alias !tag |"],
    "recommendations": [{"text": "@ % ` >", "category": "on"}],
    "sections": [{"heading": "قسم", "paragraphs": ["فقرة\n\nبعد سطر فارغ", "\tمسافة جدولة"]}],
}


def test_round_trip_keeps_values_yaml_would_misread(tmp_path):
    record = Record.model_validate(TRICKY)
    document = build_document(record)
    pdf = pikepdf.new()
    pdf.add_blank_page()
    buf = io.BytesIO()
    pdf.save(buf)
    path = tmp_path / "tricky.pdf"
    path.write_bytes(finish_archival(buf.getvalue(), document, created=CREATED))
    data, _ = extract_record(path)
    back = load_record(write_record_yaml(data, tmp_path / "tricky.yaml"))
    assert back == record
    assert back.conference.title["fr"].machine.via == "en"
    assert back.summary == TRICKY["summary"] and back.conference.reference == "2024-07-13"


def test_not_a_pdf_is_a_clear_error(tmp_path):
    path = tmp_path / "report.pdf"
    path.write_text("language: ar\n", encoding="utf-8")
    with pytest.raises(NotAPdf, match="not a PDF") as err:
        extract_record(path)
    assert isinstance(err.value, UsageError)
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 10)
    with pytest.raises(UsageError):
        extract_record(broken)


def test_missing_file_and_folder_are_clear_errors(tmp_path):
    with pytest.raises(ArchiveError, match="no such file"):
        extract_record(tmp_path / "nope.pdf")
    with pytest.raises(ArchiveError, match="directory"):
        extract_record(tmp_path)


def test_a_pdf_without_a_record_is_a_clear_error(document, tmp_path):
    path = tmp_path / "other.pdf"
    path.write_bytes(render(document, pdfa=False))  # not finished: nothing attached
    with pytest.raises(NoRecord, match="no reportkit record"):
        extract_record(path)
    # Another attachment is not taken for the record.
    with pikepdf.open(path) as pdf:
        pdf.attachments["notes.txt"] = pikepdf.AttachedFileSpec(
            pdf, b"hello", mime_type="text/plain"
        )
        pdf.save(tmp_path / "other2.pdf")
    with pytest.raises(NoRecord):
        extract_record(tmp_path / "other2.pdf")


def test_a_changed_attachment_is_caught(pdfa_path, tmp_path):
    with pikepdf.open(pdfa_path) as pdf:
        data = json.loads(pdf.attachments["record.json"].get_file().read_bytes())
        data["conference"]["reference"] = "FORGED/1"
        forged = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        pdf.attachments["record.json"] = pikepdf.AttachedFileSpec(
            pdf, forged.encode(), filename="record.json", mime_type="application/json"
        )
        pdf.save(tmp_path / "forged.pdf")
    with pytest.raises(ArchiveError, match="fingerprint"):
        extract_record(tmp_path / "forged.pdf")


def test_an_invalid_attached_record_is_a_record_error(tmp_path):
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.attachments["record.json"] = pikepdf.AttachedFileSpec(
        pdf, b'{"language": "ar", "conference": {}}', mime_type="application/json"
    )
    pdf.save(tmp_path / "bad.pdf")
    with pytest.raises(RecordError, match="conference.title"):
        extract_record(tmp_path / "bad.pdf")


# --- Fingerprint and verification code -----------------------------------------------------------


def test_sha256_is_of_the_attached_bytes(pdfa_path, document):
    assert sha256_of(document) == hashlib.sha256(document.source).hexdigest()
    with pikepdf.open(pdfa_path) as pdf:
        attached = pdf.attachments["record.json"].get_file().read_bytes()
    assert hashlib.sha256(attached).hexdigest() == sha256_of(document)


def test_payload_round_trip():
    sha = "ab" * 32
    for ref in ("م ق ش/47/2023", "GS/12/2024", "a;b=c%d", ""):
        payload = verification_payload(ref, sha)
        assert payload.isascii() and payload.startswith("reportkit:v1;ref=")
        assert parse_verification_payload(payload) == (ref, sha)
    with pytest.raises(ValueError):
        verification_payload("x", "not-a-hash")
    with pytest.raises(ValueError):
        parse_verification_payload("https://example.org/")


def test_qr_matrix_round_trip(document):
    import qrcode

    ref, sha = document.meta.reference, sha256_of(document)
    svg = verification_qr_svg(ref, sha)
    assert svg.startswith("<svg ") and "<?xml" not in svg and svg.count("<path ") == 1
    # Rebuild the code from the parsed payload: the same modules, so the same path.
    again = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    again.add_data(
        verification_payload(*parse_verification_payload(verification_payload(ref, sha))).encode(),
        optimize=0,
    )
    again.make(fit=True)
    n = len(again.get_matrix())
    assert f'viewBox="0 0 {n} {n}"' in svg
    dark = sum(sum(row) for row in again.get_matrix())
    widths = [int(w) for w in re.findall(r"h(\d+)v1", svg)]
    assert sum(widths) == dark


def test_png_code_decodes(document, tmp_path):
    ref, sha = document.meta.reference, sha256_of(document)
    path = tmp_path / "qr.png"
    path.write_bytes(verification_qr_png(ref, sha))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert parse_verification_payload(zbar(path)) == (ref, sha)


def test_svg_code_decodes_from_an_archival_pdf_page(document, tmp_path):
    """The SVG inside a page rendered as PDF/A-3b: it scans, and the file still passes."""
    ref, sha = document.meta.reference, sha256_of(document)
    block = f'<div style="page-break-before: always">{verification_qr_svg(ref, sha)}</div>'
    html = render_html(document).replace("</body>", block + "</body>")
    pdf = tmp_path / "qr.pdf"
    pdf.write_bytes(finish_archival(render(document, html=html), document, created=CREATED))
    assert pdfa_report(pdf).passed, pdfa_report(pdf).summary()
    with pikepdf.open(pdf) as p:
        last = len(p.pages)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "150",
            "-png",
            "-f",
            str(last),
            "-l",
            str(last),
            "-singlefile",
            str(pdf),
            str(tmp_path / "page"),
        ],
        check=True,
        capture_output=True,
    )
    assert parse_verification_payload(zbar(tmp_path / "page.png")) == (ref, sha)


def test_an_overlong_reference_is_shortened_in_the_code_never_refused():
    reference, sha = "م" * 2000, "0" * 64
    svg = verification_qr_svg(reference, sha)
    assert svg.startswith("<svg ")
    carried, found = parse_verification_payload(verification_payload(reference, sha))
    assert found == sha and 0 < len(carried) < len(reference) and reference.startswith(carried)


# --- Signing -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def signing_key(tmp_path_factory):
    """A throwaway self-signed certificate and its PKCS#12 file, made here."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "reportkit test signer")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("key")
    p12 = folder / "signer.p12"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"signer", key, cert, None, serialization.BestAvailableEncryption(b"s3cret")
        )
    )
    return p12, cert.public_bytes(serialization.Encoding.DER)


@pytest.fixture(scope="module")
def signed_path(pdfa_path, signing_key, tmp_path_factory):
    p12, _ = signing_key
    path = tmp_path_factory.mktemp("signed") / "signed.pdf"
    path.write_bytes(sign_pdf(pdfa_path.read_bytes(), p12, b"s3cret"))
    return path


def test_signature_is_intact_valid_and_covers_the_file(signed_path, signing_key):
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    _, cert_der = signing_key
    context = ValidationContext(trust_roots=[asn1_x509.Certificate.load(cert_der)])
    with open(signed_path, "rb") as f:
        reader = PdfFileReader(f)
        (signature,) = reader.embedded_signatures
        assert signature.field_name == "Signature1"
        assert str(signature.sig_object["/SubFilter"]) == "/ETSI.CAdES.detached"
        status = validate_pdf_signature(signature, context)
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.coverage.name == "ENTIRE_FILE"
    assert status.modification_level.name == "NONE"


def test_signing_keeps_the_original_bytes_and_the_record(signed_path, pdfa_path, record):
    original = pdfa_path.read_bytes()
    assert signed_path.read_bytes().startswith(original), "signing must be an incremental update"
    data, _ = extract_record(signed_path)
    assert Record.model_validate(data) == record
    result = subprocess.run(["qpdf", "--check", str(signed_path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_signing_keeps_pdfa_identification_and_metadata_consistent(signed_path):
    with pikepdf.open(signed_path) as pdf:
        assert pdf.open_metadata(set_pikepdf_as_editor=False).pdfa_status == "3A"
        check_info_matches_xmp(pdf)
        tree = xmp_tree(pdf)
        assert xmp_values(tree, "dc:identifier") == ["م ق ش/47/2023"]
        assert "pyHanko" in str(pdf.docinfo.Producer)
        (widget,) = pdf.Root.AcroForm.Fields
        assert [float(v) for v in widget.Rect] == [0, 0, 0, 0]
        assert int(widget.F) & 4 and not int(widget.F) & (1 | 2 | 32 | 256)
    report = pdfa_report(signed_path)
    # pikepdf's validator does not check signatures (/AcroForm), and stops at them: nothing it
    # did check is a violation.
    assert not report.violations, report.summary()
    assert {f.rule for f in report.unsupported} <= {
        "pikepdf:schema-Catalog",
        "pikepdf:embedded-file",
    }, report.summary()


def test_bad_key_files_are_usage_errors(signing_key, pdfa_path, tmp_path):
    p12, _ = signing_key
    pdf = pdfa_path.read_bytes()
    with pytest.raises(UsageError, match="wrong password"):
        sign_pdf(pdf, p12, b"wrong")
    with pytest.raises(UsageError, match="wrong password"):
        sign_pdf(pdf, p12, None)
    junk = tmp_path / "junk.p12"
    junk.write_bytes(b"not a key")
    with pytest.raises(UsageError, match="PKCS#12"):
        sign_pdf(pdf, junk, b"x")
    with pytest.raises(UsageError, match="no such file"):
        sign_pdf(pdf, tmp_path / "none.p12", b"x")


def test_signing_something_that_is_not_a_pdf_is_a_usage_error(signing_key):
    p12, _ = signing_key
    with pytest.raises(UsageError, match="not a readable PDF"):
        sign_pdf(b"hello", p12, b"s3cret")


# --- Hijri dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day, expected",
    [
        (dt.date(2024, 7, 13), (1446, 1, 7)),
        (dt.date(2023, 11, 15), (1445, 5, 1)),
        (dt.date(2023, 11, 16), (1445, 5, 2)),
        (dt.date(2024, 3, 11), (1445, 9, 1)),  # 1 Ramadan 1445 (Umm al-Qura)
        (dt.date(1924, 8, 1), (1343, 1, 1)),  # first day of the tables
        (dt.date(2077, 11, 16), (1500, 12, 30)),  # last day
    ],
)
def test_known_conversions(day, expected):
    assert hijri_date(day) == expected


def test_month_names_are_the_library_ones():
    from hijridate import Hijri

    assert list(HIJRI_MONTHS_AR) == [Hijri(1446, m, 1).month_name("ar") for m in range(1, 13)]
    assert list(HIJRI_MONTHS_EN) == [Hijri(1446, m, 1).month_name("en") for m in range(1, 13)]


def test_dual_and_long_forms():
    d = dt.date(2024, 7, 13)
    assert format_dual_date(d) == "1446/01/07هـ الموافق 2024/07/13م"
    assert format_dual_date(d, digits="arabic-indic") == "١٤٤٦/٠١/٠٧هـ الموافق ٢٠٢٤/٠٧/١٣م"
    assert hijri_long(d) == "7 محرم 1446هـ"
    assert hijri_long(dt.date(2023, 11, 15)) == "1 جمادى الأولى 1445هـ"
    assert hijri_long(d, digits="arabic-indic") == "٧ محرم ١٤٤٦هـ"
    assert hijri_long(d, lang="en") == "7 Muharram 1446 AH"
    with pytest.raises(ValueError):
        format_dual_date(d, digits="roman")


@pytest.mark.parametrize("day", [dt.date(1924, 7, 31), dt.date(1900, 1, 1), dt.date(2077, 11, 17)])
def test_out_of_range_falls_back_to_gregorian(day):
    assert hijri_date(day) is None
    assert format_dual_date(day) == f"{day:%Y/%m/%d}م"
    assert "هـ" not in hijri_long(day) and hijri_long(day).endswith(f"{day.year}م")
