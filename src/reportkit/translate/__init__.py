"""Stage 2 (optional): machine translation of a record, offline, marked as such.

Human translations already in the record are never replaced. Every machine translation carries its
provenance (source language, pivot, engine), so a later export can tell human from machine text.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import ReportkitError
from ..record.model import Record
from .options import TranslateOptions
from .protect import Glossary, load_glossary, normalize, protect, restore, starter_glossary


@dataclass
class TranslateStats:
    sentences: int = 0
    from_memory: int = 0
    translated: int = 0
    model_calls: int = 0  # batched calls to a model
    model_loads: int = 0  # models loaded (none when this process had them loaded already)
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
    [translated], stats = translate_records([record], targets, options, engine)
    return translated, stats


@dataclass
class _Pair:
    """The texts of a batch to translate from one language into another, and where they go."""

    src: str
    tgt: str
    jobs: list[tuple[int, dict | list, str | int, str]] = field(default_factory=list)
    route: list = field(default_factory=list)
    texts: list[str] = field(default_factory=list)  # normalized, one per job
    known: dict[str, str] = field(default_factory=dict)  # normalized text → translation
    misses: list[str] = field(default_factory=list)  # unique texts the memory did not know


def translate_records(
    records: Iterable[Record],
    targets: Iterable[str],
    options: TranslateOptions | None = None,
    engine=None,
    *,
    failures: Literal["raise", "return"] = "raise",
) -> tuple[list[Record | ReportkitError], TranslateStats]:
    """Each record with machine translations into each of `targets` where it has no text yet, in
    the order given: the very records `translate_record` gives for each alone.

    All records are translated together: the texts of every record that the translation memory
    does not know go to the model in one batched call per model (language pair), so a batch costs
    one model load per process (`engine`, by default this process's `shared_engine`, which keeps
    it loaded for the next call) and one call per pair, however many records it holds.

    A language pair without a usable model raises its error (ModelMissing, ModelBroken) at once;
    with `failures="return"`, every record that needs that pair gets the error in its place in
    the list instead, and the other records are translated all the same.
    """
    from .engine import shared_engine
    from .memory import NoMemory, open_memory

    records = list(records)
    options = options or TranslateOptions()
    stats = TranslateStats()
    datas = [record.to_data() for record in records]
    pairs: dict[tuple[str, str], _Pair] = {}
    for tgt in dict.fromkeys(targets):
        for i, (record, data) in enumerate(zip(records, datas, strict=True)):
            src = record.language
            if tgt == src:
                continue
            for container, key in _slots(data):
                value = container[key]
                if _has(value, tgt, src):
                    continue
                text = value if isinstance(value, str) else value.get(src)
                if isinstance(text, dict) or not text:
                    continue  # no source-language human text to start from
                pairs.setdefault((src, tgt), _Pair(src, tgt)).jobs.append((i, container, key, text))
    failed: dict[int, ReportkitError] = {}
    if pairs:
        engine = engine or shared_engine(options.threads, options.inter_threads)
        engine.refresh()
        glossary = glossary_for(options)
        loads_before, calls_before = sum(engine.loads.values()), engine.model_calls

        def give_up(pair: _Pair, err: ReportkitError) -> None:
            if failures == "raise":
                raise err
            failed.update((i, err) for i, *_ in pair.jobs)
            pairs.pop((pair.src, pair.tgt), None)

        for pair in list(pairs.values()):
            try:
                pair.route = engine.route(pair.src, pair.tgt)
            except ReportkitError as err:
                give_up(pair, err)
        memory = open_memory(options.memory) if options.cache else NoMemory()
        try:
            for pair in pairs.values():
                route = pair.route
                stats.pairs.append("→".join([pair.src] + [hop.tgt for hop in route]))
                pair.texts = [normalize_text(text) for *_, text in pair.jobs]
                # Whole texts are remembered too: a record exported again is answered without
                # even loading the sentence splitter (and the torch stack behind argostranslate).
                whole = _whole_key(pair, glossary)
                unique = list(dict.fromkeys(pair.texts))
                pair.known = memory.get_many(whole, pair.src, pair.tgt, unique)
                pair.misses = [t for t in unique if t not in pair.known]
                stats.from_memory += len(pair.texts) - sum(t not in pair.known for t in pair.texts)
            _translate_pairs(
                list(pairs.values()), glossary, engine, memory, options, stats, give_up
            )
            for pair in pairs.values():
                memory.put_many(
                    _whole_key(pair, glossary),
                    pair.src,
                    pair.tgt,
                    {t: pair.known[t] for t in pair.misses},
                )
                _fill(pair)
        finally:
            memory.close()
        stats.model_loads = sum(engine.loads.values()) - loads_before
        stats.model_calls = engine.model_calls - calls_before
    out: list[Record | ReportkitError] = [
        failed[i] if i in failed else Record.model_validate(data) for i, data in enumerate(datas)
    ]
    return out, stats


def _whole_key(pair: _Pair, glossary: Glossary) -> str:
    return f"text:{'+'.join(h.model_id for h in pair.route)}:{glossary.fingerprint(pair.tgt)}"


def _fill(pair: _Pair) -> None:
    """Each translated text into its record's data, marked as machine translation."""
    route = pair.route
    provenance = {"from": pair.src, "engine": " + ".join(hop.label for hop in route)}
    if len(route) > 1:
        provenance["via"] = route[0].tgt
    for (_, container, key, _source), text in zip(pair.jobs, pair.texts, strict=True):
        value = container[key]
        mapping = dict(value) if isinstance(value, dict) else {pair.src: value}
        mapping[pair.tgt] = {"text": pair.known[text], "machine": dict(provenance)}
        container[key] = mapping


