"""Bad records get one clear message (file, field path, line), a non-zero exit, no traceback and
no output file — through the real command, for validate and export alike."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run_cli

GOOD = """\
language: ar
conference:
  title: مؤتمر تجريبي
  start_date: 2023-11-15
"""


def check_rejected(path: Path, *expected: str, tmp_path: Path) -> str:
    """Both commands refuse the record with a message holding `expected`; nothing is written."""
    out_dir = tmp_path / "out"
    out_dir.mkdir(exist_ok=True)
    for args in (
        ["validate", str(path)],
        ["export", str(path), "-f", "pdf", "-f", "docx", "-o", str(out_dir)],
    ):
        result = run_cli(*args)
        err = result.stderr.decode("utf-8")
        assert result.returncode != 0, args
        assert "Traceback" not in err
        assert err.startswith("reportkit: error: ")
        assert str(path) in err
        for text in expected:
            assert text in err, (text, err)
    assert list(out_dir.iterdir()) == []
    return err


def test_a_good_record_validates(write_record):
    result = run_cli("validate", str(write_record(GOOD)))
    assert result.returncode == 0
    assert result.stdout.decode().strip() == "ok"


def test_yaml_syntax_error_names_line_and_column(write_record, tmp_path):
    path = write_record("conference:\n  title: [unclosed\n  number: 4\n")
    err = check_rejected(path, "YAML syntax error", tmp_path=tmp_path)
    assert f"{path}:3:" in err or f"{path}:4:" in err


def test_json_syntax_error_names_line_and_column(write_record, tmp_path):
    path = write_record('{\n  "conference": {"title": "x",}\n}\n', "record.json")
    check_rejected(path, "JSON syntax error", f"{path}:2:", tmp_path=tmp_path)


@pytest.mark.parametrize("content", ["", "   \n\n", "# only a comment\n"])
def test_empty_file(write_record, tmp_path, content):
    check_rejected(write_record(content), "empty", tmp_path=tmp_path)


def test_a_list_at_top_level(write_record, tmp_path):
    check_rejected(write_record("- conference: x\n"), "must be a mapping", tmp_path=tmp_path)


def test_missing_title(write_record, tmp_path):
    path = write_record("conference:\n  number: 47\n")
    check_rejected(path, "conference.title: is required", f"{path}:2:", tmp_path=tmp_path)


@pytest.mark.parametrize(
    ("snippet", "field"),
    [
        ("  number: forty\n", "conference.number"),
        ("  number: 4.5\n", "conference.number"),
        ("  organizer: [a, b]\n", "conference.organizer"),
        ("  reference: 12\n", "conference.reference"),
    ],
)
def test_wrong_types(write_record, tmp_path, snippet, field):
    path = write_record(GOOD + snippet)
    check_rejected(path, field, f"{path}:5:", tmp_path=tmp_path)


def test_a_list_where_text_belongs(write_record, tmp_path):
    check_rejected(
        write_record(GOOD + "summary: [a, b]\n"), "summary:", "must be text", tmp_path=tmp_path
    )


def test_participants_must_be_a_list(write_record, tmp_path):
    check_rejected(write_record(GOOD + "participants: وفد\n"), "participants", tmp_path=tmp_path)


@pytest.mark.parametrize("date", ["2023-02-30", "2023-13-01", "15/11/2023", "2023-11-5"])
def test_impossible_dates(write_record, tmp_path, date):
    path = write_record(GOOD.replace("2023-11-15", date))
    check_rejected(path, "conference.start_date", f"{path}:4:", tmp_path=tmp_path)


def test_end_before_start(write_record, tmp_path):
    check_rejected(
        write_record(GOOD + "  end_date: 2023-11-01\n"),
        "end_date is before start_date",
        tmp_path=tmp_path,
    )


def test_unknown_language_code(write_record, tmp_path):
    path = write_record(GOOD.replace("language: ar", "language: xx"))
    check_rejected(path, "language:", "unknown language code 'xx'", f"{path}:1:", tmp_path=tmp_path)


def test_unknown_language_code_as_mapping_key(write_record, tmp_path):
    path = write_record(GOOD.replace("title: مؤتمر تجريبي", "title: {ar: مؤتمر, zz: conference}"))
    check_rejected(path, "conference.title", "unknown language code 'zz'", tmp_path=tmp_path)


def test_unknown_field_is_named(write_record, tmp_path):
    check_rejected(
        write_record(GOOD + "summery: نص\n"), "summery: is not a field", tmp_path=tmp_path
    )


def test_non_utf8_bytes(write_record, tmp_path):
    path = write_record(GOOD.encode("utf-8") + b"summary: caf\xe9\n")
    check_rejected(path, "not UTF-8", f"{path}:5:", tmp_path=tmp_path)


def test_duplicate_keys_yaml(write_record, tmp_path):
    path = write_record(GOOD + "  start_date: 2023-11-16\n")
    check_rejected(path, "duplicate key 'start_date'", f"{path}:5:", tmp_path=tmp_path)


def test_duplicate_keys_json(write_record, tmp_path):
    path = write_record('{"conference": {"title": "a",\n "title": "b"}}', "record.json")
    check_rejected(path, "duplicate key 'title'", f"{path}:2:", tmp_path=tmp_path)


def test_python_tags_never_execute(write_record, tmp_path):
    marker = tmp_path / "pwned"
    path = write_record(GOOD + f'summary: !!python/object/apply:os.system ["touch {marker}"]\n')
    check_rejected(path, "tag", "not allowed", tmp_path=tmp_path)
    assert not marker.exists()


def test_alias_bomb_fails_fast(write_record, tmp_path):
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for i in range(1, 10):
        prev = chr(ord("a") + i - 1)
        name = chr(ord("a") + i)
        bomb += f"{name}: &{name} [{', '.join(['*' + prev] * 9)}]\n"
    path = write_record(bomb + "conference: {title: x}\n")
    result = run_cli(
        "validate", str(path), timeout=30
    )  # a real expansion would take minutes and GBs
    assert result.returncode != 0
    assert b"alias bomb" in result.stderr
    assert b"Traceback" not in result.stderr


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x85"])
def test_control_characters_in_text(write_record, tmp_path, char):
    path = write_record({"conference": {"title": f"مؤتمر{char}تجريبي"}}, "record.json")
    check_rejected(path, "conference.title", f"U+{ord(char):04X}", tmp_path=tmp_path)


def test_control_characters_inside_a_language_mapping(write_record, tmp_path):
    path = write_record({"conference": {"title": {"ar": "مؤتمر", "en": "bad\x01"}}}, "record.json")
    check_rejected(path, "conference.title", "U+0001", tmp_path=tmp_path)


def test_utf8_bom_is_valid(write_record):
    result = run_cli("validate", str(write_record(b"\xef\xbb\xbf" + GOOD.encode("utf-8"))))
    assert result.returncode == 0, result.stderr
    result = run_cli(
        "validate",
        str(
            write_record(
                b"\xef\xbb\xbf" + json.dumps({"conference": {"title": "x"}}).encode(), "r.json"
            )
        ),
    )
    assert result.returncode == 0, result.stderr


def test_stdin_is_read_as_yaml():
    assert run_cli("validate", "-", input=GOOD.encode("utf-8")).returncode == 0
    result = run_cli("validate", "-", input=b"conference: {}\n")
    assert (
        result.returncode != 0
        and b"<stdin>" in result.stderr
        and b"conference.title" in result.stderr
    )


def test_missing_file(tmp_path):
    result = run_cli("validate", str(tmp_path / "nope.yaml"))
    assert result.returncode != 0 and b"no such file" in result.stderr


def test_every_problem_is_listed(write_record, tmp_path):
    path = write_record("conference:\n  number: x\n  start_date: 2023-02-30\n")
    err = check_rejected(path, tmp_path=tmp_path)
    for field in ("conference.title", "conference.number", "conference.start_date"):
        assert field in err


def test_characters_renderers_disagree_on_are_refused_by_name(write_record, tmp_path):
    path = write_record({"conference": {"title": "مؤتمر", "city": "م\ufff9د"}}, "record.json")
    check_rejected(
        path, "conference.city", "U+FFF9 INTERLINEAR ANNOTATION ANCHOR", tmp_path=tmp_path
    )


def test_a_control_character_yaml_refuses_is_one_line_with_its_position(write_record, tmp_path):
    path = write_record('conference:\n  title: "مؤتمر\x07"\n')
    err = check_rejected(path, f"{path}:2:16: ", "U+0007", tmp_path=tmp_path)
    assert err.count("\n") == 1 and "<unicode string>" not in err


# What both YAML parsers must read alike: anchors and aliases, block and folded scalars, quoted
# Arabic with escapes, flow collections, numbers, dates, comments.
PARITY_YAML = """\
language: ar   # a comment
conference: &c
  title: "مؤتمر \\u0627لأمن"
  organizer: 'الأمانة ''العامة'''
  number: 47
  start_date: 2023-11-15
