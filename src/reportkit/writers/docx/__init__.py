"""The DOCX writer on python-docx.

`writer` builds the Word file from the Document, `ooxml` holds the raw WordprocessingML that
python-docx has no API for, and `fonts` embeds and names the font files Word should use.
"""
