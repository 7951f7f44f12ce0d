"""The office's letterhead: one YAML description of its identity, rendered alike by every writer.

```yaml
logo: emblem.png            # PNG, JPEG or SVG; path relative to this file, inside its folder
right: [الجمهورية التونسية, وزارة الداخلية]      # lines at the top right (the Arabic side)
left: ["République Tunisienne", "Ministère de l'Intérieur"]   # optional, top left
left_lang: fr               # the language of the left lines (default fr)
basmala: true               # بسم الله الرحمن الرحيم above the title block
signature: {name: العقيد منير الحاج, title: مدير التعاون الدولي}   # at the end of the report
footer: [العنوان: شارع الحبيب بورقيبة، تونس]   # optional lines on every page
```

It is untrusted input like a record, read the same safe way: every problem is one line with
file, line, column and field. The logo is read only from the letterhead file's own folder (no
`..`, no link out of it), at most `MAX_LOGO_BYTES`, and must really be a PNG, JPEG or SVG image;
an SVG may not reference anything outside itself.
"""

from __future__ import annotations

import dataclasses
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from ..errors import Problem, RecordError
from ..languages import is_language
from .load import Source, _parse, _problems
from .model import PlainText

MAX_FILE_BYTES = 256 * 1024
MAX_LOGO_BYTES = 5 * 1024 * 1024  # an emblem is tens of kilobytes; 5 MB is a print-quality scan
MAX_LOGO_PIXELS = 40_000_000  # PIL's decompression-bomb guard, tightened to a letterhead's size
BASMALA = "بسم الله الرحمن الرحيم"


def _line(value: Any) -> Any:
    """A line as written. YAML reads `العنوان: شارع …` inside a list as a one-entry mapping;
    the person who wrote it meant the line, so it is taken back as text."""
    if isinstance(value, dict) and len(value) == 1:
        ((key, text),) = value.items()
        if isinstance(key, str) and isinstance(text, str | int | float):
            return f"{key}: {text}"
    return value


Line = Annotated[PlainText, BeforeValidator(_line)]


