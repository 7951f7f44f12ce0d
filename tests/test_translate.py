"""Offline machine translation with a tiny but real Argos model built at test time."""

from __future__ import annotations

import pytest
import yaml

from conftest import record_texts, run_cli
from support import tinyargos
from support.readers import docx_to_pdf, has_phrase, lo_text, missing_words, pdftotext

argos_env = tinyargos.argos_env

RECORD = {
    "language": "ar",
    "conference": {
        "title": {"ar": "مؤتمر الأمن العربي", "en": "Arab Security Conference"},
        "organizer": "الأمانة العامة لمجلس وزراء الداخلية العرب",
        "city": "الدوحة",
    },
    "summary": "ناقش المؤتمر التعاون مع INTERPOL عام 2023 عبر https://example.org/x و info@example.org.",
    "participants": ["وفود الدول الأعضاء"],
    "recommendations": [
        {"text": "دعوة جامعة نايف العربية للعلوم الأمنية إلى تنظيم ورشة."},
        {"text": "رفع التوصيات لمجلس وزراء الداخلية العرب."},
    ],
}
AR_EN = {
    "ناقش": "discussed",
    "المؤتمر": "the conference",
    "التعاون": "cooperation",
    "مع": "with",
    "عام": "in",
    "عبر": "via",
    "و": "and",
    "الدوحة": "Doha",
    "وفود": "delegations",
    "الدول": "of the states",
    "الأعضاء": "members",
    "دعوة": "inviting",
    "إلى": "to",
    "تنظيم": "organize",
    "ورشة": "a workshop",
    "رفع": "submitting",
    "التوصيات": "the recommendations",
    # Protected values the model must never see: without protection these would come out changed.
    "INTERPOL": "interpol",
    "2023": "1999",
}
EN_FR = {
    "discussed": "a_discuté",
    "the": "le",
    "conference": "congrès",
    "cooperation": "coopération",
    "with": "avec",
    "in": "en",
    "via": "par",
    "and": "et",
    "Doha": "Doha",
    "delegations": "délégations",
    "of": "des",
    "states": "États",
    "members": "membres",
    "inviting": "inviter",
    "to": "à",
    "organize": "organiser",
    "a": "un",
    "workshop": "atelier",
    "submitting": "soumettre",
    "recommendations": "recommandations",
    "interpol": "INTERPOL_X",
    "1999": "0000",
}
SUMMARY_EN = "discussed the conference cooperation with INTERPOL in 2023 via https://example.org/x and info@example.org."


