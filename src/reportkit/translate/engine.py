"""Argos Translate models, driven in batches: reportkit finds the installed packages (skipping
broken ones) and splits sentences with the package's own splitter; CTranslate2 translates every
sentence of a record for one language pair in as few calls as possible, with thread settings
chosen for this machine rather than left to default.

Translation never reaches the network. argostranslate's own splitter choice can: a package
without a MiniSBD model makes MiniSBD download one, a Stanza package makes Stanza fetch its
resources list, and ARGOS_CHUNK_TYPE=SPACY downloads a spaCy model as soon as
`argostranslate.translate` is imported. So reportkit never imports `argostranslate.translate` and
loads the splitter itself, from the package's files only (`splitter`).

Heavy libraries (CTranslate2, onnxruntime, stanza with torch) are imported only when a
translation actually needs them. Once loaded, a model stays loaded for the life of the process
(`shared_engine`): a worker exporting many records pays for it once.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import ReportkitError
from ..labels import language_name
from ..messages import warn


class ModelMissing(ReportkitError):
    pass


class ModelBroken(ReportkitError):
    """An installed model whose files are there but cannot be loaded."""


@dataclass
class Hop:
    """One installed model: a language pair and what it needs to run."""

    src: str
    tgt: str
    package: object
    _sentences: object = None

    @property
    def sentencizer(self):
        """The package's own sentence splitter, loaded from its files only (see `splitter`)."""
        if self._sentences is None:
            self._sentences = splitter(self.package)
        return self._sentences

    @property
    def model_id(self) -> str:
        """Names the model's exact weights: a replaced model never reuses the old one's memory."""
        pkg = self.package
        weights = (pkg.package_path / "model" / "model.bin").stat()
        return (
            f"argos:{self.src}-{self.tgt}:{pkg.package_version}:{pkg.package_path.name}:"
            f"{weights.st_size}:{weights.st_mtime_ns}"
        )

    @property
    def label(self) -> str:
        return f"argostranslate {self.src}→{self.tgt} {self.package.package_version}".strip()


class Sentences:
    """A sentence splitter: `split_sentences(text)` gives the text's sentences in order."""

    def __init__(self, split: Callable[[str], list[str]]):
        self.split_sentences = split


_SENTENCE_END = re.compile(r"(?<=[.!?؟…])\s+")


def split_at_punctuation(text: str) -> list[str]:
    """Sentences end at . ! ? ؟ or … followed by a space (so 3.5 and example.org stay whole)."""
    return [s for s in _SENTENCE_END.split(text) if s.strip()]


# Stanza's names for the Argos codes that are not its own.
_STANZA_CODES = {"zt": "zh-hant", "pb": "pt"}


def splitter(package) -> Sentences:
    """The package's own sentence splitter, loaded from its files only: its MiniSBD model
    (minisbd/*.onnx), else its Stanza tokenizer (stanza/) with downloads turned off. A package with
    neither, or whose splitter does not load, is split at sentence punctuation, with one warning:
    the alternative, fetching a splitter, is exactly what an offline tool must not do."""
    folder = Path(package.package_path)
    try:
        onnx = sorted((folder / "minisbd").glob("*.onnx"))
        if onnx:
            from minisbd import SBDetect

            # An existing file's absolute path: MiniSBD opens it and looks nothing up.
            return Sentences(SBDetect(str(onnx[0].resolve()), use_gpu=False).sentences)
        if (folder / "stanza").is_dir():
            import stanza

            pipeline = stanza.Pipeline(
                lang=_STANZA_CODES.get(package.from_code, package.from_code),
                dir=str(folder / "stanza"),
                processors="tokenize",
                use_gpu=False,
                download_method=None,
                logging_level="ERROR",
            )
            return Sentences(lambda text: [s.text for s in pipeline(text).sentences])
        reason = "has no sentence splitter (minisbd/*.onnx or stanza/)"
    except Exception as err:  # a damaged or incomplete splitter model, whatever the library
        detail = " ".join(str(err).split())[:200]
        reason = f"has a sentence splitter that does not load ({type(err).__name__}: {detail})"
    warn(
        f"{folder}: the model {reason}; splitting sentences at . ! ? ؟ instead "
        "(reportkit never downloads one)",
        key=f"splitter:{folder}",
    )
    return Sentences(split_at_punctuation)


def install_hint(src: str, tgt: str, pivot_missing: str | None = None) -> str:
    """Which pair is missing, and the command that installs it."""
    name = lambda code: language_name("en", code)  # noqa: E731
    also = ""
    if pivot_missing:
        a, b = pivot_missing.split("-")
        also = f" (nor {name(a)}→{name(b)} to go through English: reportkit models install {a} {b})"
    return (
        f"no {name(src)}→{name(tgt)} translation model is installed{also}. "
        f"Install one: reportkit models install {src} {tgt} (on a machine with internet), or "
        f"offline: reportkit models install --file translate-{src}_{tgt}.argosmodel"
    )


