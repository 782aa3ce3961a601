"""Turn a rendered Manim MP4 into files ready to post.

Manim's movies are fine for previewing but not for publishing: their loudness
is whatever the narration happened to be (about -21 LUFS here, platforms play
at -14/-16), a single segment has its ``moov`` atom at the end (a browser must
fetch the whole file before it can start), and everything it writes lands with
whatever mode the writer chose.  This module fixes those, burns word-timed
captions for sound-off viewing, and derives the GIF/WebM/cover variants.

Every output is staged in a hidden directory beside the destination and
renamed into place, so a reader of ``out/`` never sees a half-written file,
an interrupted run leaves nothing behind, and the rename cannot cross
filesystems.  Loudness targets are checked by measuring the encoded result
(ffmpeg ``ebur128``), never assumed from what a filter promised.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import os
import re
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Iterator

import av
import srt

from optmath.cli import normal_file_mode, write_atomically
from scenes.language import CJK_TEXT, on_screen, tokens, zh_words

log = logging.getLogger(__name__)

__all__ = ["Loudness", "measure_loudness", "is_faststart", "finish_video", "ass_captions", "ass_script", "ass_text", "write_srt_chunks",
           "publish_srt", "cover_png", "make_gif", "make_webm", "publish_file"]

_X264 = ["-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high", "-pix_fmt", "yuv420p", "-crf", "18"]
# ffmpeg's "fast" AAC coder: on the narration (mono 22 kHz speech lifted to 48 kHz stereo) it encodes 1.5x
# faster than the default "twoloop" and decodes closer to its input (57 dB SNR against 33 dB at 192 kb/s):
# the 25-minute lecture's encode was ~90 of the ~165 s its publishing took, alone on one core at the end.
_AAC = ["-c:a", "aac", "-aac_coder", "fast", "-b:a", "192k", "-ar", "48000", "-ac", "2"]
# BS.1770 weights channels by layout, so the loudness that counts is the loudness of the stereo
# stream we publish: convert first, then measure and normalise that. Mono is upmixed at -3 dB per
# channel, so the layout comes before any gain or limiter; the rate (48 kHz) only at the end: the
# voices speak at 22 kHz, and metering or limiting twice the samples changes nothing.
_LAYOUT = "aformat=sample_fmts=fltp:channel_layouts=stereo"
_AUDIO_PREP = "aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=stereo"
_FFMPEG = ["ffmpeg", "-nostdin", "-hide_banner", "-nostats", "-y"]  # see _ffmpeg
_METER = "ebur128=peak=true:framelog=verbose"
_LOUDNESS_TOLERANCE = 0.5   # LU; the promise to callers is 1 LU, half of it is our own margin
_TP_HEADROOM = 0.5          # dB below the ceiling for the limiter: AAC encoding adds inter-sample overshoot
_GAP_BRIDGE = 0.3           # s; shorter gaps between caption chunks would only make them flicker
_PAUSE_BREAK = 0.5          # s; a pause this long reads like punctuation when chunking


# --------------------------------------------------------------------------- files and processes

def _fsync(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


@contextmanager
def _staged(dest: str | os.PathLike) -> Iterator[tuple[Path, Path]]:
    """Yield (work dir, temp output) beside ``dest``; on success the output is renamed onto ``dest``.

    The work directory holds every intermediate too, so one rmtree on any exit, including
    KeyboardInterrupt, leaves dest's directory as it was.  Being in dest's directory keeps the
    final os.replace a same-filesystem, atomic rename.
    """
    dest = Path(dest).absolute()
    work = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp"))
    try:
        out = work / ("out" + dest.suffix)
        yield work, out
        if not out.is_file() or out.stat().st_size == 0:
            raise RuntimeError(f"ffmpeg wrote nothing for {dest}")
        os.chmod(out, normal_file_mode())
        _fsync(out)
        os.replace(out, dest)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _ffmpeg(args: list[str], *, cwd: Path | None = None) -> str:
    """Run ffmpeg and return its stderr (where the ebur128 reports go).

    -nostdin: ffmpeg otherwise reads the terminal, which stops a backgrounded job (SIGTTIN) and
    swallows keystrokes.  subprocess.run kills and reaps the child if we are interrupted, so the
    caller's cleanup never races a still-writing ffmpeg.
    """
    cmd = [*_FFMPEG, *args]
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True, errors="replace", cwd=cwd)
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
        raise RuntimeError(f"ffmpeg exited with {proc.returncode}: {' '.join(cmd)}\n{tail}")
    return proc.stderr


def _ffmpeg_piped(producer: list[str], consumer: list[str]) -> str:
    """Run two ffmpegs, the first's stdout into the second's stdin, and return the first's stderr.

    ffmpeg 5 runs a filter graph and its encoder on one thread; two processes put the limiter and its
    meter on one core and the AAC encoder on the other (the lecture's last pass: 97 s as a meter then an
    encode, 62 s so).
    Both are killed and reaped on any exit, so the caller's cleanup never races a still-writing ffmpeg.
    """
    procs: list[subprocess.Popen] = []
    with tempfile.TemporaryFile() as errors:
        try:
            first = subprocess.Popen([*_FFMPEG, *producer], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=errors)
            procs.append(first)
            second = subprocess.Popen([*_FFMPEG, *consumer], stdin=first.stdout, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE, text=True, errors="replace")
            procs.append(second)
            first.stdout.close()  # the consumer holds the pipe now: the producer sees it close if the consumer dies
            consumer_err = second.communicate()[1]
            first.wait()
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.kill()
                proc.wait()
                if proc.stdout is not None:
                    proc.stdout.close()
        errors.seek(0)
        producer_err = errors.read().decode(errors="replace")
    failed = [f"ffmpeg exited with {proc.returncode}: ffmpeg {' '.join(cmd)}\n"
              + "\n".join(err.strip().splitlines()[-15:])
              for cmd, proc, err in ((producer, first, producer_err), (consumer, second, consumer_err))
              if proc.returncode != 0]
    if failed:
        raise RuntimeError("\n".join(failed))
    return producer_err


@dataclass(frozen=True)
class _Video:
    codec: str
    pix_fmt: str | None
    width: int
    height: int
    rate: Fraction | None


def _probe(path: str | os.PathLike) -> tuple[_Video | None, bool]:
    """(first video stream, whether there is an audio stream)."""
    with av.open(str(path)) as c:
        video = None
        if c.streams.video:
            s = c.streams.video[0]
            cc = s.codec_context
            rate = s.average_rate or s.guessed_rate
            video = _Video(cc.name, cc.pix_fmt, cc.width, cc.height, Fraction(rate) if rate else None)
        return video, bool(c.streams.audio)


# --------------------------------------------------------------------------- loudness

@dataclass(frozen=True)
class Loudness:
    integrated: float  # LUFS
    true_peak: float   # dBTP


_NUM = r"(-?(?:\d+(?:\.\d*)?|inf))"


def _parse_ebur128(stderr: str) -> Loudness:
    summary = stderr[stderr.rfind("Summary:"):]
    i = re.search(r"Integrated loudness:\s*I:\s*" + _NUM + r" LUFS", summary)
    tp = re.search(r"True peak:\s*Peak:\s*" + _NUM + r" dBFS", summary)
    if not (i and tp):
        raise RuntimeError("no ebur128 summary in ffmpeg's output:\n" + stderr[-2000:])
    return Loudness(float(i.group(1)), float(tp.group(1)))


def measure_loudness(path: str | os.PathLike) -> Loudness | None:
    """Integrated loudness and true peak of the file's first audio stream, as a platform would measure it.

    Uses ffmpeg's own meter so that the numbers match what the checks in
    the tests see.  ``framelog=verbose`` keeps ebur128 from logging ten lines per
    second of audio at info level (megabytes for a lecture).
    """
    if not _probe(path)[1]:
        return None
    return _meter(path)


def _meter(src: str | os.PathLike, af: str | None = None) -> Loudness:
    """Loudness and true peak of src's audio, after the filter chain ``af`` if given; nothing encoded."""
    err = _ffmpeg(["-i", str(src), "-map", "0:a:0", "-af", f"{af},{_METER}" if af else _METER, "-f", "null", "-"])
    return _parse_ebur128(err)