@pytest.fixture(scope="module")
def models(argos_env, tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    tinyargos.reset_argos()
    packages = {
        "ar-en": tinyargos.build_package(folder, "ar", "en", AR_EN),
        "en-fr": tinyargos.build_package(folder, "en", "fr", EN_FR),
    }
    for path in packages.values():
        tinyargos.install(path)
    yield packages
    tinyargos.reset_argos()


@pytest.fixture
def options(tmp_path):
    from reportkit.translate.options import TranslateOptions

    return TranslateOptions(memory=tmp_path / "tm.sqlite3")


def translated(models, options, *targets):
    from reportkit.record import record_from_data
    from reportkit.translate import translate_record

    return translate_record(record_from_data(RECORD, "record"), targets, options)


def test_machine_text_is_exact_and_marked(models, options):
    record, stats = translated(models, options, "en")
    data = record.to_data()
    summary = data["summary"]["en"]
    assert summary["text"] == SUMMARY_EN
    assert (
        summary["machine"]["from"] == "ar"
        and "argostranslate ar→en" in summary["machine"]["engine"]
    )
    assert data["summary"]["ar"] == RECORD["summary"]
    assert stats.model_calls == 1  # every sentence of the record in one batch


def test_human_translations_are_never_replaced(models, options):
    record, _ = translated(models, options, "en", "fr")
    title = record.to_data()["conference"]["title"]
    assert title["en"] == "Arab Security Conference"
    assert title["fr"]["machine"]["from"] == "ar"


def test_glossary_terms_come_out_as_written_with_their_prefixes(models, options):
    record, _ = translated(models, options, "en", "fr")
    data = record.to_data()
    assert (
        data["conference"]["organizer"]["en"]["text"]
        == "General Secretariat of the Council of Arab Interior Ministers"
    )
    assert (
        data["conference"]["organizer"]["fr"]["text"]
        == "Secrétariat général du Conseil des ministres arabes de l'Intérieur"
    )
    recs = data["recommendations"]
    assert (
        recs[1]["text"]["en"]["text"]
        == "submitting the recommendations to the Council of Arab Interior Ministers."
    )
    assert "au Conseil des ministres arabes de l'Intérieur" in recs[1]["text"]["fr"]["text"]
    assert (
        recs[0]["text"]["en"]["text"]
        == "inviting Naif Arab University for Security Sciences to organize a workshop."
    )


def test_french_goes_through_english_and_says_so(models, options):
    record, stats = translated(models, options, "fr")
    machine = record.to_data()["summary"]["fr"]["machine"]
    assert machine["via"] == "en"
    assert "ar→en" in machine["engine"] and "en→fr" in machine["engine"]
    assert stats.pairs == ["ar→en→fr"]


def test_numbers_urls_emails_and_acronyms_survive_both_hops(models, options):
    record, _ = translated(models, options, "fr")
    text = record.to_data()["summary"]["fr"]["text"]
    for kept in ("INTERPOL", "2023", "https://example.org/x", "info@example.org"):
        assert kept in text
    assert "1999" not in text and "0000" not in text and "INTERPOL_X" not in text


def test_a_user_glossary_overrides_the_starter(models, options, tmp_path):
    glossary = tmp_path / "g.csv"
    glossary.write_text(
        "ar,en,article_en\nمجلس وزراء الداخلية العرب,Arab Interior Ministers Council,the\n",
        encoding="utf-8",
    )
    options.glossary = glossary
    record, _ = translated(models, options, "en")
    assert record.to_data()["recommendations"][1]["text"]["en"]["text"].endswith(
        "to the Arab Interior Ministers Council."
    )


def test_the_second_translation_comes_from_memory(models, options):
    _, first = translated(models, options, "en", "fr")
    # French's first hop goes through the ar→en model in the same call as English: one call
    # per model, and a sentence both need is translated once
    assert first.model_calls == 2 and first.from_memory == 0
    _, second = translated(models, options, "en", "fr")
    assert second.model_calls == 0 and second.translated == 0
    assert second.from_memory == 6 + 7  # every text lacking English (the title has it) and French
    options.cache = False
    _, uncached = translated(models, options, "en")
    assert uncached.model_calls == 1


def test_translate_command_writes_a_valid_record(models, tmp_path):
    src = tmp_path / "r.yaml"
    src.write_text(yaml.safe_dump(RECORD, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out.yaml"
    result = run_cli(
        "translate", str(src), "--to", "en", "--to", "fr", "--output", str(out), "--threads", "1"
    )
    assert result.returncode == 0, result.stderr
    assert run_cli("validate", str(out)).returncode == 0
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert data["summary"]["en"]["text"] == SUMMARY_EN
    assert data["conference"]["title"]["en"] == "Arab Security Conference"
    again = run_cli("translate", str(out), "--to", "en", "--output", str(tmp_path / "again.yaml"))
    assert again.returncode == 0 and b"0 translated" in again.stderr  # nothing left to translate


def test_missing_model_names_the_pair_and_the_command(models, tmp_path):
    src = tmp_path / "r.yaml"
    src.write_text(yaml.safe_dump(RECORD, allow_unicode=True), encoding="utf-8")
    result = run_cli("translate", str(src), "--to", "de", "--output", str(tmp_path / "x.yaml"))
    assert result.returncode != 0 and b"Traceback" not in result.stderr
    assert b"reportkit models install ar de" in result.stderr
    assert not (tmp_path / "x.yaml").exists()


def test_models_list_and_install_from_a_file(models, tmp_path):
    listed = run_cli("models", "list")
    assert listed.returncode == 0
    assert "ar → en" in listed.stdout.decode() and "en → fr" in listed.stdout.decode()
    bad = tmp_path / "bad.argosmodel"
    bad.write_bytes(b"not a zip")
    result = run_cli("models", "install", "--file", str(bad))
    assert result.returncode == 2
    assert result.stderr.decode() == (
        f"reportkit: error: {bad}: not a usable translation model: not a zip archive\n"
    )


def test_models_install_from_the_index_fails_clearly_offline(models, monkeypatch):
    # The index is asked for on a closed loopback port (and any proxy too): no traffic leaves.
    for var in ("ARGOS_PACKAGE_INDEX", "https_proxy", "http_proxy", "HTTPS_PROXY", "HTTP_PROXY"):
        monkeypatch.setenv(var, "http://127.0.0.1:9/")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    result = run_cli("models", "install", "ar", "en")
    assert result.returncode == 2 and b"Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert b"models install --file" in result.stderr


@pytest.fixture(scope="module")
def bilingual(models, tmp_path_factory):
    from reportkit.export import ExportOptions, export, load
    from reportkit.translate import translate_record
    from reportkit.translate.options import TranslateOptions

    folder = tmp_path_factory.mktemp("bilingual")
    src = folder / "r.yaml"
    src.write_text(yaml.safe_dump(RECORD, allow_unicode=True), encoding="utf-8")
    options = TranslateOptions(memory=folder / "tm.sqlite3")
    paths = export(src, ["pdf", "docx"], folder, ExportOptions(lang="ar+en", translate=options))
    english, _ = translate_record(load(src), ["en"], options)
    return paths, english.to_data(), folder


def test_bilingual_pdf_has_every_word_of_both_languages(bilingual):
    paths, data, _ = bilingual
    text = pdftotext(paths["pdf"])
    assert missing_words(record_texts(RECORD, "ar"), text) == []
    assert missing_words(record_texts(data, "en"), text) == []
    assert has_phrase(text, "texts marked † were machine translated")


def test_bilingual_docx_has_every_word_of_both_languages(bilingual):
    paths, data, folder = bilingual
    text = lo_text(docx_to_pdf(paths["docx"], folder))
    assert missing_words(record_texts(RECORD, "ar"), text) == []
    assert missing_words(record_texts(data, "en"), text) == []


def test_english_export_translates_on_the_fly(models, tmp_path):
    from reportkit.export import ExportOptions, export
    from reportkit.translate.options import TranslateOptions

    src = tmp_path / "r.yaml"
    src.write_text(yaml.safe_dump(RECORD, allow_unicode=True), encoding="utf-8")
    paths = export(
        src,
        ["html"],
        tmp_path,
        ExportOptions(lang="en", translate=TranslateOptions(memory=tmp_path / "tm")),
    )
    html = paths["html"].read_text(encoding="utf-8")
    assert 'lang="en" dir="ltr"' in html
    assert "discussed the conference cooperation with INTERPOL in 2023" in html
    assert "machine translated" in html
