"""Stage 3: the document model — what is on the page, decided once for every writer.

A Document holds one or more languages (two for a bilingual handout). Every block carries one Span
per document language, in the same order, so a writer lays them out side by side or alone without
knowing anything about records. Direction is a property of each Span, decided here.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from typing import ClassVar, Union

from .conventions import date_range, digits
from .errors import UsageError
from .inline import Run, isolated_text, runs, script
from .labels import label, language_name
from .languages import direction, first_strong_direction
from .record.letterhead import BASMALA, Letterhead, Logo
from .record.model import MachineText, Provenance, Record
from .record.text import document_text


@dataclass(frozen=True)
class Span:
    """A text in one language, with its direction and, for machine translations, provenance.

    Its text is what every writer receives: line breaks are one line feed, and every bidi
    embedding, override or isolate in it is closed on its own line (`record.text` has the rules),
    so a writer that wraps the Span in an isolate of its own keeps it from reordering anything
    outside."""

    text: str
    lang: str
    dir: str = ""
    machine: Provenance | None = None
    field: str = dataclasses.field(default="", compare=False)  # where in the record, for messages
    # The language of a run in the other script: a Latin name inside Arabic, an Arabic name
    # inside English. The document's language of that script (the builder's `foreign`), else
    # English in right-to-left text and Arabic in left-to-right text.
    foreign: str = dataclasses.field(default="", compare=False)

    @property
    def runs(self) -> tuple[Run, ...]:
        """The text in runs: foreign runs as isolates, URLs and e-mail as links (`inline`)."""
        return runs(self.text, self.dir)

    @property
    def isolated(self) -> str:
        """The text with an isolate around each foreign run, for writers that take a string."""
        return isolated_text(self.text, self.dir)

    def run_lang(self, run: Run) -> str:
        """The language a screen reader should voice `run` in, when it is not the Span's: an
        isolate all in Latin letters inside a right-to-left language's text ("INTERPOL", "Cyber
        Shield", an address) or all in Arabic letters inside a left-to-right one's; else "".
        Digits and symbols ("+966 11 234 5678", "2023") and other scripts keep the Span's."""
        if not run.dir:
            return ""
        wanted = "latin" if direction(self.lang) == "rtl" else "arabic"
        return self.foreign if script(run.text) == wanted else ""

    def __post_init__(self) -> None:
        # Here rather than in the builder, so that no Span — the reference, the marking, a
        # writer's own — can reach a renderer unconfined.
        object.__setattr__(self, "text", document_text(self.text))
        if not self.dir:
            object.__setattr__(self, "dir", direction(self.lang))
        if not self.foreign:
            object.__setattr__(self, "foreign", "en" if direction(self.lang) == "rtl" else "ar")


Variants = tuple[Span, ...]  # one Span per document language, in Document.languages order


@dataclass(frozen=True)
class Heading:
    kind: ClassVar[str] = "heading"
    texts: Variants
    level: int = 1


@dataclass(frozen=True)
class Paragraph:
    kind: ClassVar[str] = "paragraph"
    texts: Variants


@dataclass(frozen=True)
class ListItem:
    texts: Variants
    number: int | None = None
    category: Variants | None = None


@dataclass(frozen=True)
class ItemList:
    kind: ClassVar[str] = "list"
    items: tuple[ListItem, ...]
    numbered: bool = False


Block = Union[Heading, Paragraph, ItemList]


@dataclass(frozen=True)
class Field:
    """A labelled line of the title block (venue, dates, reference…)."""

    name: str
    label: Variants
    value: Variants


@dataclass(frozen=True)
class TitleBlock:
    title: Variants
    organizer: Variants | None
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Metadata:
    title: str
    author: str
    subject: str
    language: str
    keywords: tuple[str, ...] = ()
    reference: str = ""


@dataclass(frozen=True)
class Verification:
    """What the last page prints so a recipient can check a printed copy against the record."""

    heading: Variants
    fingerprint_label: Variants
    hint: Variants
    reference: str
    sha256: str

    @property
    def code_reference(self) -> str:
        """The part of the reference the QR code carries: all of it unless it is too long for a
        code that still scans from paper (then its beginning, and `hint` says so)."""
        from .verification import code_reference

        return code_reference(self.reference)

    @property
    def payload(self) -> str:
        """The text the QR code holds: the same in every writer, whatever the reference's length."""
        from .verification import verification_payload

        return verification_payload(self.reference, self.sha256)