def _normalised_audio(src: Path, work: Path, loudness: float, true_peak: float) -> Path:
    """Encode src's audio to AAC at the target loudness and return the .m4a, measured to be on target.

    One gain for the whole file, so speech keeps its dynamics: the target minus the loudness
    ffmpeg's own meter (``ebur128``) measures.  Where that gain would lift the true peak past the
    ceiling, a true-peak limiter follows it (alimiter at 192 kHz, where sample peaks approximate
    true peaks), which lowers the loudness a little: the chain is metered without encoding and the
    gain corrected; the corrected chain is metered while the encoder writes it (it is usually on
    target, and the encode costs no more than the meter alone), and the result measured again (AAC
    adds inter-sample overshoot: the limiter keeps 0.5 dB of headroom).  Two-pass loudnorm did the same
    job slower: its first pass is a slower meter, and whenever the peak did not allow its linear mode
    it switched to its dynamic one, whose 3 s window does not settle on short clips (2.3 s of a 22-s
    draft's 3.7 s of publishing, and ~2 LU off on a clip with clicks).  Audio is encoded separately
    so the corrections never re-encode the video.
    """
    out = work / "audio.m4a"

    def encode(af: str) -> None:
        _ffmpeg(["-i", str(src), "-map", "0:a:0", "-af", af, "-vn", "-sn", "-dn", *_AAC, "-f", "mp4", str(out)])

    def meter_and_encode(af: str) -> Loudness:
        """The chain metered while the encoder writes its output: one pass, on both cores."""
        graph = f"[0:a:0]{af},asplit=2[m][o];[m]{_METER},anullsink"
        raw = ["-f", "f32le", "-ar", "48000", "-ac", "2"]
        return _parse_ebur128(_ffmpeg_piped(["-i", str(src), "-filter_complex", graph, "-map", "[o]", *raw, "pipe:1"],
                                            [*raw, "-i", "pipe:0", "-vn", *_AAC, "-f", "mp4", str(out)]))

    before = _meter(src, _LAYOUT)
    if not math.isfinite(before.integrated) or before.integrated <= -70.0:
        log.warning("%s: audio is silent (%s LUFS); left as it is", src, before.integrated)
        encode(_AUDIO_PREP)
        return out
    ceiling = max(-9.0, min(0.0, true_peak - _TP_HEADROOM))  # dBTP, for the limiter
    gain = loudness - before.integrated
    limit = before.true_peak + gain > ceiling
    limited_once = False  # whether a pass with the limiter has been metered: its correction is usually on target
    for attempt in range(8):
        af = f"{_LAYOUT},volume={gain:.2f}dB"
        if limit:
            af += (f",aresample=192000,alimiter=limit={10 ** (ceiling / 20):.5f}:level=false:latency=true"
                   f":attack=2:release=80")
        af += f",aresample=48000,{_AUDIO_PREP}"
        if not limit:
            got, written = Loudness(before.integrated + gain, before.true_peak + gain), False
        elif limited_once:  # encoded alongside its meter: when on target, no second pass through the limiter
            got, written = meter_and_encode(af), True
        else:
            got, written, limited_once = _meter(src, af), False, True
        encoded = abs(loudness - got.integrated) <= _LOUDNESS_TOLERANCE / 2 and got.true_peak <= ceiling + 0.1
        if encoded:
            if not written:
                encode(af)
            got = _meter(out)
        log.info("%s: attempt %d: gain %+.2f dB%s: %.1f LUFS, %.1f dBTP%s", src, attempt + 1, gain,
                 f", limiter at {ceiling:.1f} dBTP" if limit else "", got.integrated, got.true_peak,
                 " (encoded)" if encoded else " (metered)")
        off = loudness - got.integrated
        over = got.true_peak - (true_peak if encoded else ceiling + 0.1)
        if encoded and abs(off) <= _LOUDNESS_TOLERANCE and over <= 0:
            return out
        gain += off
        if over > 0:
            if limit:
                ceiling -= over + 0.2
            limit = True
    raise RuntimeError(f"{src}: could not reach {loudness} LUFS / {true_peak} dBTP; "
                       f"last measured {got.integrated:.1f} LUFS, {got.true_peak:.1f} dBTP")