class Signature(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: PlainText
    title: PlainText | None = None


class _Letterhead(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    logo: PlainText | None = None
    right: list[Line] = Field(default_factory=list, max_length=8)
    left: list[Line] = Field(default_factory=list, max_length=8)
    left_lang: str = "fr"
    basmala: bool = False
    signature: Signature | None = None
    footer: list[Line] = Field(default_factory=list, max_length=4)

    @field_validator("left_lang")
    @classmethod
    def _language(cls, value: str) -> str:
        if not is_language(value):
            raise ValueError(f"unknown language code {value!r} (use ISO 639-1 codes: fr, en…)")
        return value


@dataclass(frozen=True)
class Logo:
    """The emblem's bytes, checked, and what they are."""

    data: bytes
    mime: str  # image/png, image/jpeg or image/svg+xml
    width: float  # in pixels (SVG: user units), for the aspect ratio
    height: float
    name: str = "logo"  # where it came from (the letterhead's logo entry), for messages


@dataclass(frozen=True)
class Letterhead:
    right: tuple[str, ...] = ()
    left: tuple[str, ...] = ()
    left_lang: str = "fr"
    basmala: bool = False
    signature_name: str | None = None
    signature_title: str | None = None
    footer: tuple[str, ...] = ()
    logo: Logo | None = None


def read_letterhead(path: str | os.PathLike) -> Letterhead:
    """The letterhead at `path`, validated, its logo read and checked; RecordError otherwise."""
    name = str(path)
    try:
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            raise RecordError([Problem(name, f"is {size} bytes; a letterhead is a short file")])
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise RecordError([Problem(name, "no such file")]) from None
    except IsADirectoryError:
        raise RecordError([Problem(name, "is a folder, not a letterhead file")]) from None
    except OSError as err:
        raise RecordError([Problem(name, f"cannot be read: {err.strerror}")]) from None
    data, source = _parse(raw, name, "yaml")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise RecordError([Problem(name, "a letterhead is a mapping of fields (logo, right, …)")])
    try:
        model = _Letterhead.model_validate(data)
    except ValidationError as err:
        problems = _problems(err, data, source)
        raise RecordError(
            [
                Problem(
                    p.file,
                    p.message.replace("of the record", "of a letterhead"),
                    p.field,
                    p.line,
                    p.column,
                )
                for p in problems
            ]
        ) from None
    logo = _read_logo(Path(path), model.logo, source) if model.logo else None
    if logo is not None:
        logo = dataclasses.replace(logo, name=f"{name}: logo {logo.name}")
    signature = model.signature
    return Letterhead(
        right=tuple(model.right),
        left=tuple(model.left),
        left_lang=model.left_lang,
        basmala=model.basmala,
        signature_name=signature.name if signature else None,
        signature_title=signature.title if signature else None,
        footer=tuple(model.footer),
        logo=logo,
    )


def _read_logo(letterhead: Path, given: str, source: Source) -> Logo:
    line, column = source.locate(("logo",)) or (None, None)

    def problem(message: str) -> RecordError:
        return RecordError([Problem(source.name, message, "logo", line, column)])

    folder = letterhead.resolve().parent
    if Path(given).is_absolute():
        raise problem(f"{given!r}: give a path relative to the letterhead's folder")
    target = (folder / given).resolve()  # links resolved: a link out of the folder is refused
    if not target.is_relative_to(folder):
        raise problem(f"{given!r} is outside the letterhead's folder; logos are read only from it")
    try:
        size = target.stat().st_size
    except FileNotFoundError:
        raise problem(f"{given!r}: no such file") from None
    except OSError as err:
        raise problem(f"{given!r}: cannot be read: {err.strerror}") from None
    if not target.is_file():
        raise problem(f"{given!r} is not a file")
    if size > MAX_LOGO_BYTES:
        raise problem(
            f"{given!r} is {size / 1e6:.1f} MB; a logo may be at most {MAX_LOGO_BYTES // 2**20} MB"
        )
    data = target.read_bytes()
    if data.startswith(b"\x89PNG\r\n\x1a\n") or data.startswith(b"\xff\xd8\xff"):
        return _raster(data, given, problem)
    if re.search(rb"<svg[\s>]", data[:4096]):
        return _svg(data, given, problem)
    raise problem(f"{given!r} is not a PNG, JPEG or SVG image")


def _raster(data: bytes, given: str, problem) -> Logo:
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = MAX_LOGO_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format
            width, height = image.size
            image.verify()
    except Exception as err:  # PIL raises many kinds for damaged or hostile files
        raise problem(f"{given!r} is not a readable image ({type(err).__name__}: {err})") from None
    if width * height > MAX_LOGO_PIXELS:
        raise problem(f"{given!r} is {width}×{height} pixels; that is not a logo")
    mime = {"PNG": "image/png", "JPEG": "image/jpeg"}.get(kind or "")
    if mime is None:
        raise problem(f"{given!r} is not a PNG, JPEG or SVG image")
    return Logo(data, mime, float(width), float(height), given)


def _svg(data: bytes, given: str, problem) -> Logo:
    from lxml import etree

    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as err:
        raise problem(f"{given!r} is not a readable SVG image ({err})") from None
    if root.getroottree().docinfo.doctype:
        raise problem(f"{given!r}: an SVG with a DTD is refused (entities can hide content)")
    if etree.QName(root).localname != "svg":
        raise problem(f"{given!r} is not an SVG image")
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for attr, value in element.attrib.items():
            if etree.QName(attr).localname == "href" and not value.startswith(("#", "data:")):
                raise problem(
                    f"{given!r} refers to {value[:60]!r}; a logo must not reach outside itself"
                )
        if etree.QName(element).localname in ("script", "foreignObject"):
            raise problem(f"{given!r} holds a <{etree.QName(element).localname}>; refused")
    width, height = _svg_size(root)
    if not (width > 0 and height > 0):
        raise problem(f"{given!r} has no size (give the SVG a viewBox or a width and height)")
    return Logo(data, "image/svg+xml", width, height, given)


def _svg_size(root: Any) -> tuple[float, float]:
    box = (root.get("viewBox") or "").replace(",", " ").split()
    if len(box) == 4:
        try:
            width, height = float(box[2]), float(box[3])
            if width > 0 and height > 0:
                return width, height
        except ValueError:
            pass
    try:
        number = re.compile(r"[0-9.]+")
        return (
            float(number.match(root.get("width", "100")).group()),
            float(number.match(root.get("height", "100")).group()),
        )
    except (AttributeError, ValueError):
        return 100.0, 100.0