class ArgosEngine:
    """Translates batches of sentences with installed Argos packages.

    `loads` and `calls` count, per language pair ("ar→en"), the models loaded and the batched
    model calls made by this engine: what a caller (or a test) reads to see that a batch of
    records cost one load and one call per pair."""

    def __init__(self, threads: int = 1, inter_threads: int = 1, beam_size: int | None = None):
        self.threads = threads
        self.inter_threads = inter_threads
        self.beam_size = beam_size
        self.loads: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self._translators: dict[str, object] = {}
        self._hops: dict[tuple[str, str], Hop | None] = {}
        self._packages: list | None = None
        self._installed: tuple | None = None

    @property
    def model_calls(self) -> int:
        """Batched model calls so far, all pairs together."""
        return sum(self.calls.values())

    def refresh(self) -> None:
        """Forget the packages and models found so far if the installed ones changed since (a
        model installed, replaced or removed): a warm engine never uses a model that is gone."""
        from .models import installed_state

        state = installed_state()
        if state != self._installed:
            self._translators.clear()
            self._hops.clear()
            self._packages = None
            self._installed = state

    def _hop(self, src: str, tgt: str) -> Hop | None:
        if (src, tgt) not in self._hops:
            from .models import installed_packages

            if self._packages is None:
                self._packages = installed_packages()  # broken folders: skipped, warned once
            hop = None
            for pkg in self._packages:
                if pkg.from_code == src and pkg.to_code == tgt:
                    hop = Hop(src, tgt, pkg)
                    break
            self._hops[(src, tgt)] = hop
        return self._hops[(src, tgt)]

    def route(self, src: str, tgt: str) -> list[Hop]:
        """The models from `src` to `tgt`: direct, or through English when no direct one exists."""
        direct = self._hop(src, tgt)
        if direct:
            return [direct]
        if "en" not in (src, tgt):
            first, second = self._hop(src, "en"), self._hop("en", tgt)
            if first and second:
                return [first, second]
            raise ModelMissing(
                install_hint(src, tgt, f"{src}-en" if first is None else f"en-{tgt}")
            )
        raise ModelMissing(install_hint(src, tgt))

    def split(self, hop: Hop, text: str) -> list[str]:
        """argostranslate's own sentence splitting, paragraph by paragraph."""
        return [s for s in hop.sentencizer.split_sentences(text) if s.strip()]

    def translate(
        self, hop: Hop, sentences: list[str], progress: Callable[[int], None] | None = None
    ) -> list[str]:
        """Translate `sentences` with one model, in batches of one call each."""
        if not sentences:
            return []
        import ctranslate2
        from argostranslate import settings

        translator = self._translators.get(hop.model_id)
        tokenizer = hop.package.tokenizer
        try:
            if translator is None:
                translator = ctranslate2.Translator(
                    str(hop.package.package_path / "model"),
                    device="cpu",
                    inter_threads=self.inter_threads,
                    intra_threads=self.threads,
                    compute_type=settings.compute_type,
                )
                self._translators[hop.model_id] = translator
                self.loads[f"{hop.src}→{hop.tgt}"] += 1
            tokenizer.encode("")  # loads the tokenizer: a damaged one fails here, in one line
        except (RuntimeError, ValueError, OSError) as err:
            detail = " ".join(str(err).split())[:200]
            raise ModelBroken(
                f"{hop.package.package_path}: the {hop.src}→{hop.tgt} model cannot be loaded "
                f"({detail}); install it again: reportkit models install --file FILE"
            ) from None
        prefix = hop.package.target_prefix
        out: list[str] = []
        step = 32 if progress else len(sentences)
        for i in range(0, len(sentences), step):
            chunk = sentences[i : i + step]
            tokens = [tokenizer.encode(s) for s in chunk]
            self.calls[f"{hop.src}→{hop.tgt}"] += 1
            results = translator.translate_batch(
                tokens,
                target_prefix=[[prefix]] * len(tokens) if prefix else None,
                replace_unknowns=True,
                # argostranslate's default is 32 *tokens* a batch: about one sentence. A record's
                # sentences go through together, sorted by length inside CTranslate2.
                max_batch_size=64,
                batch_type="examples",
                beam_size=self.beam_size or settings.beam_size,
                num_hypotheses=1,
                length_penalty=0.2,
            )
            for result in results:
                value = tokenizer.decode(result.hypotheses[0])
                if prefix and value.startswith(prefix):
                    value = value[len(prefix) :]
                out.append(value.strip())
            if progress:
                progress(len(chunk))
        return out


_SHARED: dict[tuple[int, int], ArgosEngine] = {}
_SHARED_LOCK = threading.Lock()  # a Dask worker runs tasks in threads of one process


def shared_engine(threads: int = 1, inter_threads: int = 1) -> ArgosEngine:
    """This process's engine for these thread settings, created on first use and kept: its
    splitters and models stay loaded for the next translation in the same process."""
    with _SHARED_LOCK:
        engine = _SHARED.get((threads, inter_threads))
        if engine is None:
            engine = _SHARED[(threads, inter_threads)] = ArgosEngine(threads, inter_threads)
        return engine
