"""The Typst PDF engine: reportkit's own Typst template (templates/report.typ) compiled by the
Typst compiler the `typst` package bundles, with the document passed as JSON data.

`writer` turns the Document into that data and compiles it; `textlayer` corrects the text layer
of vocalised Arabic so that every word printed is found again.
"""
