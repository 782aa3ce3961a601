"""The course file ``optviz build`` reads: targets x formats x languages, at one quality and voice.

Read as data (TOML), checked key by key: a bad value is one line naming it and
the choices. Shot files named in it are read and checked like ``optviz render``'s.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from scenes.language import LANGS
from scenes.pipeline.build import FORMATS, Request
from scenes.pipeline.jobs import QUALITIES
from scenes.segments import SEGMENTS
from scenes.settings import VOICES

TEMPLATE = Path(__file__).with_name("course_template.toml")
KEYS = ("title", "targets", "formats", "langs", "quality", "voice", "short")


class CourseError(ValueError):
    """A bad course file or option: one line."""


@dataclass(frozen=True)
class Course:
    title: str = "Optimizers on loss surfaces"
    targets: tuple = ("lecture",)
    formats: tuple = FORMATS
    langs: tuple = tuple(LANGS)
    quality: str = "l"
    voice: str | None = None
    short: bool = False
    base: Path = field(default_factory=Path.cwd)  # shot files are relative to the course file


def _names(where: str, value, choices) -> tuple:
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, (list, tuple)) or not value or not all(isinstance(v, str) for v in value):
        raise CourseError(f"{where}: give a list of names, e.g. {list(choices)[:2]}")
    for v in value:
        if v not in choices:
            raise CourseError(f"{where}: unknown {v!r}; choose from: {', '.join(choices)}")
    return tuple(dict.fromkeys(value))


def read(path: Path) -> Course:
    path = Path(path)
    if path.suffix != ".toml":
        raise CourseError(f"{path}: a course file ends in .toml (optviz new course.toml writes one)")
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CourseError(f"{path}: no such file (optviz new course.toml writes one)") from None
    except tomllib.TOMLDecodeError as exc:
        raise CourseError(f"{path}: not valid TOML ({exc})") from None
    unknown = [k for k in doc if k not in KEYS]
    if unknown:
        raise CourseError(f"{path}: unknown key {unknown[0]!r}; a course file has: {', '.join(KEYS)}")
    course = Course(base=path.resolve().parent)
    if "title" in doc:
        if not isinstance(doc["title"], str) or not doc["title"].strip():
            raise CourseError(f"{path}: title must be a non-empty string")
        course = replace(course, title=doc["title"].strip())
    if "targets" in doc:
        targets = doc["targets"]
        if not isinstance(targets, list) or not targets or not all(isinstance(t, str) for t in targets):
            raise CourseError(f"{path}: targets: give a list, e.g. [\"lecture\"] or [\"saddle\", \"my_shot.toml\"]")
        for t in targets:
            if not t.endswith(".toml") and t not in (*SEGMENTS, "lecture"):
                raise CourseError(f"{path}: targets: unknown {t!r}; choose segments ({', '.join(SEGMENTS)}), "
                                  "lecture, or a shot file (.toml)")
        course = replace(course, targets=tuple(targets))
    return override(course, formats=doc.get("formats"), langs=doc.get("langs"), quality=doc.get("quality"),
                    voice=doc.get("voice"), short=doc.get("short"), where=str(path))


def override(course: Course, *, formats=None, langs=None, quality=None, voice=None, short=None,
             where: str = "optviz build") -> Course:
    """The command line's options over the file's."""
    changes = {}
    if formats is not None:
        changes["formats"] = _names(f"{where}: formats", formats, FORMATS)
    if langs is not None:
        changes["langs"] = _names(f"{where}: langs", langs, LANGS)
    if quality is not None:
        if quality not in QUALITIES:
            raise CourseError(f"{where}: quality {quality!r}; choose one of: {', '.join(QUALITIES)}")
        changes["quality"] = quality
    if voice is not None:
        if voice not in VOICES:
            raise CourseError(f"{where}: voice {voice!r}; choose one of: {', '.join(VOICES)}")
        changes["voice"] = voice
    if short is not None:
        if not isinstance(short, bool):
            raise CourseError(f"{where}: short must be true or false")
        changes["short"] = short
    return replace(course, **changes)


def requests(course: Course, *, out_dir: Path, media_dir: Path, scheduler=None, workers=None, gif=False,
             webm=False, disable_caching=False, shot_target=None, split=None) -> list[Request]:
    """One request per target, every format and language of the course."""
    out = []
    for name in course.targets:
        if name.endswith(".toml"):
            target = shot_target((course.base / name).resolve())
            stem, targets, lecture = target.name, [target], False
        elif name == "lecture":
            stem, targets, lecture = "lecture", list(SEGMENTS.values()), True
        else:
            stem, targets, lecture = name, [SEGMENTS[name]], False
        out.append(Request(targets, stem, lecture, course.formats, course.langs, course.quality, course.voice,
                           course.short, gif and "social" in course.formats, webm and "social" in course.formats,
                           disable_caching, out_dir, media_dir, scheduler, workers, split=split))
    return out
