"""Translating many records together, and one translation memory shared by several processes.

A batch gives exactly the records each would give alone, at the cost of one model load and one
batched call per model in a process; processes translating at once into one memory never lose
each other's entries nor damage the file, even when one of them is killed in the middle of a write.
"""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from support import tinyargos
from test_translate import AR_EN, EN_FR, RECORD

argos_env = tinyargos.argos_env

WORDS = [w for w in AR_EN if w.isalpha() and not w.isascii()]


def variants(n: int, seed: int) -> list[dict]:
    """`n` records unlike each other, from the words the tiny model knows: some sentences shared
    between records (as in a real batch), a few texts already in English."""
    rng = random.Random(seed)

    def sentence() -> str:
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 6))) + "."

    shared = [sentence() for _ in range(3)]
    out = []
    for i in range(n):
        data = json.loads(json.dumps(RECORD))
        data["conference"]["city"] = f"{rng.choice(WORDS)} {i}"
        data["summary"] = " ".join([sentence(), rng.choice(shared), sentence()])
        data["recommendations"] = [
            {"text": rng.choice([sentence(), rng.choice(shared)])} for _ in range(rng.randint(1, 4))
        ]
        data["sections"] = [
            {"heading": sentence(), "paragraphs": [f"{sentence()} {sentence()}", sentence()]}
        ]
        if i % 3 == 0:
            data["participants"] = [{"ar": sentence(), "en": "human text"}]
        out.append(data)
    return out


