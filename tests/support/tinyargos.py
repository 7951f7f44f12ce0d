"""Tiny but real Argos Translate packages, built at test time, offline.

`build_package()` writes a `.argosmodel` that argostranslate 1.11 installs with its own
`argostranslate.package.install_from_path()` and runs with `argostranslate.translate.translate()`
or `get_translation_from_codes()`: a real SentencePiece model, a real CTranslate2 Transformer and a
real ONNX sentence splitter for MiniSBD. Nothing is downloaded and nothing is trained in the
machine-learning sense: the weights are written by hand so that the output is exact and
deterministic.

What the model does (sentence by sentence, after argostranslate's own paragraph and sentence
splitting):

* Every source word that is a key of `vocab` becomes its value. A key is matched as a whole word:
  preceded by a space, the start of the text or a punctuation mark, and followed by a space,
  punctuation or the end of the sentence. ``{"الأمن": "security"}`` maps ``الأمن``, ``«الأمن»``
  and ``الأمن،`` but leaves ``الأمنية`` and ``والأمن`` alone. Keys are case sensitive and must be
  single words (no whitespace); a value may hold spaces (``"Security Council"``).
* Everything else is copied unchanged: other words in any script, digits, Latin, punctuation.
  Unknown letters reach the model as ``<unk>`` and CTranslate2's ``replace_unknowns`` (which
  argostranslate always turns on) puts the source text back.
* What is *not* preserved, exactly as with a real Argos model: runs of spaces collapse to one and
  leading/trailing spaces go (SentencePiece), and argostranslate's decoder turns every ``_`` into
  a space.
* Sentences end after ``.``, ``!``, ``?``, ``؟`` or ``…`` followed by a space (so ``3.5`` is not
  split); each paragraph (``\\n``) is translated on its own by argostranslate itself.
* Length: argostranslate stops decoding a sentence at 256 tokens, as with a real model, so a
  longer sentence comes out cut (CTranslate2 also cuts the input at 1024 tokens, its default
  ``max_input_length``, which the model's 1024 position codes cover). A vocabulary word costs one
  token, another word two (the space and the word), a punctuation mark one: about 128 unknown
  words per sentence fit.
* Only the best hypothesis is meaningful: ``translate()`` and ``hypotheses(text, 1)`` are exact;
  extra hypotheses (``hypotheses(text, 4)``) are low-scoring junk.

argostranslate reads its settings (XDG_DATA_HOME, XDG_CONFIG_HOME, XDG_CACHE_HOME,
ARGOS_PACKAGES_DIR, ARGOS_DEVICE_TYPE, ...) once, when `argostranslate.settings` is first imported.
The `argos_env` fixture therefore must run before anything imports argostranslate: a conftest.py
must not import argostranslate (or a module that imports it at top level) before the fixture runs.
The fixture refuses to go on if argostranslate was already imported with folders in the real home.

Files a package must hold (argostranslate 1.11):

* one top folder (its name does not matter) with ``metadata.json`` (``type: "translate"``,
  ``from_code``, ``to_code``, ``from_name``, ``to_name``; ``package_version``, ``argos_version``,
  ``links``, ``target_prefix`` are read with defaults),
* ``sentencepiece.model`` (or ``bpe.model``) for tokenisation; the same model decodes the output,
* ``model/``: a CTranslate2 model directory (``model.bin``, ``config.json``,
  ``shared_vocabulary.json``),
* ``minisbd/<anything>.onnx``: the sentence splitter. Without it argostranslate 1.11 asks MiniSBD
  for the language's model, which downloads it on first use. argostranslate picks the splitter by
  looking for "stanza", then "minisbd", in the package's *path*: a packages folder whose path
  contains "stanza" would make it use Stanza (which downloads); ARGOS_CHUNK_TYPE other than
  DEFAULT/MINISBD changes the choice too. `argos_env` clears inherited ARGOS_* variables.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import pwd
import socket
import sys
import unicodedata
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

__all__ = [
    "ArgosEnv",
    "LANGUAGE_NAMES",
    "SENTENCE_END_CHARS",
    "argos_env",
    "argos_env_vars",
    "block_network",
    "build_package",
    "install",
    "no_network",
    "reset_argos",
    "uninstall",
]

LANGUAGE_NAMES = {
    "ar": "Arabic",
    "de": "German",
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "it": "Italian",
    "ru": "Russian",
    "tr": "Turkish",
    "zh": "Chinese",
}

SENTENCE_END_CHARS = ".!?؟…"

# Punctuation and symbols SentencePiece knows as pieces of their own. Everything else that is not a
# vocabulary key (letters and digits of any script) is unknown to it and is copied back through
# <unk>. A mark missing here still round-trips, but counts as part of a word for whole-word matching.
_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~،؛؟٪٫٬۔«»‹›“”„‘’‚…–—―·•′″§¶°±×÷€£¥©®™"

_SPACE = "\u2581"  # SentencePiece's word-start mark "▁"
_SPECIALS = ("<unk>", "<s>", "</s>")

# Position code: one-hot of (position mod m) for each modulus. Two positions share every residue
# only if they are equal (mod 7*8*9*11 = 5544), so "same position" is an exact 0/1 feature that
# survives CTranslate2's int8 quantisation.
_MODULI = (7, 8, 9, 11)
_POS_DIMS = sum(_MODULI)
_POS_PERIOD = 7 * 8 * 9 * 11
# Positions the model has codes for. CTranslate2 raises on a position without a code, so this must
# cover its default max_input_length (1024, source + </s>) and the decoder's steps (argostranslate
# keeps the default max_decoding_length, 256; beams other than the best run on to it).
_MAX_POSITIONS = 1024
assert _MAX_POSITIONS <= _POS_PERIOD

# Gains: attention on the right source position wins by exp(-_ALPHA) per other position; the right
# output token wins by about _BETA logits.
_ALPHA = 30.0
_BETA = 40.0


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def build_package(
    dest_dir: Path,
    from_code: str,
    to_code: str,
    vocab: Mapping[str, str],
    *,
    name: str | None = None,
    from_name: str | None = None,
    to_name: str | None = None,
    sentence_end_chars: str = SENTENCE_END_CHARS,
) -> Path:
    """Write a .argosmodel file into dest_dir and return its path.

    The model word-maps its input: each source word in `vocab` becomes the mapped target word,
    matched as a whole word (see the module docstring); everything else, including digits, Latin,
    punctuation and words in any script, is copied unchanged. An identity vocabulary (or an empty
    one) gives a pure copy model. The same arguments give a byte-identical file.
    """
    dest_dir = Path(dest_dir)
    vocab = _check_vocab(vocab)
    from_name = from_name or LANGUAGE_NAMES.get(from_code, from_code)
    to_name = to_name or LANGUAGE_NAMES.get(to_code, to_code)
    name = name or f"translate-{from_code}_{to_code}-tiny"
    if not name or "/" in name or "\\" in name or name in (".", ".."):
        raise ValueError(f"bad package name {name!r}")

    sp_model, sp_pieces = _sentencepiece_model(vocab)
    tokens, mapping = _ct2_vocabulary(sp_pieces, vocab)
    model_files = _ct2_model(tokens, mapping)
    onnx_bytes = _splitter_onnx(from_code, sentence_end_chars)

    metadata = {
        "package_version": "1.0",
        "argos_version": "1.9",
        "from_code": from_code,
        "from_name": from_name,
        "to_code": to_code,
        "to_name": to_name,
        "type": "translate",
        "links": [],
    }
    readme = (
        f"# {from_name} -> {to_name} (tiny test model)\n\n"
        "Built by reportkit's tests/support/tinyargos.py. It maps a fixed word list and copies\n"
        "everything else; it is not a translation model.\n"
    )
    files = {
        "metadata.json": json.dumps(metadata, ensure_ascii=False, indent=2).encode("utf-8"),
        "README.md": readme.encode("utf-8"),
        "sentencepiece.model": sp_model,
        f"minisbd/{from_code}.onnx": onnx_bytes,
    }
    for fname, data in model_files.items():
        files[f"model/{fname}"] = data

    dest_dir.mkdir(parents=True, exist_ok=True)
    path = dest_dir / f"{name}.argosmodel"
    tmp = path.with_name(path.name + ".part")
    with zipfile.ZipFile(tmp, "w") as zf:
        for dirname in (f"{name}/", f"{name}/minisbd/", f"{name}/model/"):
            zf.writestr(_zipinfo(dirname, 0o40755), b"")
        for fname in sorted(files):
            zf.writestr(_zipinfo(f"{name}/{fname}", 0o100644), files[fname], zipfile.ZIP_DEFLATED)
    os.replace(tmp, path)
    return path


@dataclass
class ArgosEnv:
    """What `argos_env` set up: the temporary root and argostranslate's own folders."""

    root: Path
    packages_dir: Path
    data_dir: Path
    cache_dir: Path
    config_dir: Path


