"""Narration scripts: the words of each segment, in assets/narration, one TOML file per segment.

One key per cue, so a teacher rewrites the words without touching Python.
Numbers are ``{placeholders}`` that the segment's description fills from
optmath; the script never states a number itself. No Manim here: a
description reads its fragments in a plain Python process.
"""

from __future__ import annotations

import string
import tomllib
from pathlib import Path

ASSETS = Path(__file__).resolve().parent.parent / "assets"
NARRATION_DIR = ASSETS / "narration"


def script_path(segment: str, directory: Path = NARRATION_DIR, lang: str | None = None) -> Path:
    """English scripts sit in assets/narration, other languages in a folder of their own (zh/)."""
    from scenes.language import current

    lang = lang or current()
    return directory / (f"{segment}.toml" if lang == "en" else f"{lang}/{segment}.toml")


class Script:
    """The cues of one segment, filled with numbers on request."""

    def __init__(self, segment: str, directory: Path = NARRATION_DIR, lang: str | None = None):
        self.path = script_path(segment, directory, lang)
        if not self.path.exists():
            raise FileNotFoundError(f"no narration script {self.path}")
        with open(self.path, "rb") as fh:
            data = tomllib.load(fh)
        self.title = data.pop("title", segment)
        self.hook_title = data.pop("hook_title", self.title)  # the social clip's big first words
        # parts of sentences that a segment chooses and fills in, then passes to a cue
        self.fragments: dict[str, str] = {k: " ".join(str(v).split()) for k, v in data.pop("fragments", {}).items()}
        self.cues: dict[str, str] = {k: " ".join(str(v).split()) for k, v in data.items()}

    @classmethod
    def of(cls, segment: str, title: str | None = None, directory: Path = NARRATION_DIR,
           lang: str | None = None) -> "Script":
        """The segment's script, or an empty one (a shot whose beats carry their own words)."""
        if script_path(segment, directory, lang).exists():
            return cls(segment, directory, lang)
        script = cls.__new__(cls)
        script.path = script_path(segment, directory, lang)
        script.title = script.hook_title = title or segment
        script.fragments, script.cues = {}, {}
        return script

    def text(self, key: str, **numbers) -> str:
        if key not in self.cues:
            raise KeyError(f"{self.path.name} has no cue {key!r}; it has: {', '.join(self.cues)}")
        template = self.cues[key]
        wanted = {name for _, name, _, _ in string.Formatter().parse(template) if name}
        missing = wanted - set(numbers)
        if missing:
            raise KeyError(f"cue {key!r} of {self.path.name} needs {sorted(missing)} from the scene")
        return template.format(**numbers)

    def say(self, beat) -> str:
        """A beat's words with its numbers: its own text (a shot's), or its cue in this script."""
        if beat.text is not None:
            return beat.text.format(**beat.numbers)
        return self.text(beat.cue, **beat.numbers)

    def placeholders(self, key: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(self.cues[key]) if name}
