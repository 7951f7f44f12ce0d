"""Real readers for exported files, and the word comparison every format's tests share.

Words are compared after removing bidi control marks and harakat, and tokens are split where
Arabic letters meet digits or Latin letters: readers order mixed runs differently, which is not
letter loss; a letter missing or out of order inside a word is.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

BIDI_MARKS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")
HARAKAT = re.compile("[\u064b-\u0652\u0670\u0640]")  # and tatweel, which only stretches a joint
PRESENTATION_FORMS = re.compile("[\ufb50-\ufdff\ufe70-\ufeff]")
_ARABIC_LETTERS = "\u0620-\u064a\u066e\u066f\u0671-\u06d3\u06d5\u06ee\u06ef\u06fa-\u06fc\u06ff"
_TOKEN = re.compile(
    rf"[{_ARABIC_LETTERS}]+|[0-9\u0660-\u0669\u06f0-\u06f9]+|[^\W\d_{_ARABIC_LETTERS}]+", re.UNICODE
)


def normalize(text: str) -> str:
    return HARAKAT.sub("", BIDI_MARKS.sub("", text))


def words(text: str) -> list[str]:
    """Tokens of `text`: Arabic runs, digit runs and Latin runs, punctuation dropped."""
    return _TOKEN.findall(normalize(text))


def missing_words(expected: Iterable[str], extracted: str) -> list[str]:
    """Every token of the expected texts that the extracted text lacks."""
    found = set(words(extracted))
    out = []
    for text in expected:
        out += [w for w in words(text) if w not in found]
    return out


def pdftotext(path: Path, *args: str) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", *args, str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def pdf_pages_text(path: Path) -> list[str]:
    """pdftotext's text of each page."""
    return pdftotext(path).split("\f")[:-1]


def pdfium_text(path: Path) -> str:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


def pdffonts(path: Path) -> list[dict[str, str]]:
    """pdffonts' table: name, type, emb, sub, uni per font."""
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines()[2:]:
        parts = line.split()
        # name type... encoding emb sub uni object ID: the last five columns are fixed.
        rows.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4], "uni": parts[-3]})
    return rows


def pdf_page_count(path: Path) -> int:
    out = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))


def docx_to_pdf(docx: Path, outdir: Path, *, fontconfig_file: Path | None = None) -> Path:
    """Convert with LibreOffice headless, in a profile of its own so parallel runs do not clash."""
    profile = Path(tempfile.mkdtemp(prefix="lo-profile-", dir=outdir))
    outdir = Path(tempfile.mkdtemp(prefix="lo-out-", dir=outdir))  # never overwrite a sibling PDF
    env = {**os.environ, "HOME": str(profile)}
    if fontconfig_file is not None:
        env["FONTCONFIG_FILE"] = str(fontconfig_file)
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            str(docx),
        ],
        check=True,
        capture_output=True,
        env=env,
        timeout=180,
    )
    return outdir / (docx.stem + ".pdf")


def has_phrase(extracted: str, phrase: str) -> bool:
    """True when the tokens of `phrase` stand together, in order, in the extracted text."""
    got, want = words(extracted), words(phrase)
    return any(got[i : i + len(want)] == want for i in range(len(got) - len(want) + 1))


# LibreOffice justifies Arabic lines with kashidas and writes those glyphs into its PDF without
# a Unicode mapping: poppler then reads each as the glyph's code in the font's encoding ("YY",
# '""', "999") inside the word. A run of one repeated character between two Arabic letters is
# taken out; a real loss still shows, as the letters around it do not make the word.
KASHIDA_ARTIFACT = re.compile(
    "(?<=[\u0620-\u064a])[\u202a-\u202c]?([^\\s\u0600-\u06ff\u202a-\u202e])\\1*"
    "[\u202a-\u202c]?(?=[\u0620-\u064a])"
)


def lo_text(pdf: Path) -> str:
    """pdftotext's text of a LibreOffice PDF, kashida glyphs taken out of the words."""
    return KASHIDA_ARTIFACT.sub("", pdftotext(pdf))


