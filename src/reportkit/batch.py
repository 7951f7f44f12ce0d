"""Exporting many records at once: on this machine's cores, or on a Dask cluster.

The design, in the order a batch runs:

1. **Everything is settled before any work** (`plan`). Each argument is a record file or a folder;
   a folder contributes its own ``*.yaml``, ``*.yml`` and ``*.json`` files, sorted by name — not
   those of its sub-folders (an archive's layout is the user's to choose: name the sub-folders
   too), and not hidden files (``.name``: editor backups, our own temporary files). The same file
   named twice (directly and through its folder) is one record. Every output is named after its
   record's stem, inside one output folder (created if need be), exactly as a single export
   names it; two records that would give the same output name — ``a/minutes.yaml`` and
   ``b/minutes.json`` — are refused together, with both names, before anything is read, and so
   is any output that is an input (`files.refuse_overlaps`). Options are checked once (the
   signing key, the formats), not once per record.

2. **Workers are warm and stateless.** A worker is a process that imports WeasyPrint and reads
   the fonts' tables once (`_warm`; a translation model loads with the first record that needs
   it, once per worker), then renders record after record (`render_record`). A worker is given a record's *bytes*, its name
   (for messages) and the options, and returns each format's bytes or one line saying why it
   failed — it reads no input file and writes no output file, so the same function serves a pool
   on this machine (`concurrent.futures.ProcessPoolExecutor`, spawn start method: a fresh
   interpreter, nothing inherited but what is sent) and a Dask cluster whose workers share no
   folder with us (`cluster`). Warnings a worker finds come back with its result and are printed
   here, once, on our standard error.

3. **This process writes every file**, atomically, with `files.write_output`, as a single export
   does; a PDF is signed here too, so a signing key and its password never leave this machine.
   A record that fails is reported and skipped: the others are written, the failures are listed
   at the end (`BatchResult.failures`: the record and its one-line reason, with file, line and
   field as `reportkit validate` gives them), and the CLI exits with 1.

4. **No worker outlives the batch.** Workers ignore Ctrl-C (it reaches the whole process group;
   this process decides): on Ctrl-C, SIGTERM or any error here, the pool's processes are killed
   before the error goes on. If this process is killed outright (``kill -9``), each worker sees
   its parent's end through `multiprocessing.parent_process().sentinel` (a pipe whose write end
   only we hold) and exits at once; on Linux the kernel also sends it SIGKILL (``PR_SET_PDEATHSIG``).

Translation runs inside the worker, through `translate_share`, the one place a batch
translates. When a batch may need translating (`--lang` names a language a record may lack), a
task carries a share of several records (`SHARE`, at most): the sentences of all of them that
the translation memory does not know go through each model in one call, and the worker keeps
its models loaded for its next share (`translate.translate_records`). The memory is one file
that every worker on a machine reads and adds to under a lock. Without translation, a task is
one record, so that the progress bar and the load on each worker stay even.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import Problem, RecordError, ReportkitError, UsageError
from .export import ExportOptions, check_signing, format_of, known_formats, output_paths
from .files import refuse_overlaps

RECORD_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class Item:
    """One record of a batch and where each of its formats goes."""

    source: Path
    targets: dict[str, Path]

    @property
    def name(self) -> str:
        return str(self.source)


@dataclass
class Rendered:
    """What a worker sends back for one record: each format's bytes, or why it failed."""

    name: str
    outputs: dict[str, bytes] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None  # one line (more problems are counted, not listed)
    missing_module: str | None = None  # an extra that is not installed: the whole batch stops


class BatchStopped(ReportkitError):
    """The batch could not go on (a worker process died, the cluster went away): the records
    already rendered are written, the others not at all."""

    exit_code = 1


@dataclass
class BatchResult:
    written: list[Path] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (record, one-line reason)
    total: int = 0


