"""The lecture as one deck: a title slide, then each segment as a section with its own title slide."""

import json
from pathlib import Path

import pytest

from scenes.description import TALK
from scenes.segments import SEGMENTS

pytestmark = pytest.mark.render


def test_lecture_deck_has_a_title_and_every_segment(talk_lecture):
    r, tmp_path = talk_lecture  # rendered once for the session (conftest)
    html = Path(r.stdout.strip().splitlines()[-1])
    assert html == tmp_path / "out" / "lecture-talk.html" and html.with_suffix(".pdf").exists()
    (slides,) = (tmp_path / "media").glob("talk-lecture-*/slides")
    title = json.loads((slides / "LectureTitle.json").read_text())["slides"]
    assert len(title) == 1 and all(s.title in title[0]["notes"] for s in SEGMENTS.values())
    total = len(title)
    for seg in SEGMENTS.values():
        deck = json.loads((slides / f"{seg.scene('talk')}.json").read_text())["slides"]
        stops = [s for s in deck if not s["auto_next"]]  # a looping race's lead-in moves on by itself
        assert len(stops) == 1 + len(seg.describe(short=True).beats_for(TALK))
        assert deck[0]["notes"].replace("\\", "") == seg.title
        total += len(deck)
    text = html.read_text(encoding="utf-8")
    assert text.count('data-background-video="data:video/mp4') == total  # each slide's movie, embedded