def dejavu_only_fontconfig(folder: Path) -> Path:
    """A fontconfig file under `folder` that shows LibreOffice DejaVu Sans and nothing else (the
    Noto fonts are installed system-wide too, so without it an embedding test proves nothing)."""
    from xml.sax.saxutils import escape

    fonts = folder / "fonts"
    fonts.mkdir(parents=True, exist_ok=True)
    shutil.copy("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", fonts)
    conf = folder / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
        f"<fontconfig>\n  <dir>{escape(str(fonts))}</dir>\n"
        f"  <cachedir>{escape(str(folder / 'fontconfig-cache'))}</cachedir>\n</fontconfig>\n",
        encoding="utf-8",
    )
    return conf


def outline_entries(path) -> list[tuple[str, int, int]]:
    """(title, depth, page index) of every outline entry, in order."""
    out = []
    import pikepdf

    with pikepdf.open(path) as pdf:
        pages = {page.obj.objgen: i for i, page in enumerate(pdf.pages)}
        with pdf.open_outline() as outline:

            def walk(items, depth):
                for item in items:
                    dest = item.destination
                    if dest is None and item.action is not None:
                        dest = item.action.get("/D")
                    page = pages.get(dest[0].objgen, -1) if dest is not None else -1
                    out.append((item.title, depth, page))
                    walk(item.children, depth + 1)

            walk(outline.root, 0)
    return out


def _pdfium_chars(path: Path, pages: Iterable[int] | None = None):
    """(page, character, (left, bottom, right, top), font) for each character PDFium reads; a
    character outside the BMP, which PDFium gives as two surrogates (in either order), is one."""
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    pdf = pdfium.PdfDocument(str(path))
    try:
        for number in range(len(pdf)) if pages is None else pages:
            text = pdf[number].get_textpage()
            pending = None  # (code, box, font) of a surrogate waiting for its partner
            for i in range(text.count_chars()):
                code = pdfium_c.FPDFText_GetUnicode(text.raw, i)
                name = ctypes.create_string_buffer(256)
                flags = ctypes.c_int()
                pdfium_c.FPDFText_GetFontInfo(text.raw, i, name, 256, ctypes.byref(flags))
                font = re.sub(r"^[A-Z]{6}\+", "", name.value.decode("utf-8", "replace"))
                box = tuple(text.get_charbox(i)) if code not in (0, 10, 13) else (0, 0, 0, 0)
                if 0xD800 <= code <= 0xDFFF:
                    if pending is None:
                        pending = (code, box, font)
                        continue
                    high, low = sorted((pending[0], code))
                    code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                    pending = None
                if code:
                    yield number, chr(code), box, font
    finally:
        pdf.close()


def pdf_visual_lines(path: Path, page: int = 0) -> list[str]:
    """The characters of each line of a page as they stand, left to right (PDFium's character
    boxes): how a reader sees mixed text, whatever order the PDF's text is stored in. Lines are
    told apart by the vertical centre of their characters; spaces are dropped."""
    chars = [
        ((box[1] + box[3]) / 2, box[0], char)
        for _, char, box, _ in _pdfium_chars(path, [page])
        if char.strip()
    ]
    chars.sort(key=lambda c: -c[0])
    lines: list[list[tuple[float, float, str]]] = []
    for char in chars:
        if lines and lines[-1][-1][0] - char[0] < 4:
            lines[-1].append(char)
        else:
            lines.append([char])
    return ["".join(c for _, _, c in sorted(line, key=lambda c: c[1])) for line in lines]


def pdf_char_fonts(path: Path) -> list[tuple[str, str]]:
    """(character, font name without its subset tag) for every character PDFium reads."""
    return [(char, font) for _, char, _, font in _pdfium_chars(path)]