# --------------------------------------------------------------------------- fast start

def is_faststart(path: str | os.PathLike) -> bool:
    """Whether ``moov`` comes before ``mdat``: a player can then start before the download ends.

    Walks the top-level boxes by their headers only (no demuxer hides the order from us):
    size 1 means a 64-bit size follows the type, size 0 means "to the end of the file".
    """
    with open(path, "rb") as fh:
        end = fh.seek(0, os.SEEK_END)
        pos = 0
        while pos + 8 <= end:
            fh.seek(pos)
            header = fh.read(8)
            size, kind = int.from_bytes(header[:4], "big"), header[4:8]
            if size == 1:
                large = fh.read(8)
                if len(large) < 8:
                    return False
                size = int.from_bytes(large, "big")
                if size < 16:
                    return False
            elif size == 0:
                size = end - pos
            elif size < 8:
                return False        # corrupt: a box cannot be smaller than its header
            if kind == b"moov":
                return True
            if kind == b"mdat":
                return False
            pos += size
    return False


# --------------------------------------------------------------------------- the finished MP4

def finish_video(src: str | os.PathLike, dest: str | os.PathLike, *, loudness: float, true_peak: float = -1.0,
                 burn_ass: Path | None = None, fps: float | None = None, reencode_video: bool = False,
                 audio: str | os.PathLike | None = None) -> None:
    """Write ``dest``: src made ready to post (H.264/yuv420p, AAC 48 kHz stereo at ``loudness``, fast start).

    The video is stream-copied unless it has to change (captions to burn, a new frame
    rate, a codec or pixel format a phone would not play, or ``reencode_video``): a long
    lecture then finishes in the time it takes to process its audio.  Manim writes
    constant-frame-rate H.264, so the copy is CFR too; a re-encode forces CFR with the
    ``fps`` filter.  Chapters and metadata come from src.  The sound comes from ``audio`` when
    given (a render farm job's WAV: exact PCM, encoded here once), else from src.  A file without
    audio gets none: a silent track would only make players show a useless volume control.
    """
    src = Path(src).absolute()
    video, has_audio = _probe(src)
    sound = src
    if audio is not None:
        sound, has_audio = Path(audio).absolute(), True
    if video is None:
        raise ValueError(f"{src} has no video stream")
    copy = (burn_ass is None and fps is None and not reencode_video
            and video.codec == "h264" and video.pix_fmt == "yuv420p")
    with _staged(dest) as (work, out):
        normalised = _normalised_audio(sound, work, loudness, true_peak) if has_audio else None
        args = ["-i", str(src)]
        if normalised is not None:
            args += ["-i", str(normalised)]
        args += ["-map", "0:v:0"] + (["-map", "1:a:0", "-c:a", "copy"] if normalised is not None else [])
        args += ["-map_metadata", "0", "-map_chapters", "0"]
        if copy:
            args += ["-c:v", "copy"]
        else:
            rate = Fraction(fps).limit_denominator(1001) if fps else (video.rate or Fraction(30))
            filters = [f"fps={rate.numerator}/{rate.denominator}"]
            if video.width % 2 or video.height % 2:
                filters.append("scale=trunc(iw/2)*2:trunc(ih/2)*2")     # 4:2:0 needs even sizes
            if burn_ass is not None:
                # The ass filter's path goes through two levels of filtergraph escaping (':' '\\' "'"
                # ',' ...); a plain name in ffmpeg's working directory needs none.
                shutil.copyfile(burn_ass, work / "captions.ass")
                filters.append("ass=filename=captions.ass")
            filters.append("format=yuv420p")
            args += ["-vf", ",".join(filters), *_X264, "-fps_mode", "cfr"]
        args += ["-movflags", "+faststart", "-f", "mp4", str(out)]
        _ffmpeg(args, cwd=work)
        if not is_faststart(out):
            raise RuntimeError(f"ffmpeg left moov after mdat in {out}")


