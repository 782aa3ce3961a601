"""One render at a time per studio: a queue of ``optviz render`` jobs, their output kept for the page.

A job is the very command a user would type (``python -m scenes.cli render SHOT.toml -f social -q l
...``), so the studio renders on the same pipeline (``scenes.pipeline.build.run`` on Dask) with the
same checks and the same files in ``out/``; running it as a child process keeps the server's own
process free of Manim, of the render's cluster and of its language setting, and lets a stopped
studio end the render it started. The page follows a job's lines (Server-Sent Events in ``app``)
and, when it is done, the files it wrote.
"""

from __future__ import annotations

import itertools
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the repository: `python -m scenes.cli` runs from here

MAX_WAITING = 8  # jobs queued behind the running one; more is a stuck button, refused with a 4xx


@dataclass
class Job:
    id: int
    name: str
    shot_file: Path
    options: list[str]
    state: str = "queued"  # queued, running, done, failed
    lines: list[str] = field(default_factory=list)
    product: Path | None = None
    files: list[Path] = field(default_factory=list)
    returncode: int | None = None
    started: float | None = None
    ended: float | None = None


class RenderQueue:
    """Jobs run one after another on one thread; ``submit`` returns at once with the job."""

    def __init__(self, out_dir: Path, media_dir: Path):
        self.out_dir, self.media_dir = Path(out_dir).resolve(), Path(media_dir).resolve()
        self.jobs: dict[int, Job] = {}
        self.waiting: queue.Queue[Job | None] = queue.Queue()
        self.ids = itertools.count(1)
        self.lock = threading.Lock()
        self.child: subprocess.Popen | None = None
        self.thread: threading.Thread | None = None
        self.stopping = False

    def submit(self, name: str, shot_file: Path, options: list[str]) -> Job:
        with self.lock:
            if sum(j.state == "queued" for j in self.jobs.values()) >= MAX_WAITING:
                raise OverflowError(f"{MAX_WAITING} renders are already waiting; let one finish first")
            job = Job(next(self.ids), name, Path(shot_file), list(options))
            self.jobs[job.id] = job
            if self.thread is None:
                self.thread = threading.Thread(target=self._work, name="studio-render", daemon=True)
                self.thread.start()
        self.waiting.put(job)
        return job

    def position(self, job: Job) -> int:
        """How many jobs run or wait before this one."""
        return sum(1 for j in self.jobs.values() if j.id < job.id and j.state in ("queued", "running"))

    def command(self, job: Job) -> list[str]:
        return [sys.executable, "-m", "scenes.cli", "render", str(job.shot_file), *job.options,
                "-o", str(self.out_dir), "--media-dir", str(self.media_dir)]

    def _work(self) -> None:
        while (job := self.waiting.get()) is not None:
            if self.stopping:
                job.state = "failed"
                continue
            self._run(job)

    def _run(self, job: Job) -> None:
        job.state, job.started = "running", time.time()
        job.lines.append("$ optviz render " + " ".join([job.shot_file.name, *job.options]))
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        try:
            child = subprocess.Popen(self.command(job), cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, bufsize=1, start_new_session=True)
        except OSError as exc:
            job.lines.append(f"optviz: error: cannot start the render ({exc})")
            job.state, job.ended = "failed", time.time()
            return
        self.child = child
        for line in child.stdout:
            job.lines.append(line.rstrip("\n"))
        job.returncode = child.wait()
        self.child = None
        last = Path(job.lines[-1].strip()) if job.lines else None
        if job.returncode == 0 and last is not None and last.is_absolute() and last.exists():
            job.product = last
            job.files = self.files_of(last)
            job.state = "done"
        else:
            job.state = "failed"
        job.ended = time.time()

    def files_of(self, product: Path) -> list[Path]:
        """The product and what was written beside it with the same stem (captions, data, PDF, GIF...)."""
        stem = product.stem
        found = sorted(p for p in self.out_dir.iterdir() if p.name.startswith(stem) and p != product)
        return [product, *found]

    def stop(self) -> None:
        """End the running render (its whole process group: the Dask cluster and Manim children too)."""
        self.stopping = True
        child = self.child
        if child is not None and child.poll() is None:
            try:
                os.killpg(child.pid, signal.SIGINT)
                child.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(child.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        self.waiting.put(None)
