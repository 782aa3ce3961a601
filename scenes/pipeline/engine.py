"""Dask distributed runs the job graph: a LocalCluster sized to the machine, or a cluster by address.

Default: one single-threaded worker process per core (a Manim render uses one
core well). ``--scheduler tcp://HOST:8786`` sends the same jobs to a cluster
started with ``dask scheduler`` and ``dask worker tcp://HOST:8786 --nthreads 1``
on each machine that has the project set up; workers need no shared disk.

Dask's pitfalls, handled: every job has a key of its own (a content digest, so
identical jobs are one task and a retry is idempotent), a job whose worker died
runs again elsewhere (``retries``), each Manim subprocess has its own timeout
(Dask has none per task), and Ctrl-C sets a Dask ``Event`` every running job
polls before the cluster is closed, so no Manim child outlives the build.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import time
import uuid
from dataclasses import dataclass, field

RETRIES = 2  # a job whose worker died runs again elsewhere, twice at most
# wall seconds per second of video on one core, before any job has finished (measured on this machine)
PRIOR_FACTOR = {"l": 0.7, "m": 1.6, "h": 3.5, "p": 6.0, "k": 12.0}


def _answers(address: str) -> None:
    """Raise at once when a TCP scheduler address refuses the connection, or names no host.

    Dask's connect retries a refused port until its timeout (20 s) before giving up, so a mistyped port
    kept the user waiting 20 s for the one-line error. A host that does not answer at all (a firewall,
    a cluster still starting) is left to Dask's own timeout."""
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address)
        host, port = parse_host_port(location, default_port=8786)
    except ValueError:
        return  # Dask says what is wrong with it
    if scheme != "tcp":
        return
    try:
        socket.create_connection((host, port), timeout=5).close()
    except (ConnectionRefusedError, socket.gaierror):
        raise
    except OSError:
        return


def _mmss(seconds: float) -> str:
    m, s = divmod(int(round(max(seconds, 0))), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


@dataclass
class Outcome:
    """What came back for each job key: its result dict, or the one-line reason it failed."""

    results: dict = field(default_factory=dict)
    failures: dict = field(default_factory=dict)


class Engine:
    """A Dask client for one build; ``with Engine(...) as engine: engine.run(jobs, ...)``."""

    def __init__(self, scheduler: str | None = None, workers: int | None = None, say=print):
        self.scheduler = scheduler
        self.n_workers = workers
        self.say = say
        self.client = self.cluster = None
        self.stop_name = f"optviz-stop-{uuid.uuid4().hex[:12]}"

    def __enter__(self) -> "Engine":
        from distributed import Client, LocalCluster

        quiet = logging.ERROR
        os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "error")  # the workers' own logs (they inherit it)
        for name in ("distributed", "distributed.worker", "distributed.scheduler", "distributed.nanny"):
            logging.getLogger(name).setLevel(quiet)
        if self.scheduler:
            try:
                _answers(self.scheduler)
                self.client = Client(self.scheduler, timeout="20s")
            except OSError as exc:
                raise ConnectionError(f"--scheduler {self.scheduler}: no Dask scheduler answers there ({exc})") from None
        else:
            n = self.n_workers or os.cpu_count() or 1
            dashboard = ":0" if _has_bokeh() else None
            self.cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                        dashboard_address=dashboard, silence_logs=quiet)
            self.client = Client(self.cluster)
        link = getattr(self.client, "dashboard_link", None) if _has_bokeh() else None
        where = self.scheduler or "a local cluster"
        self.say(f"[build] Dask: {where}, {self.worker_count()} worker(s)" + (f"; dashboard {link}" if link else ""))
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.client is not None:
            try:
                self.client.close(timeout=10)
            except Exception:
                pass
        if self.cluster is not None:
            try:
                self.cluster.close(timeout=20)
            except Exception:
                pass
        self.client = self.cluster = None

    def worker_count(self) -> int:
        info = self.client.scheduler_info(n_workers=-1)
        return max(1, sum(w.get("nthreads", 1) for w in info["workers"].values()))

    def run(self, specs: list[dict], estimates: dict, quality: str, on_result, title: str = "build") -> Outcome:
        """Submit every job (keys are digests) and hand each result to ``on_result(spec, result)`` as it
        arrives; progress shows jobs done/total, the jobs running, elapsed time and an ETA."""
        from distributed import Event, wait
        from distributed.client import FIRST_COMPLETED

        from scenes.pipeline.manim_job import render_job

        outcome = Outcome()
        if not specs:
            return outcome
        Event(self.stop_name, client=self.client)  # exists before any job asks for it
        # the longest jobs first (Dask runs higher priorities first): a long job left for last keeps one
        # worker busy while the others idle (measured: the 480p lecture's last chunk started at 16 min of 18)
        # (submitted in that order too: the first job reaches an idle worker before the others arrive)
        by_length = sorted(specs, key=lambda spec: -estimates.get(spec["key"], 0.0))
        futures = {self.client.submit(render_job, spec, key=spec["key"], pure=False, retries=RETRIES,
                                      priority=priority(estimates.get(spec["key"], 0.0))): spec
                   for spec in by_length}
        progress = Progress(self, specs, estimates, quality, title)
        pending = set(futures)
        try:
            while pending:
                try:
                    done, pending = wait(list(pending), timeout=1.0, return_when=FIRST_COMPLETED)
                    pending = set(pending)
                except TimeoutError:
                    progress.tick(pending, futures)
                    continue
                for fut in done:
                    spec = futures[fut]
                    try:
                        result = fut.result()
                    except Exception as exc:  # a real failure, or KilledWorker after the retries
                        outcome.failures[spec["key"]] = _one_line(spec, exc)
                        progress.failed(spec, outcome.failures[spec["key"]])
                        continue
                    progress.finished(spec, result)  # before what on_result says (a join it starts)
                    on_result(spec, result)
                    outcome.results[spec["key"]] = result
                progress.tick(pending, futures)
        except KeyboardInterrupt:
            self.interrupt(list(futures))
            raise
        finally:
            progress.close()
        return outcome

    def interrupt(self, futures) -> None:
        """Ctrl-C: every running job ends its Manim child, then the cluster goes."""
        from distributed import Event

        try:
            Event(self.stop_name, client=self.client).set()
            self.client.cancel(futures, force=True)
            time.sleep(2.5)  # jobs poll the event every two seconds
        except Exception:
            pass
        self.close()


