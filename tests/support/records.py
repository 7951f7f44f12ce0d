"""Records the format tests share: one Arabic record full of what right-to-left layout gets wrong."""

from __future__ import annotations

from .readers import has_phrase, missing_words, normalize

# Latin words, acronyms in brackets, numbers, a URL and an e-mail address inside Arabic lines.
MIXED = {
    "language": "ar",
    "conference": {
        "title": "اجتماع تنسيقي مع منظمة INTERPOL ومجلس التعاون (GCC)",
        "organizer": "الأمانة العامة لمجلس وزراء الداخلية العرب",
        "reference": "GS/12/2024",
    },
    "summary": "حضر ممثل المنظمة الدولية للشرطة الجنائية (INTERPOL) اجتماع عام 2023م في الدوحة، "
    "وتفاصيل البرنامج على https://www.example.org/a-b أو عبر البريد info@example.org.",
    "recommendations": [
        {"text": "تخصيص 250 مليون دولار لبرنامج Cyber Shield خلال الفترة القادمة"},
        {"text": "التنسيق مع دول مجلس التعاون (GCC) في تبادل البيانات"},
    ],
}

# What must come out of a reader whole, and phrases whose order inside the line must hold.
MIXED_INTACT = (
    "INTERPOL",
    "https://www.example.org/a-b",
    "info@example.org",
    "GS/12/2024",
    "2023",
    "250",
)
MIXED_PHRASES = (
    "تخصيص 250 مليون دولار لبرنامج Cyber Shield خلال الفترة القادمة",
    "الجنائية (INTERPOL) اجتماع عام 2023م في الدوحة",
)


def check_mixed_words(text: str, record_texts) -> None:
    """Every word of MIXED is in `text`, and the codes, numbers and addresses are whole."""
    assert missing_words(record_texts(MIXED, "ar"), text) == []
    flat = normalize(text)
    for intact in MIXED_INTACT:
        assert intact in flat, intact


def check_mixed_order(text: str) -> None:
    """In a reader that gives lines in logical order (poppler), the Latin runs and numbers stand
    where the record has them."""
    for phrase in MIXED_PHRASES:
        assert has_phrase(text, phrase), phrase


# A record with human English for every text: bilingual exports without a translation model.
BILINGUAL = {
    "language": "ar",
    "conference": {
        "title": {
            "ar": "الاجتماع التنسيقي الثالث لمكافحة الجرائم المعلوماتية",
            "en": "Third Coordination Meeting on Cybercrime",
        },
        "organizer": {
            "ar": "الأمانة العامة لمجلس وزراء الداخلية العرب",
            "en": "General Secretariat of the Council of Arab Interior Ministers",
        },
        "city": {"ar": "تونس", "en": "Tunis"},
        "start_date": "2024-03-10",
        "reference": "GS/12/2024",
    },
    "summary": {"ar": "ناقش الاجتماع سبل التعاون.", "en": "The meeting discussed cooperation."},
    "topics": [{"ar": "التعاون الأمني", "en": "Security cooperation"}],
    "sections": [
        {
            "heading": {"ar": "وقائع الاجتماع", "en": "Proceedings"},
            "paragraphs": [{"ar": "افتتح الاجتماع.", "en": "The meeting was opened."}],
        }
    ],
}
