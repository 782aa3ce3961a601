"""The one task a worker runs: Manim's own CLI on one scene, in a subprocess, returning its files.

Dask workers are daemon processes (they cannot start ``multiprocessing``
children) and Dask has no per-task timeout, so each render is a plain
subprocess with its own timeout, killed when its worker dies (Linux's
parent-death signal) or when the client asks the build to stop (a Dask
``Event`` the task polls). Workers share no disk with the client: the files a
render wrote come back as bytes, and the client writes them.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scenes.settings import SPEECH_DIR_ENV, TEX_DIR_ENV

ROOT = Path(__file__).resolve().parent.parent.parent
MOVIE_SUFFIXES = (".mp4", ".srt", ".words.json", ".chunk.json", ".costs.json", ".wav")


class RenderFailed(RuntimeError):
    """A render that failed for a real reason (not a lost worker): one line naming it and its log."""


class RenderStopped(RuntimeError):
    """The client stopped the build (Ctrl-C): the Manim child is ended, nothing is returned."""


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def work_root(preferred: str | None) -> Path:
    """Where this worker keeps Manim's working files (and its Tex and speech caches between jobs).

    The client's media folder when this machine can write it (a LocalCluster, or a cluster
    that has the same path), else a folder of the worker's own: no shared disk is assumed.
    """
    for candidate in (preferred, os.environ.get("OPTVIZ_WORKER_DIR"),
                      str(Path(tempfile.gettempdir()) / f"optviz-worker-{os.getuid()}")):
        if not candidate:
            continue
        try:
            Path(candidate).mkdir(parents=True, exist_ok=True)
            return Path(candidate)
        except OSError:
            continue
    raise RenderFailed("no writable folder for Manim's working files on this worker")


def render_environ(env: dict, base: dict | None = None) -> dict:
    """The environment a Manim child runs in: the worker's own, less what Dask's nanny set for the worker's memory,
    plus the job's ``env``.

    A Dask worker starts with ``MALLOC_TRIM_THRESHOLD_=65536`` (``distributed.nanny.pre-spawn-environ``) so that
    it hands freed memory back at once. Inherited by a render it also turns off glibc's sliding mmap threshold:
    every frame-sized buffer is mapped and zeroed anew. Measured on this machine, the 1080p60 short saddle clip's
    Manim job: 42.8 s with it, 34.6 s without (system time 16.2 s against 5.3 s); the 480p draft 19.4 s against
    17.2-18.0 s. The thread counts Dask sets (one BLAS thread) are kept: two renders share two cores.
    """
    base = dict(os.environ if base is None else base)
    try:
        import dask

        for name, value in (dask.config.get("distributed.nanny.pre-spawn-environ", None) or {}).items():
            if name.startswith("MALLOC_") and base.get(name) == str(value):
                del base[name]
    except ImportError:  # pragma: no cover - dask is a dependency of the farm
        pass
    return {**base, "PYTHONUNBUFFERED": "1", **env}


def run_manim(file: Path, scene: str, quality: str, work: Path, env: dict, log: Path, *,
              disable_caching: bool = False, timeout: float | None = None, stop=None, progress=None) -> float:
    """Manim's CLI on one scene in its own media folder; returns seconds. ``stop()`` true ends it early."""
    cmd = [sys.executable, "-m", "manim", "render", f"-q{quality}", "--progress_bar", "none",
           "--media_dir", str(work), str(file), scene]
    if disable_caching:
        cmd.append("--disable_caching")
    start = time.monotonic()
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=render_environ(env), stdout=fh,
                                stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        try:
            while True:
                try:
                    proc.wait(timeout=0.5)  # returns as the render ends, not at the next half second
                    break
                except subprocess.TimeoutExpired:
                    pass
                if progress is not None:
                    progress(time.monotonic() - start)
                if timeout is not None and time.monotonic() - start > timeout:
                    raise RenderFailed(f"took longer than its timeout of {timeout:.0f} s; see {log}")
                if stop is not None and stop():
                    raise RenderStopped("the build was stopped")
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
    if proc.returncode != 0:
        tail = "".join(open(log, errors="replace").readlines()[-15:])
        raise RenderFailed(f"Manim exited with {proc.returncode}; see {log}\n{tail}")
    return time.monotonic() - start


