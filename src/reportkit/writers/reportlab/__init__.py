"""The ReportLab PDF engine: Platypus pages with reportkit's own bidi, HarfBuzz shaping and
embedded font subsets.

`writer` lays out the Document; `rltext` sets right-to-left and mixed text for it.
"""