summary: |
  سطر أول
  سطر ثانٍ
topics: [أمن, "تعاون", 'بحث']
participants:
  - >
    وفد
    مطوي
  - *c
"""


def _loaded(text: str, loader) -> tuple:
    """What reading `text` gives with `loader`: data, positions and extents, or the refusal."""
    from reportkit.record import load

    saved, load.Loader = load.Loader, loader
    try:
        data, source = load._parse(text.encode("utf-8"), "r.yaml", "yaml")
        return data, source.positions, source.extents
    except Exception as err:  # the RecordError's one line is what is compared
        return (type(err).__name__, str(err))
    finally:
        load.Loader = saved


def test_records_are_read_by_libyaml_when_pyyaml_has_it():
    """PyYAML's wheels bring libyaml: the loader is its C one, not the pure-Python parser that
    takes about nine times as long on a long record."""
    import yaml

    from reportkit.record import load

    assert yaml.__with_libyaml__
    assert load.Loader is yaml.CSafeLoader
    assert issubclass(load.Loader, yaml.cyaml.CParser)


@pytest.mark.parametrize(
    "text",
    [
        PARITY_YAML,
        GOOD + "  start_date: 2023-11-16\n",  # duplicate key
        "conference:\n  title: [unclosed\n  number: 4\n",  # libyaml words this otherwise
        'conference:\n  title: "مؤتمر\x07"\n',  # a control character: a byte offset in libyaml
        "conference: !!python/object:os.system\n  title: x\n",  # a tag that would run code
        "a: " + "[" * 1200 + "]" * 1200 + "\n",  # deeper than libyaml's nesting limit
        "a: &a [x]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n",
    ],
)
def test_libyaml_reads_and_refuses_as_the_python_parser_does(text):
    """Same data, same line and column of every field and same extent of every text, or the
    same one-line refusal, whichever parser PyYAML uses."""
    import yaml

    assert _loaded(text, yaml.CSafeLoader) == _loaded(text, yaml.SafeLoader)


def test_a_python_tag_is_refused_with_its_line_by_the_c_loader(write_record, tmp_path):
    path = write_record("language: ar\nconference: !!python/object/apply:os.system [ls]\n")
    check_rejected(path, "YAML tag", "is not allowed", f"{path}:2:", tmp_path=tmp_path)
