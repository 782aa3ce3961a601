"""Targets x formats x languages -> one job graph -> published files in ``out/``.

``optviz render`` asks for one format in one language, ``optviz build`` for a
course (every format, both languages); both come here. The plan: each
product's descriptions built and its claims checked (a false sentence stops the
build before any frame is drawn), then every render job of every product in
one Dask graph (a long lecture segment cut into chunks), each job's files kept
in the store under its digest, then, on the client: chunks joined, the lecture
joined with chapters, clips finished, decks converted, data files written.
A product whose inputs did not change since it was last published is left as
it is.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from scenes import language
from scenes.data_files import data_dir, write_data
from scenes.media import join_lecture
from scenes.pipeline import chunks as chunking
from scenes.pipeline.engine import Engine
from scenes.pipeline.jobs import QUALITIES, Job, Settings, beat_seconds, said
from scenes.pipeline.manim_job import ROOT
from scenes.pipeline.publishing import (
    SOCIAL_LUFS, convert_deck, join_slides, mux_slide_audio, place_slides, publish_clip, publish_lecture_part, sidecar,
)
from scenes.settings import DEFAULT_VOICE

FORMATS = ("lecture", "social", "talk")
TALK_FILE = ROOT / "scenes" / "formats" / "talk.py"
TITLE_SCENE = "LectureTitle"  # the lecture deck's first slide
JOB_TIMEOUT = {"l": 1800.0, "m": 3600.0, "h": 7200.0, "p": 10800.0, "k": 14400.0}  # per job, seconds


class BuildFailed(RuntimeError):
    """Some products could not be made: one line per failed target (the others were published)."""

    def __init__(self, lines: list[str], written: list[Path]):
        super().__init__("\n".join(lines))
        self.lines, self.written = lines, written


@dataclass(frozen=True)
class TalkTitle:
    """The lecture deck's title slide, rendered like a target."""

    name: str = "title"
    title: str = ""
    file: Path = TALK_FILE
    env: dict = field(default_factory=dict)

    def scene(self, fmt: str = "talk") -> str:
        return TITLE_SCENE

    def digest_bytes(self) -> bytes:
        return b""


@dataclass
class Request:
    """What to make. ``voice`` None: each language's neural voice (a talk deck: silent, the speaker talks)."""

    targets: list
    stem: str
    lecture: bool = False
    formats: tuple = ("lecture",)
    langs: tuple = ("en",)
    quality: str = "l"
    voice: str | None = None
    short: bool = False
    gif: bool = False
    webm: bool = False
    disable_caching: bool = False
    out_dir: Path = Path("out")
    media_dir: Path = Path("media")
    scheduler: str | None = None
    workers: int | None = None
    timeout: float | None = None
    split: int | None = None  # chunks per segment, any format; None: as many as the workers and its length are worth

    def voice_for(self, fmt: str, lang: str) -> str:
        return self.voice or ("none" if fmt == "talk" else DEFAULT_VOICE[lang])

    def settings(self, fmt: str, lang: str) -> Settings:
        return Settings(self.quality, self.voice_for(fmt, lang), self.short, lang, self.disable_caching)


@dataclass
class Part:
    """One target of one product: the whole-segment job, and the chunk jobs that make it when split."""

    whole: Job
    chunks: list[Job]

    @property
    def jobs(self) -> list[Job]:
        return self.chunks or [self.whole]


@dataclass
class Product:
    """One published thing: a video, the lecture, the clips of a format, or a deck, in one language."""

    fmt: str
    lang: str
    settings: Settings
    targets: list
    parts: list[Part] = field(default_factory=list)

    def suffix(self) -> str:
        s = self.settings
        return (QUALITIES[s.quality] + ("-short" if s.short else "") + ("-silent" if s.voice == "none" else "")
                + ("" if s.lang == "en" else f"-{s.lang}"))