def argos_env_vars(root: Path) -> dict[str, str]:
    """Environment that keeps argostranslate (and MiniSBD's cache) inside `root`."""
    root = Path(root)
    return {
        "XDG_DATA_HOME": str(root / "data"),
        "XDG_CONFIG_HOME": str(root / "config"),
        "XDG_CACHE_HOME": str(root / "cache"),
        "ARGOS_PACKAGES_DIR": str(root / "packages"),
        "ARGOS_DEVICE_TYPE": "cpu",
        # One CTranslate2 thread: about 3x faster than the default for these tiny models.
        "ARGOS_INTRA_THREADS": "1",
    }


@pytest.fixture(scope="session")
def argos_env(tmp_path_factory) -> Iterator[ArgosEnv]:
    """Point argostranslate at a temporary folder, then import it.

    Must run before anything imports argostranslate (it reads its settings once, at import). If
    argostranslate is already imported, the fixture accepts it only when its folders are outside
    the real home directory (e.g. a conftest already sandboxed HOME/XDG_*), and uses them.
    The environment is restored when the session ends; the folders go with pytest's tmp_path.
    """
    mp = pytest.MonkeyPatch()
    root = tmp_path_factory.mktemp("argos")
    try:
        if "argostranslate.settings" not in sys.modules:
            for key in list(os.environ):
                if key.startswith("ARGOS_") or key in ("SNAP", "SNAP_USER_DATA"):
                    mp.delenv(key)
            for key, value in argos_env_vars(root).items():
                mp.setenv(key, value)
        with block_network() as attempts:
            import argostranslate.package  # noqa: F401
            import argostranslate.settings as settings
            import argostranslate.translate  # noqa: F401
        assert not attempts, f"importing argostranslate tried the network: {attempts}"
        _refuse_real_home(settings)
        env = ArgosEnv(
            root=root,
            packages_dir=Path(settings.package_data_dir),
            data_dir=Path(settings.data_dir),
            cache_dir=Path(settings.cache_dir),
            config_dir=Path(settings.config_dir),
        )
        yield env
    finally:
        mp.undo()


