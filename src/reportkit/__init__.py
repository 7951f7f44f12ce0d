"""reportkit: official right-to-left conference reports from a structured record.

The package reads like its pipeline: `record` (load + validate) → `translate` (optional) →
`document` (the one model every writer renders) → `writers` (PDF, DOCX, HTML); `export` runs the
whole flow from Python, `cli` from the command line.
"""

__version__ = "0.1.0"