def priority(estimate: float) -> int:
    """A job's Dask priority: its estimated seconds of video, in tenths (longest first)."""
    return int(round(10 * max(estimate, 0.0)))


def _one_line(spec: dict, exc: BaseException) -> str:
    from distributed import KilledWorker

    if isinstance(exc, KilledWorker):
        return f"{spec['label']}: its worker died {RETRIES + 1} times; the job was given up"
    return str(exc).strip() or f"{spec['label']}: {type(exc).__name__}"


def _has_bokeh() -> bool:
    import importlib.util

    return importlib.util.find_spec("bokeh") is not None


class Progress:
    """One live display (rich, when the output is a terminal; plain lines otherwise)."""

    def __init__(self, engine: Engine, specs: list[dict], estimates: dict, quality: str, title: str):
        self.engine, self.specs, self.estimates = engine, specs, estimates
        self.total = sum(estimates.get(s["key"], 1.0) for s in specs)
        self.done_video = 0.0
        self.done = 0
        self.start = time.monotonic()
        self.prior = PRIOR_FACTOR.get(quality, 1.0)
        self.workers = engine.worker_count()
        self.live = None
        if sys.stdout.isatty():
            from rich.progress import BarColumn, Progress as Bar, TextColumn, TimeElapsedColumn

            self.live = Bar(TextColumn(f"[bold]{title}[/]"), BarColumn(), TextColumn("{task.fields[status]}"),
                            TimeElapsedColumn(), TextColumn("ETA {task.fields[eta]}"), transient=False)
            self.task = self.live.add_task(title, total=self.total, status=self.status([]), eta=self.eta())
            self.live.start()

    def eta(self) -> str:
        elapsed = time.monotonic() - self.start
        left = self.total - self.done_video
        if self.done_video > 0:
            rate = self.done_video / elapsed  # seconds of video per wall second, all workers together
        else:
            rate = self.workers / self.prior
        return _mmss(left / max(rate, 1e-9))

    def status(self, running: list[str]) -> str:
        shown = ", ".join(running[:3]) + (f" +{len(running) - 3}" if len(running) > 3 else "")
        return f"{self.done}/{len(self.specs)} jobs" + (f"; running: {shown}" if running else "")

    def running(self, pending, futures) -> list[str]:
        try:
            processing = {k for keys in self.engine.client.processing().values() for k in keys}
        except Exception:
            processing = set()
        return [futures[f]["label"] for f in pending if f.key in processing]

    def tick(self, pending, futures) -> None:
        if self.live is not None:
            self.live.update(self.task, completed=self.done_video, status=self.status(self.running(pending, futures)),
                             eta=self.eta())

    def finished(self, spec: dict, result: dict) -> None:
        self.done += 1
        self.done_video += self.estimates.get(spec["key"], 1.0)
        line = (f"[{spec['label']}] rendered in {result['seconds']:.0f} s on {result['host']} "
                f"({self.done}/{len(self.specs)}; elapsed {_mmss(time.monotonic() - self.start)}, ETA {self.eta()})")
        self._print(line)

    def failed(self, spec: dict, reason: str) -> None:
        self.done += 1
        self._print(f"[{spec['label']}] FAILED: {reason.splitlines()[0]}")

    def _print(self, line: str) -> None:
        if self.live is not None:
            self.live.console.print(line, markup=False, highlight=False)
        else:
            self.engine.say(line)

    def close(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None