class Store:
    """Every job's files under its key, in ``<media>/segments``; written whole or not at all."""

    def __init__(self, media_dir: Path):
        self.root = media_dir / "segments"
        (self.root / "chunks").mkdir(parents=True, exist_ok=True)
        (self.root / "slides").mkdir(parents=True, exist_ok=True)

    def movie(self, job: Job) -> Path:
        return (self.root / "chunks" if job.chunks > 1 else self.root) / f"{job.key}.mp4"

    def slides(self, job: Job) -> Path:
        return self.root / "slides" / job.key

    def has(self, job: Job) -> bool:
        return (self.slides(job) / "root.txt").exists() if job.kind != "movie" else self.movie(job).exists()

    def put(self, job: Job, files: dict) -> None:
        if job.kind != "movie":
            dest = self.slides(job)
            tmp = Path(tempfile.mkdtemp(dir=dest.parent, prefix=".part-"))
            for name, data in files.items():
                (tmp / name).parent.mkdir(parents=True, exist_ok=True)
                (tmp / name).write_bytes(data)
            if dest.exists():
                shutil.rmtree(dest)
            os.replace(tmp, dest)
            return
        mp4 = self.movie(job)
        for suffix, data in sorted(files.items(), key=lambda kv: kv[0] == ".mp4"):  # the movie last: it marks done
            dest = mp4.with_suffix(suffix)
            tmp = dest.with_name(f".{dest.name}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, dest)


def check_descriptions(targets: list, short: bool, lang: str) -> list:
    """Every target's description in ``lang``, its claims checked and its narration's tags matched."""
    from scenes.script import Script

    with language.using(lang):
        out = []
        for t in targets:
            desc = t.describe(short=short)
            script = Script.of(t.name, title=desc.title)
            for beat in desc.beats:
                script.check_tags(beat)
            out.append(desc)
        return out


def plan(req: Request, workers: int) -> list[Product]:
    """Products, each with its jobs: a stored job is not planned again (unless caching is disabled)."""
    products = []
    for lang in req.langs:
        for fmt in req.formats:
            s = req.settings(fmt, lang)
            product = Product(fmt, lang, s, list(req.targets))
            with language.using(lang):
                if fmt == "talk":
                    kinds = ([(TalkTitle(), "title")] if req.lecture else []) + [(t, "slides") for t in req.targets]
                    for t, kind in kinds:
                        fields = dict(kind=kind, scene_file=getattr(t, "file", None), scene=t.scene("talk"))
                        job = Job(t, "talk", s, **fields, estimate=_seconds(t, "talk", s) if kind == "slides" else 3.0)
                        chunks = _chunk_jobs(req, t, "talk", s, _beat_seconds(t, "talk", s), workers, fields) \
                            if kind == "slides" else []
                        product.parts.append(Part(job, chunks))
                else:
                    for t in req.targets:
                        seconds = _beat_seconds(t, fmt, s)
                        whole = Job(t, fmt, s, estimate=sum(seconds))
                        product.parts.append(Part(whole, _chunk_jobs(req, t, fmt, s, seconds, workers)))
            products.append(product)
    return products


def _beat_seconds(t, fmt: str, s: Settings) -> list[float]:
    desc = t.describe(short=s.short)
    return [beat_seconds(said(t, b, s.short), s.lang) for b in desc.beats_for(fmt)]


def _chunk_jobs(req: Request, t, fmt: str, s: Settings, seconds: list[float], workers: int,
                fields: dict | None = None) -> list[Job]:
    """A segment's chunks in any format, cut where the animations' measured drawing cost (chunks.measured_costs)
    is halved, else where beats start, by their spoken time; a deck's (``fields``: its jobs' kind and scene) only
    where beats start, since a slide must not straddle two chunks. Against the cuts the store already holds
    chunks of (chunks.stored_plans), the cut that leaves the least to render wins (chunks.remaining): measuring
    a render never makes its unchanged rebuild cut (and render) anew, and editing one cue re-renders the one
    chunk that says it."""
    root = Path(req.media_dir) / "segments"
    stem = f"{t.name}-{fmt}-{s.tag()}"
    costs = None if fmt == "talk" else chunking.measured_costs(root, stem, _cues(t, fmt, s), seconds)
    plans = [chunking.plan(seconds, workers, s.quality, req.split, costs)]
    if costs is not None:
        plans.append(chunking.plan(seconds, workers, s.quality, req.split))
    if not req.disable_caching and fmt != "talk":
        plans += [p for p in chunking.stored_plans(root, stem, len(seconds)) if p not in plans]
    units = costs or chunking.units_of(seconds)

    def jobs(cuts) -> list[Job]:
        return [Job(t, fmt, s, chunk=c, chunks=len(cuts), index=i, estimate=sum(seconds) * chunking.share(units, c),
                    **(fields or {})) for i, c in enumerate(cuts)] if len(cuts) > 1 else []

    plans = [p for p in plans if len(p) == len(plans[0])]  # as many chunks as asked for
    if req.disable_caching or len(plans) == 1 or len(plans[0]) == 1:
        return jobs(plans[0])
    store = Store(Path(req.media_dir))
    left = [chunking.remaining(units, cuts, [store.has(j) for j in jobs(cuts)], workers) for cuts in plans]
    return jobs(plans[left.index(min(left))])  # the first of equals: measured, then spoken, then stored


def _cues(t, fmt: str, s: Settings) -> list[str]:
    return [b.cue for b in t.describe(short=s.short).beats_for(fmt)]


def _seconds(t, fmt: str, s: Settings) -> float:
    return sum(_beat_seconds(t, fmt, s))


def run(requests: Request | list[Request], say=print) -> list[Path]:
    """Make every product of every request in one job graph; returns each product's main file, in order.

    The requests share the cluster, the store and the output folder (the first one's)."""
    reqs = [requests] if isinstance(requests, Request) else list(requests)
    first = reqs[0]
    out_dir, media_dir = Path(first.out_dir).resolve(), Path(first.media_dir).resolve()
    for req in reqs:
        for lang in req.langs:
            check_descriptions(req.targets, req.short, lang)  # a false sentence stops here, before any frame
    with Engine(first.scheduler, first.workers, say=say) as engine:
        # folders only once there is a cluster to fill them: a scheduler that does not answer leaves nothing
        out_dir.mkdir(parents=True, exist_ok=True)
        (media_dir / "logs").mkdir(parents=True, exist_ok=True)
        store = Store(media_dir)
        planned = [(req, product) for req in reqs for product in plan(req, engine.worker_count())]
        wanted: dict[str, Job] = {}
        parts = 0
        for req, product in planned:
            for part in product.parts:
                parts += 1
                if not req.disable_caching and store.has(part.whole):
                    continue  # the whole segment is stored: its chunks are not needed
                for job in part.jobs:
                    if req.disable_caching or not store.has(job):
                        wanted.setdefault(job.key, job)
        say(f"[build] {len(planned)} product(s) of {parts} part(s): {len(wanted)} job(s) to render"
            + ("" if wanted else ", everything else unchanged since the last build"))
        # a local cluster works in the client's media folder; a cluster's workers in folders of their own
        # (no shared disk is assumed: every file comes back to the client)
        work_root = None if first.scheduler else str(media_dir)
        specs = [job.spec(work_root, engine.stop_name, first.timeout or JOB_TIMEOUT[job.settings.quality])
                 for job in wanted.values()]

        split = {}  # a chunk's key -> the parts it is a chunk of
        for _, product in planned:
            for part in product.parts:
                for job in part.chunks:
                    split.setdefault(job.key, []).append(part)

        def keep(spec, result):
            store.put(wanted[spec["key"]], result["files"])
            log = media_dir / "logs" / f"{spec['workdir']}.log"
            if not log.exists() or log.read_text(errors="replace") != result["log"]:  # a remote worker's
                log.write_text(result["log"])
            # a segment whose last chunk just arrived is joined now, while the workers draw the rest,
            # not after the last job (the 480p lecture's eight joins were 40 s at its end)
            for part in split.get(spec["key"], []):
                if all(store.has(job) for job in part.chunks):
                    try:
                        (whole_movie if part.whole.kind == "movie" else whole_slides)(part, store, say)
                    except Exception:  # joined again, and reported, when the product is published
                        pass

        outcome = engine.run(specs, {k: j.estimate for k, j in wanted.items()}, first.quality, keep)
    failed = set(outcome.failures)
    lines = list(outcome.failures.values())
    written = []
    for req, product in planned:
        broken = [p for p in product.parts if any(j.key in failed for j in p.jobs)]
        if broken:
            names = ", ".join(sorted({p.whole.target.name for p in broken}))
            lines.append(f"{req.stem} {product.fmt} ({product.lang}): not published, {names} failed")
            continue
        with language.using(product.lang):
            written.extend(publish(req, product, store, out_dir, media_dir, say))
    if lines:
        raise BuildFailed(lines, written)
    return written


def _digest(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _unchanged(media_dir: Path, dest: Path, digest: str, files: list[Path] | None = None) -> bool:
    record = media_dir / "published" / f"{dest.name}.json"
    if not record.exists() or not dest.exists():
        return False
    doc = json.loads(record.read_text())
    return doc.get("digest") == digest and all(Path(f).exists() for f in doc.get("files", []))


def _record(media_dir: Path, dest: Path, digest: str, files: list[Path]) -> None:
    record = media_dir / "published" / f"{dest.name}.json"
    record.parent.mkdir(parents=True, exist_ok=True)
    tmp = record.with_suffix(".tmp")
    tmp.write_text(json.dumps({"digest": digest, "files": [str(f) for f in files]}))
    os.replace(tmp, record)


def whole_slides(part: Part, store: Store, say) -> Path:
    """The deck part's slides folder in the store: rendered whole, or its chunks' folders joined now (and kept)."""
    folder = store.slides(part.whole)
    if store.has(part.whole) or not part.chunks:
        return folder
    say(f"[{part.whole.target.name}] joining {len(part.chunks)} chunks of slides")
    join_slides([store.slides(j) for j in part.chunks], folder)
    return folder


def whole_movie(part: Part, store: Store, say) -> Path:
    """The segment's movie in the store: rendered whole, or its chunks joined now (and kept)."""
    mp4 = store.movie(part.whole)
    if mp4.exists():
        return mp4
    say(f"[{part.whole.target.name}] joining {len(part.chunks)} chunks (video copied, not re-encoded)")
    chunking.join([store.movie(j) for j in part.chunks], mp4)
    return mp4


def publish(req: Request, product: Product, store: Store, out_dir: Path, media_dir: Path, say) -> list[Path]:
    """The product's files in ``out/``, each complete or absent; the data beside each video. Returns the
    main files (a deck, the video, or each clip)."""
    fmt, suffix = product.fmt, product.suffix()
    keys = [p.whole.key for p in product.parts]
    if fmt == "talk":
        dest = out_dir / f"{req.stem}-talk{'' if product.lang == 'en' else '-' + product.lang}.html"
        digest = _digest("talk", keys)
        if not _unchanged(media_dir, dest, digest):
            _publish_deck(req, product, store, dest, media_dir, say)
            _record(media_dir, dest, digest, [dest, dest.with_suffix(".pdf")])
        else:
            say(f"[{req.stem}] unchanged: {dest.name}")
        _data(product, product.targets, [dest])
        return [dest]
    movies = [whole_movie(p, store, say) for p in product.parts]
    if fmt == "social":
        clips = []
        for t, mp4, key in zip(product.targets, movies, keys):
            dest = out_dir / f"{t.name}-social-{suffix}.mp4"
            digest = _digest("social", key, req.gif, req.webm)
            if _unchanged(media_dir, dest, digest):
                say(f"[{t.name}] unchanged: {dest.name}")
            else:
                say(f"[{t.name}] publishing the clip: captions burned in, loudness {SOCIAL_LUFS:g} LUFS")
                files = publish_clip(mp4, dest, gif=req.gif, webm=req.webm)
                _record(media_dir, dest, digest, files)
            _data(product, [t], [dest])
            clips.append(dest)
        return clips
    dest = out_dir / f"{req.stem}-{suffix}.mp4"
    digest = _digest("lecture", keys, req.lecture)
    if _unchanged(media_dir, dest, digest):
        say(f"[{req.stem}] unchanged: {dest.name}")
    elif not req.lecture:
        _record(media_dir, dest, digest, publish_lecture_part(movies[0], dest))
    else:
        from scenes.script import Script

        say(f"[{req.stem}] joining {len(movies)} segments with chapters")
        with tempfile.TemporaryDirectory(dir=media_dir, prefix="join-") as work:
            joined = Path(work) / dest.name
            chapters = [Script.of(t.name, title=t.title).title for t in product.targets]  # in the video's language
            join_lecture([(c, mp4, sidecar(mp4, ".srt")) for c, mp4 in zip(chapters, movies)], joined,
                         title=language.word("lecture"))
            _record(media_dir, dest, digest, publish_lecture_part(joined, dest))
    _data(product, product.targets, [dest])
    return [dest]


def _data(product: Product, targets: list, videos: list[Path]) -> None:
    """The trajectories each video shows, as CSV and JSON in ``<video>-data/`` beside it, and claims.json."""
    parts = [(t.name, t.describe(short=product.settings.short)) for t in targets]
    for video in videos:
        write_data(parts, product.fmt, data_dir(video))


def _publish_deck(req: Request, product: Product, store: Store, dest: Path, media_dir: Path, say) -> None:
    """The deck's parts (each a worker's slides folder) in one folder, words muxed in when voiced, then
    one offline HTML and a PDF."""
    s = product.settings
    slides = media_dir / f"talk-{req.stem}-{s.tag()}" / "slides"
    if slides.exists():
        shutil.rmtree(slides)  # a deck is rebuilt whole: stale slides must not join it
    slides.mkdir(parents=True)
    scenes = []
    for part in product.parts:
        place_slides(whole_slides(part, store, say), slides)
        scenes.append(part.whole.scene)
    if s.voice != "none":
        for scene in scenes:
            mux_slide_audio(slides, scene)
    say(f"[{req.stem}] converting {len(scenes)} scene(s) to one offline HTML deck and a PDF")
    convert_deck(slides, scenes, dest, "html", ["--one-file", "--offline", "-cslide_number=true"])
    convert_deck(slides, scenes, dest.with_suffix(".pdf"), "pdf", [])