def normalize_text(text: str) -> str:
    """Each line normalized; the lines (paragraph breaks) kept."""
    return "\n".join(normalize(line) for line in text.split("\n"))


def _translate_pairs(pairs: list[_Pair], glossary, engine, memory, options, stats, give_up):
    """Translate every pair's `misses` into its `known`: texts → paragraphs → sentences, each
    protected once at the source and restored at the end. Hop by hop (the first model of every
    route, then the second of pivoted ones), each model gets the sentences of all pairs that go
    through it in one call; sentences the memory knows never reach it."""
    layouts: dict[int, list[list[list[int]]]] = {}  # per pair, per text, per paragraph: indexes
    protected: dict[int, list] = {}
    current: dict[int, list[str]] = {}
    active = [pair for pair in pairs if pair.misses]
    for pair in active:
        first = pair.route[0]
        layout, sentences = [], []
        for text in pair.misses:
            paragraphs = []
            for paragraph in text.split("\n"):
                ids = []
                for sentence in engine.split(first, paragraph) if paragraph.strip() else []:
                    ids.append(len(sentences))
                    sentences.append(protect(normalize(sentence), glossary, pair.tgt))
                paragraphs.append(ids)
            layout.append(paragraphs)
        layouts[id(pair)], protected[id(pair)] = layout, sentences
        current[id(pair)] = [p.text for p in sentences]
        stats.sentences += len(sentences)
    depth = 0
    while True:
        through: dict[str, list[_Pair]] = {}  # model → the pairs whose hop `depth` it is
        for pair in active:
            if len(pair.route) > depth:
                through.setdefault(pair.route[depth].model_id, []).append(pair)
        if not through:
            break
        for group in through.values():
            hop = group[0].route[depth]
            unique = list(dict.fromkeys(s for pair in group for s in current[id(pair)]))
            known = memory.get_many(hop.model_id, hop.src, hop.tgt, unique)
            misses = [s for s in unique if s not in known]
            stats.from_memory += len(unique) - len(misses)
            stats.translated += len(misses)
            try:
                with _progress(options, len(misses), f"{hop.src}→{hop.tgt}") as advance:
                    fresh = dict(zip(misses, engine.translate(hop, misses, advance), strict=True))
            except ReportkitError as err:
                for pair in group:
                    give_up(pair, err)
                    active.remove(pair)
                continue
            memory.put_many(hop.model_id, hop.src, hop.tgt, fresh)
            known.update(fresh)
            for pair in group:
                current[id(pair)] = [normalize(known[s]) for s in current[id(pair)]]
        depth += 1
    for pair in active:
        restored = [
            restore(t, p) for t, p in zip(current[id(pair)], protected[id(pair)], strict=True)
        ]
        for text, paragraphs in zip(pair.misses, layouts[id(pair)], strict=True):
            pair.known[text] = "\n".join(" ".join(restored[i] for i in ids) for ids in paragraphs)


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
