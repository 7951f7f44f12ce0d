"""Translation options, importable without importing any translation machinery."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class TranslateOptions:
    glossary: Path | None = None  # added to (and overriding) the starter glossary
    cache: bool = True  # the translation memory; False: --no-cache
    threads: int = 1  # CTranslate2 intra-op threads: 1 is fastest on small machines
    inter_threads: int = 1
    progress: bool = True  # a progress bar on an interactive terminal
    memory: Path | None = None  # the translation memory's file; None: in the user's cache folder
