#!/usr/bin/env bash
# Sets up everything reportkit needs on Debian (Python 3.11): system packages, then a virtualenv
# in .venv with reportkit and its test tools. Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# Pango for WeasyPrint; HarfBuzz's subsetter (WeasyPrint subsets fonts faster with it); poppler
# (pdftotext, pdffonts) and LibreOffice (a real DOCX reader) for the tests; DejaVu as the only
# system font the no-Noto LibreOffice test allows; qpdf for PDF structure checks; zbar to
# decode the verification QR codes in the tests; unicode-data for the Unicode Consortium's bidi
# conformance file (BidiCharacterTest.txt) the ReportLab engine is held to; pandoc, needed by
# the benchmark that compares a page of reportkit's markup with pandoc's (bench_weasy_pages.py).
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils
          libreoffice-writer-nogui fonts-dejavu-core qpdf zbar-tools unicode-data pandoc)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  echo "setup: installing system packages: ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
export PIP_DISABLE_PIP_VERSION_CHECK=1
# argostranslate → stanza asks for torch; an unpinned torch is a multi-GB CUDA download, so the
# local CPU build goes in first and satisfies it.
.venv/bin/python -c "import torch" 2>/dev/null || .venv/bin/pip install -q torch==2.13.0 2>&1 | grep -v "^WARNING: Location" >&2 || true
.venv/bin/python -c "import torch" 2>/dev/null || { echo "setup: torch did not install" >&2; exit 1; }
.venv/bin/pip install -q -e ".[translate,sign,cluster,typst,test]" 2>&1 | grep -v "^WARNING: Location" >&2 || true
.venv/bin/python -c "import reportkit.cli" || { echo "setup: reportkit did not install" >&2; exit 1; }
