"""Jobs as data: what one render needs (a plain dict a worker can run), named by a digest of its inputs.

A digest is both the job's key in Dask's graph (identical calls are otherwise
merged, and a key of our own also makes a retry idempotent) and its name in
the store (``<media>/segments``), so an unchanged job is never run again. A
chunk's digest covers the code, the beats up to its end (the state it starts
from) and the words of its own beats only: editing one cue re-renders the chunk
that says it, and the others are reused.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from scenes import language
from scenes.language import LANG_ENV
from scenes.pipeline.chunks import Cut
from scenes.pipeline.manim_job import ROOT
from scenes.settings import SOUND_BESIDE_ENV

QUALITIES = {"l": "480p15", "m": "720p30", "h": "1080p60", "p": "1440p60", "k": "2160p60"}
SECONDS_PER_BEAT = 1.2  # fades and reframing between cues, measured on the rendered segments


@lru_cache(maxsize=1)
def code_digest() -> bytes:
    """Everything but the words: the code of every package, Manim's config, versions."""
    from importlib.metadata import version  # Manim's own __version__, without importing Manim (1 s)

    h = hashlib.sha256()
    for package in ("scenes", "optmath", "shots"):
        for path in sorted((ROOT / package).rglob("*.py")):
            h.update(path.relative_to(ROOT).as_posix().encode())
            h.update(path.read_bytes())
    for path in sorted((ROOT / "assets").rglob("*")):
        if path.is_file() and "narration" not in path.relative_to(ROOT / "assets").parts:
            h.update(path.relative_to(ROOT).as_posix().encode())
            h.update(path.read_bytes())
    cfg = ROOT / "manim.cfg"
    if cfg.exists():
        h.update(cfg.read_bytes())
    h.update(f"manim {version('manim')}".encode())
    return h.digest()


def said(target, beat, short: bool) -> str:
    """The words a beat speaks in the current language, as the scene will say them."""
    from scenes.script import Script, shorten

    text = Script.of(target.name, title=target.describe(short=short).title).say(beat)
    return shorten(text) if short else text


def beat_seconds(text: str, lang: str) -> float:
    """A beat's length from its words at the voice's pace (an estimate, for plans and ETAs)."""
    return language.reading_seconds(text, lang) + SECONDS_PER_BEAT


@dataclass(frozen=True)
class Settings:
    """What every job of one render shares."""

    quality: str
    voice: str
    short: bool
    lang: str
    disable_caching: bool = False

    @property
    def resolution(self) -> str:
        return QUALITIES[self.quality]

    @property
    def fps(self) -> str:
        return self.resolution.split("p")[1]

    def env(self) -> dict:
        return {"OPTVIZ_VOICE": self.voice, "OPTVIZ_SHORT": "1" if self.short else "", LANG_ENV: self.lang}

    def tag(self) -> str:
        return f"{self.resolution}-{self.voice}-{self.lang}{'-short' if self.short else ''}"


@dataclass
class Job:
    """One task: a target's scene in a format, whole or one chunk of its beats."""

    target: object
    fmt: str
    settings: Settings
    kind: str = "movie"  # "slides": a manim-slides deck's part; "title": the deck's title slide
    chunk: tuple[Cut, Cut] | None = None  # from (beat, play) to (beat, play), see scenes.settings.chunk
    chunks: int = 1  # how many chunks the target is split into
    index: int = 0
    scene_file: Path | None = None
    scene: str | None = None
    extra_env: dict = field(default_factory=dict)
    estimate: float = 0.0  # seconds of video, for the ETA

    @property
    def label(self) -> str:
        part = f" {self.index + 1}/{self.chunks}" if self.chunks > 1 else ""
        return f"{self.target.name} {self.fmt} {self.settings.lang}{part}"

    def digest(self) -> str:
        h = hashlib.sha256(code_digest())
        s = self.settings
        h.update(f"{self.target.name}|{self.fmt}|{self.kind}|{s.quality}|{s.voice}|{s.short}|{s.lang}|"
                 f"{self.scene}|{sorted(self.extra_env)}".encode())
        h.update(self.target.digest_bytes())
        if self.kind == "title":  # the talk deck's title slide: no description
            return h.hexdigest()[:16]
        with language.using(s.lang):
            desc = self.target.describe(short=s.short)
            beats = desc.beats_for(self.fmt)
            first, stop = self.chunk or ((0, 0), (len(beats), 0))
            h.update(f"{first}:{stop}:{len(beats)}|{desc.title}".encode())
            for i, beat in enumerate(beats[:stop[0] + (stop[1] > 0)]):  # up to the beat it stops in
                h.update(repr((beat.cue, beat.show, beat.camera, beat.pause, sorted(beat.formats))).encode())
                if i >= first[0]:  # the words of the beats it draws; earlier beats give only their final state
                    h.update(said(self.target, beat, s.short).encode())
        return h.hexdigest()[:16]

    @property
    def key(self) -> str:
        part = f"-c{self.index + 1}of{self.chunks}" if self.chunks > 1 else ""
        return f"{self.target.name}-{self.fmt}-{self.settings.tag()}{part}-{self.digest()}"

    def spec(self, work_root: str | None, stop_event: str | None, timeout: float | None) -> dict:
        """The plain dict a worker runs (``manim_job.render_job``): paths relative to the project."""
        env = {**self.settings.env(), **getattr(self.target, "env", {}), **self.extra_env}
        inputs = {}
        document = getattr(self.target, "document", None)
        if document is not None:  # a user's shot: its file travels with the job (no shared disk)
            from shots.scene import SHOT_ENV

            inputs[SHOT_ENV] = (Path(document).name, Path(document).read_bytes())
            env.pop(SHOT_ENV, None)
        if self.kind == "movie":
            env[SOUND_BESIDE_ENV] = "1"  # the WAV comes back beside the MP4; publishing encodes it once
        if self.chunk is not None and self.chunks > 1:
            env["OPTVIZ_CHUNK"] = ":".join(f"{b}.{p}" for b, p in self.chunk)
        file = Path(self.scene_file or self.target.file)
        return {
            "key": self.key, "label": self.label, "kind": self.kind,
            "file": file.resolve().relative_to(ROOT).as_posix(),
            "scene": self.scene or self.target.scene(self.fmt),
            "quality": self.settings.quality, "fps": self.settings.fps, "env": env, "inputs": inputs,
            "workdir": f"{self.target.name}-{self.fmt}-{self.settings.tag()}"
                       + (f"-c{self.index + 1}" if self.chunks > 1 else "") + (f"-{self.kind}" if self.kind != "movie" else ""),
            "slides": self.kind != "movie",
            # Manim's own cache of partial movies stays off: the store already reuses whole jobs by digest,
            # and an animation Manim takes from its cache moves the clock by its run time rather than by
            # the frames it drew, which would shift the sound of a warm render against a fresh one
            "disable_caching": True,
            "work_root": work_root, "stop_event": stop_event, "timeout": timeout,
        }
