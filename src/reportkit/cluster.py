"""A batch on a Dask cluster (`dask.distributed`): the same work as a local batch, elsewhere.

Dask is the engine; reportkit adds nothing to it but the job. The client (this process) sends
each share of records (their bytes and names) and the options as a task running `batch.render_records` — the very
function a local worker runs — and receives each format's bytes back; it writes every file
itself, atomically, as a local batch does. So workers need reportkit installed (the same
version: checked before any work, a mismatch refused), its fonts (they come with the wheel) and,
to translate, the translation models installed on each worker; they need no folder shared with
the client. Options that name files on this machine (`--letterhead`, `--template`,
`--docx-template`, `--glossary`) are refused with a remote scheduler, whose workers cannot read
them; `--cluster local` shares this machine's files and accepts them.

A cluster that goes away during a batch (the scheduler stops, or every worker is gone for
`NO_WORKERS_GRACE` seconds) ends the batch with one line saying so: the records already
received are written whole, the others not at all.

`dask` is the optional `cluster` extra, imported only here, only for `--cluster`.
"""

from __future__ import annotations

import time

from .batch import BatchStopped
from .errors import UsageError

LOCAL = "local"
NO_WORKERS_GRACE = 10.0  # seconds a scheduler may have no worker before the batch gives up
CONNECT_TIMEOUT = "10s"


class ClusterError(BatchStopped):
    """The cluster cannot be used, or went away: no output of the missing records is written."""


def refuse_local_paths(options, address: str | None = None) -> None:
    """Options naming files on this machine cannot travel to a remote cluster's workers."""
    if address == LOCAL:
        return
    named = [
        flag
        for flag, value in (
            ("--letterhead", options.letterhead),
            ("--template", options.template),
            ("--docx-template", options.docx_template),
            ("--glossary", getattr(options.translate, "glossary", None)),
        )
        if value is not None
    ]
    if named:
        raise UsageError(
            f"{', '.join(named)} with --cluster: a remote cluster's workers cannot read files on "
            "this machine; use --cluster local, or --jobs on this machine"
        )


def _version() -> str:
    from . import __version__

    return __version__


class ClusterRunner:
    """A Dask client for one batch (and, for ``local``, the `LocalCluster` it runs on)."""

    def __init__(self, address: str, jobs: int, warm_args: tuple):
        try:
            import distributed
        except ModuleNotFoundError as err:
            raise ModuleNotFoundError(str(err), name="distributed") from None

        self.address = address
        self.cluster = None
        _quiet_logs()
        self.client = None
        self._workerless_since: float | None = None
        try:
            if address == LOCAL:
                self.cluster = _local_cluster(distributed, jobs)
                address = self.cluster.scheduler_address
                _quiet_logs()
            try:
                self.client = distributed.Client(
                    address, timeout=CONNECT_TIMEOUT, set_as_default=False
                )
            except (OSError, TimeoutError) as err:
                raise ClusterError(
                    f"--cluster {address}: no Dask scheduler answers there ({_reason(err)})"
                ) from None
            self._check_workers()
            self.jobs = max(1, sum(self.client.nthreads().values()))
            from .batch import prewarm

            self.client.run(prewarm, warm_args[1])
        except BaseException:
            self.close(False)
            raise

    def _check_workers(self) -> None:
        """At least one worker, every one with this reportkit version."""
        try:
            self.client.wait_for_workers(1, timeout=NO_WORKERS_GRACE)
        except TimeoutError:
            raise ClusterError(
                f"--cluster {self.address}: the scheduler has no worker "
                f"(start one with: dask worker {self.address})"
            ) from None
        ours = _version()
        try:
            versions = self.client.run(_version, on_error="return")
        except Exception as err:
            raise ClusterError(f"--cluster {self.address}: {_reason(err)}") from None
        wrong = {w: v for w, v in versions.items() if v != ours}
        if wrong:
            worker, version = next(iter(sorted(wrong.items())))
            seen = (
                f"reportkit {version}"
                if isinstance(version, str)
                else f"no usable reportkit ({_reason(version)})"
            )
            raise ClusterError(
                f"--cluster {self.address}: worker {worker} has {seen}, this is reportkit {ours}; "
                f"install reportkit {ours} on every worker"
            )

    def submit(self, *args):
        from .batch import render_records

        # pure=False: a unique key per task, even for two identical records or two clients
        return self.client.submit(render_records, *args, pure=False, retries=0)

    def wait(self, pending: set) -> set:
        from distributed import wait

        while True:
            self._check_alive()
            try:
                with self.client.as_current():
                    done, _ = wait(list(pending), timeout=1.0, return_when="FIRST_COMPLETED")
            except TimeoutError:
                continue
            except Exception as err:
                raise self._gone(err) from None
            if done:
                return set(done)

    def _check_alive(self) -> None:
        if self.client.status not in ("running", "connecting"):
            raise self._gone()
        try:
            workers = len(self.client.nthreads())
        except Exception as err:
            raise self._gone(err) from None
        now = time.monotonic()
        if workers:
            self._workerless_since = None
        elif self._workerless_since is None:
            self._workerless_since = now
        elif now - self._workerless_since > NO_WORKERS_GRACE:
            raise self._gone("no worker is left")

    def result(self, future):
        try:
            return future.result()
        except Exception as err:
            raise self._gone(err) from None

    def _gone(self, err: object = None) -> ClusterError:
        if err is None or "connection" in str(err).lower() or self.client.status != "running":
            why = "the connection to its scheduler is lost"
        else:
            why = _reason(err)
        return ClusterError(f"--cluster {self.address}: the cluster went away ({why})")

    def close(self, finished: bool) -> None:
        import contextlib

        if self.client is not None:
            with contextlib.suppress(Exception):
                self.client.close(timeout=5)
            self.client = None
        if self.cluster is not None:
            with contextlib.suppress(Exception):
                self.cluster.close(timeout=10)
            self.cluster = None


def _local_cluster(distributed, jobs: int):
    """A `LocalCluster` of `jobs` single-threaded worker processes on 127.0.0.1.

    Its processes are started with Ctrl-C ignored, which they inherit: Ctrl-C reaches the whole
    process group, and this process decides (it closes the cluster on the way out), as with a
    local batch's workers — else each would print its own KeyboardInterrupt traceback.
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return _start_local_cluster(distributed, jobs)
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        cluster = _start_local_cluster(distributed, jobs)
    finally:
        signal.signal(signal.SIGINT, previous)
    return cluster


def _start_local_cluster(distributed, jobs: int):
    return distributed.LocalCluster(
        n_workers=jobs,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        # its HTTP server on a free port of 127.0.0.1 (8787 may be another cluster's)
        dashboard_address="127.0.0.1:0",
        silence_logs=50,  # logging.CRITICAL: see _quiet_logs
    )


def _quiet_logs() -> None:
    """The client's own log lines (a lost connection, with tracebacks) would repeat, at length,
    the one line this batch ends with: only critical ones are shown. The scheduler's and the
    workers' logs stay theirs."""
    import logging

    for name in ["distributed", *logging.root.manager.loggerDict]:
        if name == "distributed" or name.startswith("distributed."):
            logging.getLogger(name).setLevel(logging.CRITICAL)


def _reason(err: object) -> str:
    text = " ".join(str(err).split()) if err is not None else ""
    name = type(err).__name__ if isinstance(err, BaseException) else ""
    return f"{name}: {text}" if name and text else (text or name or "no reason given")
