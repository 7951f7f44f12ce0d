"""The words reportkit itself puts on the page, in each language it writes labels for, and the
words of the alternative texts and table descriptions screen readers read out ({code},
{reference}, {fingerprint}: other labels, filled in by the writer; {first}, {second}: language
names as `language_name` gives them)."""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "ar": {
        "summary": "ملخص",
        "participants": "المشاركون",
        "topics": "محاور المؤتمر",
        "recommendations": "التوصيات",
        "organizer": "الجهة المنظمة",
        "number": "رقم الدورة",
        "venue": "المكان",
        "dates": "التاريخ",
        "reference": "المرجع",
        "date": "التاريخ",
        "page": "صفحة {page} من {pages}",
        "machine_notice": "تنبيه: النصوص المعلَّمة بعلامة † مترجمة آلياً ({languages}) ولم يراجعها مترجم بشري.",
        "category": "المجال",
        "verification": "التحقق من الوثيقة",
        "fingerprint": "بصمة السجل (SHA-256)",
        "verify_hint": "يطابق هذا الرمز المرجع وبصمة السجل المرسل؛ امسحه للتحقق من أن النسخة المطبوعة تطابق السجل الذي تسلمتموه.",
        "verify_partial": "يحمل الرمز بداية المرجع فقط: أول {n} من أحرفه.",
        "draft": "مسودة",
        "emblem": "شعار",
        "hijri_joiner": "الموافق",
        "verification_code": "رمز التحقق",
        "code_carries": "{code}: {reference} و{fingerprint}",
        "code_carries_hash": "{code}: {fingerprint}",
        "fields_table": "بيانات المؤتمر: في كل صف اسم البيان ثم قيمته",
        "pairs_table": "النص باللغة {first} وترجمته باللغة {second}، جنباً إلى جنب",
        "verification_table": "رمز التحقق، وبجانبه ما يحمله مكتوباً",
        "letterhead_table": "ترويسة الجهة: جدول تنسيق، بيانات الجهة وشعارها",
        "qr_alt": "رمز QR للتحقق من الوثيقة، يحمل مرجعها وبصمة السجل (SHA-256) المطبوعين بجانبه",
    },
    "en": {
        "summary": "Summary",
        "participants": "Participants",
        "topics": "Topics",
        "recommendations": "Recommendations",
        "organizer": "Organizer",
        "number": "Session",
        "venue": "Venue",
        "dates": "Dates",
        "reference": "Reference",
        "date": "Date",
        "page": "Page {page} of {pages}",
        "machine_notice": "Notice: texts marked † were machine translated ({languages}) and have not been reviewed by a human translator.",
        "category": "Area",
        "verification": "Document verification",
        "fingerprint": "Record fingerprint (SHA-256)",
        "verify_hint": "The code holds the reference and the record's fingerprint: scan it to check that this printed copy matches the record you received.",
        "verify_partial": "The code carries the first {n} characters of the reference.",
        "draft": "DRAFT",
        "emblem": "Emblem",
        "hijri_joiner": "corresponding to",
        "verification_code": "Verification code",
        "code_carries": "{code}: {reference} and {fingerprint}",
        "code_carries_hash": "{code}: {fingerprint}",
        "fields_table": "Conference details: on each row, a label and its value",
        "pairs_table": "{first} text and its {second} translation, side by side",
        "verification_table": "The verification code, with what it holds written beside it",
        "letterhead_table": "Letterhead: a layout table holding the office's name and emblem",
        "qr_alt": "Document verification QR code, holding the reference and the record fingerprint (SHA-256) printed beside it",
    },
    "fr": {
        "summary": "Résumé",
        "participants": "Participants",
        "topics": "Thèmes",
        "recommendations": "Recommandations",
        "organizer": "Organisateur",
        "number": "Session",
        "venue": "Lieu",
        "dates": "Dates",
        "reference": "Référence",
        "date": "Date",
        "page": "Page {page} sur {pages}",
        "machine_notice": "Avertissement : les textes marqués † ont été traduits automatiquement ({languages}) et n'ont pas été révisés par un traducteur.",
        "category": "Domaine",
        "verification": "Vérification du document",
        "fingerprint": "Empreinte de l'enregistrement (SHA-256)",
        "verify_hint": "Le code contient la référence et l'empreinte de l'enregistrement : scannez-le pour vérifier que cette copie imprimée correspond à l'enregistrement reçu.",
        "verify_partial": "Le code contient les {n} premiers caractères de la référence.",
        "draft": "PROJET",
        "emblem": "Emblème",
        "hijri_joiner": "correspondant au",
        "verification_code": "Code de vérification",
        "code_carries": "{code} : {reference} et {fingerprint}",
        "code_carries_hash": "{code} : {fingerprint}",
        "fields_table": "Informations sur la conférence : sur chaque ligne, un libellé et sa valeur",
        "pairs_table": "Texte en {first} et sa traduction en {second}, côte à côte",
        "verification_table": "Le code de vérification, avec son contenu écrit à côté",
        "letterhead_table": "En-tête : un tableau de mise en page avec le nom de l'administration et son emblème",
        "qr_alt": "Code QR de vérification du document, contenant la référence et l'empreinte de l'enregistrement (SHA-256) imprimées à côté",
    },
}

MONTHS: dict[str, list[str]] = {
    "ar": [
        "يناير",
        "فبراير",
        "مارس",
        "أبريل",
        "مايو",
        "يونيو",
        "يوليو",
        "أغسطس",
        "سبتمبر",
        "أكتوبر",
        "نوفمبر",
        "ديسمبر",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "fr": [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
}

LANGUAGE_NAMES: dict[str, dict[str, str]] = {
    "ar": {"ar": "العربية", "en": "الإنجليزية", "fr": "الفرنسية"},
    "en": {
        "ar": "Arabic",
        "en": "English",
        "fr": "French",
        "de": "German",
        "es": "Spanish",
        "fa": "Persian",
        "ur": "Urdu",
        "tr": "Turkish",
        "ru": "Russian",
        "zh": "Chinese",
    },
    "fr": {"ar": "arabe", "en": "anglais", "fr": "français"},
}


def label(lang: str, key: str) -> str:
    """A label in `lang`, or in English where reportkit has no labels for that language."""
    return LABELS.get(lang, LABELS["en"])[key]


def months(lang: str) -> list[str]:
    return MONTHS.get(lang, MONTHS["en"])


def language_name(lang: str, of: str) -> str:
    return LANGUAGE_NAMES.get(lang, LANGUAGE_NAMES["en"]).get(of, of)
