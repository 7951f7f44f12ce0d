"""Argos Translate models, driven in batches: argostranslate finds the installed packages and
splits sentences; CTranslate2 translates every sentence of a record for one language pair in as
few calls as possible, with thread settings chosen for this machine rather than left to default.

argostranslate imports torch, stanza and spacy (seconds and hundreds of MB): this module is
imported only when a translation is actually needed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..errors import ReportkitError
from ..labels import language_name


class ModelMissing(ReportkitError):
    pass


@dataclass
class Hop:
    """One installed model: a language pair and what it needs to run."""

    src: str
    tgt: str
    package: object
    _translation: object = None

    @property
    def sentencizer(self):
        """argostranslate's own sentence splitter for this package (imports its torch stack)."""
        if self._translation is None:
            from argostranslate import translate

            languages = {lang.code: lang for lang in translate.get_installed_languages()}
            self._translation = translate.PackageTranslation(
                languages[self.src], languages[self.tgt], self.package
            )
        return self._translation.sentencizer

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
    """Translates batches of sentences with installed Argos packages."""

    def __init__(self, threads: int = 1, inter_threads: int = 1, beam_size: int | None = None):
        self.threads = threads
        self.inter_threads = inter_threads
        self.beam_size = beam_size
        self.model_calls = 0
        self._translators: dict[str, object] = {}
        self._hops: dict[tuple[str, str], Hop | None] = {}

    def _hop(self, src: str, tgt: str) -> Hop | None:
        if (src, tgt) not in self._hops:
            from argostranslate import package

            hop = None
            for pkg in package.get_installed_packages():
                if pkg.type == "translate" and pkg.from_code == src and pkg.to_code == tgt:
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
        if translator is None:
            translator = ctranslate2.Translator(
                str(hop.package.package_path / "model"),
                device="cpu",
                inter_threads=self.inter_threads,
                intra_threads=self.threads,
                compute_type=settings.compute_type,
            )
            self._translators[hop.model_id] = translator
        tokenizer = hop.package.tokenizer
        prefix = hop.package.target_prefix
        out: list[str] = []
        step = 32 if progress else len(sentences)
        for i in range(0, len(sentences), step):
            chunk = sentences[i : i + step]
            tokens = [tokenizer.encode(s) for s in chunk]
            self.model_calls += 1
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