# --------------------------------------------------------------------------- captions

@dataclass(frozen=True)
class _Word:
    text: str
    start: float
    end: float


@dataclass
class _Chunk:
    words: list[_Word]
    start: float
    end: float
    # breaks[i]: a line may break before words[i] (not inside a Chinese word); breaks[0] is unused
    breaks: list[bool] | None = None

    @property
    def text(self) -> str:
        """The chunk as shown (``1.5×10⁻⁵``, not the e-form the voice reads)."""
        return on_screen(join_tokens([w.text for w in self.words]))

    def may_break(self, i: int) -> bool:
        return True if self.breaks is None else self.breaks[i]


def _sep(before: str, after: str) -> str:
    """What goes between two caption tokens: a space, or nothing next to a Chinese character or mark."""
    return "" if CJK_TEXT.search(before[-1:]) or CJK_TEXT.search(after[:1]) else " "


def join_tokens(texts: list[str], shown: list[str] | None = None) -> str:
    """Caption tokens as one line: spaces between words, none next to a Chinese character or mark
    (Chinese is written without spaces; a caption token there is one character or one number).
    ``shown`` are the tokens as displayed (with highlight tags) when they differ from ``texts``."""
    shown = shown or texts
    out = ""
    for i, (t, show) in enumerate(zip(texts, shown)):
        if i:
            out += _sep(texts[i - 1], t)
        out += show
    return out


def _word_breaks(words: list[_Word]) -> list[bool]:
    """Before which timed words a caption may break (a new chunk or a new line): anywhere in English; in
    Chinese only where a word begins (``language.zh_words``, jieba), so 为什么 is never cut into 为什 | 么.
    A caption token there is one character, so the word is found in the text the tokens make together."""
    texts = [w.text for w in words]
    joined = join_tokens(texts)
    if not CJK_TEXT.search(joined):
        return [True] * len(words)
    starts, at = set(), 0
    for piece in zh_words(joined):
        starts.add(at)
        at += len(piece)
    out, at = [], 0
    for i, t in enumerate(texts):
        if i:
            at += len(_sep(texts[i - 1], t))
        out.append(at in starts)
        at += len(t)
    return out


_STRONG = ".!?…。！？"
_WEAK = ",;:—–，；：、"
_CLOSERS = "\"'”’»)]」』"


def _punct(word: str) -> str:
    """'strong' after a sentence end, 'weak' after a comma-like mark, '' otherwise."""
    w = word.rstrip(_CLOSERS)
    if w and w[-1] in _STRONG:
        return "strong"
    if w and w[-1] in _WEAK:
        return "weak"
    return ""


def _cue_words(cue: dict) -> list[_Word]:
    words = [_Word(" ".join(str(w["text"]).split()), float(w["start"]), float(w["end"]))
             for w in cue.get("words") or []]
    words = [w for w in words if w.text]
    if words:
        return words
    # No word timing (a hand-written cue): share the cue's time by word length.
    text = str(cue.get("text", ""))
    if CJK_TEXT.search(text):
        texts = tokens(text, "zh")
    else:
        texts = text.split()
    if not texts:
        return []
    start, end = float(cue["start"]), float(cue["end"])
    weights = [len(t) + 1 for t in texts]
    total, t, out = sum(weights), start, []
    for text, wgt in zip(texts, weights):
        nxt = t + (end - start) * wgt / total
        out.append(_Word(text, t, nxt))
        t = nxt
    return out


