"""Translation speed, with a tiny but real Argos model built here (no model can be
downloaded on this machine): the same package format, tokenizer, sentence splitter and
CTranslate2 decoder as a real one, but a one-layer word-mapping Transformer — so the absolute
speeds are far above a real model's; the ratios show what batching and thread settings buy.

- sentences per second on the example record: reportkit's batched engine (one CTranslate2 call
  per language pair, 1 thread) against argostranslate.translate.translate() called paragraph by
  paragraph with default settings, each in a fresh process, translation time only;
- whole `reportkit export --lang en` the first time (memory empty) and the second time (every
  sentence from the translation memory: zero model calls);
- a batch of N records (variants of the example, no two alike, no translation memory), ar→en and
  ar→fr (through English), in a process of its own each, model loading included: one by one with
  a new engine each (what a worker calling translate_record did when every call loaded the model),
  one by one on the process's warm engine, and all together with translate_records (one load and
  one call per model).

Run: .venv/bin/python benchmarks/bench_translate.py [--repeat N] [--records N] [--batch-only]
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
start = time.perf_counter()
_, stats = translate_record(record, ["en"], TranslateOptions(cache=False, progress=False), engine)
print(time.perf_counter() - start, stats.sentences, stats.model_calls)
"""

BATCH = """
import hashlib, json, sys, time
from reportkit.record import record_from_data
from reportkit.translate import translate_record, translate_records
from reportkit.translate.engine import ArgosEngine, shared_engine
from reportkit.translate.options import TranslateOptions
import ctranslate2, minisbd  # imported outside the timing; loading the models is inside it
mode = sys.argv[2]
records = [record_from_data(d, "record") for d in json.load(open(sys.argv[1], encoding="utf-8"))]
options = TranslateOptions(cache=False, progress=False)
targets = ["en", "fr"]
start = time.perf_counter()
if mode == "together":
    out, stats = translate_records(records, targets, options)
    loads, calls = stats.model_loads, stats.model_calls
else:
    loads = calls = 0
    out = []
    for record in records:
        engine = ArgosEngine() if mode == "new engine" else shared_engine()
        translated, stats = translate_record(record, targets, options, engine)
        out.append(translated)
        loads, calls = loads + stats.model_loads, calls + stats.model_calls
elapsed = time.perf_counter() - start
digest = hashlib.sha256(json.dumps([r.to_data() for r in out], ensure_ascii=False).encode()).hexdigest()
print(elapsed, loads, calls, digest)
"""


def variants(data: dict, n: int) -> list[dict]:
    """`n` records from one: in record i, the words of every Arabic text turned by i places, so
    that no two records share their sentences (nothing for the batch to get for free)."""
    import copy

    from reportkit.translate import _slots

    out = []
    for i in range(n):
        variant = copy.deepcopy(data)
        for container, key in _slots(variant):
            value = container[key]
            text = value if isinstance(value, str) else value.get("ar")
            if not isinstance(text, str):
                continue
            words = text.split(" ")
            turned = " ".join(words[i % len(words) :] + words[: i % len(words)])
            if isinstance(value, str):
                container[key] = turned
            else:
                value["ar"] = turned
        out.append(variant)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--records", type=int, default=20)
    parser.add_argument("--batch-only", action="store_true", help="only the batch of N records")
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
        english = {en: f"fr{i}" for i, en in enumerate(vocab.values())}
        build = (
            "import json, sys; from pathlib import Path; from support import tinyargos; "
            "tinyargos.install(tinyargos.build_package(Path(sys.argv[1]), 'ar', 'en', json.loads(sys.argv[2]))); "
            "tinyargos.install(tinyargos.build_package(Path(sys.argv[1]), 'en', 'fr', json.loads(sys.argv[3])))"
        )
        subprocess.run(
            [
                sys.executable,
                "-c",
                build,
                str(tmp),
                json.dumps(vocab, ensure_ascii=False),
                json.dumps(english, ensure_ascii=False),
            ],
            check=True,
            env={**env, "PYTHONPATH": str(ROOT / "tests")},
        )
        (tmp / "texts.json").write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
        (tmp / "baseline.py").write_text(BASELINE, encoding="utf-8")
        (tmp / "ours.py").write_text(OURS, encoding="utf-8")
        example = str(ROOT / "examples" / "conference-47.yaml")
        if args.batch_only:
            batch_of(tmp, env, record, args)
            return

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

        batch_of(tmp, env, record, args)


def batch_of(tmp: Path, env: dict, record, args) -> None:
    """N records one by one against all together, each way in a fresh process, interleaved."""
    datas = variants(record.to_data(), args.records)
    (tmp / "records.json").write_text(json.dumps(datas, ensure_ascii=False), encoding="utf-8")
    (tmp / "batch.py").write_text(BATCH, encoding="utf-8")
    modes = ["new engine", "warm engine", "together"]
    times: dict[str, list[float]] = {m: [] for m in modes}
    counts, digests = {}, {}
    for _ in range(args.repeat):
        for mode in modes:
            out = subprocess.run(
                [sys.executable, str(tmp / "batch.py"), str(tmp / "records.json"), mode],
                check=True,
                capture_output=True,
                text=True,
                env=env,
            ).stdout.split()
            times[mode].append(float(out[-4]))
            counts[mode] = (int(out[-3]), int(out[-2]))
            digests[mode] = out[-1]
    same = "identical" if len(set(digests.values())) == 1 else "DIFFERENT"
    print(
        f"\n## {args.records} records translated ar→en and ar→fr (via en), no memory, model "
        f"loading included; tiny model (no real one can be downloaded here); records {same}"
    )
    together = statistics.median(times["together"])
    labels = {
        "new engine": "one by one, a new engine each",
        "warm engine": "one by one, the warm engine",
        "together": "translate_records, all at once",
    }
    for mode in modes:
        m = statistics.median(times[mode])
        loads, calls = counts[mode]
        print(
            f"{labels[mode]:32s} median {m:.3f}s  {args.records / m:7.1f} records/s  "
            f"{loads:3d} model loads {calls:3d} model calls  {m / together:.2f}x of all at once"
        )


if __name__ == "__main__":
    main()
