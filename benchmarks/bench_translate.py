"""Translation speed, with a tiny but real Argos model built here (no model can be
downloaded on this machine): the same package format, tokenizer, sentence splitter and
CTranslate2 decoder as a real one, but a one-layer word-mapping Transformer — so the absolute
speeds are far above a real model's; the ratios show what batching and thread settings buy.

- sentences per second on the example record: reportkit's batched engine (one CTranslate2 call
  per language pair, 1 thread) against argostranslate.translate.translate() called paragraph by
  paragraph with default settings, each in a fresh process, translation time only;
- whole `reportkit export --lang en` the first time (memory empty) and the second time (every
  sentence from the translation memory: zero model calls).

Run: .venv/bin/python benchmarks/bench_translate.py [--repeat N]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from common import REPORTKIT, ROOT, compare, report

BASELINE = """
import json, sys, time
import argostranslate.translate as t
texts = json.load(open(sys.argv[1], encoding="utf-8"))
t.translate(texts[0], "ar", "en")  # load the model outside the timing, as for reportkit
start = time.perf_counter()
for text in texts:
    t.translate(text, "ar", "en")
print(time.perf_counter() - start)
"""

OURS = """
import sys, time
from reportkit.export import load
from reportkit.translate import translate_record
from reportkit.translate.engine import ArgosEngine
from reportkit.translate.options import TranslateOptions
record = load(sys.argv[1])
engine = ArgosEngine(threads=1)
hop = engine.route("ar", "en")[0]
engine.translate(hop, engine.split(hop, "المؤتمر."))  # load splitter and model outside the timing
engine.model_calls = 0
start = time.perf_counter()
_, stats = translate_record(record, ["en"], TranslateOptions(cache=False, progress=False), engine)
print(time.perf_counter() - start, stats.sentences, stats.model_calls)
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT / "tests"))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith("ARGOS_")}
        env.update(
            HOME=str(tmp / "home"),
            XDG_DATA_HOME=str(tmp / "data"),
            XDG_CONFIG_HOME=str(tmp / "config"),
            XDG_CACHE_HOME=str(tmp / "cache"),
            ARGOS_PACKAGES_DIR=str(tmp / "packages"),
            ARGOS_DEVICE_TYPE="cpu",
        )
        os.environ.update(env)
        from reportkit.export import load
        from reportkit.translate import _slots

        record = load(ROOT / "examples" / "conference-47.yaml")
        texts = [c[k] if isinstance(c[k], str) else c[k]["ar"] for c, k in _slots(record.to_data())]
        counts = collections.Counter(w for t in texts for w in re.findall(r"[\u0621-\u064a]+", t))
        vocab = {w: f"w{i}" for i, (w, _) in enumerate(counts.most_common(120))}
        # Built and installed in a process of its own: building imports torch, and a forked child
        # would count this process's pages in its own peak memory.
        build = (
            "import json, sys; from pathlib import Path; from support import tinyargos; "
            "tinyargos.install(tinyargos.build_package(Path(sys.argv[1]), 'ar', 'en', json.loads(sys.argv[2])))"
        )
        subprocess.run(
            [sys.executable, "-c", build, str(tmp), json.dumps(vocab, ensure_ascii=False)],
            check=True,
            env={**env, "PYTHONPATH": str(ROOT / "tests")},
        )
        (tmp / "texts.json").write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
        (tmp / "baseline.py").write_text(BASELINE, encoding="utf-8")
        (tmp / "ours.py").write_text(OURS, encoding="utf-8")
        example = str(ROOT / "examples" / "conference-47.yaml")

        base, ours, sentences, calls = [], [], 0, 0
        for _ in range(args.repeat):
            out = subprocess.run(
                [sys.executable, str(tmp / "baseline.py"), str(tmp / "texts.json")],
                check=True,
                capture_output=True,
                text=True,
                env=env,
            ).stdout.split()
            base.append(float(out[-1]))
            out = subprocess.run(
                [sys.executable, str(tmp / "ours.py"), example],
                check=True,
                capture_output=True,
                text=True,
                env=env,
            ).stdout.split()
            ours.append(float(out[-3]))
            sentences, calls = int(out[-2]), int(out[-1])
        b, o = statistics.median(base), statistics.median(ours)
        print(
            f"\n## Translating the example record ar→en ({sentences} sentences, {len(texts)} texts)"
        )
        print(
            f"argostranslate.translate per paragraph, default threads  median {b:.3f}s  {sentences / b:8.1f} sentences/s"
        )
        print(
            f"reportkit batched engine, 1 thread ({calls} model call)       median {o:.3f}s  {sentences / o:8.1f} sentences/s  ({b / o:.1f}x faster)"
        )

        export_en = [
            REPORTKIT,
            "export",
            example,
            "--lang",
            "en",
            "-f",
            "html",
            "-o",
            str(tmp / "en.html"),
        ]

        def fresh_export():
            for f in (tmp / "cache" / "reportkit").glob("*"):
                f.unlink()
            return export_en

        cold = []
        for _ in range(max(3, args.repeat // 2)):
            from common import run_once

            cold.append(run_once(fresh_export(), env=env)[0])
        results = compare(
            {"second export (translation memory)": export_en},
            args.repeat,
            env=env,
        )
        print("\n## reportkit export --lang en -f html, whole process")
        print(f"first export (memory empty)        median {statistics.median(cold):.3f}s")
        report("cached", results)


if __name__ == "__main__":
    main()