def drawn_glyphs(path: Path) -> list[dict]:
    """Every glyph a page's content stream shows with a font: page index, font (its BaseFont
    without the subset tag), CID, glyph ID (through the CIDToGIDMap) and the text its ToUnicode
    map gives ("" for none). Composite fonts (Type0, 2-byte codes) are decoded; a glyph of a
    simple font has its byte as CID and no glyph ID."""
    import pikepdf

    def unicode_map(font) -> dict[int, str]:
        stream = font.get("/ToUnicode")
        if stream is None:
            return {}
        cmap = stream.read_bytes().decode("latin-1")
        out = {}
        for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
            for src, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>", block):
                out[int(src, 16)] = bytes.fromhex(dst).decode("utf-16-be")
        for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
            for lo, hi, dst in re.findall(
                r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block
            ):
                first = bytes.fromhex(dst).decode("utf-16-be")
                for k, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                    out[code] = first[:-1] + chr(ord(first[-1]) + k)
        return out

    def gid_map(font):
        if font.get("/Subtype") != "/Type0":
            return None
        cid_font = font.DescendantFonts[0]
        mapping = cid_font.get("/CIDToGIDMap")
        if mapping is None or mapping == pikepdf.Name.Identity:
            return lambda cid: cid
        data = mapping.read_bytes()
        return lambda cid: int.from_bytes(data[2 * cid : 2 * cid + 2], "big")

    glyphs = []
    with pikepdf.open(path) as pdf:
        for index, page in enumerate(pdf.pages):
            fonts = page.obj.get("/Resources", {}).get("/Font", {})
            decoded = {}
            current = None
            for operands, operator in pikepdf.parse_content_stream(page):
                op = str(operator)
                if op == "Tf":
                    name = str(operands[0])
                    if name not in decoded:
                        font = fonts[name]
                        decoded[name] = (
                            re.sub(r"^/([A-Z]{6}\+)?", "", str(font.BaseFont)),
                            gid_map(font),
                            unicode_map(font),
                        )
                    current = decoded[name]
                    continue
                if op not in ("Tj", "TJ", "'", '"') or current is None:
                    continue
                strings = operands[0] if op == "TJ" else operands[-1:]
                base_font, to_gid, to_text = current
                for item in strings:
                    if not isinstance(item, pikepdf.String):
                        continue
                    data = bytes(item)
                    width = 2 if to_gid is not None else 1
                    for k in range(0, len(data) - width + 1, width):
                        cid = int.from_bytes(data[k : k + width], "big")
                        glyphs.append(
                            {
                                "page": index,
                                "font": base_font,
                                "cid": cid,
                                "gid": to_gid(cid) if to_gid is not None else None,
                                "text": to_text.get(cid, ""),
                            }
                        )
    return glyphs


def link_annotations(path: Path) -> list[tuple[int, str, tuple[float, float, float, float]]]:
    """(page index, /URI, /Rect) of every link annotation with a URI action."""
    import pikepdf

    out = []
    with pikepdf.open(path) as pdf:
        for index, page in enumerate(pdf.pages):
            for annot in page.obj.get("/Annots", []):
                action = annot.get("/A")
                if annot.get("/Subtype") == "/Link" and action is not None and "/URI" in action:
                    rect = tuple(float(v) for v in annot.Rect)
                    out.append((index, str(action.URI), rect))
    return out


def char_boxes(
    path: Path, page: int = 0, *, loose: bool = False
) -> list[tuple[str, tuple[float, float, float, float]]]:
    """Each character PDFium reads on a page, with its box (left, bottom, right, top) in points,
    in PDFium's text order. The box is the glyph's ink, or with `loose` its advance by the
    font's ascent and descent (the same height for every character of a line)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        text = pdf[page].get_textpage()
        return [
            (text.get_text_range(i, 1), tuple(text.get_charbox(i, loose=loose)))
            for i in range(text.count_chars())
        ]
    finally:
        pdf.close()


def pdfium_chars(path) -> list[list[tuple[str, tuple[float, float, float, float]]]]:
    """Each page's characters as PDFium reads them, with their boxes (left, bottom, right, top),
    in PDFium's text order."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        pages = []
        for page in pdf:
            text = page.get_textpage()
            pages.append(
                [
                    (text.get_text_range(i, 1), text.get_charbox(i))
                    for i in range(text.count_chars())
                ]
            )
        return pages
    finally:
        pdf.close()


def link_uris(path) -> list[str]:
    """The URI of every link annotation, page by page."""
    import pikepdf

    out = []
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            for annot in page.obj.get("/Annots", []):
                action = annot.get("/A")
                if annot.get("/Subtype") == "/Link" and action is not None and "/URI" in action:
                    out.append(str(action.URI))
    return out


