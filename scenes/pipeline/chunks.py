"""One segment over many workers: its animations cut into runs, each rendered alone, joined without re-encoding.

A chunk renders from one position to another (``OPTVIZ_CHUNK``), each a beat or
a beat's n-th animation (``scenes.settings.Cut``): what comes before it runs
skipped (its final state and its clock, no frames), so its first frame is the
frame the whole render draws there. A first render is cut where beats start, by
their spoken time; every render writes what each animation took to draw
(``.costs.json``), and the next render of the segment is cut by those, between
any two animations, so that two chunks take the same time (the saddle's Adam
beat alone took 33 of its 110 s). The join:

* video: the chunks' H.264 streams, concatenated by ffmpeg's concat demuxer
  with ``-c copy`` (Manim wrote them all with one encoder setting);
* audio: each chunk's own sound, from the WAV Manim mixed (exact PCM; a farm job's
  MP4 has no AAC), cut from where the chunk starts on the segment's clock to where
  it ends, and laid end to end into the joined movie's own WAV: a chunk keeps the sounds of what it skipped, so a
  word said across a cut is whole on both sides of it (manim_voiceover adds a
  voiceover's sound even in a skipped section: it resets the renderer's skipping
  first; tests/test_build.py's cut inside a beat fails if an upgrade changes that);
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

Cut = tuple[int, int]  # (beat, play), as OPTVIZ_CHUNK gives it (scenes.settings.chunk, on the Manim side)
# Video per chunk worth a process's set-up (imports, LaTeX, the scene built up to the chunk's start). Measured:
# at 480p15 a 22 s draft cut in two was 2-3 s faster with its LaTeX and speech cached and 4 s slower from an
# empty folder (both chunks wait for the same compiles); at 1080p60 the 28 s clip cut in two took 113 s
# against 128 s whole (2026-12-07). Finer qualities draw more per second of video, so they split sooner.
CHUNK_SECONDS = {"l": 45.0, "m": 30.0, "h": 12.0, "p": 10.0, "k": 8.0}
Unit = tuple[Cut, float]  # where a piece of the segment starts, and what it weighs (drawing seconds or spoken)


def units_of(seconds: list[float]) -> list[Unit]:
    """Whole beats, weighed by their spoken time: the cut before anything was measured."""
    return [((b, 0), s) for b, s in enumerate(seconds)]


def plan(seconds: list[float], workers: int, quality: str, split: int | None = None,
         costs: list[Unit] | None = None) -> list[tuple[Cut, Cut]]:
    """Contiguous runs of the segment, about equal in cost: the seconds each animation took to draw last time
    (``costs``, see :func:`measured_costs`), else each beat's spoken time. By default one run when the
    segment is short or one worker renders; never more runs than workers, nor than the length is worth
    (``CHUNK_SECONDS`` of video). ``split`` asks for that many runs (at most one per piece).
    Each run is ``(first, stop)``; the last one stops at ``(len(seconds), 0)``, the end."""
    units = costs if costs is not None else units_of(seconds)
    end = (len(seconds), 0)
    if split is not None:
        n = min(split, len(units))
    else:
        n = min(workers, len(units), max(1, int(sum(seconds) // CHUNK_SECONDS[quality])))
    if n <= 1:
        return [((0, 0), end)]
    total = sum(w for _, w in units)
    prefix = [0.0]
    for _, w in units:
        prefix.append(prefix[-1] + w)
    cuts = [0]
    for k in range(1, n):  # the k-th cut nearest k/n of the cost, leaving a piece for every run after it
        ideal = total * k / n
        lo, hi = cuts[-1] + 1, len(units) - (n - k)
        cuts.append(min(range(lo, hi + 1), key=lambda i: (abs(prefix[i] - ideal), i)))
    starts = [(0, 0)] + [units[i][0] for i in cuts[1:]]
    return list(zip(starts, starts[1:] + [end]))


def share(units: list[Unit], run: tuple[Cut, Cut]) -> float:
    """A run's part of the segment's total weight (0..1): its ETA's share."""
    total = sum(w for _, w in units) or 1.0
    return sum(w for at, w in units if run[0] <= at < run[1]) / total


def remaining(units: list[Unit], runs: list[tuple[Cut, Cut]], stored: list[bool], workers: int) -> tuple[float, float]:
    """What a plan leaves to render, to choose between cuts: the wall time of its runs not stored yet, as
    shares of the segment spread longest-first over ``workers``, then their total. A plan whose runs are all
    stored leaves (0, 0); one that reuses a small run but leaves one long one loses to an even cut."""
    loads = [0.0] * max(1, workers)
    todo = sorted((share(units, run) for run, done in zip(runs, stored) if not done), reverse=True)
    for w in todo:
        loads[loads.index(min(loads))] += w
    return round(max(loads), 9), round(sum(todo), 9)


DIGEST = "?" * 16  # a job key's digest, in a glob


