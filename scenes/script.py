"""Narration scripts: the words of each segment, in assets/narration, one TOML file per segment.

One key per cue, so a teacher rewrites the words without touching Python.
Numbers are ``{placeholders}`` that the segment's description fills from
optmath; the script never states a number itself. A sentence that claims
something (X beats Y, X escapes, settles, diverges, only, global) carries the
tag of the claim that makes it true, ``[closer]``, right after it: the claim's
condition lives in the description (``scenes.claims``), the tag says which
sentence it backs. Tags are never spoken or shown. No Manim here: a
description reads its fragments in a plain Python process.
"""

from __future__ import annotations

import re
import string
import tomllib
from itertools import accumulate
from pathlib import Path

from scenes import language

ASSETS = Path(__file__).resolve().parent.parent / "assets"
NARRATION_DIR = ASSETS / "narration"
TAG = re.compile(r"\s*\[([a-z][a-z_]*)\]")
# where a sentence ends: . ! ? followed by a space or the end (not 0.5), and Chinese 。！？
SENTENCE_END = re.compile(r"(?<=[.!?])(?=\s|$)|(?<=[。！？])")


def strip_tags(text: str) -> str:
    """The words as spoken and shown: the claim tags taken out."""
    return TAG.sub("", text).strip()


def tags(text: str) -> list[str]:
    return TAG.findall(text)


def sentences(text: str) -> list[tuple[str, list[str]]]:
    """The sentences of a cue, each with the claim tags it carries (a tag just after a sentence's end
    belongs to that sentence)."""
    # a tag that follows a sentence's end moves in front of it, so the split keeps it with its sentence
    moved = re.sub(r"([.!?。！？])((?:\s*\[[a-z][a-z_]*\])+)", r"\2\1", text)
    out = []
    for piece in SENTENCE_END.split(moved):
        if piece.strip():
            out.append((strip_tags(piece), tags(piece)))
    return out


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
        return strip_tags(template.format(**numbers))

    def tagged(self, beat) -> str:
        """A beat's words with its numbers and its claim tags still in (a shot's own text has none)."""
        if beat.text is not None:
            return beat.text.format(**beat.numbers)
        self.text(beat.cue, **beat.numbers)  # the same checks of the placeholders
        return self.cues[beat.cue].format(**beat.numbers)

    def say(self, beat) -> str:
        """A beat's words with its numbers, as spoken and shown: its own text (a shot's), or its cue here."""
        return strip_tags(self.tagged(beat))

    def claimed(self, beat) -> dict[str, str]:
        """Each claim tag of a beat's words -> the sentence that carries it, as spoken."""
        out: dict[str, str] = {}
        for sentence, keys in sentences(self.tagged(beat)):
            for k in keys:
                out[k] = (out[k] + " " + sentence) if k in out else sentence
        return out

    def check_tags(self, beat) -> None:
        """A tag in the words that names no claim of the beat is a typo: one line, naming it and the claims."""
        declared = [c.key for c in beat.claims]
        for k in tags(self.cues.get(beat.cue, "") if beat.text is None else ""):
            if k not in declared:
                raise KeyError(f"{self.path.name}: cue {beat.cue!r} is tagged [{k}], a claim its description does not "
                               f"declare; it declares: {', '.join(declared) or 'none'}")

    def placeholders(self, key: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(self.cues[key]) if name}


def shorten(text: str, words: int = 6) -> str:
    """The first words of a cue: the test/preview cut (in Chinese, its first dozen characters, carried on to the
    end of the word the twelfth falls in: 沿x方向, not 沿x方)."""
    if language.current() == "zh":
        from scenes.publish import join_tokens

        parts = language.tokens(text, "zh")
        n = _whole_words(text, parts, 2 * words)
        cut = join_tokens(parts[:n]).rstrip("，；：,;:")
        return cut + ("。" if len(parts) > n and not cut.endswith(("。", "？", "！")) else "")
    parts = text.split()
    cut = " ".join(parts[:words]).rstrip(",;:")
    return cut + ("." if len(parts) > words and not cut.endswith((".", "?", "!")) else "")


def _whole_words(text: str, units: list[str], n: int) -> int:
    """How many of a Chinese text's caption ``units`` (``language.tokens``) to keep so that at least ``n`` are
    kept and the cut falls between two of jieba's words (``language.zh_words``), never inside one.

    Both cut the same characters (every one but spaces, in order), so a cut is a count of them."""
    ends = set(accumulate(len("".join(word.split())) for word in language.zh_words(text)))
    kept = 0
    for k, unit in enumerate(units):
        kept += len(unit)
        if k + 1 >= n and kept in ends:
            return k + 1
    return len(units)
