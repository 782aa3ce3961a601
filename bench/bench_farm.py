"""Benchmark: the render farm (issue 19), as ratios measured in one run on this machine.

1. **One segment on 1 vs 2 workers**: ``optviz render SEGMENT`` on a local Dask
   cluster of one worker (one process renders it whole) and of two (the
   segment cut into two chunks rendered at once, joined without re-encoding),
   cut by spoken time (a first render) and by the drawing cost the whole
   render measured (what a later render does). The speed-up is wall(1) /
   wall(2); on a 2-core machine the aim is >= 1.7.
2. **Shared work in a three-format build**: ``optviz build`` of the segment as
   lecture, clip and deck in one job graph (its speech synthesised once, in one
   media folder), against the three ``optviz render`` commands each in a folder
   of its own (each synthesising its own speech).
3. **A projection of the full course** at the chosen quality on 8, 32 and 128
   workers: every job of the course (each segment x lecture/clip/deck x en/zh,
   lecture segments cut into chunks as the pipeline would cut them for that
   many workers), each job's time = its spoken seconds x the seconds of
   rendering per second of video measured in (1), plus the set-up a process
   pays before its first frame (measured in (1) too); the wall time is the
   longest-job-first schedule of those jobs on N workers, and the critical
   path is the longest job. It is a model fitted to one segment's numbers,
   said as such.

Run from the repository root (fresh media folders under a temp dir, nothing reused)::

    .venv/bin/python bench/bench_farm.py                  # saddle at 480p15, silent (a few minutes)
    .venv/bin/python bench/bench_farm.py -q h --voice piper --segment bowl   # 1080p60, voiced (long)
"""

from __future__ import annotations

import argparse
import heapq
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OPTVIZ = [sys.executable, "-m", "scenes.cli"]
RENDERED = re.compile(r"^\[(?P<label>[^\]]+)\] rendered in (?P<seconds>\d+) s")
WORKER_COUNTS = (8, 32, 128)