def drawn_glyph_ids(path) -> dict[str, tuple[set[int], int]]:
    """For each composite font: the glyph ids its text operators draw, and how many glyphs its
    embedded program has (2-byte ids, Identity-H, as WeasyPrint writes them)."""
    import io

    import pikepdf
    from fontTools.ttLib import TTFont

    drawn: dict[str, set[int]] = {}
    sizes: dict[str, int] = {}

    def walk(holder, resources) -> None:
        fonts = resources.get("/Font", {})
        for xobject in resources.get("/XObject", {}).values():
            if xobject.get("/Subtype") == "/Form":
                walk(xobject, xobject.get("/Resources", resources))
        current = None
        for operands, operator in pikepdf.parse_content_stream(holder):
            op = str(operator)
            if op == "Tf":
                font = fonts.get(operands[0])
                current = None
                if font is not None and font.get("/Subtype") == "/Type0":
                    current = str(font.BaseFont)
                    if current not in sizes:
                        program = font.DescendantFonts[0].FontDescriptor.FontFile2.read_bytes()
                        sizes[current] = TTFont(io.BytesIO(program))["maxp"].numGlyphs
            elif op in ("TJ", "Tj") and current is not None:
                shown = operands[0] if op == "TJ" else operands
                raw = b"".join(bytes(s) for s in shown if isinstance(s, pikepdf.String))
                ids = drawn.setdefault(current, set())
                ids.update(int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw), 2))

    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            walk(page.obj, page.obj.get("/Resources", {}))
    return {name: (ids, sizes[name]) for name, ids in drawn.items()}


# pikepdf's PDF/A validator knows levels 1b, 2b and 3b only, and checks no extension schema (it
# refuses any on sight). A tagged reportkit PDF/A-3a declares conformance "A" and PDF/UA-1
# (pdfuaid:part, described by the extension schema ISO 19005 asks for): exactly these findings,
# which are about the validator's scope, not the file.
PDFA_LEVEL_A_FINDINGS = (
    "XMP namespace pdfaExtension=http://www.aiim.org/pdfa/ns/extension/ is not permitted",
    "XMP namespace pdfaSchema=http://www.aiim.org/pdfa/ns/schema# is not permitted",
    "XMP namespace pdfaProperty=http://www.aiim.org/pdfa/ns/property# is not permitted",
    "XMP property pdfuaid:part is not permitted",
    "XMP property pdfaExtension:schemas is not permitted",
    "pdfaid:conformance is 'A', expected 'B'",
)
_LEVEL_A_XMP = (
    (r"<pdfaid:conformance>A</pdfaid:conformance>", "<pdfaid:conformance>B</pdfaid:conformance>"),
    (r"<pdfuaid:part>\d+</pdfuaid:part>\n?", ""),
    (r"<pdfaExtension:schemas>.*?</pdfaExtension:schemas>\n?", ""),
    (r' xmlns:(?:pdfuaid|pdfaExtension|pdfaSchema|pdfaProperty)="[^"]*"', ""),
)


def pdfa_report(path, flavour: str = "3b"):
    """pikepdf's PDF/A validation of a reportkit PDF/A file, level A included.

    A level-B file is validated as it is. A level-A file (level B plus tagging, which the
    accessibility tests check) must draw from the validator exactly PDFA_LEVEL_A_FINDINGS, and
    is then validated again with its XMP identification as level B, without the UA claim: the
    report of that second run is returned, so `report.passed` says whether everything else
    pikepdf checks is right."""
    import io

    import pikepdf
    import pikepdf.pdfa

    report = _validate(str(path), flavour)
    with pikepdf.open(path) as pdf:
        xmp = pdf.Root.Metadata.read_bytes().decode("utf-8")
        if "<pdfaid:conformance>A</pdfaid:conformance>" not in xmp:
            return report
        unexplained = [f for f in report.violations if f.message not in PDFA_LEVEL_A_FINDINGS]
        assert not unexplained, unexplained
        for pattern, replacement in _LEVEL_A_XMP:
            xmp = re.sub(pattern, replacement, xmp, flags=re.S)
        pdf.Root.Metadata.write(xmp.encode("utf-8"))
        level_b = io.BytesIO()
        pdf.save(level_b, preserve_pdfa=True)
    level_b.seek(0)
    return _validate(level_b, flavour)


def _validate(source, flavour: str):
    """pikepdf's validator, with Python's garbage collector held still while it runs.

    The validator reports any Python warning raised while it parses a content stream as a
    finding against the file. A collection in the middle of it can finalise an unrelated
    object of this test process (WeasyPrint leaves its colour profile's file open) and
    raise a ResourceWarning that has nothing to do with the PDF being checked."""
    import gc

    import pikepdf.pdfa

    gc.collect()
    gc.disable()
    try:
        return pikepdf.pdfa.validate_written(source, flavour)
    finally:
        gc.enable()