@dataclass(frozen=True)
class LetterheadBlock:
    """The office's identity on the page (`record.letterhead` reads and checks the file): lines
    at the top right (Arabic side) and left, the emblem between them on the first page, the
    basmala above the title block, the signature at the end, footer lines on every page."""

    right: tuple[Span, ...] = ()
    left: tuple[Span, ...] = ()
    logo: Logo | None = None
    logo_alt: Variants = ()  # what the emblem is, in each document language
    basmala: Span | None = None
    signature: tuple[Span, ...] = ()  # the signatory's name, then title
    footer: tuple[Span, ...] = ()
    # The report's date under the band, on the end side facing the reference, as Arab
    # correspondence writes التاريخ opposite المرجع: the conference's last day (the report is
    # issued at its close), in both calendars in Arabic, in the document's first language.
    date: Span | None = None


@dataclass(frozen=True)
class Document:
    languages: tuple[str, ...]
    meta: Metadata
    title: TitleBlock
    blocks: tuple[Block, ...]
    page_label: Variants  # "Page {page} of {pages}" in each language
    running: Variants  # the running header: organizer (or title) in each language
    reference: Span | None = None
    notice: Variants | None = None  # which texts were machine translated
    source: bytes = b""  # the record as canonical JSON, for attaching and fingerprinting
    verification: Verification | None = None  # printed on the last page
    marking: Span | None = None  # classification marking on every page (e.g. سري)
    draft: Variants | None = None  # the draft watermark's word in each language
    digits: str = (
        "western"  # "western" 0123456789 or "arabic-indic" ٠١٢٣٤٥٦٧٨٩ for numbers we write
    )
    options: dict[str, object] = field(default_factory=dict)
    letterhead: LetterheadBlock | None = None

    @property
    def lang(self) -> str:
        return self.languages[0]

    @property
    def dir(self) -> str:
        return direction(self.languages[0])

    @property
    def bilingual(self) -> bool:
        return len(self.languages) > 1

    def spans(self):
        """Every Span of the document's content, in reading order (for tests, font subsets and
        the glyph check), and the marking printed on every page."""
        if self.marking is not None:
            yield self.marking
        if self.letterhead is not None:
            lh = self.letterhead
            yield from (*lh.right, *lh.left, *lh.signature, *lh.footer)
            if lh.basmala is not None:
                yield lh.basmala
            if lh.date is not None:
                yield lh.date
        yield from self.title.title
        for group in (self.title.organizer or (),):
            yield from group
        for f in self.title.fields:
            yield from f.label
            yield from f.value
        for block in self.blocks:
            if isinstance(block, ItemList):
                for item in block.items:
                    yield from item.texts
                    yield from item.category or ()
            else:
                yield from block.texts


@dataclass(frozen=True)
class Presentation:
    """Conventions the user chooses for the page, the same for every writer."""

    digits: str = "western"  # or "arabic-indic": page numbers, numbering, dates, Arabic references
    marking: str | None = None  # classification marking printed on every page
    draft: bool = False  # a diagonal DRAFT watermark on every page
    hijri: bool = True  # Arabic dates in both calendars
    verification: bool = True  # the verification block on the last page
    letterhead: Letterhead | None = None  # the office's letterhead, read and checked


class MissingText(UsageError):
    """The record has no text in a language the document needs."""


def parse_languages(spec: str) -> tuple[str, ...]:
    """`ar`, `en`, `ar+en` → the document's languages, checked."""
    from .languages import is_language

    langs = tuple(part.strip() for part in spec.split("+"))
    if not 1 <= len(langs) <= 2 or len(set(langs)) != len(langs):
        raise UsageError(f"--lang {spec!r}: give one language (ar) or two joined by + (ar+en)")
    for code in langs:
        if not is_language(code):
            raise UsageError(f"--lang {spec!r}: unknown language code {code!r}")
    return langs


