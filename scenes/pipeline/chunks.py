"""One segment over many workers: its beats cut into runs, each rendered alone, joined without re-encoding.

A chunk renders beats FIRST..STOP-1 (``OPTVIZ_CHUNK``): the beats before it run
as a skipped Manim section (their final state, no frames, no sound), so its
first frame is the frame the whole render draws there. The join:

* video: the chunks' H.264 streams, concatenated by ffmpeg's concat demuxer
  with ``-c copy`` (Manim wrote them all with one encoder setting);
* audio: each chunk's own sound, from the WAV Manim mixed (exact PCM, not the
  AAC in its MP4), cut from where the chunk starts on the segment's clock to where
  it ends, and laid end to end: beats start in silence, so a cut never splits a word;
* captions: Manim's ``.srt`` and the scene's word timeline, each chunk's own
  cues moved to where the chunk starts in the joined video.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import tempfile
import wave
from pathlib import Path

import srt

from scenes.media import probe

CHUNK_SECONDS = {"l": 45.0, "m": 40.0, "h": 30.0, "p": 25.0, "k": 20.0}  # video per chunk worth a process's set-up


def plan(seconds: list[float], workers: int, quality: str, split: int | None = None,
         costs: list[float] | None = None) -> list[tuple[int, int]]:
    """Contiguous runs of beats, about equal in cost: the seconds each beat took to draw last time
    (``costs``, see :func:`measured_costs`), else its spoken time. By default one run when the segment is
    short or one worker renders; never more runs than workers, nor than the length is worth
    (``CHUNK_SECONDS`` of video). ``split`` asks for that many runs (at most one per beat)."""
    total = sum(seconds)
    if split is not None:
        n = min(split, len(seconds))
    else:
        n = min(workers, len(seconds), max(1, int(total // CHUNK_SECONDS[quality])))
    if n <= 1:
        return [(0, len(seconds))]
    weights = costs if costs is not None else seconds
    total = sum(weights)
    prefix = [0.0]
    for x in weights:
        prefix.append(prefix[-1] + x)
    cuts = [0]
    for k in range(1, n):  # the k-th cut nearest k/n of the time, leaving a beat for every run after it
        ideal = total * k / n
        lo, hi = cuts[-1] + 1, len(seconds) - (n - k)
        cuts.append(min(range(lo, hi + 1), key=lambda i: (abs(prefix[i] - ideal), i)))
    cuts.append(len(seconds))
    return list(zip(cuts, cuts[1:]))


DIGEST = "?" * 16  # a job key's digest, in a glob


def measured_costs(store_root: Path, stem: str, cues: list[str], seconds: list[float]) -> list[float] | None:
    """What each beat took to draw in the newest renders of the same segment, format and settings (their
    ``.costs.json``, whole or chunked, whatever their words were): a camera turn redraws the whole surface
    every frame, a held race pastes it, so spoken time alone cut the saddle into chunks of 31 s and 52 s
    of drawing. A beat not measured yet costs its spoken time at the measured beats' median rate.
    None when nothing was measured.

    Args:
        store_root: the store's folder (``<media>/segments``).
        stem: ``<target>-<format>-<settings tag>``, the start of the jobs' keys.
        cues: the beats' cues, in order.
        seconds: the beats' estimated seconds of video.
    """
    found = [*store_root.glob(f"{stem}-{DIGEST}.costs.json"), *(store_root / "chunks").glob(f"{stem}-c*of*-{DIGEST}.costs.json")]
    wall: dict[str, float] = {}
    rates = []
    for path in sorted(found, key=lambda p: p.stat().st_mtime):  # the newest measure of a cue wins
        try:
            beats = json.loads(path.read_text())["beats"]
        except (OSError, ValueError, KeyError):
            continue
        for b in beats:
            wall[b["cue"]] = float(b["wall"])
            if b.get("video", 0) > 0:
                rates.append(float(b["wall"]) / float(b["video"]))
    if not any(c in wall for c in cues):
        return None
    rate = sorted(rates)[len(rates) // 2] if rates else 1.0
    return [wall.get(c, s * rate) for c, s in zip(cues, seconds)]


def _wav_slice(path: Path, start: float, end: float, out: wave.Wave_write) -> None:
    with wave.open(str(path)) as w:
        rate, width, channels = w.getframerate(), w.getsampwidth(), w.getnchannels()
        first, stop = round(start * rate), round(end * rate)
        w.setpos(min(first, w.getnframes()))
        data = w.readframes(max(0, min(stop, w.getnframes()) - first))
        need = (stop - first) * width * channels
        out.writeframes(data + b"\0" * max(0, need - len(data)))  # silence to the chunk's end


def join(chunks: list[Path], dest: Path) -> None:
    """Join chunk movies (each with its ``.chunk.json``, ``.wav``, ``.srt``, ``.words.json``) into
    ``dest`` and its ``.srt`` and ``.words.json``, as one Manim render of the segment would write them."""
    metas = [json.loads(c.with_suffix(".chunk.json").read_text()) for c in chunks]
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".chunks-") as work:
        work = Path(work)
        # each chunk's video alone first: a chunk's sound may run past its last frame, and the concat
        # demuxer would start the next chunk after the longer of the two (a gap in the frames' times)
        silent = []
        for i, c in enumerate(chunks):
            silent.append(work / f"v{i}.mp4")
            subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(c), "-map", "0:v:0", "-c", "copy",
                            str(silent[-1])], check=True)
        listing = work / "parts.txt"
        listing.write_text("".join(f"file '{c.resolve()}'\n" for c in silent))
        video = work / "video.mp4"
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(listing),
                        "-map", "0:v:0", "-c", "copy", str(video)], check=True)
        inputs = ["-i", str(video)]
        maps = ["-map", "0:v:0"]
        if all(c.with_suffix(".wav").exists() and probe(c).has_audio for c in chunks):  # a silent render has none
            audio = work / "audio.wav"
            with wave.open(str(audio), "wb") as out:
                with wave.open(str(chunks[0].with_suffix(".wav"))) as w:
                    out.setparams(w.getparams())
                for c, m in zip(chunks, metas):
                    _wav_slice(c.with_suffix(".wav"), m["start"], m["end"], out)
            inputs += ["-i", str(audio)]
            maps += ["-map", "1:a:0", "-c:a", "aac", "-b:a", "320k"]
        tmp = work / dest.name
        subprocess.run(["ffmpeg", "-v", "error", "-y", *inputs, *maps, "-c:v", "copy", "-movflags", "+faststart",
                        str(tmp)], check=True)
        subs, cues, offset = [], [], 0.0
        for c, m in zip(chunks, metas):
            shift = offset - m["start"]  # the chunk's clock -> the joined video's
            for s in (list(srt.parse(c.with_suffix(".srt").read_text(encoding="utf-8")))
                      if c.with_suffix(".srt").exists() else []):
                if m["start"] - 0.002 <= s.start.total_seconds() < m["end"] - 0.002:  # srt keeps milliseconds
                    d = dt.timedelta(seconds=shift)
                    subs.append(srt.Subtitle(len(subs) + 1, s.start + d, s.end + d, s.content))
            words = c.with_suffix(".words.json")
            if words.exists():  # already on the chunk's own clock, which starts at 0
                for cue in json.loads(words.read_text(encoding="utf-8"))["cues"]:
                    cues.append(dict(cue, start=cue["start"] + offset, end=cue["end"] + offset,
                                     words=[dict(w, start=w["start"] + offset, end=w["end"] + offset)
                                            for w in cue["words"]]))
            offset += m["end"] - m["start"]
        if subs:
            (work / "joined.srt").write_text(srt.compose(subs), encoding="utf-8")
            (work / "joined.srt").replace(dest.with_suffix(".srt"))
        (work / "joined.words.json").write_text(json.dumps({"cues": cues}, indent=1), encoding="utf-8")
        (work / "joined.words.json").replace(dest.with_suffix(".words.json"))
        tmp.replace(dest)