def struct_elements(path) -> list[dict]:
    """Every element of a tagged PDF's structure tree, in reading order: its role, depth, own
    /Lang and the language it inherits or has (the catalog's at the top), /Alt, attributes
    (/A), and `text`: what poppler (`pdfinfo -struct-text`) reads from the content it marks
    directly, in the order glyphs are drawn (Arabic comes out reversed)."""
    import pikepdf

    out: list[dict] = []
    with pikepdf.open(path) as pdf:

        def walk(node, depth: int, lang: str) -> None:
            own = str(node.Lang) if "/Lang" in node else None
            attributes = node.get("/A")
            owners = list(attributes) if isinstance(attributes, pikepdf.Array) else [attributes]
            merged: dict = {}  # the attributes of every owner (/Layout, /Table, ...) together
            for owned in owners:
                if isinstance(owned, pikepdf.Dictionary):
                    merged.update(owned.items())
            out.append(
                {
                    "role": str(node.S)[1:],
                    "depth": depth,
                    "own_lang": own,
                    "lang": own or lang,
                    "alt": str(node.Alt) if "/Alt" in node else None,
                    "attributes": merged,
                    "text": "",
                }
            )
            kids = node.get("/K")
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                    walk(kid, depth + 1, own or lang)

        role_map = {
            str(k)[1:]: str(v)[1:]
            for k, v in pdf.Root.StructTreeRoot.get("/RoleMap", pikepdf.Dictionary()).items()
        }
        for top in pdf.Root.StructTreeRoot.K:
            walk(top, 0, str(pdf.Root.get("/Lang", "")))
    # pdfinfo prints the same tree in the same order: its element lines, then quoted content.
    # (an element's /T, a heading's title in Typst's files, is printed as its raw UTF-16 bytes)
    with tempfile.TemporaryDirectory() as folder:
        readable = Path(folder) / "readable.pdf"
        _nested_marks_numbered(path, readable)
        lines = (
            subprocess.run(
                ["pdfinfo", "-struct-text", str(readable)], check=True, capture_output=True
            )
            .stdout.decode("utf-8", "replace")
            .splitlines()
        )
    index = 0
    for line in lines:
        body = line.strip()
        if body.startswith('"'):
            out[index - 1]["text"] += body[1:-1]
        elif re.match(r"[A-Z][A-Za-z0-9]*(?: |:|$)", body) and not body.startswith("Object "):
            role = re.match(r"[A-Za-z0-9]+", body).group()
            # poppler prints a role the RoleMap maps (Typst's Strong) as the standard one (Span)
            own = out[index]["role"]
            assert role in (own, role_map.get(own)), (index, out[index], line)
            index += 1
    return out


def _nested_marks_numbered(path, out) -> None:
    """A copy of the PDF for `pdfinfo -struct-text`, whose element text stops at the first
    marked-content sequence without an MCID nested in the element's (poppler 22 pops its MCID
    stack at every EMC): Typst draws right-to-left words each in a /ReversedChars sequence. In
    the copy each nested sequence carries its enclosing MCID; nothing else changes."""
    import pikepdf

    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            instructions = pikepdf.parse_content_stream(page)
            stack: list[int | None] = []
            changed = False
            rewritten = []
            for instruction in instructions:
                op = str(instruction.operator)
                if op in ("BDC", "BMC"):
                    operands = instruction.operands
                    props = operands[1] if op == "BDC" and len(operands) > 1 else None
                    mcid = props.get("/MCID") if isinstance(props, pikepdf.Dictionary) else None
                    enclosing = next((m for m in reversed(stack) if m is not None), None)
                    if mcid is None and enclosing is not None:
                        props = pikepdf.Dictionary(props or {})
                        props.MCID = enclosing
                        instruction = pikepdf.ContentStreamInstruction(
                            [operands[0], props], pikepdf.Operator("BDC")
                        )
                        changed = True
                    stack.append(int(mcid) if mcid is not None else enclosing)
                elif op == "EMC" and stack:
                    stack.pop()
                rewritten.append(instruction)
            if changed:
                page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(rewritten))
        pdf.save(out)