class _Builder:
    def __init__(self, record: Record, languages: tuple[str, ...], presentation: Presentation):
        self.record = record
        self.languages = languages
        self.presentation = presentation
        self.missing: list[tuple[str, str]] = []
        self.machine_langs: set[str] = set()

    def foreign(self, lang: str) -> str:
        """The language of the other script's runs in text of `lang` (`Span.foreign`): the
        document's language written the other way (ar+fr: French inside the Arabic), else the
        record's, else English inside right-to-left text and Arabic inside left-to-right."""
        other = "ltr" if direction(lang) == "rtl" else "rtl"
        for candidate in (*self.languages, self.record.language):
            if direction(candidate) == other:
                return candidate
        return "en" if other == "ltr" else "ar"

    def span(self, text, lang: str, where: str) -> Span:
        other = self.foreign(lang)
        if isinstance(text, str):
            if lang == self.record.language:
                return Span(text, lang, field=where, foreign=other)
        elif lang in text:
            value = text[lang]
            if isinstance(value, MachineText):
                self.machine_langs.add(lang)
                return Span(value.text, lang, machine=value.machine, field=where, foreign=other)
            return Span(value, lang, field=where, foreign=other)
        self.missing.append((where, lang))
        return Span("", lang, field=where, foreign=other)

    def variants(self, text, where: str) -> Variants:
        return tuple(self.span(text, lang, where) for lang in self.languages)

    def labels(self, key: str) -> Variants:
        return tuple(Span(label(lang, key), lang) for lang in self.languages)

    def build(self) -> Document:
        r, c = self.record, self.record.conference
        title = self.variants(c.title, "conference.title")
        organizer = self.variants(c.organizer, "conference.organizer") if c.organizer else None
        fields: list[Field] = []
        if c.number is not None:
            number = tuple(
                Span(self.local_digits(str(c.number), lang), lang) for lang in self.languages
            )
            fields.append(Field("number", self.labels("number"), number))
        parts = [
            self.variants(value, f"conference.{name}")
            for name, value in (("city", c.city), ("country", c.country))
            if value
        ]
        if parts:
            # The venue joins city and country; machine-translated, it carries the provenance
            # of the first machine text in it, so it is marked (†) like any other.
            venue = tuple(
                Span(
                    ("، " if lang == "ar" else ", ").join(p[i].text for p in parts),
                    lang,
                    machine=next((p[i].machine for p in parts if p[i].machine), None),
                    field="conference.city",
                )
                for i, lang in enumerate(self.languages)
            )
            fields.append(Field("venue", self.labels("venue"), venue))
        if c.start_date or c.end_date:
            dates = tuple(
                Span(self.local_digits(self.dates(c.start_date, c.end_date, lang), lang), lang)
                for lang in self.languages
            )
            fields.append(Field("dates", self.labels("dates"), dates))
        reference = None
        if c.reference:
            ref_dir = first_strong_direction(c.reference, direction(r.language))
            # An Arabic reference takes the office's digits; a Latin code (GS/12/2024) keeps its own.
            text = self.local_digits(c.reference, "ar") if ref_dir == "rtl" else c.reference
            reference = Span(text, r.language, ref_dir)
            fields.append(
                Field(
                    "reference", self.labels("reference"), tuple(reference for _ in self.languages)
                )
            )

        blocks: list[Block] = []
        if r.summary:
            blocks += [
                Heading(self.labels("summary")),
                Paragraph(self.variants(r.summary, "summary")),
            ]
        for key in ("participants", "topics"):
            texts = getattr(r, key)
            if texts:
                items = tuple(
                    ListItem(self.variants(t, f"{key}[{i}]")) for i, t in enumerate(texts)
                )
                blocks += [Heading(self.labels(key)), ItemList(items)]
        if r.recommendations:
            items = tuple(
                ListItem(
                    self.variants(rec.text, f"recommendations[{i}].text"),
                    number=i + 1,
                    category=self.variants(rec.category, f"recommendations[{i}].category")
                    if rec.category
                    else None,
                )
                for i, rec in enumerate(r.recommendations)
            )
            blocks += [Heading(self.labels("recommendations")), ItemList(items, numbered=True)]
        for i, section in enumerate(r.sections):
            blocks.append(Heading(self.variants(section.heading, f"sections[{i}].heading")))
            blocks += [
                Paragraph(self.variants(p, f"sections[{i}].paragraphs[{j}]"))
                for j, p in enumerate(section.paragraphs)
            ]

        if self.missing:
            langs = sorted({lang for _, lang in self.missing})
            where = ", ".join(w for w, _ in self.missing[:6]) + (
                " …" if len(self.missing) > 6 else ""
            )
            raise MissingText(
                f"the record has no {'/'.join(langs)} text for {where}; add human translations "
                f"or install a translation model (reportkit models install)"
            )

        notice = None
        if self.machine_langs:
            notice = tuple(
                Span(
                    label(lang, "machine_notice").format(
                        languages="، ".join(
                            language_name(lang, m) for m in sorted(self.machine_langs)
                        )
                        if lang == "ar"
                        else ", ".join(language_name(lang, m) for m in sorted(self.machine_langs))
                    ),
                    lang,
                )
                for lang in self.languages
            )

        source = source_json(r)
        verification = None
        if self.presentation.verification:
            verification = Verification(
                heading=self.labels("verification"),
                fingerprint_label=self.labels("fingerprint"),
                hint=self.labels("verify_hint"),
                reference=c.reference or "",
                sha256=hashlib.sha256(source).hexdigest(),
            )
            carried = len(verification.code_reference)
            if carried < len(verification.reference):  # the reader must not take it for all
                verification = dataclasses.replace(
                    verification,
                    hint=tuple(
                        Span(
                            f"{h.text} "
                            + label(h.lang, "verify_partial").format(
                                n=self.local_digits(str(carried), h.lang)
                            ),
                            h.lang,
                        )
                        for h in verification.hint
                    ),
                )
        marking = None
        if self.presentation.marking:
            text = self.presentation.marking
            marking = Span(
                text,
                r.language,
                first_strong_direction(text, direction(r.language)),
                field="--marking",
            )

        first = self.languages[0]
        meta = Metadata(
            title=title[0].text,
            author=organizer[0].text if organizer else "",
            subject=_subject(r, title[0].text, blocks),
            language=first,
            keywords=tuple(
                s.text
                for b in blocks
                if isinstance(b, ItemList) and not b.numbered
                for it in b.items
                for s in it.texts[:1]
            )[:12],
            reference=c.reference or "",
        )
        return Document(
            languages=self.languages,
            meta=meta,
            title=TitleBlock(title, organizer, tuple(fields)),
            blocks=tuple(blocks),
            page_label=self.labels("page"),
            running=organizer or title,
            reference=reference,
            notice=notice,
            source=source,
            verification=verification,
            marking=marking,
            draft=self.labels("draft") if self.presentation.draft else None,
            digits=self.presentation.digits,
            letterhead=self.letterhead(),
        )

    def letterhead(self) -> LetterheadBlock | None:
        given = self.presentation.letterhead
        if given is None:
            return None
        arabic = self.record.language if direction(self.record.language) == "rtl" else "ar"

        def line(text: str, lang: str, where: str) -> Span:
            fallback = direction(lang)
            return Span(
                text,
                lang,
                first_strong_direction(text, fallback),
                field=where,
                foreign=self.foreign(lang),
            )

        day = self.record.conference.end_date or self.record.conference.start_date
        lang = self.languages[0]
        date = None
        if day is not None:
            date = Span(self.local_digits(self.dates(day, day, lang), lang), lang)
        signature = [
            line(t, arabic, f"letterhead.signature.{key}")
            for key, t in (("name", given.signature_name), ("title", given.signature_title))
            if t
        ]
        return LetterheadBlock(
            right=tuple(
                line(t, arabic, f"letterhead.right[{i}]") for i, t in enumerate(given.right)
            ),
            left=tuple(
                line(t, given.left_lang, f"letterhead.left[{i}]") for i, t in enumerate(given.left)
            ),
            logo=given.logo,
            # The emblem is the office's own: described by the letterhead's lines in the
            # language of each (the Arabic side for Arabic, the other side for the rest).
            logo_alt=tuple(
                Span(
                    f"{label(lang, 'emblem')}: "
                    + " — ".join(
                        given.right if direction(lang) == "rtl" else given.left or given.right
                    ),
                    lang,
                )
                if given.right or given.left
                else Span(label(lang, "emblem"), lang)
                for lang in self.languages
            ),
            basmala=Span(BASMALA, "ar", "rtl") if given.basmala else None,
            signature=tuple(signature),
            footer=tuple(
                line(t, arabic, f"letterhead.footer[{i}]") for i, t in enumerate(given.footer)
            ),
            date=date,
        )

    def local_digits(self, text: str, lang: str) -> str:
        """Numbers reportkit writes in Arabic text, in the office's digits."""
        return digits(text, self.presentation.digits) if lang == "ar" else text

    def dates(self, start, end, lang: str) -> str:
        """Arabic dates in both calendars (Umm al-Qura Hijri, then Gregorian); English adds the
        Hijri dates in brackets."""
        if not self.presentation.hijri or lang not in ("ar", "en"):
            return date_range(start, end, lang)
        from .hijri import format_dual_date, hijri_long

        start, end = start or end, end or start
        if lang == "ar":
            if start == end:
                return format_dual_date(start)
            return f"من {format_dual_date(start)} إلى {format_dual_date(end)}"
        hijri = hijri_long(start, lang="en")
        if end != start:
            hijri += f" – {hijri_long(end, lang='en')}"
        return f"{date_range(start, end, lang)} ({hijri})"

    def same(self, text: str) -> Variants:
        return tuple(Span(text, lang) for lang in self.languages)


def source_json(record: Record) -> bytes:
    """The record as canonical JSON (sorted keys, UTF-8): the same record gives the same bytes."""
    import json

    data = record.to_data()
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _subject(record: Record, title: str, blocks: list[Block]) -> str:
    for block in blocks:
        if isinstance(block, Paragraph):
            text = block.texts[0].text.strip()
            return text if len(text) <= 300 else text[:297].rsplit(" ", 1)[0] + "…"
    return title


def build_document(
    record: Record,
    languages: tuple[str, ...] | str | None = None,
    presentation: Presentation | None = None,
) -> Document:
    """Record (already translated where needed) → the document every writer renders."""
    if languages is None:
        languages = (record.language,)
    elif isinstance(languages, str):
        languages = parse_languages(languages)
    return _Builder(record, tuple(languages), presentation or Presentation()).build()


def with_options(document: Document, **options: object) -> Document:
    return dataclasses.replace(document, options={**document.options, **options})