def _split(words: list[_Word], n: int, breaks: list[bool] | None = None) -> list[list[_Word]]:
    """Split one cue's words into chunks of <= n words, cheapest by a small cost model.

    A reader takes a caption in at a glance only if it is a phrase: breaking after
    punctuation (or a pause) is free, breaking mid-phrase costs, swallowing a comma or
    a full stop inside a chunk costs, and a lone word or lopsided chunks cost a little;
    breaking inside a Chinese word (``breaks``, from ``_word_breaks``) costs more than any
    of these, so it happens only for a word longer than a chunk.
    Dynamic programming over break positions finds the cheapest split exactly.
    """
    m = len(words)
    kinds = []
    for i, w in enumerate(words):
        k = _punct(w.text)
        if not k and i + 1 < m and words[i + 1].start - w.end >= _PAUSE_BREAK:
            k = "strong"
        kinds.append(k)

    def cost(i: int, j: int) -> float:
        c = 0.5 + 0.05 * (n - (j - i)) ** 2
        if j < m and not kinds[j - 1]:
            c += 1.5
        if j < m and breaks is not None and not breaks[j]:
            c += 20.0
        c += sum(2.0 if kinds[x] == "strong" else 1.0 if kinds[x] == "weak" else 0.0 for x in range(i, j - 1))
        if j - i == 1 and m > 1:
            c += 1.0
        return c

    best = [0.0] + [math.inf] * m
    back = [0] * (m + 1)
    for j in range(1, m + 1):
        for i in range(max(0, j - n), j):
            c = best[i] + cost(i, j)
            if c < best[j]:
                best[j], back[j] = c, i
    out, j = [], m
    while j > 0:
        out.append(words[back[j]:j])
        j = back[j]
    return out[::-1]


def _chunks(cues: list[dict], words_per_chunk: int) -> list[_Chunk]:
    """Chunks in time order, each never spanning two cues, with short gaps bridged and overlaps cut."""
    if words_per_chunk < 1:
        raise ValueError("words_per_chunk must be >= 1")
    chunks = []
    for cue in sorted(cues, key=lambda c: float(c["start"])):
        words = _cue_words(cue)
        breaks = _word_breaks(words)
        at = 0
        for ws in _split(words, words_per_chunk, breaks):
            chunks.append(_Chunk(ws, ws[0].start, max(ws[-1].end, ws[0].start), breaks[at:at + len(ws)]))
            at += len(ws)
    chunks.sort(key=lambda c: c.start)
    # A chunk stays up _GAP_BRIDGE after its last word, or until the next one starts (a short gap is
    # bridged, an overlap cut so two chunks never stack). The rule looks no further than the next
    # chunk's start: a clip's frames are captioned as they are encoded, before later cues are known
    # (scenes/toolkit/burned_captions.py), and show what this gives for the finished clip.
    for a, b in zip(chunks, chunks[1:]):
        a.end = min(b.start, a.end + _GAP_BRIDGE)
    if chunks:
        chunks[-1].end += _GAP_BRIDGE
    return [c for c in chunks if c.end > c.start]


def _ass_time(cs: int) -> str:
    h, rest = divmod(cs, 360000)
    m, rest = divmod(rest, 6000)
    s, c = divmod(rest, 100)
    return f"{h}:{m:02d}:{s:02d}.{c:02d}"


def _ass_colour(hex_rgb: str, alpha: int = 0) -> str:
    """'#RRGGBB' as ASS's &HAABBGGRR (byte order reversed, alpha 0 = opaque)."""
    h = hex_rgb.lstrip("#")
    if not re.fullmatch(r"[0-9a-fA-F]{6}", h):
        raise ValueError(f"colour {hex_rgb!r} is not #RRGGBB")
    return f"&H{alpha:02X}{h[4:6]}{h[2:4]}{h[0:2]}".upper()


def _ass_escape(text: str) -> str:
    """Make user text literal for libass.

    A backslash gets a WORD JOINER (U+2060, invisible, default-ignorable) after it so no
    ``\\N``/``\\h``/``\\{`` sequence can form, even with the override tag we append next;
    braces become libass's ``\\{``/``\\}`` escapes so they do not open override blocks.
    """
    text = " ".join(text.split())
    text = text.replace("\\", "\\\u2060")
    return text.replace("{", "\\{").replace("}", "\\}")


@lru_cache(maxsize=8)
def _font_measure(font: str):
    """A width function for text in ``font`` (bold) at a libass font size, or None if PIL cannot load it.

    libass sizes a font so that ascender + descender equals the requested size, so
    PIL's metrics at a reference size give the scale from libass px to PIL px.
    """
    try:
        from PIL import ImageFont
        path = subprocess.run(["fc-match", "-f", "%{file}", f"{font}:bold"], capture_output=True, text=True,
                              check=True).stdout.strip()
        ref = ImageFont.truetype(path, 100)
    except Exception:  # noqa: BLE001  (no fontconfig/PIL/font: fall back to an estimate)
        return None
    ascent, descent = ref.getmetrics()
    unit = 100 / (ascent + descent)
    return lambda text, px: ref.getlength(text) * unit * px / 100


