"""The ReportLab PDF engine: Platypus pages with reportkit's own bidi, HarfBuzz shaping and
embedded font subsets.

`writer` lays out the Document; `paragraph` sets right-to-left and mixed text for it, on
`shaping` (fonts, HarfBuzz glyphs), `pdffonts` (embedded subsets, ToUnicode) and `bidi` (UAX #9).
"""