def default_jobs() -> int:
    """The cores this process may run on (its CPU affinity, not the machine's count)."""
    counter = getattr(os, "process_cpu_count", None)  # Python 3.13+
    if counter is not None:
        return counter() or 1
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def is_batch(sources: list[str]) -> bool:
    """Several records, or a folder of them (one record file keeps the single-export path)."""
    return len(sources) > 1 or (len(sources) == 1 and os.path.isdir(sources[0]))


def collect(sources: Iterable[str | Path]) -> list[Path]:
    """The record files the arguments name (see the module docstring for folders)."""
    found: list[Path] = []
    for source in sources:
        text = str(source)
        if text == "-":
            raise UsageError("- (standard input) holds one record; it cannot be part of a batch")
        path = Path(text)
        if path.is_dir():
            records = sorted(
                p
                for p in path.iterdir()
                if p.suffix.lower() in RECORD_SUFFIXES
                and not p.name.startswith(".")
                and p.is_file()
            )
            if not records:
                raise UsageError(f"{text}: no *.yaml, *.yml or *.json record in this folder")
            found += records
        elif path.exists():
            found.append(path)
        else:
            raise UsageError(f"{text}: no such file or folder")
    unique: dict[tuple[int, int], Path] = {}  # by (device, inode): one file, however named
    for path in found:
        st = path.stat()
        unique.setdefault((st.st_dev, st.st_ino), path)
    return list(unique.values())


def plan(
    sources: Iterable[str | Path],
    formats: list[str] | None,
    output: str | Path | None,
    lang: str | None,
) -> list[Item]:
    """Every record and its outputs, all checked before any work (see the module docstring)."""
    text = None if output is None else str(output)
    if text == "-":
        raise UsageError("-o -: standard output takes one record; give a folder for a batch")
    if text is not None and os.path.lexists(text) and not os.path.isdir(text):
        raise UsageError(f"-o {text}: several records need a folder, and this is a file")
    if text is not None and not text.endswith(("/", os.sep)) and format_of(text):
        raise UsageError(f"-o {text}: several records need a folder, not a file name")
    folder = (Path(text) if text is not None else Path.cwd()).as_posix().rstrip("/") + "/"
    records = collect(sources)
    items: list[Item] = []
    by_target: dict[str, Path] = {}
    for record in records:
        targets = {fmt: Path(p) for fmt, p in output_paths(record, formats, folder, lang).items()}
        for target in targets.values():
            key = os.path.normcase(os.path.abspath(target))
            if key in by_target:
                raise UsageError(
                    f"{by_target[key]} and {record} would both be written as {target}; "
                    "rename one, or export them in two runs into different folders"
                )
            by_target[key] = record
        items.append(Item(record, targets))
    refuse_overlaps(list(records), [t for item in items for t in item.targets.values()])
    return items


# --- In the worker -----------------------------------------------------------------------------


