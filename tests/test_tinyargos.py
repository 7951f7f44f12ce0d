"""The tiny Argos packages that stand in for real models: installed and run by argostranslate itself,
offline, with exact output."""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from support import tinyargos
from support.tinyargos import argos_env_vars, build_package, install, uninstall

# The fixtures, made visible to this module's tests (a conftest could list "support.tinyargos"
# in pytest_plugins instead).
argos_env = tinyargos.argos_env
no_network = tinyargos.no_network

pytestmark = pytest.mark.usefixtures("no_network")

AR_EN = {"المؤتمر": "conference", "الأمن": "security", "العرب": "Arab", "مجلس": "council"}
EN_FR = {"conference": "conférence", "security": "sécurité", "Arab": "arabe", "council": "conseil"}


@pytest.fixture(scope="module")
def packages(argos_env, tmp_path_factory):
    out = tmp_path_factory.mktemp("tinyargos")
    paths = {
        "ar-en": build_package(out, "ar", "en", AR_EN),
        "en-fr": build_package(out, "en", "fr", EN_FR),
    }
    installed = [install(path) for path in paths.values()]
    yield paths
    for folder in installed:
        uninstall(folder)


def translate(text: str, src: str = "ar", dst: str = "en") -> str:
    import argostranslate.translate

    return argostranslate.translate.translate(text, src, dst)


# ---------------------------------------------------------------------------------------------
# The package itself


def test_package_is_one_folder_with_what_argostranslate_reads(tmp_path):
    path = build_package(tmp_path, "ar", "en", AR_EN, name="ar-en-test")
    assert path == tmp_path / "ar-en-test.argosmodel"
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        metadata = json.loads(zf.read("ar-en-test/metadata.json"))
    assert {n.split("/")[0] for n in names} == {"ar-en-test"}
    assert {
        "ar-en-test/metadata.json",
        "ar-en-test/sentencepiece.model",
        "ar-en-test/model/model.bin",
        "ar-en-test/model/config.json",
        "ar-en-test/model/shared_vocabulary.json",
        "ar-en-test/minisbd/ar.onnx",
    } <= names
    assert metadata["type"] == "translate"
    assert (metadata["from_code"], metadata["to_code"]) == ("ar", "en")
    assert (metadata["from_name"], metadata["to_name"]) == ("Arabic", "English")
    assert metadata["links"] == []


def test_same_arguments_give_the_same_bytes(tmp_path):
    a = build_package(tmp_path / "a", "ar", "en", AR_EN)
    b = build_package(tmp_path / "b", "ar", "en", AR_EN)
    assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()


@pytest.mark.parametrize(
    "vocab", [{"مجلس الأمن": "Security Council"}, {"": "x"}, {"الأمن": "  "}, {"x": 1}]
)
def test_bad_vocabularies_are_refused(tmp_path, vocab):
    with pytest.raises((ValueError, TypeError)):
        build_package(tmp_path, "ar", "en", vocab)


# ---------------------------------------------------------------------------------------------
# Installed with install_from_path and run by argostranslate


def test_installed_where_argos_env_says(argos_env, packages):
    import argostranslate.package

    installed = {
        (p.from_code, p.to_code): p for p in argostranslate.package.get_installed_packages()
    }
    assert {("ar", "en"), ("en", "fr")} <= set(installed)
    for pkg in installed.values():
        assert pkg.package_path.parent == argos_env.packages_dir
        assert pkg.packaged_sbd_path == pkg.package_path / "minisbd"


def test_arabic_to_english_is_exact(packages):
    assert translate("المؤتمر الأمن") == "conference security"
    assert translate("مجلس العرب") == "council Arab"


def test_words_outside_the_vocabulary_digits_latin_and_punctuation_are_copied(packages):
    assert translate("مجلس الأمن الدولي 2024 UN") == "council security الدولي 2024 UN"
    assert (
        translate("المؤتمر، الأمن: 3.5٪ (مجلس) «العرب»")
        == "conference، security: 3.5٪ (council) «Arab»"
    )
    assert translate("وثيقة رقم ١٢ é 世界") == "وثيقة رقم ١٢ é 世界"


def test_vocabulary_words_are_matched_whole(packages):
    # A key glued to other letters is another word: copied, not half-translated.
    assert (
        translate("الأمنية والأمن بالأمن مجلسان الأمن") == "الأمنية والأمن بالأمن مجلسان security"
    )


def test_sentences_and_paragraphs(packages):
    assert translate("المؤتمر. الأمن؟ مجلس العرب!") == "conference. security؟ council Arab!"
    assert translate("المؤتمر\nالأمن\n\nمجلس") == "conference\nsecurity\n\ncouncil"
    assert translate("") == ""


