"""Finishing rendered movies for posting, on the client: loudness, captions, covers, the lecture's join,
the talk deck's conversion. Every file goes to a temporary name first and is renamed when complete."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from scenes import language
from scenes.media import probe
from scenes.pipeline.manim_job import ROOT
from scenes.publish import (
    cover_png, finish_video, make_gif, make_webm, publish_file, publish_srt, write_srt_chunks,
)
from scenes.talk_assets import converter_env
from scenes.toolkit.burned_captions import CHUNK, clip_ass

LECTURE_LUFS = -16.0  # long-form speech (podcasts, lectures)
SOCIAL_LUFS = -14.0  # short-form apps
COVER_AT = 1.0  # seconds: the hook frame (title, surface, the question being asked)


def sidecar(mp4: Path, ext: str) -> Path | None:
    side = mp4.with_suffix(ext)
    return side if side.exists() else None


def publish_lecture_part(mp4: Path, dest: Path) -> list[Path]:
    """A lecture or one of its segments, ready to post: normalised speech, fast start, captions beside."""
    srt_file = sidecar(mp4, ".srt")
    written = [dest]
    if srt_file is not None:
        publish_srt(srt_file, dest.with_suffix(".srt"))  # numbers as shown (1.47×10⁻⁵), not as the voice reads them
        written.append(dest.with_suffix(".srt"))
    finish_video(mp4, dest, loudness=LECTURE_LUFS, audio=sidecar(mp4, ".wav"))
    return written


def publish_clip(mp4: Path, dest: Path, gif: bool = False, webm: bool = False) -> list[Path]:
    """A social clip, ready to post: captions in the picture, -14 LUFS, fast start, the hook frame as a
    cover PNG, the .srt beside it, a GIF and a WebM if asked.

    The scene burns its captions in as it encodes (``.words.json`` says ``burned``), so the video is
    copied, not encoded again; a movie without them (rendered by hand, without the scene's encoder)
    gets them here, from the same script, in a second encode.
    """
    info = probe(mp4)
    lang = language.current()
    words = sidecar(mp4, ".words.json")
    doc = json.loads(words.read_text(encoding="utf-8")) if words else {}
    cues = doc.get("cues", [])
    written = []
    with tempfile.TemporaryDirectory(prefix="optviz-") as work:
        sound = sidecar(mp4, ".wav")  # a farm job's sound, beside its picture
        if doc.get("burned") or not cues:
            finish_video(mp4, dest, loudness=SOCIAL_LUFS, audio=sound)
        else:
            ass = Path(work) / "captions.ass"
            ass.write_text(clip_ass(cues, info.width, info.height, lang), encoding="utf-8")
            finish_video(mp4, dest, loudness=SOCIAL_LUFS, burn_ass=ass, fps=info.fps, reencode_video=True, audio=sound)
    written.append(dest)
    write_srt_chunks(cues, dest.with_suffix(".srt"), words_per_chunk=CHUNK[lang], until=info.duration)
    written.append(dest.with_suffix(".srt"))
    cover = dest.with_suffix(".png")
    cover_png(dest, COVER_AT, cover)
    written.append(cover)
    if gif:
        make_gif(dest, dest.with_suffix(".gif"))
        written.append(dest.with_suffix(".gif"))
    if webm:
        make_webm(dest, dest.with_suffix(".webm"))
        written.append(dest.with_suffix(".webm"))
    return written


def place_slides(stored: Path, slides: Path, named: Path | None = None) -> None:
    """Copy one stored slides folder (a worker's) into ``slides``, its paths made ``named``'s (default: the
    folder's own). A deck or words file already there, from an earlier chunk of the same scene, is extended:
    this folder's slides and words come after its own."""
    root = (stored / "root.txt").read_text()
    for path in stored.rglob("*"):
        rel = path.relative_to(stored)
        if path.is_dir() or rel.as_posix() == "root.txt":
            continue
        dest = slides / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix != ".json":
            if dest.exists():  # each movie is one chunk's: its name is its animations'
                raise RuntimeError(f"{rel} is in two of the slides folders placed in {slides}")
            shutil.copyfile(path, dest)
            continue
        text = path.read_text(encoding="utf-8").replace(root, str(named or slides))
        if dest.exists():
            data, more = json.loads(dest.read_text(encoding="utf-8")), json.loads(text)
            if rel.name.endswith(".audio.json"):
                data += more
            else:
                data["slides"] += more["slides"]
            text = json.dumps(data, indent=2)
        dest.write_text(text, encoding="utf-8")


def join_slides(parts: list[Path], dest: Path) -> None:
    """One stored slides folder from a deck part's chunks (each a worker's folder, in order): their movies side
    by side, their slides and their words one after the other, every path inside made ``dest``'s. Written beside
    ``dest`` and renamed into place: a folder with ``root.txt`` is complete."""
    tmp = Path(tempfile.mkdtemp(dir=dest.parent, prefix=".join-"))
    try:
        for part in parts:
            place_slides(part, tmp, named=dest)
        (tmp / "root.txt").write_text(str(dest))
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(tmp, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def mux_slide_audio(slides: Path, scene: str) -> None:
    """Put each slide's words into its movie: manim-slides plays Manim's per-animation movies, which
    carry no sound. The words start with the slide; silence pads them to the slide's length."""
    deck = json.loads((slides / f"{scene}.json").read_text())
    audio_file = slides / f"{scene}.audio.json"
    audio = json.loads(audio_file.read_text()) if audio_file.exists() else []
    for slide, wav in zip(deck["slides"], audio):
        if not wav:
            continue
        video = Path(slide["file"])
        tmp = video.with_suffix(".voiced.mp4")
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(video), "-i", wav, "-map", "0:v:0", "-map", "1:a:0",
                        "-c:v", "copy", "-af", "apad", "-c:a", "aac", "-ar", "48000", "-shortest",
                        "-movflags", "+faststart", str(tmp)], check=True)
        os.replace(tmp, video)


def convert_deck(slides: Path, scenes: list[str], dest: Path, to: str, options: list[str]) -> None:
    """``manim-slides convert`` into a temporary name beside ``dest``, offline (reveal.js from the
    project's asset cache), then renamed into place with normal permissions."""
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".talk-") as work:
        tmp = Path(work) / dest.name
        cmd = [sys.executable, "-m", "manim_slides", "convert", "--folder", str(slides), "--to", to, *options,
               *scenes, str(tmp)]
        r = subprocess.run(cmd, cwd=ROOT, env=converter_env(), capture_output=True, text=True)
        if r.returncode != 0 or not tmp.exists():
            raise RuntimeError(f"manim-slides convert --to {to} failed (exit {r.returncode}):\n"
                               + "\n".join((r.stdout + r.stderr).splitlines()[-15:]))
        publish_file(tmp, dest)