def _stop_flag(name: str | None):
    """A callable that is true once the client has set the build's stop event (None: never)."""
    if not name:
        return None
    try:
        from distributed import Event, get_worker

        get_worker()
    except (ImportError, ValueError):
        return None
    event = Event(name)
    last = [0.0, False]

    def stopped() -> bool:
        if time.monotonic() - last[0] > 2.0:  # ask the scheduler at most every two seconds
            last[0] = time.monotonic()
            try:
                last[1] = event.is_set()
            except Exception:  # the scheduler is going away: the client is stopping too
                last[1] = True
        return last[1]

    return stopped


def _bring_audio_into(slides: Path) -> None:
    """A voiced deck names each slide's words by their path in this worker's speech cache: copy them
    into the slides folder and name them there, so the folder is complete on its own."""
    import json
    import shutil

    for index in slides.glob("*.audio.json"):
        entries = json.loads(index.read_text())
        (slides / "audio").mkdir(exist_ok=True)
        moved = []
        for wav in entries:
            if wav:
                dest = slides / "audio" / Path(wav).name
                shutil.copyfile(wav, dest)
                wav = str(dest)
            moved.append(wav)
        index.write_text(json.dumps(moved, indent=1))


def render_job(spec: dict) -> dict:
    """Run one job (``scenes.pipeline.jobs``) and return ``{"files": {name: bytes}, "log", "seconds", "host"}``.

    A movie job returns Manim's MP4 and what the scene wrote beside it; a slides job
    returns its manim-slides folder (paths inside are relative, so it moves).
    """
    root = work_root(spec.get("work_root"))
    work = root / "work" / spec["workdir"]
    work.mkdir(parents=True, exist_ok=True)
    env = dict(spec["env"])
    env.setdefault(SPEECH_DIR_ENV, str(root / "speech"))  # every job on this machine says a cue once
    env.setdefault(TEX_DIR_ENV, str(root / "tex"))  # ... and compiles an equation once
    for var, (name, data) in spec.get("inputs", {}).items():  # e.g. a shot's document, written where Manim reads it
        path = work / name
        path.write_bytes(data)
        env[var] = str(path)
    slides = None
    if spec.get("slides"):
        slides = work / "slides"
        if slides.exists():
            import shutil

            shutil.rmtree(slides)
        slides.mkdir()
        env["OPTVIZ_SLIDES_DIR"] = str(slides)
    log = root / "logs" / f"{spec['workdir']}.log"  # where the client keeps its logs, when it shares this disk
    file = ROOT / spec["file"]
    partials = work / "videos" / file.stem
    found = []
    try:
        seconds = run_manim(file, spec["scene"], spec["quality"], work, env, log,
                            disable_caching=spec.get("disable_caching", False), timeout=spec.get("timeout"),
                            stop=_stop_flag(spec.get("stop_event")))
        if slides is not None:
            _bring_audio_into(slides)
            files = {p.relative_to(slides).as_posix(): p.read_bytes() for p in sorted(slides.rglob("*")) if p.is_file()}
            files["root.txt"] = str(slides).encode()  # the client rewrites this prefix of the paths inside
        else:
            fps = spec["fps"]
            found = sorted(partials.glob(f"*p{fps}/{spec['scene']}.mp4"))
            if not found:
                raise RenderFailed(f"Manim wrote no {spec['scene']}.mp4 under {work}")
            mp4 = found[-1]
            files = {}
            for suffix in MOVIE_SUFFIXES:
                path = mp4.with_suffix(suffix)
                if path.exists():
                    files[suffix] = path.read_bytes()
        # a finished job leaves nothing stale for the next one in the same folder
        for suffix in MOVIE_SUFFIXES:
            for p in found:
                p.with_suffix(suffix).unlink(missing_ok=True)
    except RenderFailed as exc:
        raise RenderFailed(f"{spec['label']}: {exc}") from None
    return {"key": spec["key"], "files": files, "log": log.read_text(errors="replace"), "seconds": seconds,
            "host": socket.gethostname()}