def test_the_packaged_onnx_splitter_is_what_splits(argos_env, packages):
    import argostranslate.translate
    from argostranslate.sbd import MiniSBDSentencizer

    translation = argostranslate.translate.get_translation_from_codes("ar", "en")
    sentencizer = translation.underlying.sentencizer
    assert isinstance(sentencizer, MiniSBDSentencizer)
    assert Path(sentencizer.lang).parent.name == "minisbd"
    assert sentencizer.split_sentences("المؤتمر. الأمن؟ مجلس 3.5 مرة") == [
        "المؤتمر. ",
        "الأمن؟ ",
        "مجلس 3.5 مرة",
    ]
    # MiniSBD never went looking for a model of its own.
    assert not (argos_env.data_dir / "minisbd").exists()


def test_long_sentence(packages):
    words = ["المؤتمر", "الأمن", "العرب", "مجلس"] * 50
    assert translate(" ".join(words)) == " ".join(AR_EN[w] for w in words)


def test_random_sentences_follow_the_whole_word_rule(packages, tmp_path):
    """Seeded random text: keys, other words, keys glued to letters or digits, punctuation."""
    rng = random.Random(47)
    letters = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
    punct = "،.:؛«»()!؟"

    def word():
        return "".join(rng.choice(letters) for _ in range(rng.randint(2, 6)))

    keys = list(dict.fromkeys(word() for _ in range(20)))
    vocab = {k: f"w{i}" + (" bis" if i % 5 == 0 else "") for i, k in enumerate(keys)}
    folder = install(build_package(tmp_path, "de", "it", vocab))
    try:
        for _ in range(25):
            words = []
            for _ in range(rng.randint(1, 25)):
                w = rng.choice([rng.choice(keys), word(), rng.choice(keys) + rng.choice(letters)])
                if rng.random() < 0.3:
                    w = rng.choice(punct) + w + rng.choice(punct)
                if rng.random() < 0.1:
                    w += str(rng.randint(0, 99))
                words.append(w)
            text = " ".join(words)
            # A word is a run of letters and digits between spaces and punctuation.
            expected = re.sub(rf"[^\s{re.escape(punct)}]+", lambda m: vocab.get(m[0], m[0]), text)
            got = translate(text, "de", "it")
            # Sentence ends ("! ", ". ", "؟ ") are where argostranslate splits; it joins again
            # with one space, which the text already has.
            assert got == expected, text
    finally:
        uninstall(folder)


def test_english_to_french(packages):
    assert (
        translate("council security, Arab conference.", "en", "fr")
        == "conseil sécurité, arabe conférence."
    )
    assert translate("Arabic councils", "en", "fr") == "Arabic councils"


def test_arabic_to_french_pivots_through_english(packages):
    import argostranslate.translate

    translation = argostranslate.translate.get_translation_from_codes("ar", "fr")
    assert isinstance(translation, argostranslate.translate.CompositeTranslation)
    assert translation.translate("مجلس الأمن") == "conseil sécurité"
    assert translate("مجلس الأمن 2024", "ar", "fr") == "conseil sécurité 2024"


def test_best_hypothesis_through_the_translation_object(packages):
    import argostranslate.translate

    translation = argostranslate.translate.get_translation_from_codes("ar", "en")
    [best] = translation.hypotheses("المؤتمر الأمن", num_hypotheses=1)
    assert best.value == "conference security"
    assert best.score == pytest.approx(0.0, abs=1e-3)


def test_values_with_spaces_identity_and_swaps(packages, tmp_path):
    vocab = {"a": "b", "b": "a", "c": "c", "SC": "Security Council"}
    folder = install(build_package(tmp_path, "de", "it", vocab))
    try:
        assert translate("a b c ab SC.", "de", "it") == "b a c ab Security Council."
    finally:
        uninstall(folder)


def test_reinstalling_a_pair_uses_the_new_package(packages, tmp_path):
    # argostranslate keeps a loaded translation per pair for the whole process; install() drops it.
    folder = install(build_package(tmp_path / "1", "de", "it", {"Rat": "consiglio"}))
    try:
        assert translate("Rat", "de", "it") == "consiglio"
    finally:
        uninstall(folder)
    folder = install(build_package(tmp_path / "2", "de", "it", {"Rat": "parere"}))
    try:
        assert translate("Rat", "de", "it") == "parere"
    finally:
        uninstall(folder)


def test_fresh_process_offline_and_home_untouched(tmp_path):
    """In a process of its own, with HOME an empty folder: build, install, translate; nothing lands
    in HOME and nothing touches the network."""
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ARGOS_", "XDG_"))}
    env.update(argos_env_vars(tmp_path / "argos"), HOME=str(home))
    script = textwrap.dedent(
        """
        import json, sys
        sys.path.insert(0, sys.argv[1])
        from support.tinyargos import block_network, build_package
        with block_network() as attempts:
            path = build_package(sys.argv[2], "ar", "en", json.loads(sys.argv[3]))
            import argostranslate.package, argostranslate.translate
            argostranslate.package.install_from_path(path)
            out = argostranslate.translate.translate("مجلس الأمن. المؤتمر", "ar", "en")
        print(json.dumps({"out": out, "attempts": [repr(a) for a in attempts]}))
        """
    )
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            script,
            str(Path(__file__).parent),
            str(tmp_path / "pkgs"),
            json.dumps(AR_EN),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"out": "council security. conference", "attempts": []}
    assert list(home.iterdir()) == []