def _text_width(text: str, font: str, px: float) -> float:
    measure = _font_measure(font)
    if measure:
        return measure(text, px)
    wide = len(CJK_TEXT.findall(text))  # a Chinese character or mark is a full em wide
    return px * (wide + 0.62 * (len(text) - wide))


def _wrap_units(words: list[_Word]) -> list[str]:
    """What libass may break between when it wraps a line itself (English): the words, at spaces."""
    return on_screen(join_tokens([w.text for w in words])).split()


def _line_starts(chunk: _Chunk, font: str, px: float, width: float) -> list[int] | None:
    """Where a Chinese chunk's lines start (indices of its words; the first is 0), or None if a word is
    wider than ``width``. Lines break only where ``chunk.breaks`` allows (between jieba's words): as few
    lines as a greedy wrap needs, balanced, a break after a punctuation mark preferred. The caption then
    carries these breaks as ``\\N`` and tells libass not to wrap (``\\q2``), so it never breaks inside a word."""
    texts = [w.text for w in chunk.words]
    # words that must stay on one line together: the tokens between two allowed breaks
    groups: list[list[int]] = []
    for i in range(len(texts)):
        if i == 0 or chunk.may_break(i):
            groups.append([])
        groups[-1].append(i)

    def span(a: int, b: int) -> float:
        """Width of groups a..b-1 on one line."""
        first, last = groups[a][0], groups[b - 1][-1]
        return _text_width(on_screen(join_tokens(texts[first:last + 1])), font, px)

    g = len(groups)
    if any(span(k, k + 1) > width for k in range(g)):
        return None
    lines, start = 1, 0
    for k in range(1, g):
        if span(start, k + 1) > width:
            lines, start = lines + 1, k
    if lines == 1:
        return [0]
    # balanced: least sum of squared slack over exactly `lines` lines, each fitting
    prefer = (0.15 * width) ** 2  # a line ending mid-phrase costs this much slack squared

    def cost(a: int, b: int) -> float:
        w = span(a, b)
        if w > width:
            return math.inf
        c = (width - w) ** 2
        if b < g and not _punct(texts[groups[b - 1][-1]]):
            c += prefer
        return c

    best = {(0, 0): (0.0, None)}
    for n in range(1, lines + 1):
        for b in range(1, g + 1):
            options = [(best[(n - 1, a)][0] + cost(a, b), a) for a in range(b) if (n - 1, a) in best]
            options = [o for o in options if o[0] < math.inf]
            if options:
                best[(n, b)] = min(options)
    if (lines, g) not in best:
        return None
    starts, b, n = [], g, lines
    while n > 0:
        a = best[(n, b)][1]
        starts.append(groups[a][0])
        b, n = a, n - 1
    return starts[::-1]


def _lines_needed(words: list[str], font: str, px: float, width: float) -> int | None:
    """Lines a greedy wrap needs at ``px``, or None if a single word is wider than ``width``."""
    space = _text_width(" ", font, px)
    lines, cur = 1, 0.0
    for w in words:
        ww = _text_width(w, font, px)
        if ww > width:
            return None
        if cur and cur + space + ww > width:
            lines, cur = lines + 1, ww
        else:
            cur = cur + space + ww if cur else ww
    return lines


def ass_dialogue(start_cs: int, end_cs: int, body: str) -> str:
    """One ASS event line: ``body`` (style, margins, effect, text) shown from ``start_cs`` to ``end_cs``."""
    return f"Dialogue: 0,{_ass_time(start_cs)},{_ass_time(end_cs)},{body}"


def ass_captions(cues: list[dict], width: int, height: int, box: tuple[int, int, int, int], **style) -> str:
    """The caption script of ``ass_script`` as one text, what libass reads."""
    return ass_text(*ass_script(cues, width, height, box, **style))


def ass_text(header: str, events: list[tuple[int, int, str]]) -> str:
    """A script's header and its (start, end, body) events as the text libass reads."""
    return header + "".join(ass_dialogue(*event) + "\n" for event in events)


