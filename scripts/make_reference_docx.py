"""Writes templates/reference.docx, the default letterhead: python-docx's blank document on A4
with official margins. Styles, right-to-left defaults, theme fonts and numbering are applied by
the DOCX writer at export time, to this file and to any user template alike."""

from pathlib import Path

import docx
from docx.shared import Mm

word = docx.Document()
section = word.sections[0]
section.page_width, section.page_height = Mm(210), Mm(297)
section.top_margin, section.bottom_margin = Mm(25), Mm(22)
section.left_margin = section.right_margin = Mm(20)
section.header_distance = section.footer_distance = Mm(10)
word.core_properties.author = ""
word.core_properties.title = ""
word.core_properties.comments = ""
word.core_properties.last_modified_by = ""
out = Path(__file__).resolve().parent.parent / "templates" / "reference.docx"
word.save(str(out))
print(out)