def install(path: Path) -> Path:
    """Install a .argosmodel with argostranslate's own installer; return the installed folder.

    It also forgets argostranslate's loaded translations: argostranslate keeps one per "from-to"
    pair for the life of the process (`argostranslate.translate.installed_translates`), even
    across `get_installed_languages.cache_clear()`, so without this a package rebuilt for a pair
    already used would not be loaded. Install one package per pair at a time.
    """
    import argostranslate.package
    import argostranslate.settings

    path = Path(path)
    with zipfile.ZipFile(path) as zf:
        tops = {n.split("/", 1)[0] for n in zf.namelist()}
    if len(tops) != 1:
        raise ValueError(f"{path} is not one folder: {sorted(tops)}")
    argostranslate.package.install_from_path(path)
    _forget_translations()
    return Path(argostranslate.settings.package_data_dir) / tops.pop()


def uninstall(package_dir: Path) -> None:
    """Uninstall the package installed in `package_dir` (as returned by `install`)."""
    import argostranslate.package

    argostranslate.package.uninstall(argostranslate.package.Package(Path(package_dir)))
    _forget_translations()


def reset_argos() -> None:
    """Uninstall every package in argostranslate's package folders and clear its caches."""
    import argostranslate.package

    for pkg in argostranslate.package.get_installed_packages():
        argostranslate.package.uninstall(pkg)
    _forget_translations()


