"""Every segment rendered in Chinese for real (short cut, 480p, the neural Mandarin voice), probed; a
clip's burned-in title and caption read back by tesseract's simplified-Chinese model; a talk deck's
notes in Chinese."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from helpers import optviz
from scenes.media import probe, read_srt
from scenes.publish import is_faststart, measure_loudness
from scenes.segments import SEGMENTS

pytestmark = pytest.mark.render
HANZI = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def clip(course):
    """The saddle's clip in Mandarin, as the session's course build published it (conftest)."""
    base, _, _ = course
    return base / "out" / "saddle-social-480p15-short-zh.mp4"


def test_the_chinese_lecture_has_every_segment_voiced_and_captioned(chinese_lecture):
    _, mp4 = chinese_lecture
    assert mp4.name == "lecture-480p15-short-zh.mp4"
    info = probe(mp4)
    assert info.has_audio and (info.width, info.height) == (854, 480)
    assert is_faststart(mp4) and measure_loudness(mp4).integrated == pytest.approx(-16, abs=1.0)
    subs = read_srt(mp4.with_suffix(".srt"))
    assert len(subs) >= sum(len(s.describe(short=True).beats_for("lecture")) for s in SEGMENTS.values()) - 1
    assert all(HANZI.search(s.content) for s in subs)
    assert subs[-1].end.total_seconds() <= info.duration + 0.1
    out = subprocess.run(["ffprobe", "-v", "error", "-show_chapters", "-of", "json", str(mp4)], capture_output=True,
                         text=True).stdout
    chapters = json.loads(out)["chapters"]
    assert len(chapters) == len(SEGMENTS) and all(HANZI.search(c["tags"]["title"]) for c in chapters)


def _frame(mp4: Path, t: float, dest: Path) -> Path:
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-ss", str(t), "-i", str(mp4), "-frames:v", "1", str(dest)], check=True)
    return dest


def _ocr(png: Path) -> str:
    r = subprocess.run(["tesseract", str(png), "-", "-l", "chi_sim", "--psm", "11"], capture_output=True, text=True)
    return re.sub(r"\s", "", r.stdout)


def test_ocr_reads_the_chinese_title_and_a_burned_in_caption(clip, tmp_path):
    from scenes.script import Script

    info = probe(clip)
    assert (info.width, info.height) == (480, 854) and info.has_audio and info.duration < 60
    subs = read_srt(clip.with_suffix(".srt"))
    assert subs and all(HANZI.search(s.content) for s in subs)
    first = subs[0]
    at = (first.start + first.end).total_seconds() / 2
    text = _ocr(_frame(clip, at, tmp_path / "f.png"))
    hook = re.sub(r"[^\u4e00-\u9fff]", "", Script("saddle", lang="zh").hook_title)
    caption = re.sub(r"[^\u4e00-\u9fff]", "", first.content)
    assert sum(c in text for c in hook) >= 0.7 * len(hook), (hook, text)
    assert sum(c in text for c in caption) >= 0.7 * len(caption), (caption, text)


def test_a_chinese_talk_deck_has_chinese_notes(tmp_path):
    r = optviz("render", "bowl", "--format", "talk", "--lang", "zh", "--short", "-o", tmp_path / "out",
               "--media-dir", tmp_path / "media")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    html = Path(r.stdout.strip().splitlines()[-1])
    assert html.name == "bowl-talk-zh.html" and html.with_suffix(".pdf").exists()
    (deck,) = (tmp_path / "media").glob("talk-*/slides/BowlTalk.json")
    notes = [s["notes"] for s in json.loads(deck.read_text())["slides"] if s["notes"]]
    assert notes and all(HANZI.search(n) for n in notes)