@pytest.fixture(scope="module")
def models(argos_env, tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    tinyargos.reset_argos()
    yield {
        f"{src}-{tgt}": tinyargos.install(tinyargos.build_package(folder, src, tgt, vocab))
        for src, tgt, vocab in (("ar", "en", AR_EN), ("en", "fr", EN_FR))
    }
    tinyargos.reset_argos()


def load(datas: list[dict]) -> list:
    from reportkit.record import record_from_data

    return [record_from_data(data, f"record {i}") for i, data in enumerate(datas)]


def dumped(records) -> list[str]:
    return [json.dumps(r.to_data(), ensure_ascii=False, sort_keys=False) for r in records]


def options(memory: Path | None = None):
    from reportkit.translate.options import TranslateOptions

    return TranslateOptions(memory=memory, cache=memory is not None, progress=False)


# ------------------------------------------------------------------------------------------
# One batch, one process


@pytest.mark.parametrize("cached", [False, True], ids=["no memory", "memory"])
def test_a_batch_gives_the_very_records_each_would_give_alone(models, tmp_path, cached):
    from reportkit.translate import translate_record, translate_records
    from reportkit.translate.engine import ArgosEngine

    records = load(variants(12, seed=1))
    alone = [
        translate_record(r, ["en", "fr"], options(tmp_path / "alone.tm" if cached else None))[0]
        for r in records
    ]
    together, stats = translate_records(
        records, ["en", "fr"], options(tmp_path / "together.tm" if cached else None), ArgosEngine()
    )
    assert dumped(together) == dumped(alone)
    assert stats.pairs == ["ar→en", "ar→en→fr"]
    # and the machine text is really there, marked, beside the Arabic
    summary = together[4].to_data()["summary"]
    assert summary["ar"] == records[4].to_data()["summary"]
    assert summary["fr"]["machine"]["via"] == "en" and summary["fr"]["text"]


def test_a_batch_costs_one_model_load_and_one_call_per_model(models):
    from reportkit.translate import translate_record, translate_records
    from reportkit.translate.engine import ArgosEngine

    records = load(variants(10, seed=2))
    batch = ArgosEngine()
    _, stats = translate_records(records, ["en", "fr"], options(), batch)
    assert batch.loads == {"ar→en": 1, "en→fr": 1}
    assert batch.calls == {"ar→en": 1, "en→fr": 1}
    assert stats.model_calls == 2 and stats.model_loads == 2
    # the same records one by one, same engine kind: one call per model for each record
    each = ArgosEngine()
    for record in records:
        translate_record(record, ["en", "fr"], options(), each)
    assert each.loads == {"ar→en": 1, "en→fr": 1}
    assert each.calls == {"ar→en": 10, "en→fr": 10}


def test_the_process_keeps_its_models_loaded_for_the_next_batch(models):
    from reportkit.translate import translate_records
    from reportkit.translate.engine import shared_engine

    engine = shared_engine()
    translate_records(load(variants(3, seed=3)), ["en"], options())
    loads, calls = Counter(engine.loads), Counter(engine.calls)
    _, stats = translate_records(load(variants(3, seed=4)), ["en"], options())
    assert stats.model_loads == 0 and stats.model_calls == 1
    assert engine.loads == loads and engine.calls == calls + Counter({"ar→en": 1})


def test_a_pair_without_a_model_fails_only_the_records_that_need_it(models):
    from reportkit.translate import translate_records
    from reportkit.translate.engine import ArgosEngine, ModelMissing

    french = json.loads(json.dumps(RECORD))
    french.update(language="fr", summary="Une conférence.")
    french["conference"]["organizer"] = "Le secrétariat"
    records = load([RECORD, french, RECORD])
    with pytest.raises(ModelMissing, match="reportkit models install fr en"):
        translate_records(records, ["en"], options())
    out, stats = translate_records(records, ["en"], options(), ArgosEngine(), failures="return")
    assert isinstance(out[1], ModelMissing) and "models install fr en" in str(out[1])
    assert out[0].to_data()["summary"]["en"]["text"].startswith("discussed the conference")
    assert dumped([out[0]]) == dumped([out[2]])
    assert stats.pairs == ["ar→en"]


def test_a_replaced_model_is_loaded_again_by_a_warm_process(models, tmp_path):
    from reportkit.translate import translate_records
    from reportkit.translate.engine import shared_engine

    record = load([{"language": "ar", "conference": {"title": "المؤتمر"}}])
    [before], _ = translate_records(record, ["en"], options())
    assert before.to_data()["conference"]["title"]["en"]["text"] == "the conference"
    tinyargos.uninstall(models["ar-en"])
    replaced = tinyargos.install(
        tinyargos.build_package(tmp_path, "ar", "en", {"المؤتمر": "meeting"})
    )
    try:
        loads = shared_engine().loads["ar→en"]
        [after], _ = translate_records(record, ["en"], options())
        assert after.to_data()["conference"]["title"]["en"]["text"] == "meeting"
        assert shared_engine().loads["ar→en"] == loads + 1
    finally:
        tinyargos.uninstall(replaced)
        again = tmp_path / "again"
        again.mkdir()
        models["ar-en"] = tinyargos.install(tinyargos.build_package(again, "ar", "en", AR_EN))


# ------------------------------------------------------------------------------------------
# One memory, several processes

WORKER = """
import json, os, sys, time
from pathlib import Path
from reportkit.record import record_from_data
from reportkit.translate import translate_records
from reportkit.translate.options import TranslateOptions
import reportkit.translate.engine, reportkit.translate.memory, ctranslate2  # before the start

datas = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
Path(sys.argv[4]).touch()  # ready
deadline = time.monotonic() + 300
while not os.path.exists(sys.argv[3]):  # all start at once
    assert time.monotonic() < deadline, "never told to start"
    time.sleep(0.002)
options = TranslateOptions(memory=Path(sys.argv[2]), progress=False)
# Two records a call: many turns at the memory, interleaved with the other processes' turns.
for i in range(0, len(datas), 2):
    records = [record_from_data(d, "record") for d in datas[i : i + 2]]
    translate_records(records, ["en", "fr"], options)
"""


def rows(path: Path) -> list[tuple]:
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        return db.execute("SELECT * FROM tm ORDER BY model, src, tgt, source").fetchall()
    finally:
        db.close()


@pytest.mark.parametrize("start", ["no memory yet", "a damaged memory"])
def test_four_processes_translating_at_once_keep_every_entry(models, tmp_path, start):
    from reportkit.translate import translate_records

    memory = tmp_path / "cache" / "tm.sqlite3"
    memory.parent.mkdir()
    if start == "a damaged memory":
        memory.write_bytes(b"\x00not a memory" * 500)
    shares = [variants(8, seed=10 + n) for n in range(4)]
    script = tmp_path / "worker.py"
    script.write_text(WORKER, encoding="utf-8")
    go = tmp_path / "go"
    procs = []
    for n, share in enumerate(shares):
        (tmp_path / f"share{n}.json").write_text(json.dumps(share, ensure_ascii=False), "utf-8")
        args = [str(tmp_path / f"share{n}.json"), str(memory), str(go), str(tmp_path / f"ready{n}")]
        procs.append(
            subprocess.Popen(
                [sys.executable, str(script), *args],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        )
    errors = []
    try:
        deadline = time.monotonic() + 120
        while not all((tmp_path / f"ready{n}").exists() for n in range(len(procs))):
            assert time.monotonic() < deadline and all(p.poll() is None for p in procs)
            time.sleep(0.02)
        go.touch()
        for p in procs:
            _, err = p.communicate(timeout=240)
            assert p.returncode == 0, err.decode()
            errors.extend(err.decode().splitlines())
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.communicate()
    asides = sorted(memory.parent.glob("tm.sqlite3.broken-*"))
    if start == "a damaged memory":
        # set aside once, as it was, by whichever process came first; the others found it fresh
        [aside] = asides
        assert aside.read_bytes() == b"\x00not a memory" * 500
        [warning] = errors
        assert warning.endswith(f"set aside as {aside.name}, starting a fresh one")
    else:
        assert asides == [] and errors == []
    # every entry of every process: the same memory one process makes translating all alone
    alone = tmp_path / "alone.sqlite3"
    for share in shares:
        for i in range(0, len(share), 2):
            translate_records(load(share[i : i + 2]), ["en", "fr"], options(alone))
    assert rows(memory) == rows(alone) and len(rows(memory)) > 100


HOLDER = """
import sys, time
from pathlib import Path
from reportkit.translate.memory import open_memory

tm = open_memory(Path(sys.argv[1]))
tm.put_many("m", "ar", "en", {"kept": "written before"})
tm.lock.acquire()  # as in a write: the lock, then an SQLite transaction, half done
tm.db.execute("BEGIN IMMEDIATE")
tm.db.execute("INSERT INTO tm VALUES ('m', 'ar', 'en', 'lost', 'never committed')")
print("holding", flush=True)
time.sleep(600)
"""


def test_a_process_killed_holding_the_lock_blocks_nobody(tmp_path, capsys, monkeypatch):
    from filelock import FileLock, Timeout

    from reportkit.translate import memory

    path = tmp_path / "tm.sqlite3"
    script = tmp_path / "holder.py"
    script.write_text(HOLDER, encoding="utf-8")
    holder = subprocess.Popen(
        [sys.executable, str(script), str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert holder.stdout.readline() == b"holding\n", holder.stderr.read().decode()
        with pytest.raises(Timeout):  # really held
            FileLock(f"{path}.lock", timeout=0.05).acquire()
        # A live holder that never lets go: after the (here shortened) wait, done without.
        monkeypatch.setattr(memory, "LOCK_TIMEOUT", 0.3)
        assert isinstance(memory.open_memory(path), memory.NoMemory)
        [warning] = capsys.readouterr().err.splitlines()
        assert warning == (
            f"reportkit: warning: translation memory {path} cannot be used (another process "
            "has held its lock for over 0.3 s); going on without it"
        )
        monkeypatch.undo()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.communicate(timeout=30)
    assert holder.returncode == -signal.SIGKILL
    assert Path(f"{path}-journal").exists()  # the write it left half done
    start = time.monotonic()
    tm = memory.open_memory(path)
    tm.put_many("m", "ar", "en", {"after": "written after"})
    found = tm.get_many("m", "ar", "en", ["kept", "lost", "after"])
    tm.close()
    assert time.monotonic() - start < memory.LOCK_TIMEOUT / 3  # not waited out
    assert found == {"kept": "written before", "after": "written after"}
    assert capsys.readouterr().err == ""
    assert rows(path) == [("m", "ar", "en", s, t) for s, t in sorted(found.items())]
    assert not Path(f"{path}-journal").exists()  # the dead one's transaction rolled back


def test_an_open_memory_follows_a_file_set_aside_by_another_process(tmp_path, capsys):
    from reportkit.translate import memory

    path = tmp_path / "tm.sqlite3"
    tm = memory.open_memory(path)
    tm.put_many("m", "ar", "en", {"a": "b"})
    # Another process found the file damaged, set it aside and started a fresh one.
    aside = memory.set_aside(path)
    other = memory.open_memory(path)
    other.put_many("m", "ar", "en", {"c": "d"})
    other.close()
    tm.put_many("m", "ar", "en", {"e": "f"})  # lands where the other processes look
    assert tm.get_many("m", "ar", "en", ["a", "c", "e"]) == {"c": "d", "e": "f"}
    tm.close()
    assert [r[3:] for r in rows(path)] == [("c", "d"), ("e", "f")]
    assert [r[3:] for r in rows(aside)] == [("a", "b")]  # set aside as it was, never written
    assert capsys.readouterr().err == ""


def test_a_batch_worker_translates_its_whole_share_in_one_call_per_model(models):
    """A share of records sent to a batch worker: one model call per pair for all of them,
    each record rendered with its own translation, a broken record failing alone."""
    from reportkit.batch import render_records
    from reportkit.export import ExportOptions
    from reportkit.translate.engine import shared_engine

    datas = variants(6, seed=5)
    share = [
        (json.dumps(d, ensure_ascii=False).encode(), f"r{i}.json") for i, d in enumerate(datas)
    ]
    share.insert(2, (b'{"conference": {}}', "broken.json"))
    engine = shared_engine()
    calls = dict(engine.calls)
    results = render_records(share, ["html"], ExportOptions(lang="ar+fr", translate=options()))
    assert {k: engine.calls.get(k, 0) - calls.get(k, 0) for k in engine.calls} == {
        "ar→en": 1,
        "en→fr": 1,
    }
    assert [r.name for r in results] == [name for _, name in share]
    assert results[2].error and "broken.json" in results[2].error and not results[2].outputs
    for result in results[:2] + results[3:]:
        assert result.error is None, result.error
        html = result.outputs["html"].decode("utf-8")
        assert 'lang="fr"' in html and "traduits automatiquement" in html
