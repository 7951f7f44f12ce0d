"""The WeasyPrint PDF engine: the HTML writer's page laid out by Pango and HarfBuzz.

`writer` renders (in-process or in a warm worker process), `tags` repairs the structure tree
WeasyPrint writes, and the shared `..pdftext` rebuilds the text layer so that PDF readers get
the words back in logical order.
"""