def _warm(quiet: bool, pdf_engine: str | None) -> None:
    """A new worker: die with the parent, leave Ctrl-C to it, load the heavy parts now."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    from . import messages

    messages.configure(quiet=quiet, verbose=False)  # steps are the parent's to tell
    prewarm(pdf_engine)


def prewarm(pdf_engine: str | None) -> None:
    """Import what rendering needs (WeasyPrint and the fonts' tables, or ReportLab), so that the
    first record costs no more than the others. (A translation model loads with the first record
    that needs it, once per worker: whether one is needed is known only from the records.)"""
    if pdf_engine == "weasyprint":
        import weasyprint  # noqa: F401

        from .resources import ARABIC_FAMILY, font_path
        from .writers.pdftext import font_text

        font_text(font_path(ARABIC_FAMILY))
    elif pdf_engine in ("reportlab", "typst"):
        from .writers import writer

        writer("pdf-reportlab" if pdf_engine == "reportlab" else "pdf-typst")


def _die_with_parent() -> None:
    """Exit as soon as the process that started this worker is gone (see the module docstring)."""
    import multiprocessing
    from multiprocessing.connection import wait

    from .lifeline import exit_with_parent

    parent = multiprocessing.parent_process()
    if parent is not None:
        exit_with_parent(lambda: wait([parent.sentinel]), parent.is_alive)


def read_record_bytes(data: bytes, name: str):
    """A record from its file's bytes (`name` for messages and to tell YAML from JSON), with
    the warnings `export.load` would print."""
    from .record.load import record_from_bytes

    loaded = record_from_bytes(data, name)
    return loaded.record, [str(w) for w in loaded.warnings]


def translate_share(records: list, languages: tuple[str, ...], options: ExportOptions) -> list:
    """The records of a worker's share, machine-translated into those of `languages` they lack:
    each entry the translated record, or the error (model missing or broken) that stopped it.

    The one place a batch translates: every record of the share together, with this process's
    engine, so each model loads once per worker and is called once per share."""
    if all(all(lang == r.language for lang in languages) for r in records):
        return records  # nothing to translate: argostranslate is never imported
    from .translate import missing_languages, translate_records
    from .translate.options import TranslateOptions

    needed = list(dict.fromkeys(lang for r in records for lang in missing_languages(r, languages)))
    if not needed:
        return records
    topts = replace(options.translate or TranslateOptions(), progress=False)
    translated, _ = translate_records(records, needed, topts, failures="return")
    return translated


def render_records(
    share: list[tuple[bytes, str]], formats: list[str], options: ExportOptions
) -> list[Rendered]:
    """The outputs of a share of records (each its bytes and name), in memory, in order: the work
    a worker does, here or on a cluster. A record that fails gets its one-line reason; the
    others are rendered all the same."""
    from .document import parse_languages

    results = [Rendered(name) for _, name in share]
    records: dict[int, object] = {}
    for i, (data, name) in enumerate(share):
        with _failures(results[i]):
            record, warnings = read_record_bytes(data, name)
            results[i].warnings += warnings
            records[i] = record
    if records:
        first = results[min(records)]
        with _failures(first, every=[results[i] for i in records]):
            wanted = [
                parse_languages(options.lang) if options.lang else (record.language,)
                for record in records.values()
            ]
            languages = tuple(dict.fromkeys(lang for langs in wanted for lang in langs))
            translated = translate_share(list(records.values()), languages, options)
            records = dict(zip(records, translated, strict=True))
    from .export import document_for, render

    for i, record in records.items():
        result = results[i]
        if result.error is not None:
            continue
        with _failures(result):
            if isinstance(record, Exception):
                raise record
            document = document_for(record, options)
            for fmt in formats:
                result.outputs[fmt] = render(document, fmt, options)
    for result in results:
        if result.error is not None:
            result.outputs = {}
    return results


class _failures:
    """Collects what one step of a record's work prints and the one line that says why it
    failed, into its Rendered (and `every` other record of the step, when the step is shared)."""

    def __init__(self, result: Rendered, every: list[Rendered] | None = None):
        self.result, self.every = result, every or [result]

    def __enter__(self):
        import contextlib
        import io

        self.captured = io.StringIO()
        self.redirect = contextlib.redirect_stderr(self.captured)
        self.redirect.__enter__()
        return self

    def __exit__(self, kind, err, tb) -> bool:
        self.redirect.__exit__(kind, err, tb)
        prefix = "reportkit: warning: "
        for line in self.captured.getvalue().splitlines():
            if line.strip():
                self.result.warnings.append(
                    line[len(prefix) :] if line.startswith(prefix) else line
                )
        if err is None:
            return False
        for result in self.every:
            name = result.name
            if isinstance(err, RecordError):
                result.error = _one_line(err.problems)
            elif isinstance(err, ReportkitError):
                result.error = _first_line(str(err), name)
            elif isinstance(err, ModuleNotFoundError):
                result.missing_module = err.name or ""
                result.error = str(err)
            elif isinstance(err, Exception):  # a bug of ours: this record fails, the batch goes on
                result.error = f"{name}: internal error ({type(err).__name__}: {err})"
            else:
                return False  # KeyboardInterrupt, SystemExit: not a record's failure
        return True


def _one_line(problems: list[Problem]) -> str:
    more = len(problems) - 1
    text = " ".join(str(problems[0]).split())
    if more:
        text += f" (and {more} more problem{'s' if more > 1 else ''}: reportkit validate shows all)"
    return text


def _first_line(message: str, name: str) -> str:
    lines = [line for line in message.splitlines() if line.strip()] or ["failed"]
    text = " ".join(lines[0].split())
    return text if name in text else f"{name}: {text}"


# --- In this process ---------------------------------------------------------------------------


class LocalPool:
    """`jobs` warm worker processes on this machine (spawn: nothing inherited but the job)."""

    def __init__(self, jobs: int, warm_args: tuple):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.jobs = jobs
        self.executor = ProcessPoolExecutor(
            max_workers=jobs,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_warm,
            initargs=warm_args,
        )

    def submit(self, *args):
        return self.executor.submit(render_records, *args)

    def wait(self, pending: set) -> set:
        from concurrent.futures import FIRST_COMPLETED, wait

        done, _ = wait(pending, return_when=FIRST_COMPLETED)
        return done

    def result(self, future) -> Rendered:
        from concurrent.futures.process import BrokenProcessPool

        try:
            return future.result()
        except BrokenProcessPool:
            raise BatchStopped(
                "a worker process died unexpectedly (out of memory, or killed from outside)"
            ) from None

    def close(self, finished: bool) -> None:
        if not finished:
            self.kill()
        self.executor.shutdown(wait=True, cancel_futures=True)

    def kill(self) -> None:
        """End every worker now, mid-record or not (their results are no longer wanted)."""
        kill = getattr(self.executor, "kill_workers", None)  # Python 3.14+
        if kill is not None:
            kill()
            return
        for process in list((getattr(self.executor, "_processes", None) or {}).values()):
            try:
                process.kill()
            except (OSError, ValueError):
                pass


def export_batch(
    sources: Iterable[str | Path],
    formats: list[str] | None = None,
    output: str | Path | None = None,
    options: ExportOptions | None = None,
    *,
    jobs: int | None = None,
    cluster: str | None = None,
    progress: bool = False,
    quiet: bool = False,
    on_written: Callable[[Path], None] | None = None,
    on_warning: Callable[[str], None] | None = None,
) -> BatchResult:
    """Export every record of `sources` (files and folders) into the folder `output`.

    `jobs` worker processes here (default: this process's cores), or the Dask scheduler at
    `cluster` (``local``: a cluster of `jobs` processes started for this batch). Outputs are
    refused before any work (UsageError) when two would collide or one is an input. A record
    that fails is listed in the result's `failures`; the others are written.
    """
    options = options or ExportOptions()
    formats = known_formats(formats)
    items = plan(sources, formats, output, options.lang)
    formats = list(items[0].targets) if items else formats
    check_signing(formats, options)
    if options.letterhead is not None:
        from .record.letterhead import read_letterhead

        read_letterhead(options.letterhead)  # a bad letterhead: refused once, not per record
    if options.template is not None:
        from .templates import template_folder

        template_folder(options.template)
    if cluster is not None:
        from .cluster import refuse_local_paths

        refuse_local_paths(options, cluster)
    jobs = max(1, jobs or default_jobs())
    sent = replace(options, sign=None, sign_password=None, pdf_worker=None)
    pdf_engine = options.engine if "pdf" in formats else None
    warm_args = (quiet, pdf_engine)
    result = BatchResult(total=len(items))
    if not items:
        return result

    from . import progress as progress_module

    if cluster is None:
        runner = LocalPool(min(jobs, len(items)), warm_args)
    else:
        from .cluster import ClusterRunner

        runner = ClusterRunner(cluster, jobs, warm_args)
    finished = False
    try:
        with progress_module.BatchBar(len(items), progress) as bar:
            for item, rendered in _run(runner, items, formats, sent, bar):
                for warning in rendered.warnings:
                    (on_warning or _warn)(warning)
                if rendered.missing_module is not None:
                    raise ModuleNotFoundError(rendered.error, name=rendered.missing_module)
                if rendered.error is not None:
                    result.failures.append((item.name, rendered.error))
                else:
                    _write(item, rendered, options, result, on_written)
                bar.advance()
        finished = True
    except BatchStopped as err:
        done = len(result.written) // max(1, len(formats))
        raise type(err)(
            f"{err}; {done} of {len(items)} records were written, the others were not"
        ) from None
    finally:
        runner.close(finished)
    return result


def _run(runner, items: list[Item], formats, options, bar) -> Iterator[tuple[Item, Rendered]]:
    """(item, result) in the order results come back; at most two shares per worker are in
    flight, so a large batch is never all in memory at once."""
    size = share_size(len(items), runner.jobs, options)
    window = 2 * max(1, runner.jobs)
    queue = list(reversed(items))
    pending: dict = {}
    while queue or pending:
        while queue and len(pending) < window:
            share: list[tuple[Item, bytes]] = []
            while queue and len(share) < size:
                item = queue.pop()
                try:
                    share.append((item, _read(item.source)))
                except RecordError as err:
                    yield item, Rendered(item.name, error=_one_line(err.problems))
            if share:
                sent = [(data, item.name) for item, data in share]
                pending[runner.submit(sent, formats, options)] = [item for item, _ in share]
        if not pending:
            continue
        bar.working_on(next(iter(pending.values()))[0].name)
        for future in runner.wait(set(pending)):
            share_items = pending.pop(future)
            yield from zip(share_items, runner.result(future), strict=True)


SHARE = 16  # records per task at most, when they may need translating


def share_size(records: int, jobs: int, options: ExportOptions) -> int:
    """Records per task: one, unless the batch may need translating; then as many as give each
        worker an even share, up to SHARE (more would only delay the progress bar and hold more
        records in memory for the same single model call per pair). Without `--lang` every record is
    rendered in its own language and nothing is translated."""
    if not options.lang:  # each record in its own language: nothing to translate
        return 1
    return max(1, min(SHARE, -(-records // max(1, jobs))))


def _read(path: Path) -> bytes:
    from .record.load import MAX_BYTES

    name = str(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise RecordError(
                [Problem(name, f"the file is larger than {MAX_BYTES // 1024 // 1024} MB")]
            )
        return path.read_bytes()
    except FileNotFoundError:
        raise RecordError([Problem(name, "no such file (removed during the batch?)")]) from None
    except OSError as err:
        raise RecordError([Problem(name, f"cannot be read: {err.strerror}")]) from None


def _write(item: Item, rendered: Rendered, options: ExportOptions, result, on_written) -> None:
    from .files import write_output
    from .messages import note

    outputs = dict(rendered.outputs)
    if options.sign and "pdf" in outputs:
        from .archive import sign_pdf

        outputs["pdf"] = sign_pdf(outputs["pdf"], options.sign, options.sign_password)
    for fmt, target in item.targets.items():
        note(f"writing {target}")
        write_output(target, outputs[fmt])
        result.written.append(target)
        if on_written is not None:
            on_written(target)


def _warn(message: str) -> None:
    from .messages import warn

    warn(message)


def summary(result: BatchResult) -> list[str]:
    """The closing lines of a batch with failures: each record's reason, then the count."""
    lines = [reason for _, reason in result.failures]
    done = result.total - len(result.failures)
    lines.append(
        f"{len(result.failures)} of {result.total} records failed; "
        f"the other {done} {'was' if done == 1 else 'were'} written"
    )
    return lines
