"""Benchmark: each format's render against the encoder's own floor, measured in one run.

The physical floor of a render is the encode of its final frames: whatever a
render takes above it is drawing, encoding twice, waiting and serial steps.
For one segment, this script renders, each from scratch (a fresh media folder:
speech, LaTeX, drawing, encoding, publishing, all of it, on the default local
Dask cluster, as a user runs it):

* the lecture segment (16:9), the 9:16 clip and the talk deck (every slide movie);

then times x264 with the project's settings (``preset=veryfast``,
``tune=animation``, Manim's ``crf=23``) encoding the finished frames of each
output on this machine: the decode is timed alone and taken off, with one
encoder thread and with one per core. It prints each render's wall time, its
render factor (wall / video), the floor's factor and their ratio (the goal of
issue 20: at most 2x the all-core floor at 1080p60), and where the time went
from the render's own records: the Manim jobs (``[job] done in``) and each
drawn animation (``.costs.json``); the rest is set-up, speech, joins and
publishing.

With ``--quality`` (``--psnr``) it also measures what one encode of the clip
costs in picture: the clip's frames are rendered once more losslessly (x264
``qp=0``, ``OPTVIZ_LOSSLESS=1``), and both the published clip (captions in the
frames, one encode) and the old way (Manim's encode, then a second one at
``crf=18`` to burn the captions) are compared with them (PSNR and SSIM from
ffmpeg's filters).

Run from the repository root::

    .venv/bin/python bench/bench_floor.py -q l               # ~4 min on 2 cores
    .venv/bin/python bench/bench_floor.py -q h --quality     # 1080p60 (~25 min)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from bench_render import video_duration as duration  # noqa: E402  (a sibling script, not a package)
QUALITIES = {"l": "480p15", "m": "720p30", "h": "1080p60"}
FORMATS = ("lecture", "social", "talk")
TIMEOUT = 4 * 3600
JOB_DONE = re.compile(r"\[([^\]]+)\] rendered in (\d+) s on ")
GOAL = 2.0  # issue 20: every format at 1080p60 within 2x the all-core encoder floor
# the project's x264 settings (scenes/toolkit/manim_patches.py ENCODER_OPTIONS, Manim's crf 23)
X264 = ["-c:v", "libx264", "-preset", "veryfast", "-tune", "animation", "-crf", "23", "-pix_fmt", "yuv420p"]


@dataclass
class Render:
    fmt: str
    wall: float
    videos: list[Path]
    video: float = 0.0
    jobs: list[tuple[str, float]] = field(default_factory=list)  # (job, seconds) as optviz reports them
    drawn: float = 0.0  # s: what the drawn animations took, from the .costs.json files
    floor1: float = 0.0
    floor_all: float = 0.0

    @property
    def factor(self) -> float:
        return self.wall / self.video

    @property
    def ratio(self) -> float:
        return self.wall / self.floor_all


def optviz(args: list[str], log: Path, env: dict | None = None) -> tuple[float, list[str]]:
    exe = Path(sys.executable).with_name("optviz")
    cmd = ([str(exe)] if exe.exists() else [sys.executable, "-m", "scenes.cli"]) + args
    print(f"  $ {shlex.join(cmd)}", flush=True)
    run_env = {k: v for k, v in os.environ.items() if k != "OPTVIZ_SHORT"}
    run_env.update(env or {}, PYTHONUNBUFFERED="1")
    start = time.perf_counter()
    with open(log, "w") as fh:
        proc = subprocess.run(cmd, cwd=ROOT, env=run_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, timeout=TIMEOUT)
        fh.write(proc.stdout)
    wall = time.perf_counter() - start
    lines = proc.stdout.splitlines()
    if proc.returncode != 0:
        print("\n".join(lines[-20:]), file=sys.stderr)
        raise SystemExit(f"optviz exited with {proc.returncode}; log: {log}")
    return wall, lines


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - start


def encoder_floor(video: Path, threads: int) -> float:
    """Seconds x264 needs to encode ``video``'s frames with ``threads`` threads: decode + encode, less
    the decode alone (the file read once first, so a cold file cache does not count)."""
    video.read_bytes()
    base = ["ffmpeg", "-v", "error", "-nostdin", "-threads", "1", "-i", str(video), "-an"]
    decode = timed(base + ["-f", "null", "-"])
    both = timed(base + [*X264, "-threads", str(threads), "-f", "null", "-"])
    return max(both - decode, 0.0)


def render(fmt: str, segment: str, quality: str, work: Path, extra: list[str]) -> Render:
    out, media = work / f"{fmt}-out", work / f"{fmt}-media"
    args = ["render", segment, "-f", fmt, "-q", quality, "-o", str(out), "--media-dir", str(media), *extra]
    print(f"\n{fmt}, from scratch:", flush=True)
    wall, lines = optviz(args, work / f"{fmt}.log")
    # the deck is one HTML file with its movies inside: its movies are the slides folder's
    videos = sorted(out.rglob("*.mp4")) if fmt != "talk" else sorted(media.glob("talk-*/slides/**/*.mp4"))
    if not videos:
        raise SystemExit(f"{fmt}: no video in {out}")
    r = Render(fmt, wall, videos, video=sum(duration(v) for v in videos))
    for line in lines:
        m = JOB_DONE.search(line)
        if m:
            r.jobs.append((m.group(1), float(m.group(2))))
    for costs in media.rglob("*.costs.json"):
        r.drawn += sum(p["wall"] for p in json.loads(costs.read_text())["plays"])
    print(f"  wall {wall:.1f} s for {r.video:.1f} s of video ({len(videos)} file(s)); "
          f"Manim jobs {', '.join(f'{j} {s:.0f} s' for j, s in r.jobs) or '-'}", flush=True)
    return r


def compare(a: Path, ref: Path) -> tuple[float, float]:
    """PSNR (dB, all planes) and SSIM of ``a`` against ``ref``, frame by frame, averaged (ffmpeg)."""
    r = subprocess.run(["ffmpeg", "-nostdin", "-i", str(a), "-i", str(ref), "-lavfi",
                        "[0:v][1:v]psnr;[0:v][1:v]ssim", "-f", "null", "-"], capture_output=True, text=True)
    psnr = float(re.search(r"PSNR .* average:([\d.inf]+)", r.stderr).group(1))
    ssim = float(re.search(r"SSIM .* All:([\d.]+)", r.stderr).group(1))
    return psnr, ssim


def picture_quality(segment: str, quality: str, work: Path, published: Path) -> None:
    print("\nthe clip's picture, against its lossless frames:", flush=True)
    out, media = work / "lossless-out", work / "lossless-media"
    optviz(["render", segment, "-f", "social", "-q", quality, "-o", str(out), "--media-dir", str(media)],
           work / "lossless.log", env={"OPTVIZ_LOSSLESS": "1"})
    # the lossless movie as Manim wrote it (publishing copies the video, so either would do)
    ref = next(out.glob("*.mp4"))
    old1, old2 = work / "old-manim.mp4", work / "old-burned.mp4"
    # the old way: Manim's crf 23 encode, then publishing's second encode (crf 18) to burn the captions;
    # here the captions are already in the reference, so this is the second generation's loss alone
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(ref), "-an", *X264, str(old1)], check=True)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(old1), "-an", *X264[:-4], "-crf", "18",
                    "-pix_fmt", "yuv420p", str(old2)], check=True)
    for label, path in (("published clip (one encode, crf 23)", published),
                        ("the old way (crf 23, then crf 18)", old2)):
        psnr, ssim = compare(path, ref)
        print(f"  {label:<40} PSNR {psnr:6.2f} dB  SSIM {ssim:.5f}  {path.stat().st_size / 1e6:6.2f} MB",
              flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-q", "--quality-level", dest="q", default="l", choices=list(QUALITIES))
    parser.add_argument("--segment", default="saddle")
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--voice", default=None, help="passed to optviz (default: each format's own)")
    parser.add_argument("--quality", action="store_true", help="also the clip's PSNR/SSIM against lossless frames")
    parser.add_argument("--keep", type=Path, default=None, help="work in this folder and keep it (logs, renders)")
    args = parser.parse_args(argv)
    formats = [f for f in args.formats.split(",") if f]
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        parser.error(f"unknown format {bad[0]!r}; choose from: {', '.join(FORMATS)}")
    cores = os.cpu_count() or 1
    print(f"encoder-floor benchmark, {datetime.now():%Y-%m-%d %H:%M}: {args.segment} at {QUALITIES[args.q]}, "
          f"{cores} core(s)")
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    print(f"commit {head.stdout.strip() or '?'}")
    extra = ["--voice", args.voice] if args.voice else []
    rows: list[Render] = []
    with tempfile.TemporaryDirectory(prefix="bench_floor-") as tmp:
        work = Path(tmp) if args.keep is None else args.keep
        work.mkdir(parents=True, exist_ok=True)
        for fmt in formats:
            r = render(fmt, args.segment, args.q, work, extra)
            r.floor1 = sum(encoder_floor(v, 1) for v in r.videos)
            r.floor_all = sum(encoder_floor(v, cores) for v in r.videos)
            rows.append(r)
        if args.quality and "social" in formats:
            picture_quality(args.segment, args.q, work, next(r for r in rows if r.fmt == "social").videos[0])

    print(f"\nsummary: {args.segment}, {QUALITIES[args.q]}; floor = x264 (veryfast, crf 23) encoding the "
          f"output's frames")
    head = (f"{'format':<8} {'video':>8} {'wall':>8} {'factor':>7} {'floor 1 thr':>11} {'floor all':>10} "
            f"{'wall/floor':>10}  where the time went")
    print(head)
    print("-" * (len(head) + 40))
    for r in rows:
        manim = sum(s for _, s in r.jobs)
        where = (f"Manim jobs {manim:.0f} s (animations drawn {r.drawn:.0f} s, the rest set-up and speech), "
                 f"around the longest {max(r.wall - max((s for _, s in r.jobs), default=0), 0):.0f} s")
        print(f"{r.fmt:<8} {r.video:7.1f}s {r.wall:7.1f}s {r.factor:7.2f} {r.floor1:10.1f}s {r.floor_all:9.1f}s "
              f"{r.ratio:9.2f}x  {where}")
    if args.q == "h":
        worst = max(rows, key=lambda r: r.ratio)
        print(f"goal: every format within {GOAL:.0f}x its all-core floor; worst {worst.fmt} at {worst.ratio:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
