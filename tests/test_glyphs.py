"""No empty box without a word said: characters no font has are named before rendering, and
--strict refuses them; symbols and emoji the fallback fonts have pass silently."""

from __future__ import annotations

from conftest import run_cli
from reportkit.document import Span
from reportkit.glyphs import missing_glyphs, uncovered


def test_symbols_arrows_and_emoji_are_covered_by_the_fallback_fonts():
    assert uncovered("🛡️ ✅ → ✓ ☎ ≤ ∑ ★ 👨‍👩‍👧 🇸🇦 1️⃣ C++ نص", "rtl") == []
    assert uncovered("\u2066x\u2069 \u200d \u200e", "ltr") == []


def test_a_character_no_font_has_is_named_once_with_its_field():
    spans = [Span("𓀀 و 𓀀", "ar", field="summary"), Span("𓀀", "ar", field="topics[0]")]
    (missing,) = missing_glyphs(spans)
    assert str(missing) == (
        "summary: U+13000 EGYPTIAN HIEROGLYPH A001 is in none of reportkit's fonts "
        "and would print as an empty box"
    )


def test_export_warns_about_an_undrawable_character_and_strict_refuses_it(write_record, tmp_path):
    record = write_record({"conference": {"title": "اجتماع 𓀀"}, "summary": "نص 🛡️ C++"})
    warned = run_cli("export", str(record), "-f", "html", "-o", str(tmp_path / "r.html"))
    assert warned.returncode == 0
    lines = warned.stderr.decode().strip().splitlines()
    assert lines == [
        "reportkit: warning: conference.title: U+13000 EGYPTIAN HIEROGLYPH A001 is in none of "
        "reportkit's fonts and would print as an empty box"
    ]
    (tmp_path / "r.html").unlink()
    strict = run_cli(
        "export", str(record), "-f", "html", "--strict", "-o", str(tmp_path / "r.html")
    )
    assert strict.returncode == 2
    assert (
        strict.stderr.decode()
        .strip()
        .splitlines()[-1]
        .startswith("reportkit: error: --strict: conference.title: U+13000")
    )
    assert not (tmp_path / "r.html").exists()