@contextlib.contextmanager
def block_network(allow_unix: bool = True) -> Iterator[list]:
    """Make every IP connection and name lookup fail, and list the attempts.

    Yields the list of attempts, so a caller can fail even when the code under test swallowed the
    exception (argostranslate's downloader logs errors and carries on).
    """
    attempts: list = []
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def refuse(what):
        attempts.append(what)
        return OSError(f"tests run offline: network use refused ({what!r})")

    def connect(self, address):
        if allow_unix and self.family == getattr(socket, "AF_UNIX", None):
            return real_connect(self, address)
        raise refuse(("connect", address))

    def connect_ex(self, address):
        if allow_unix and self.family == getattr(socket, "AF_UNIX", None):
            return real_connect_ex(self, address)
        raise refuse(("connect_ex", address))

    def getaddrinfo(host, *args, **kwargs):
        raise refuse(("getaddrinfo", host))

    mp = pytest.MonkeyPatch()
    mp.setattr(socket.socket, "connect", connect)
    mp.setattr(socket.socket, "connect_ex", connect_ex)
    mp.setattr(socket, "getaddrinfo", getaddrinfo)
    try:
        yield attempts
    finally:
        mp.undo()


@pytest.fixture
def no_network() -> Iterator[list]:
    """Fail the test if it tried to open a network connection or resolve a name."""
    with block_network() as attempts:
        yield attempts
    assert not attempts, f"the test tried the network: {attempts}"


# --------------------------------------------------------------------------------------------
# argostranslate state
# --------------------------------------------------------------------------------------------


def _forget_translations() -> None:
    import argostranslate.translate

    argostranslate.translate.installed_translates.clear()
    argostranslate.translate.get_installed_languages.cache_clear()


def _real_home() -> Path:
    try:
        return Path(pwd.getpwuid(os.getuid()).pw_dir).resolve()
    except KeyError:  # pragma: no cover - no passwd entry
        return Path(os.path.expanduser("~")).resolve()


def _refuse_real_home(settings) -> None:
    home = _real_home()
    for folder in (
        settings.data_dir,
        settings.config_dir,
        settings.cache_dir,
        settings.package_data_dir,
    ):
        folder = Path(folder).resolve()
        if folder == home or home in folder.parents:
            raise RuntimeError(
                f"argostranslate was imported with its folders in the home directory ({folder}); "
                "the argos_env fixture must run before anything imports argostranslate"
            )


# --------------------------------------------------------------------------------------------
# Vocabulary and SentencePiece
# --------------------------------------------------------------------------------------------


