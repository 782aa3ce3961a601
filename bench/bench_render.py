"""Benchmark: how long a shot takes to render, with stock Manim and with the project's components.

The figure of merit is the render factor, wall time / seconds of video: it
says how long a minute of lecture takes to make on this machine, whatever the
shot's length.  The script renders, each in its own ``manim render``
subprocess (what ``optviz`` runs too), the reference shot of
``bench/reference_shot.py`` twice:

* ``StockShot``: Manim's own Surface (24x24), Dot3D, TracedPath, MathTex;
* ``ProjectShot``: the same shot from LossSurface (resolution 32), Race and
  UpdatePanel, on the camera the lecture's segments use;

and prints both factors and their ratio.  With ``--lecture`` it then renders
the whole lecture with ``optviz`` (silent, from scratch), and runs the same
command again to show that an unchanged re-run reuses every segment.

Run from the repository root::

    .venv/bin/python bench/bench_render.py                 # the two shots at 480p15 (~25 s on 2 cores)
    .venv/bin/python bench/bench_render.py -q h --lecture  # 1080p60, plus the whole lecture (long)

Each render gets a fresh media directory and ``--disable_caching``, so
nothing is reused between runs: LaTeX compiles and every frame is drawn.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import re
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import version
from pathlib import Path

import av
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
# Lets --lecture read the segment registry from a bare checkout as well as from an installed package.
sys.path.insert(0, str(ROOT))
SHOT_FILE = "bench/reference_shot.py"  # relative, run from ROOT so the repository's manim.cfg applies
QUALITIES = {"l": "480p15", "m": "720p30", "h": "1080p60"}
SHOTS = [("StockShot", "stock Manim"), ("ProjectShot", "project components")]
SHOT_TIMEOUT = 3600  # s; a Manim render that errors inside an animation can hang instead of exiting
LECTURE_TIMEOUT = 6 * 3600
REUSE_MARK = "0 job(s) to render"  # what optviz prints when every segment is reused from the store
# Manim parses every Tex SVG through a temporary "<hash>_.svg" next to it in media_dir/Tex and then
# deletes it; two segments rendering the same formula at once in one media dir (optviz -j 2) can
# delete each other's file.  Recognised so the failure says what it is and how to avoid it.
TEX_RACE = re.compile(r"FileNotFoundError: .*/Tex/[0-9a-f]+_\.svg")
# Pixels differing from the background by more than this (0-255, any channel) count as drawn.
DRAWN_THRESHOLD = 12


@dataclass
class Result:
    name: str
    wall: float  # s
    video: float | None  # s of video, None when nothing new was measured
    note: str = ""

    @property
    def factor(self) -> float | None:
        return self.wall / self.video if self.video else None


# ---------------------------------------------------------------------------------------
# Media


def video_duration(mp4: Path) -> float:
    with av.open(str(mp4)) as c:
        if c.duration:
            return float(c.duration / av.time_base)
        v = c.streams.video[0]
        return float(v.duration * v.time_base)


def drawn_share(mp4: Path) -> float:
    """Share of the middle frame's pixels that differ from the background (its top-left pixel).

    A guard, not a metric: a shot whose surface silently failed to draw renders
    fast, and its timing would flatter the project.  Both shots cover about the
    same area, so a share far below the stock shot's means something is missing.
    """
    with av.open(str(mp4)) as c:
        frames = c.streams.video[0].frames or 1
        for i, frame in enumerate(c.decode(video=0)):
            if i >= frames // 2:
                a = frame.to_ndarray(format="rgb24").astype(int)
                return float((np.abs(a - a[0, 0]).max(axis=-1) > DRAWN_THRESHOLD).mean())
    return 0.0


# ---------------------------------------------------------------------------------------
# Running things


def run_env() -> dict[str, str]:
    # OPTVIZ_SHORT would cut the lecture to a preview and change what is measured; a user's
    # shell may have it set from running the tests.
    env = {k: v for k, v in os.environ.items() if k != "OPTVIZ_SHORT"}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def fail(what: str, cmd: list[str], output: str) -> None:
    tail = "\n".join(output.strip().splitlines()[-20:])
    print(f"\nFAILED: {what}\n  command: {shlex.join(cmd)}\n{tail}", file=sys.stderr)
    raise SystemExit(1)


def render_shot(scene: str, label: str, quality: str, work: Path) -> tuple[Result, float]:
    """One shot in a fresh media dir; returns its timing and the share of the frame it drew."""
    media = work / scene
    cmd = [sys.executable, "-m", "manim", "render", f"-q{quality}", "--disable_caching", "--progress_bar", "none",
           "--media_dir", str(media), SHOT_FILE, scene]
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=run_env(), capture_output=True, text=True, timeout=SHOT_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        fail(f"{scene} did not finish in {SHOT_TIMEOUT} s", cmd, str(exc.stdout or ""))
    wall = time.perf_counter() - start
    # partial movie files are named by hash, so the scene's name finds only the final MP4
    found = sorted(media.glob(f"videos/**/{scene}.mp4"))
    if proc.returncode != 0 or not found:
        fail(f"rendering {scene} (exit {proc.returncode})", cmd, proc.stdout + proc.stderr)
    mp4 = found[0]
    return Result(f"{scene} ({label})", wall, video_duration(mp4)), drawn_share(mp4)


def optviz_command() -> list[str]:
    # The console script installed next to this interpreter; the module itself on a bare checkout.
    exe = Path(sys.executable).with_name("optviz")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "scenes.cli"]


def run_optviz(args: list[str], log: Path) -> tuple[float, list[str]]:
    """Run optviz, echoing its progress lines; returns wall time and its stdout lines."""
    cmd = optviz_command() + args
    print(f"  $ {shlex.join(cmd)}", flush=True)
    lines: list[str] = []
    start = time.perf_counter()
    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=run_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True)
        assert proc.stdout is not None
        for line in proc.stdout:
            fh.write(line)
            lines.append(line.rstrip("\n"))
            print(f"  | {line.rstrip()}", flush=True)
        try:
            proc.wait(timeout=LECTURE_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            fail(f"optviz did not finish in {LECTURE_TIMEOUT} s", cmd, "\n".join(lines))
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        what = f"optviz exited with {proc.returncode}; log: {log}"
        if any(TEX_RACE.search(line) for line in lines):
            what += ("\n  cause: two segments rendered at once raced on Manim's temporary Tex SVG file in the "
                     "shared media dir (a project bug, not a timing problem); --jobs 1 avoids it")
        fail(what, cmd, "\n".join(lines))
    return wall, lines


def bench_lecture(quality: str, work: Path, jobs: int | None) -> list[Result]:
    from scenes.segments import SEGMENTS  # the registry only: no Manim import

    out, media = work / "lecture-out", work / "lecture-media"
    base = ["render", "lecture", "-q", quality, "--voice", "none", "-o", str(out), "--media-dir", str(media)]
    if jobs is not None:
        base += ["-j", str(jobs)]

    print("\nlecture, from scratch (--disable_caching: every segment rendered):", flush=True)
    wall, lines = run_optviz(base + ["--disable_caching"], work / "lecture-cold.log")
    mp4 = Path(lines[-1].strip())  # optviz prints the path of the file it wrote last
    if not mp4.is_file():
        fail(f"optviz's last line is not a file: {lines[-1]!r}", base, "\n".join(lines))
    cold = Result("lecture, from scratch", wall, video_duration(mp4),
                  f"{len(SEGMENTS)} segments, --voice none, -j {jobs or 'default'}")

    # Same media dir, no --disable_caching: every segment's inputs digest matches what the first
    # run stored, so optviz should copy the stored segments and only join them again.
    print("\nlecture, unchanged re-run (same media dir, no --disable_caching):", flush=True)
    wall, lines = run_optviz(base, work / "lecture-rerun.log")
    reused = any(REUSE_MARK in line for line in lines)
    note = f"reused all {len(SEGMENTS)} segments" if reused else "NOT all segments reused: inputs changed between runs?"
    return [cold, Result("lecture, unchanged re-run", wall, None, note)]


def bench_social(quality: str, work: Path) -> list[Result]:
    """Every segment's 9:16 clip from scratch, one at a time (so each clip's time is its own), narrated
    by Piper as published: the render of each clip, then the whole run with captions burned in and
    loudness normalised."""
    out, media = work / "social-out", work / "social-media"
    args = ["render", "lecture", "--format", "social", "-q", quality, "-j", "1", "--disable_caching",
            "-o", str(out), "--media-dir", str(media)]
    print("\nsocial clips, from scratch (one at a time, Piper voice):", flush=True)
    wall, lines = run_optviz(args, work / "social.log")
    rows, video_total = [], 0.0
    for line in lines:
        m = CLIP_DONE.search(line)
        if m:
            name, secs, video = m.group(1), float(m.group(2)), float(m.group(3))
            video_total += video
            rows.append(Result(f"clip {name} (Manim render)", secs, video))
    rows.append(Result("all clips, rendered + published", wall, video_total, "captions burned, -14 LUFS"))
    return rows


def bench_segments(names: list[str], quality: str, work: Path) -> list[Result]:
    """Each named segment's lecture cut from scratch, one at a time and silent: its own render factor
    (Manim's render time over its video time, as optviz reports it), the figure issue 9 asks for."""
    rows = []
    for name in names:
        args = ["render", name, "-q", quality, "--voice", "none", "--disable_caching", "-j", "1",
                "-o", str(work / "segments-out"), "--media-dir", str(work / "segments-media")]
        print(f"\nsegment {name}, from scratch (silent, alone on the machine):", flush=True)
        wall, lines = run_optviz(args, work / f"segment-{name}.log")
        for line in lines:
            m = CLIP_DONE.search(line)
            if m:
                rows.append(Result(f"segment {m.group(1)} (Manim render)", float(m.group(2)), float(m.group(3)),
                                   f"optviz wall {wall:.0f} s"))
    return rows


CLIP_DONE = re.compile(r"^\[([\w-]+)\] done in (\d+) s: ([\d.]+) s of video")


# ---------------------------------------------------------------------------------------
# Report


def tree_state() -> str:
    """Commit, and a digest of the code the renders ran: scenes/ and optmath/ change under active work."""
    def git(*a: str) -> str:
        try:
            return subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        except OSError:
            return ""

    commit = git("rev-parse", "--short", "HEAD") or "?"
    dirty = git("status", "--porcelain", "--", "scenes", "optmath")
    h = hashlib.sha256()
    for path in sorted((ROOT / "scenes").rglob("*.py")) + sorted((ROOT / "optmath").rglob("*.py")):
        h.update(path.relative_to(ROOT).as_posix().encode() + path.read_bytes())
    state = "uncommitted changes in scenes/ or optmath/" if dirty else "clean"
    return f"commit {commit} ({state}); scenes+optmath sources sha256 {h.hexdigest()[:12]}"


def cpu_model() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def fmt_s(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f} s"


def print_table(rows: list[Result], quality: str) -> None:
    head = f"{'run':<34} {'quality':>8} {'wall':>10} {'video':>9} {'render factor':>14}  note"
    print(head)
    print("-" * (len(head) + 30))
    for r in rows:
        factor = "-" if r.factor is None else f"{r.factor:.2f}x"
        print(f"{r.name:<34} {QUALITIES[quality]:>8} {fmt_s(r.wall):>10} {fmt_s(r.video):>9} {factor:>14}  {r.note}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-q", "--quality", default="l", choices=list(QUALITIES),
                        help="Manim quality: l=480p15 (default), m=720p30, h=1080p60")
    parser.add_argument("--social", action="store_true",
                        help="also render every segment's social clip and report each clip's render factor")
    parser.add_argument("--lecture", action="store_true",
                        help="also render the whole lecture with optviz, then re-run it unchanged")
    parser.add_argument("--segments", default=None,
                        help="comma-separated segments (e.g. stability,basins,fair-race): render each alone and "
                             "report its render factor")
    parser.add_argument("--jobs", type=int, default=None,
                        help="with --lecture: segments optviz renders at once (default: optviz's own, 2)")
    args = parser.parse_args(argv)

    print(f"render benchmark, {datetime.now():%Y-%m-%d %H:%M}: reference shot at {QUALITIES[args.quality]}"
          f"{', plus the lecture' if args.lecture else ''}")
    print(f"python {platform.python_version()}, manim {version('manim')} (Cairo), "
          f"{os.cpu_count()} CPU(s): {cpu_model()}")
    state = tree_state()
    print(state)

    with tempfile.TemporaryDirectory(prefix="bench_render-") as tmp:
        work = Path(tmp)
        # Every render starts a fresh interpreter that imports Manim: a fixed cost included in each
        # wall time, and one that weighs heavily on a 6 s shot.  Timing it once here also warms the
        # OS file cache, so the first timed render is not the only one charged for cold imports.
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import manim"], cwd=ROOT, env=run_env(), check=True,
                       capture_output=True)
        startup = time.perf_counter() - start
        print(f"fixed cost in every render: python + import manim = {startup:.2f} s\n")

        rows: list[Result] = []
        shares: dict[str, float] = {}
        for scene, label in SHOTS:
            print(f"rendering {scene} ({label}) ...", flush=True)
            result, shares[scene] = render_shot(scene, label, args.quality, work)
            result.note = f"{shares[scene]:.0%} of the middle frame drawn"
            rows.append(result)
            print(f"  wall {result.wall:.2f} s for {result.video:.2f} s of video: render factor {result.factor:.2f}x",
                  flush=True)
        stock, project = rows
        ratio = project.factor / stock.factor
        print(f"project / stock render factor: {ratio:.2f}x")
        if shares["ProjectShot"] < 0.5 * shares["StockShot"]:
            print("WARNING: the project shot drew far less of the frame than the stock shot; its surface may "
                  "be missing (see segment_camera_class in bench/reference_shot.py), so its time means little")

        if args.lecture:
            lecture = bench_lecture(args.quality, work, args.jobs)
            rows += lecture
            cold, rerun = lecture
            print(f"\nlecture render factor: {cold.factor:.2f}x ({cold.wall:.0f} s for {cold.video:.1f} s of lecture)")
            print(f"unchanged re-run: {rerun.wall:.2f} s. optviz reuses every segment whose inputs (code, narration, "
                  f"settings) did not change, so a re-run only joins the stored segments: {rerun.note}.")
        if args.segments:
            from scenes.segments import SEGMENTS

            names = [n.strip() for n in args.segments.split(",") if n.strip()]
            unknown = [n for n in names if n not in SEGMENTS]
            if unknown:
                parser.error(f"unknown segment {unknown[0]!r}; choose from: {', '.join(SEGMENTS)}")
            segs = bench_segments(names, args.quality, work)
            rows += segs
            for r in segs:
                print(f"{r.name}: render factor {r.factor:.2f}x ({r.wall:.0f} s for {r.video:.1f} s)")
        if args.social:
            clips = bench_social(args.quality, work)
            rows += clips
            print(f"\nsocial clips: {clips[-1].factor:.2f}x rendered and published ({clips[-1].wall:.0f} s for "
                  f"{clips[-1].video:.1f} s of clips)")

    print("\nsummary")
    print_table(rows, args.quality)
    print(f"project / stock (same shot, same length): {ratio:.2f}x the render time")
    # Each render imports the code when it starts: an edit during the run means the shots (or the
    # lecture's segments) may have timed different code from what the header describes.
    if tree_state() != state:
        print(f"WARNING: scenes/ or optmath/ changed during the run; now: {tree_state()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