def marked_content(path) -> list[list[tuple[str, int | None, tuple]]]:
    """For each page, every marked-content sequence its content stream opens: (tag, MCID or
    None, the (tag, MCID) of the sequences it is nested in, outermost first); and, as a last
    entry per page ("text", None, enclosing), every text-showing operator. An EMC without its
    BDC, or a sequence left open at the page's end, raises."""
    import pikepdf

    pages = []
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            found: list = []
            stack: list[tuple[str, int | None]] = []
            for operands, operator in pikepdf.parse_content_stream(page):
                op = str(operator)
                if op in ("BDC", "BMC"):
                    props = operands[1] if op == "BDC" and len(operands) > 1 else None
                    mcid = props.get("/MCID") if isinstance(props, pikepdf.Dictionary) else None
                    entry = (str(operands[0])[1:], None if mcid is None else int(mcid))
                    found.append((*entry, tuple(stack)))
                    stack.append(entry)
                elif op == "EMC":
                    assert stack, "EMC without BDC"
                    stack.pop()
                elif op in ("Tj", "TJ", "'", '"'):
                    found.append(("text", None, tuple(stack)))
            assert not stack, "marked content left open at the end of a page"
            pages.append(found)
    return pages


def zbar(png_path, *, missing_ok: bool = False) -> str:
    """The text of the QR code in a PNG, read by zbar (Debian's zbar-tools); "" when there is
    none and `missing_ok`."""
    if shutil.which("zbarimg") is None:
        import pytest

        pytest.skip("zbarimg is not installed (Debian package zbar-tools)")
    # QR codes only: zbar's other symbologies find phantom barcodes (a "DataBar" of digits) in
    # the rows of a large QR code and print them as a second line.
    result = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(png_path)],
        capture_output=True,
        text=True,
    )
    if missing_ok and result.returncode == 4:  # zbarimg: no symbol found
        return ""
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def text_languages(path) -> list[tuple[str, str]]:
    """(text, language) of every text object PDFium finds on the pages inside tagged content,
    in drawing order: the language a screen reader gives it, the /Lang of the innermost
    marked-content sequence that has one (Typst's way for a run inside a line), else that of
    the structure element owning its MCID (its own /Lang or its ancestors', the catalog's)."""
    import ctypes

    import pikepdf
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    owners: dict[tuple[int, int], str] = {}  # (page, MCID): the element's language
    with pikepdf.open(path) as pdf:
        pages = {page.obj.objgen: index for index, page in enumerate(pdf.pages)}

        def walk(node, lang: str, page) -> None:
            lang = str(node.Lang) if "/Lang" in node else lang
            page = node.get("/Pg", page)
            kids = node.get("/K")
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                if isinstance(kid, int) and page is not None:
                    owners[(pages[page.objgen], int(kid))] = lang
                elif isinstance(kid, pikepdf.Dictionary) and "/MCID" in kid:
                    owners[(pages[kid.get("/Pg", page).objgen], int(kid.MCID))] = lang
                elif isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                    walk(kid, lang, page)

        root = pdf.Root.StructTreeRoot
        for top in root.K if isinstance(root.K, pikepdf.Array) else [root.K]:
            walk(top, str(pdf.Root.get("/Lang", "")), None)

    def utf16(call, size: int = 8192) -> str:
        buffer = (ctypes.c_ushort * (size // 2))()
        length = call(buffer, size)
        return bytes(buffer)[: max(int(length) - 2, 0)].decode("utf-16-le", "replace")

    out = []
    document = pdfium.PdfDocument(str(path))
    try:
        for number in range(len(document)):
            page = document[number]
            textpage = page.get_textpage()
            for obj in page.get_objects():
                if obj.type != pdfium_c.FPDF_PAGEOBJ_TEXT:
                    continue
                mcid = pdfium_c.FPDFPageObj_GetMarkedContentID(obj.raw)
                if mcid < 0:
                    continue
                lang = owners.get((number, mcid), "")
                for i in range(pdfium_c.FPDFPageObj_CountMarks(obj.raw)):
                    mark = pdfium_c.FPDFPageObj_GetMark(obj.raw, i)
                    length = ctypes.c_ulong()
                    buffer = (ctypes.c_ushort * 128)()
                    if pdfium_c.FPDFPageObjMark_GetParamStringValue(
                        mark, b"Lang", buffer, 256, ctypes.byref(length)
                    ):
                        raw = bytes(buffer)[: max(length.value - 2, 0)]
                        lang = raw.decode("utf-16-le")
                text = utf16(
                    lambda b, n, o=obj, t=textpage: pdfium_c.FPDFTextObj_GetText(o.raw, t.raw, b, n)
                )
                out.append((text, lang))
    finally:
        document.close()
    return out
