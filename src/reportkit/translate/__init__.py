"""Stage 2 (optional): machine translation of a record, offline, marked as such.

Human translations already in the record are never replaced. Every machine translation carries its
provenance (source language, pivot, engine), so a later export can tell human from machine text.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..record.model import Record
from .options import TranslateOptions
from .protect import Glossary, load_glossary, normalize, protect, restore, starter_glossary


@dataclass
class TranslateStats:
    sentences: int = 0
    from_memory: int = 0
    translated: int = 0
    model_calls: int = 0
    pairs: list[str] = field(default_factory=list)


def _slots(data: dict[str, Any]) -> Iterator[tuple[dict | list, str | int]]:
    """Every place in a record's data that holds a text, as (container, key)."""
    conference = data["conference"]
    for key in ("title", "organizer", "city", "country"):
        if conference.get(key) is not None:
            yield conference, key
    if data.get("summary") is not None:
        yield data, "summary"
    for key in ("participants", "topics"):
        items = data.get(key) or []
        for i in range(len(items)):
            yield items, i
    for rec in data.get("recommendations") or []:
        yield rec, "text"
        if rec.get("category") is not None:
            yield rec, "category"
    for section in data.get("sections") or []:
        yield section, "heading"
        paragraphs = section.get("paragraphs") or []
        for i in range(len(paragraphs)):
            yield paragraphs, i


def _has(value: Any, lang: str, record_lang: str) -> bool:
    return (isinstance(value, str) and lang == record_lang) or (
        isinstance(value, dict) and lang in value
    )


def missing_languages(record: Record, languages: Iterable[str]) -> list[str]:
    """The languages among `languages` for which some text of the record has no version."""
    data = record.to_data()
    return [
        lang
        for lang in dict.fromkeys(languages)
        if any(not _has(c[k], lang, record.language) for c, k in _slots(data))
    ]


def glossary_for(options: TranslateOptions) -> Glossary:
    glossary = starter_glossary()
    if options.glossary:
        glossary = glossary.merged(load_glossary(options.glossary))
    return glossary


def translate_record(
    record: Record, targets: Iterable[str], options: TranslateOptions | None = None, engine=None
) -> tuple[Record, TranslateStats]:
    """The record with machine translations into each of `targets` where it has no text yet."""
    from .engine import ArgosEngine
    from .memory import NoMemory, open_memory

    options = options or TranslateOptions()
    engine = engine or ArgosEngine(threads=options.threads, inter_threads=options.inter_threads)
    memory = open_memory(options.memory) if options.cache else NoMemory()
    glossary = glossary_for(options)
    stats = TranslateStats()
    src = record.language
    data = record.to_data()
    calls_before = engine.model_calls
    try:
        for tgt in dict.fromkeys(targets):
            if tgt == src:
                continue
            jobs = []
            for container, key in _slots(data):
                value = container[key]
                if _has(value, tgt, src):
                    continue
                text = value if isinstance(value, str) else value.get(src)
                if isinstance(text, dict) or not text:
                    continue  # no source-language human text to start from
                jobs.append((container, key, text))
            if not jobs:
                continue
            route = engine.route(src, tgt)
            stats.pairs.append("→".join([src] + [hop.tgt for hop in route]))
            texts = [normalize_text(t) for _, _, t in jobs]
            # Whole texts are remembered too: a record exported again is answered without even
            # loading the sentence splitter (and the torch stack behind argostranslate).
            whole = f"text:{'+'.join(h.model_id for h in route)}:{glossary.fingerprint(tgt)}"
            known = memory.get_many(whole, src, tgt, list(dict.fromkeys(texts)))
            misses = list(dict.fromkeys(t for t in texts if t not in known))
            stats.from_memory += len(texts) - len(misses)
            fresh = _translate_texts(misses, route, tgt, glossary, engine, memory, options, stats)
            known.update(zip(misses, fresh, strict=True))
            memory.put_many(whole, src, tgt, dict(zip(misses, fresh, strict=True)))
            translated = [known[t] for t in texts]
            provenance = {"from": src, "engine": " + ".join(hop.label for hop in route)}
            if len(route) > 1:
                provenance["via"] = route[0].tgt
            for (container, key, _source), out in zip(jobs, translated, strict=True):
                value = container[key]
                mapping = dict(value) if isinstance(value, dict) else {src: value}
                mapping[tgt] = {"text": out, "machine": dict(provenance)}
                container[key] = mapping
    finally:
        memory.close()
    stats.model_calls = engine.model_calls - calls_before
    return Record.model_validate(data), stats


def normalize_text(text: str) -> str:
    """Each line normalized; the lines (paragraph breaks) kept."""
    return "\n".join(normalize(line) for line in text.split("\n"))


def _translate_texts(texts, route, tgt, glossary, engine, memory, options, stats) -> list[str]:
    if not texts:
        return []
    # texts → paragraphs → sentences, each protected once at the source and restored at the end
    first = route[0]
    layout: list[list[list[int]]] = []  # per text, per paragraph: indexes into `protected`
    protected = []
    for text in texts:
        paragraphs = []
        for paragraph in text.split("\n"):
            ids = []
            for sentence in engine.split(first, paragraph) if paragraph.strip() else []:
                ids.append(len(protected))
                protected.append(protect(normalize(sentence), glossary, tgt))
            paragraphs.append(ids)
        layout.append(paragraphs)
    current = [p.text for p in protected]
    stats.sentences += len(current)
    for hop in route:
        unique = list(dict.fromkeys(current))
        known = memory.get_many(hop.model_id, hop.src, hop.tgt, unique)
        misses = [s for s in unique if s not in known]
        stats.from_memory += len(unique) - len(misses)
        stats.translated += len(misses)
        with _progress(options, len(misses), f"{hop.src}→{hop.tgt}") as advance:
            fresh = dict(zip(misses, engine.translate(hop, misses, advance), strict=True))
        memory.put_many(hop.model_id, hop.src, hop.tgt, fresh)
        known.update(fresh)
        current = [normalize(known[s]) for s in current]
    restored = [restore(t, p) for t, p in zip(current, protected, strict=True)]
    return [
        "\n".join(" ".join(restored[i] for i in ids) for ids in paragraphs) for paragraphs in layout
    ]


class _progress:
    """A rich progress bar on stderr for batches big enough to take a moment, on a terminal."""

    def __init__(self, options: TranslateOptions, total: int, what: str):
        self.bar = None
        if options.progress and total >= 16 and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import Progress

            self.bar = Progress(transient=True, console=Console(stderr=True))
            self.task = self.bar.add_task(f"translating {what}", total=total)

    def __enter__(self):
        if self.bar is None:
            return None
        self.bar.start()
        return lambda n: self.bar.advance(self.task, n)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()