def run(args: list[str], cwd: Path) -> tuple[float, list[tuple[str, float]], str]:
    """Wall seconds of one optviz command, its jobs' own times (label, seconds), and the last line it printed."""
    t = time.monotonic()
    r = subprocess.run(OPTVIZ + args, cwd=cwd, capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    wall = time.monotonic() - t
    if r.returncode != 0:
        sys.exit(f"bench_farm: `optviz {' '.join(args)}` failed ({r.returncode}):\n{r.stderr[-2000:]}")
    jobs = [(m["label"], float(m["seconds"])) for m in (RENDERED.match(line) for line in r.stdout.splitlines()) if m]
    return wall, jobs, r.stdout.strip().splitlines()[-1]


def video_seconds(path: str) -> float:
    import av

    with av.open(path) as c:
        return float(c.duration) / 1e6


def lpt(durations: list[float], workers: int) -> float:
    """The makespan of longest-processing-time-first on ``workers`` identical workers."""
    loads = [0.0] * workers
    heapq.heapify(loads)
    for d in sorted(durations, reverse=True):
        heapq.heappush(loads, heapq.heappop(loads) + d)
    return max(loads)


def plays(path: Path) -> dict[tuple[str, int], float]:
    """Seconds each animation took to draw, by (cue, play), from a render's ``.costs.json``."""
    import json

    return {(p["cue"], p["play"]): p["wall"] for p in json.loads(path.read_text())["plays"]}


def where_two_workers_lose(whole: Path, chunk_costs: list[Path]) -> list[str]:
    """Why two workers fall short of 2x, from the renders' own records: the best cut on animation
    boundaries (an animation is never split), and the same animations drawn two at a time against alone."""
    one = plays(whole)
    walls = list(one.values())
    total, prefix, best = sum(walls), 0.0, sum(walls)
    for w in walls:
        prefix += w
        best = min(best, max(prefix, total - prefix))
    key, biggest = max(one.items(), key=lambda kv: kv[1])
    lines = [f"   drawing in the whole render: {total:.1f} s; its longest animation ({key[0]} #{key[1]}): {biggest:.1f} s;"
             f" the best cut between animations leaves {best:.1f} s on one worker ({total / best:.2f}x at most)"]
    alone = together = 0.0
    for path in chunk_costs:
        for k, w in plays(path).items():
            if k in one:
                alone, together = alone + one[k], together + w
    if alone:
        lines.append(f"   the same animations drawn two at a time: {together:.1f} s against {alone:.1f} s alone"
                     f" ({together / alone:.2f}x: two renders share two cores with their encoders' threads and the client)")
    return lines


def course_jobs(quality: str, workers: int) -> list[float]:
    """Spoken seconds of every job of the full course (all segments, lecture/clip/deck, en and zh),
    with lecture segments cut into chunks the way the pipeline cuts them for ``workers``."""
    from scenes import language
    from scenes.pipeline import chunks as chunking
    from scenes.pipeline.jobs import beat_seconds, said
    from scenes.segments import SEGMENTS

    jobs = []
    for lang in ("en", "zh"):
        with language.using(lang):
            for target in SEGMENTS.values():
                desc = target.describe()
                for fmt in ("lecture", "social", "talk"):
                    seconds = [beat_seconds(said(target, b, False), lang) for b in desc.beats_for(fmt)]
                    if fmt == "lecture":
                        cuts = chunking.plan(seconds, workers, quality)
                        jobs += [sum(seconds[a[0]:b[0]]) for a, b in cuts]  # cut where beats start
                    else:
                        jobs.append(sum(seconds))
    return jobs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--segment", default="saddle")
    ap.add_argument("-q", "--quality", default="l", choices=list("lmhpk"))
    ap.add_argument("--voice", default="none", help="none (default: silent, so speech does not blur the farm's "
                                                  "figures) or piper; part 2 always speaks (piper)")
    args = ap.parse_args()
    seg, q = args.segment, args.quality
    print(f"render farm benchmark, {datetime.now():%Y-%m-%d %H:%M}: segment {seg!r} at -q {q}, "
          f"{os.cpu_count()} cores, python {platform.python_version()}")
    with tempfile.TemporaryDirectory(prefix="bench-farm-") as tmp:
        tmp = Path(tmp)

        def render(name: str, *extra: str) -> tuple[float, list[tuple[str, float]], str]:
            return run(["render", seg, "-q", q, "--voice", args.voice, "-o", str(tmp / name / "out"),
                        "--media-dir", str(tmp / name / "media"), *extra], ROOT)

        # 1. one segment, one worker vs two
        wall1, jobs1, movie = render("one", "-j", "1", "--split", "1")
        wall2, jobs2, _ = render("two", "-j", "2", "--split", "2")
        # the same, in a media folder that holds the whole render's measured drawing costs (its .costs.json,
        # not its movie): the chunks are cut where the drawing, not the speech, is halved
        measured = tmp / "measured" / "media" / "segments"
        measured.mkdir(parents=True)
        for f in (tmp / "one" / "media" / "segments").glob("*.costs.json"):
            (measured / f.name).write_bytes(f.read_bytes())
        wall3, jobs3, _ = render("measured", "-j", "2", "--split", "2")
        video = video_seconds(movie)
        print(f"\n1. {seg} ({video:.1f} s of video) on a local cluster")
        print(f"   1 worker, whole:      {wall1:7.1f} s wall (job {jobs1[0][1]:.0f} s)")
        print(f"   2 workers, 2 chunks cut by spoken time:    {wall2:7.1f} s wall (jobs {', '.join(f'{s:.0f} s' for _, s in jobs2)})"
              f", speed-up {wall1 / wall2:.2f}x")
        print(f"   2 workers, 2 chunks cut by measured cost:  {wall3:7.1f} s wall (jobs {', '.join(f'{s:.0f} s' for _, s in jobs3)})"
              f", speed-up {wall1 / wall3:.2f}x (aim >= 1.7 on 2 cores)")
        for line in where_two_workers_lose(next((tmp / "one" / "media" / "segments").glob("*.costs.json")),
                                           sorted((measured / "chunks").glob("*.costs.json"))):
            print(line)

        # 2. lecture + clip + deck: one graph (speech once) against three commands (speech each time)
        fmts = ("lecture", "social", "talk")
        apart = 0.0
        for fmt in fmts:
            w, _, _ = run(["render", seg, "-f", fmt, "-q", q, "--voice", "piper", "-o", str(tmp / f"apart-{fmt}" / "out"),
                           "--media-dir", str(tmp / f"apart-{fmt}" / "media")], ROOT)
            apart += w
        course = tmp / "course.toml"
        course.write_text(f'targets = ["{seg}"]\nformats = {list(fmts)!r}\nlangs = ["en"]\nquality = "{q}"\n'
                          'voice = "piper"\n'.replace("'", '"'))
        together, _, _ = run(["build", str(course), "-o", str(tmp / "together" / "out"), "--media-dir",
                              str(tmp / "together" / "media")], ROOT)
        print(f"\n2. {seg} as lecture, clip and deck, voiced (piper)")
        print(f"   three optviz render commands, each its own speech: {apart:7.1f} s")
        print(f"   one optviz build, speech shared:                    {together:7.1f} s")
        print(f"   shared work saves {100 * (1 - together / apart):.0f}% ({apart / together:.2f}x)")

        # 3. the full course, projected from (1): per video-second cost and per-process set-up
        from scenes.pipeline.build import _beat_seconds
        from scenes.pipeline.jobs import Settings
        from scenes.segments import SEGMENTS

        spoken = sum(_beat_seconds(SEGMENTS[seg], "lecture", Settings(q, args.voice, False, "en")))
        chunk_times = [s for _, s in jobs2]
        # whole = setup + rate * spoken; each chunk = setup + rate * its share: two equations, two unknowns
        rate = max((jobs1[0][1] - sum(chunk_times) / 2) / (spoken / 2), 1e-3) if len(chunk_times) == 2 else jobs1[0][1] / spoken
        setup = max(jobs1[0][1] - rate * spoken, 0.0)
        print(f"\n3. the full course at -q {q} (8 segments x lecture/clip/deck x en/zh), projected from (1):")
        print(f"   model: a job takes {setup:.0f} s of set-up + {rate:.2f} s per spoken second")
        for n in WORKER_COUNTS:
            jobs = [setup + rate * s for s in course_jobs(q, n)]
            print(f"   {n:4d} workers: {len(jobs)} jobs, {sum(jobs) / 3600:5.2f} h of work, critical path "
                  f"{max(jobs) / 60:5.1f} min, wall {lpt(jobs, n) / 60:6.1f} min (+ joins and publishing)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
