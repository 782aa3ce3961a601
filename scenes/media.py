"""Media plumbing: probe an MP4 (PyAV), join segments with chapters (ffmpeg), merge captions (srt)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import av
import srt

from optmath.cli import write_atomically


@dataclass(frozen=True)
class MediaInfo:
    duration: float
    width: int
    height: int
    fps: float
    has_audio: bool
    audio_duration: float | None


def probe(path: str | Path) -> MediaInfo:
    with av.open(str(path)) as c:
        v = c.streams.video[0]
        a = c.streams.audio[0] if c.streams.audio else None
        duration = float(c.duration / av.time_base) if c.duration else float(v.duration * v.time_base)
        audio_duration = float(a.duration * a.time_base) if a is not None and a.duration else None
        return MediaInfo(duration, v.codec_context.width, v.codec_context.height, float(v.average_rate),
                         a is not None, audio_duration)


def read_srt(path: Path | None) -> list[srt.Subtitle]:
    if path is None or not Path(path).exists():
        return []
    return list(srt.parse(Path(path).read_text(encoding="utf-8")))


def join_lecture(parts: list[tuple[str, Path, Path | None]], dest: Path,
                 title: str = "Optimizers on loss surfaces") -> None:
    """Concatenate (title, mp4, srt) parts into ``dest`` with one chapter per part and one .srt.

    Segments share codec and settings (Manim wrote them all), so ffmpeg's concat
    demuxer joins their pictures without re-encoding. Where a part's sound lies beside it
    (``<part>.wav``, a render farm job's), the sounds are laid end to end, each cut or padded
    to its part's picture, into ``<dest>.wav`` beside the joined picture: exact PCM, which
    publishing encodes once.
    """
    infos = [probe(mp4) for _, mp4, _ in parts]
    offsets, t = [], 0.0
    for info in infos:
        offsets.append(t)
        t += info.duration
    total = t
    beside = any(Path(mp4).with_suffix(".wav").exists() for _, mp4, _ in parts)
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".join-") as work:
        work = Path(work)
        listing = work / "parts.txt"
        listing.write_text("".join(f"file '{Path(mp4).resolve()}'\n" for _, mp4, _ in parts))
        meta = [";FFMETADATA1", f"title={title}"]
        for (title, _, _), start, end in zip(parts, offsets, offsets[1:] + [total]):
            meta += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={int(start * 1000)}", f"END={int(end * 1000)}",
                     f"title={title}"]
        (work / "chapters.txt").write_text("\n".join(meta) + "\n")
        tmp = work / dest.name
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(listing),
             "-i", str(work / "chapters.txt"), "-map", "0:v" if beside else "0", "-map_metadata", "1",
             "-map_chapters", "1", "-c", "copy", "-movflags", "+faststart", str(tmp)],
            check=True,
        )
        if beside:
            _join_sounds([mp4 for _, mp4, _ in parts], [i.duration for i in infos], work / "sound.wav")
        subs = []
        for (_, _, caption), start in zip(parts, offsets):
            shift = dt.timedelta(seconds=start)
            for s in read_srt(caption):
                subs.append(srt.Subtitle(len(subs) + 1, s.start + shift, s.end + shift, s.content))
        if subs:
            write_atomically(str(dest.with_suffix(".srt")), srt.compose(subs))
        if beside:
            os.replace(work / "sound.wav", dest.with_suffix(".wav"))
        os.replace(tmp, dest)


def _join_sounds(movies: list[Path], durations: list[float], dest: Path) -> None:
    """One WAV of the movies' sounds end to end, each exactly as long as its movie's picture: the WAV
    beside it, else silence (the concat filter converts them to one format)."""
    inputs, chains = [], []
    for k, (mp4, seconds) in enumerate(zip(movies, durations)):
        wav = Path(mp4).with_suffix(".wav")
        if wav.exists():
            inputs += ["-i", str(wav)]
            chains.append(f"[{len(inputs) // 2 - 1}:a:0]apad=whole_dur={seconds:.6f},atrim=end={seconds:.6f},"
                          f"asetpts=N/SR/TB[a{k}]")
        else:
            chains.append(f"anullsrc=r=22050:cl=mono,atrim=end={seconds:.6f}[a{k}]")
    graph = ";".join(chains) + ";" + "".join(f"[a{k}]" for k in range(len(movies))) + \
        f"concat=n={len(movies)}:v=0:a=1[out]"
    subprocess.run(["ffmpeg", "-v", "error", "-y", *inputs, "-filter_complex", graph, "-map", "[out]",
                    "-c:a", "pcm_s16le", str(dest)], check=True)


def chapters(path: str | Path) -> list[tuple[float, float, str]]:
    """(start, end, title) of each chapter, as a player sees them."""
    with av.open(str(path)) as c:
        return [(float(ch["start"] * ch["time_base"]), float(ch["end"] * ch["time_base"]),
                 ch["metadata"].get("title", "")) for ch in c.chapters()]