def ass_script(cues: list[dict], width: int, height: int, box: tuple[int, int, int, int], *,
               font: str = "DejaVu Sans", font_px: int = 64, words_per_chunk: int = 4,
               highlight: str = "#F0E442", color: str = "#FFFFFF") -> tuple[str, list[tuple[int, int, str]]]:
    """An ASS script of word-highlighted caption chunks that stays inside ``box``, as its header and its
    events in time order: (start, end in centiseconds, the event's body for ``ass_dialogue``).

    Captions carry a video watched with the sound off, so a few words at a time with the
    spoken word lit is easier to follow than a full sentence.  Each word span is its own
    event (rather than karaoke ``\\k`` tags, which colour everything already sung) so only
    the current word is lit.  Events of a chunk abut exactly (times are rounded to
    centiseconds once, then shared) and never overlap, because libass stacks overlapping
    events upwards, out of the box.  The box is turned into margins padded by the outline
    and shadow; a chunk that would need more lines than the box holds gets a smaller
    ``\\fs`` so it still fits.  The default highlight #F0E442 is the Okabe-Ito yellow.
    """
    left, top, right, bottom = box
    if not (0 <= left < right <= width and 0 <= top < bottom <= height):
        raise ValueError(f"box {box} is not inside {width}x{height}")
    outline = max(2, round(font_px / 16))
    shadow = max(1, round(font_px / 32))
    margin_l, margin_r, margin_v = left + outline, width - right + outline, height - bottom + outline + shadow
    inner_w = right - left - 2 * outline
    inner_h = bottom - top - 2 * outline - shadow
    hl, base = _ass_colour(highlight)[4:], _ass_colour(color)[4:]   # BBGGRR for \1c tags
    name = font.replace(",", " ")
    lines = [
        "[Script Info]",
        "; word-highlighted captions written by scenes.publish",
        "ScriptType: v4.00+",
        f"PlayResX: {width}",
        f"PlayResY: {height}",
        "WrapStyle: 0",
        "ScaledBorderAndShadow: yes",
        "YCbCr Matrix: None",
        "",
        "[V4+ Styles]",
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, "
        "Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, "
        "MarginL, MarginR, MarginV, Encoding",
        f"Style: Caption,{name},{font_px},{_ass_colour(color)},{_ass_colour(color)},&H00000000,&H80000000,"
        f"-1,0,0,0,100,100,0,0,1,{outline},{shadow},2,{margin_l},{margin_r},{margin_v},1",
        "",
        "[Events]",
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
    ]
    events: list[tuple[int, int, str]] = []
    for chunk in _chunks(cues, words_per_chunk):
        raw = [w.text for w in chunk.words]
        texts = [_ass_escape(on_screen(t)) for t in raw]   # shown as read: 1.5×10⁻⁵, not 1.5e-5
        chinese = bool(CJK_TEXT.search(join_tokens(raw)))
        starts = None
        px = float(font_px)
        while px > 8:
            if chinese:
                starts = _line_starts(chunk, name, px, inner_w)
                need = None if starts is None else len(starts)
            else:
                need = _lines_needed(_wrap_units(chunk.words), name, px, inner_w)
            if need is not None and need * px <= inner_h:
                break
            px *= 0.9
        size_tag = "" if px == font_px else f"\\fs{int(px)}"
        if chinese:
            size_tag = "\\q2" + size_tag   # no wrapping of libass's own: the lines break where ours do
        first, last = round(chunk.start * 100), round(chunk.end * 100)
        bounds = [first]
        for w in chunk.words[1:]:
            bounds.append(min(last, max(bounds[-1], round(w.start * 100))))
        bounds.append(last)
        for i in range(len(texts)):
            if bounds[i + 1] <= bounds[i]:
                continue     # a word shorter than a centisecond: its neighbour shows instead
            body = _caption_line(raw, [f"{{\\1c&H{hl}&}}{t}{{\\1c&H{base}&}}" if j == i else t
                                       for j, t in enumerate(texts)], starts)
            prefix = f"{{{size_tag}}}" if size_tag else ""
            events.append((bounds[i], bounds[i + 1], f"Caption,,0,0,0,,{prefix}{body}"))
    return "\n".join(lines) + "\n", events


def _caption_line(raw: list[str], shown: list[str], starts: list[int] | None) -> str:
    """The shown tokens joined as ``join_tokens`` joins them, with ``\\N`` before each line's first token."""
    out = ""
    for i, show in enumerate(shown):
        if i:
            out += "\\N" if starts and i in starts else _sep(raw[i - 1], raw[i])
        out += show
    return out


def write_srt_chunks(cues: list[dict], dest: str | os.PathLike, *, words_per_chunk: int = 4,
                     until: float | None = None) -> None:
    """The same few-word chunks as .srt, for platforms that take a caption file instead of burned text;
    ``until`` (the video's length) cuts the last one's linger where the video ends."""
    end = math.inf if until is None else until
    kept = [c for c in _chunks(cues, words_per_chunk) if c.start < end]
    subs = [srt.Subtitle(i, dt.timedelta(milliseconds=round(c.start * 1000)),
                         dt.timedelta(milliseconds=round(min(c.end, end) * 1000)), c.text)
            for i, c in enumerate(kept, start=1)]
    write_atomically(str(dest), srt.compose(subs))


def publish_srt(src: str | os.PathLike, dest: str | os.PathLike) -> None:
    """A caption file copied for posting with its text as shown (``language.on_screen``): Manim writes a
    lecture's .srt from the words the voice was given, where a number is in e-form (``1.47e-5``)."""
    subs = list(srt.parse(Path(src).read_text(encoding="utf-8")))
    for sub in subs:
        sub.content = on_screen(sub.content)
    write_atomically(str(dest), srt.compose(subs))