def _check_vocab(vocab: Mapping[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in vocab.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError("vocab keys and values must be strings")
        if not key or any(c.isspace() for c in key) or _SPACE in key:
            raise ValueError(f"vocab key {key!r} must be one word, without spaces")
        target = " ".join(value.split())
        if not target or _SPACE in target:
            raise ValueError(f"vocab value {value!r} for {key!r} must be a non-empty text")
        if key in _SPECIALS or target in _SPECIALS:
            raise ValueError(f"{key!r}: {value!r}: special tokens cannot be mapped")
        out[key] = target
    return out


def _sentencepiece_model(vocab: dict[str, str]) -> tuple[bytes, list[str]]:
    """A character SentencePiece model whose pieces are the vocabulary keys and punctuation.

    Each key is a user-defined piece twice, as "▁key" (word start) and "key" (after punctuation);
    the model decides from the neighbouring pieces whether the match is a whole word. Letters and
    digits are not pieces: runs of them come out as one unknown piece each (copied through
    <unk>), and the word-start mark "▁" is a piece of its own.
    """
    import sentencepiece as spm

    symbols: list[str] = []
    for key in vocab:
        for sym in (_SPACE + key, key):
            if sym not in symbols:
                symbols.append(sym)
    chars = [c for c in dict.fromkeys(_PUNCTUATION) if c not in symbols]
    corpus = [" ".join(chars)] * 2
    writer = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(corpus),
        model_writer=writer,
        model_type="char",
        vocab_size=len(chars) + len(symbols) + 2,
        hard_vocab_limit=False,
        user_defined_symbols=symbols,
        normalization_rule_name="identity",
        character_coverage=1.0,
        bos_id=-1,
        eos_id=-1,
        unk_id=0,
        num_threads=1,
        minloglevel=2,
    )
    data = writer.getvalue()
    sp = spm.SentencePieceProcessor(model_proto=data)
    pieces = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    for sym in symbols:
        if sp.encode(sym if sym.startswith(_SPACE) else "(" + sym, out_type=str)[-1] != sym:
            raise ValueError(f"SentencePiece does not keep {sym!r} as one piece")
    return data, pieces


def _ct2_vocabulary(
    sp_pieces: list[str], vocab: dict[str, str]
) -> tuple[list[str], dict[str, str]]:
    """Shared CTranslate2 vocabulary and the token -> token map the model applies."""
    tokens = list(_SPECIALS)
    for piece in sp_pieces:
        if piece not in tokens:
            tokens.append(piece)
    mapping: dict[str, str] = {}
    for key, value in vocab.items():
        target = value.replace(" ", _SPACE)
        mapping[_SPACE + key] = _SPACE + target
        mapping[key] = target
    for target in mapping.values():
        if target not in tokens:
            tokens.append(target)
    mapping = {k: v for k, v in mapping.items() if k != v}
    return tokens, mapping


def _word_char(c: str) -> bool:
    return unicodedata.category(c)[0] in "LMN"


def _continues_word(token: str) -> bool:
    """Does this token, placed right after a vocabulary key, extend the key into a longer word?"""
    if token == "<unk>":
        return True  # runs of letters/digits the SentencePiece model does not know
    if token in _SPECIALS or token.startswith(_SPACE):
        return False
    return _word_char(token[0])


def _ends_word(token: str) -> bool:
    """Does this token, placed right before a key without "▁", make the key part of a word?"""
    if token == "<unk>":
        return True
    if token in _SPECIALS or token == _SPACE:
        return False
    return _word_char(token[-1])


# --------------------------------------------------------------------------------------------
# CTranslate2 model
# --------------------------------------------------------------------------------------------


def _position_codes(n: int) -> np.ndarray:
    codes = np.zeros((n, _POS_DIMS), np.float32)
    pos = np.arange(n)
    offset = 0
    for m in _MODULI:
        codes[pos, offset + pos % m] = 1.0
        offset += m
    return codes


def _position_shift(shift: int) -> np.ndarray:
    """Matrix S with S @ code(t) == code(t + shift)."""
    s = np.zeros((_POS_DIMS, _POS_DIMS), np.float32)
    offset = 0
    for m in _MODULI:
        for r in range(m):
            s[offset + (r + shift) % m, offset + r] = 1.0
        offset += m
    return s


def _ct2_model(tokens: list[str], mapping: dict[str, str]) -> dict[str, bytes]:
    """A one-layer CTranslate2 Transformer that maps token t of the source to output step t.

    Residual stream layout (D = 3 * head_dim):
      POS  [0, P)        position code (encoder and decoder)
      TOK  [P, P+V)      encoder: source token one-hot; decoder: source token copied by head 0
      IDN  [P+V, P+2V)   decoder: "copy this token unchanged" (written by the feed-forward block)
      C    P+2V          decoder: the next source token continues the word (head 1)
      W    P+2V+1        decoder: the previous source token ends inside a word (head 2)
    Cross-attention head 0 attends to source position t, head 1 to t+1, head 2 to t-1. The
    feed-forward block cancels a mapping whose key is glued to a neighbouring word. Self-attention
    and the encoder layer are all zeros; RMS norms have gains that keep the 0/1 features at 0/1.
    The source gets </s> appended (config add_source_eos), which maps to </s> and ends decoding.
    """
    import tempfile

    from ctranslate2.specs import transformer_spec

    f32 = np.float32
    V = len(tokens)
    P = _POS_DIMS
    index = {t: i for i, t in enumerate(tokens)}
    hd = max(V, P, -(-(P + 2 * V + 2) // 3))
    D = 3 * hd
    TOK, IDN, C, W = P, P + V, P + 2 * V, P + 2 * V + 1
    toks = np.arange(V)

    spec = transformer_spec.TransformerSpec.from_config((1, 1), 3, pre_norm=True, rms_norm=True)
    enc, dec = spec.encoder, spec.decoder
    enc.scale_embeddings = False
    dec.scale_embeddings = False

    emb = np.zeros((V, D), f32)
    emb[toks, TOK + toks] = 1.0
    enc.embeddings[0].weight = emb
    dec.embeddings.weight = np.zeros((V, D), f32)
    pos = np.zeros((_MAX_POSITIONS, D), f32)
    pos[:, :P] = _position_codes(_MAX_POSITIONS)
    enc.position_encodings.encodings = pos
    dec.position_encodings.encodings = pos.copy()

    ones = np.ones(D, f32)
    for layer in (enc.layer[0], dec.layer[0]):
        layer.self_attention.layer_norm.gamma = ones.copy()
        layer.self_attention.linear[0].weight = np.zeros((3 * D, D), f32)
        layer.self_attention.linear[1].weight = np.zeros((D, D), f32)
    enc.layer[0].ffn.layer_norm.gamma = ones.copy()
    enc.layer[0].ffn.linear_0.weight = np.zeros((1, D), f32)
    enc.layer[0].ffn.linear_1.weight = np.zeros((D, 1), f32)
    # Encoder output = POS code (4 ones) + token one-hot: norm^2 = 5.
    enc.layer_norm.gamma = np.full(D, np.sqrt(5.0 / D), f32)

    # Cross-attention. Decoder input = POS code only (zero token embeddings): norm^2 = 4.
    ca = dec.layer[0].attention
    ca.layer_norm.gamma = np.full(D, np.sqrt(4.0 / D), f32)
    q = np.zeros((D, D), f32)
    kv = np.zeros((2 * D, D), f32)
    scale = _ALPHA * np.sqrt(hd)  # CTranslate2 divides scores by sqrt(head_dim)
    for head, shift in enumerate((0, 1, -1)):
        q[head * hd : head * hd + P, :P] = scale * _position_shift(shift)
        kv[head * hd : head * hd + P, :P] = np.eye(P, dtype=f32)
    values = kv[D:]
    values[toks, TOK + toks] = 1.0  # head 0: the token itself
    for t, tok in enumerate(tokens):
        if _continues_word(tok):
            values[hd, TOK + t] = 1.0  # head 1: does it continue a word?
        if _ends_word(tok):
            values[2 * hd, TOK + t] = 1.0  # head 2: does it end inside a word?
    ca.linear[0].weight = q
    ca.linear[1].weight = kv
    out = np.zeros((D, D), f32)
    out[TOK + toks, toks] = 1.0
    out[C, hd] = 1.0
    out[W, 2 * hd] = 1.0
    ca.linear[2].weight = out

    # Feed-forward: one unit per mapped token, on when the token is glued to a word:
    # relu(2*TOK[k] + C (+ W for keys without "▁") - 2.5). Input norm^2 is 5..7; the gain keeps
    # the features within 0.93..1.1, so the unit is on (>= 0.28) exactly when it should be.
    mapped = [index[k] for k in mapping]
    units = max(1, len(mapped))
    w0 = np.zeros((units, D), f32)
    b0 = np.zeros(units, f32)
    w1 = np.zeros((D, units), f32)
    for u, k in enumerate(mapped):
        w0[u, TOK + k] = 2.0
        w0[u, C] = 1.0
        if not tokens[k].startswith(_SPACE):
            w0[u, W] = 1.0
        b0[u] = -2.5
        w1[TOK + k, u] = -4.0  # move the token from "map it" ...
        w1[IDN + k, u] = 4.0  # ... to "copy it"
    ffn = dec.layer[0].ffn
    ffn.layer_norm.gamma = np.full(D, np.sqrt(6.0 / D), f32)
    ffn.linear_0.weight = w0
    ffn.linear_0.bias = b0
    ffn.linear_1.weight = w1

    dec.layer_norm.gamma = np.full(D, np.sqrt(6.0 / D), f32)
    proj = np.zeros((V, D), f32)
    for s, tok in enumerate(tokens):
        proj[index[mapping.get(tok, tok)], TOK + s] = _BETA
        proj[s, IDN + s] = _BETA
    dec.projection.weight = proj

    spec.register_source_vocabulary(tokens)
    spec.register_target_vocabulary(tokens)
    spec.config.add_source_eos = True
    spec.validate()
    spec.optimize(quantization="int8")
    with tempfile.TemporaryDirectory(prefix="tinyargos-") as tmp:
        spec.save(tmp)
        return {p.name: p.read_bytes() for p in sorted(Path(tmp).iterdir())}


# --------------------------------------------------------------------------------------------
# MiniSBD sentence splitter (ONNX, written as raw protobuf: the onnx package is not needed)
# --------------------------------------------------------------------------------------------


def _splitter_onnx(lang_code: str, sentence_end_chars: str) -> bytes:
    """An ONNX model for minisbd.SBDetect.

    minisbd feeds `units` (int64 [batch, chars], ids from the vocabulary in the model metadata)
    and `features` (float32 [batch, chars, n_features]) and takes the argmax over the last axis
    of the first output: 0 = inside a token, 1 = token end, 2 = sentence end (3/4: multi-word
    tokens). It always marks the last character as a sentence end itself. This graph says 2 on a
    space that follows a sentence-ending mark and 0 everywhere else:
        logits = Gather(CUR, units) + shift_right(Gather(PREV, units))
    CUR gives every character [1.5, 0, is_space]; PREV gives [0, 0, is_sentence_end].
    """
    units = ["<PAD>", "<UNK>", " "] + [c for c in dict.fromkeys(sentence_end_chars) if c != " "]
    n = len(units)
    cur = np.zeros((n, 3), np.float32)
    cur[:, 0] = 1.5
    cur[2, 2] = 1.0
    prev = np.zeros((n, 3), np.float32)
    prev[3:, 2] = 1.0

    nodes = [
        _node("Gather", ["cur_table", "units"], ["cur"]),
        _node("Gather", ["prev_table", "units"], ["prev"]),
        _node("Pad", ["prev", "pads"], ["prev_padded"]),
        _node("Slice", ["prev_padded", "starts", "ends", "axes"], ["prev_shifted"]),
        _node("Add", ["cur", "prev_shifted"], ["logits"]),
    ]
    initializers = [
        _tensor("cur_table", cur),
        _tensor("prev_table", prev),
        _tensor("pads", np.array([0, 1, 0, 0, 0, 0], np.int64)),
        _tensor("starts", np.array([0], np.int64)),
        _tensor("ends", np.array([-1], np.int64)),
        _tensor("axes", np.array([1], np.int64)),
    ]
    inputs = [
        _value_info("units", _INT64, ["batch", "chars"]),
        _value_info("features", _FLOAT, ["batch", "chars", "n_features"]),
    ]
    outputs = [_value_info("logits", _FLOAT, ["batch", "chars", 3])]
    graph = (
        b"".join(_field_bytes(1, nd) for nd in nodes)
        + _field_bytes(2, b"tinyargos_sbd")
        + b"".join(_field_bytes(5, t) for t in initializers)
        + b"".join(_field_bytes(11, v) for v in inputs)
        + b"".join(_field_bytes(12, v) for v in outputs)
    )
    vocab_state = {
        "lang": lang_code,
        "idx": 0,
        "cutoff": 0,
        "lower": False,
        "_unit2id": {u: i for i, u in enumerate(units)},
        "_id2unit": units,
    }
    config = {
        "max_seqlen": 1000,
        "skip_newline": False,
        "no_ssplit": False,
        "batch_size": 32,
        "feat_funcs": ["space_before"],
        "use_dictionary": False,
        "num_dict_feat": 0,
    }
    metadata = {
        "lang_code": lang_code,
        "config": json.dumps(config),
        "vocab": json.dumps(vocab_state, ensure_ascii=False),
        "lexicon": "null",
    }
    opset = _field_bytes(1, b"") + _field_varint(2, 13)
    return (
        _field_varint(1, 7)  # ir_version
        + _field_bytes(2, b"reportkit-tinyargos")
        + _field_bytes(7, graph)
        + _field_bytes(8, opset)
        + b"".join(
            _field_bytes(14, _field_bytes(1, k.encode()) + _field_bytes(2, v.encode()))
            for k, v in metadata.items()
        )
    )


_FLOAT = 1
_INT64 = 7


def _varint(n: int) -> bytes:
    if n < 0:
        n += 1 << 64
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field_varint(field: int, value: int) -> bytes:
    return _varint(field << 3) + _varint(value)


def _field_bytes(field: int, value: bytes | str) -> bytes:
    if isinstance(value, str):
        value = value.encode("utf-8")
    return _varint((field << 3) | 2) + _varint(len(value)) + value


def _node(op_type: str, inputs: list[str], outputs: list[str]) -> bytes:
    return (
        b"".join(_field_bytes(1, i) for i in inputs)
        + b"".join(_field_bytes(2, o) for o in outputs)
        + _field_bytes(3, outputs[0] + "_node")
        + _field_bytes(4, op_type)
    )


def _tensor(name: str, array: np.ndarray) -> bytes:
    dtype = {np.dtype(np.float32): _FLOAT, np.dtype(np.int64): _INT64}[array.dtype]
    return (
        b"".join(_field_varint(1, d) for d in array.shape)
        + _field_varint(2, dtype)
        + _field_bytes(8, name)
        + _field_bytes(
            9, np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tobytes()
        )
    )


def _value_info(name: str, elem_type: int, dims: list) -> bytes:
    shape = b"".join(
        _field_bytes(1, _field_varint(1, d) if isinstance(d, int) else _field_bytes(2, d))
        for d in dims
    )
    tensor_type = _field_varint(1, elem_type) + _field_bytes(2, shape)
    return _field_bytes(1, name) + _field_bytes(2, _field_bytes(1, tensor_type))


# --------------------------------------------------------------------------------------------
# zip
# --------------------------------------------------------------------------------------------


def _zipinfo(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.external_attr = mode << 16
    info.create_system = 3
    return info