def measured_costs(store_root: Path, stem: str, cues: list[str], seconds: list[float]) -> list[Unit] | None:
    """What each animation took to draw in the newest renders of the same segment, format and settings
    (their ``.costs.json``, whole or chunked, whatever their words were): a camera turn redraws the whole
    surface every frame, a held race pastes it, so spoken time alone cut the saddle into chunks of 31 s
    and 52 s of drawing. A beat not measured yet is one piece, its spoken time at the measured animations'
    median rate. None when nothing was measured.

    Args:
        store_root: the store's folder (``<media>/segments``).
        stem: ``<target>-<format>-<settings tag>``, the start of the jobs' keys.
        cues: the beats' cues, in order.
        seconds: the beats' estimated seconds of video.
    """
    found = [*store_root.glob(f"{stem}-{DIGEST}.costs.json"), *(store_root / "chunks").glob(f"{stem}-c*of*-{DIGEST}.costs.json")]
    wall: dict[tuple[str, int], float] = {}
    rates = []
    for path in sorted(found, key=lambda p: p.stat().st_mtime):  # the newest measure of an animation wins
        try:
            plays = json.loads(path.read_text())["plays"]
            measured = [((str(p["cue"]), int(p["play"])), float(p["wall"]), float(p["video"])) for p in plays]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        for key, seconds_drawing, video in measured:
            wall[key] = seconds_drawing
            if video > 0:
                rates.append(seconds_drawing / video)
    if not any(cue == c for c, _ in wall for cue in cues):
        return None
    rate = sorted(rates)[len(rates) // 2] if rates else 1.0
    units: list[Unit] = []
    for b, (cue, s) in enumerate(zip(cues, seconds)):
        plays = sorted(p for c, p in wall if c == cue)
        units += [((b, p), wall[cue, p]) for p in plays] if plays else [((b, 0), s * rate)]
    return units


def stored_plans(store_root: Path, stem: str, beats: int) -> list[list[tuple[Cut, Cut]]]:
    """The cuts of the segment's chunks in the store (their ``.chunk.json``), each as a plan from the start
    to the end: a rebuild that finds one whole reuses it, whatever the newest measures would cut."""
    runs: dict[int, set[tuple[Cut, Cut]]] = {}
    for path in (store_root / "chunks").glob(f"{stem}-c*of*-{DIGEST}.chunk.json"):
        try:
            meta = json.loads(path.read_text())
            of = int(path.name[len(stem) + 2:].split("-")[0].split("of")[1])
            run = (tuple(map(int, meta["first"])), tuple(map(int, meta["stop"])))
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            continue
        if meta.get("beats") == beats:
            runs.setdefault(of, set()).add(run)
    plans = []

    def chain(at: Cut, sofar: list, of: int) -> None:
        if len(plans) > 16 or len(sofar) > of:
            return
        if at >= (beats, 0):
            if len(sofar) == of:
                plans.append(list(sofar))
            return
        for run in sorted(runs[of]):
            if run[0] == at:
                chain(run[1], sofar + [run], of)

    for of in sorted(runs):
        chain((0, 0), [], of)
    return plans


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
        audio = None
        if all(c.with_suffix(".wav").exists() for c in chunks):  # a silent render writes none
            audio = work / "audio.wav"
            with wave.open(str(audio), "wb") as out:
                with wave.open(str(chunks[0].with_suffix(".wav"))) as w:
                    out.setparams(w.getparams())
                for c, m in zip(chunks, metas):
                    _wav_slice(c.with_suffix(".wav"), m["start"], m["end"], out)
        tmp = work / dest.name
        video.replace(tmp)  # a farm job's picture: its sound is the WAV (chunks are keyed by the code that made them)
        subs, cues, offset, burned = [], [], 0.0, []
        for c, m in zip(chunks, metas):
            shift = offset - m["start"]  # the chunk's clock -> the joined video's
            for s in (list(srt.parse(c.with_suffix(".srt").read_text(encoding="utf-8")))
                      if c.with_suffix(".srt").exists() else []):
                if m["start"] - 0.002 <= s.start.total_seconds() < m["end"] - 0.002:  # srt keeps milliseconds
                    d = dt.timedelta(seconds=shift)
                    subs.append(srt.Subtitle(len(subs) + 1, s.start + d, s.end + d, s.content))
            words = c.with_suffix(".words.json")
            if words.exists():  # already on the chunk's own clock, which starts at 0
                doc = json.loads(words.read_text(encoding="utf-8"))
                burned.append(bool(doc.get("burned")))
                for cue in doc["cues"]:
                    cues.append(dict(cue, start=cue["start"] + offset, end=cue["end"] + offset,
                                     words=[dict(w, start=w["start"] + offset, end=w["end"] + offset)
                                            for w in cue["words"]]))
            offset += m["end"] - m["start"]
        if subs:
            (work / "joined.srt").write_text(srt.compose(subs), encoding="utf-8")
            (work / "joined.srt").replace(dest.with_suffix(".srt"))
        (work / "joined.words.json").write_text(json.dumps({"cues": cues, "burned": bool(burned) and all(burned)}, indent=1), encoding="utf-8")
        (work / "joined.words.json").replace(dest.with_suffix(".words.json"))
        if audio is not None:  # the segment's sound beside its picture, as a farm job writes it
            audio.replace(dest.with_suffix(".wav"))
        tmp.replace(dest)