# --------------------------------------------------------------------------- derived files

def cover_png(src: str | os.PathLike, t: float, dest: str | os.PathLike) -> None:
    """One frame as the thumbnail; ``-ss`` before ``-i`` seeks fast and, when decoding, exactly."""
    if t < 0:
        raise ValueError("t must be >= 0")
    with _staged(dest) as (_, out):
        # -update 1: the image2 muxer otherwise wants a %d pattern in the name
        _ffmpeg(["-ss", f"{t:.3f}", "-i", str(Path(src).absolute()), "-map", "0:v:0", "-frames:v", "1",
                 "-update", "1", "-c:v", "png", "-f", "image2", str(out)])
        if not out.exists() or out.stat().st_size == 0:
            raise ValueError(f"{src} has no frame at {t} s")


def make_gif(src: str | os.PathLike, dest: str | os.PathLike, *, max_width: int = 540, fps: int = 15,
             max_bytes: int = 15_000_000) -> None:
    """A looping GIF for places that autoplay nothing else, shrunk until it fits ``max_bytes``.

    The palette is made in its own pass: a single ``split`` graph would hold every frame in
    memory until palettegen sees the end.  stats_mode=diff weights the palette to what moves
    and diff_mode=rectangle re-dithers only changed regions, which keeps static areas identical
    between frames and the file small.  Size is measured after writing, not predicted: when
    it is too big, frame rate goes down first (to 10) and then width.
    """
    src = Path(src).absolute()
    video, _ = _probe(src)
    if video is None:
        raise ValueError(f"{src} has no video stream")
    width = min(max_width, video.width)
    rate = min(float(fps), float(video.rate) if video.rate else float(fps), 50.0)
    # GIF frame delays are whole 1/100 s: 15 fps would be written as 6/100 s (16.7 fps); use the
    # fastest rate at or below the asked one that a whole delay gives exactly (100/7 = 14.3 fps).
    rate = 100 / math.ceil(100 / rate)
    with _staged(dest) as (work, out):
        for _ in range(10):
            w = max(2, int(width) // 2 * 2)
            pre = f"fps=100/{round(100 / rate)},scale={w}:-1:flags=lanczos"
            palette = work / "palette.png"
            _ffmpeg(["-i", str(src), "-map", "0:v:0", "-vf", f"{pre},palettegen=stats_mode=diff",
                     "-frames:v", "1", "-update", "1", "-f", "image2", str(palette)])
            _ffmpeg(["-i", str(src), "-i", str(palette), "-lavfi",
                     f"[0:v]{pre}[x];[x][1:v]paletteuse=dither=bayer:bayer_scale=4:diff_mode=rectangle",
                     "-an", "-loop", "0", "-f", "gif", str(out)])
            size = out.stat().st_size
            if size <= max_bytes:
                log.info("%s: GIF %d px wide at %g fps, %d bytes", dest, w, rate, size)
                return
            room = 0.9 * max_bytes / size
            if rate > 10:
                new_rate = 100 / math.ceil(100 / max(10.0, math.floor(rate * room)))
                room *= rate / new_rate
                rate = new_rate
            if room < 1:
                if w <= 64:
                    break
                width = max(64, w * min(0.95, math.sqrt(room)))
        raise RuntimeError(f"cannot fit a GIF of {src} into {max_bytes} bytes (last try {size} bytes)")


def make_webm(src: str | os.PathLike, dest: str | os.PathLike) -> None:
    """A VP9/Opus copy for the web's <video> fallback.

    ``-crf`` alone gives VP9 a bitrate-capped mode; constant quality needs ``-b:v 0`` as well
    (Manim's own ``--format webm`` omits it).  ``-row-mt 1`` lets libvpx use all cores on one
    frame; ``-cpu-used 4`` is about twice as fast as 2 for a few percent in size, which matters
    for a lecture.  Opus only takes 48 kHz (among a few lower rates), so audio is resampled explicitly.
    """
    src = Path(src).absolute()
    _, has_audio = _probe(src)
    with _staged(dest) as (_, out):
        args = ["-i", str(src), "-map", "0:v:0", "-map_metadata", "0", "-map_chapters", "0",
                "-c:v", "libvpx-vp9", "-crf", "34", "-b:v", "0", "-row-mt", "1", "-deadline", "good",
                "-cpu-used", "4", "-pix_fmt", "yuv420p"]
        if has_audio:
            args += ["-map", "0:a:0", "-c:a", "libopus", "-b:a", "128k", "-ar", "48000", "-ac", "2"]
        _ffmpeg([*args, "-f", "webm", str(out)])


def publish_file(src: str | os.PathLike, dest: str | os.PathLike) -> None:
    """Copy into ``dest`` so that readers only ever see the old file or the complete new one."""
    dest = Path(dest).absolute()
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh, open(src, "rb") as inp:
            shutil.copyfileobj(inp, fh, 1 << 20)
            fh.flush()
            os.fchmod(fh.fileno(), normal_file_mode())
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
