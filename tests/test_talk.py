"""Talk decks, tested the way a speaker uses them: rendered for real (short cut), opened from disk in
headless Chromium with the network cut off, stepped with the arrow key, notes read, a frame looked at."""

import json
import re
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from helpers import optviz as _optviz
from browser import current_notes, offline_page, press, screenshot, slide_index, video_time_advances
from scenes.description import TALK
from scenes.script import Script
from scenes.segments import SEGMENTS
from scenes.toolkit.narration import shorten

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.render


def _expected_notes(name: str) -> list[str]:
    """The title, then each beat's narration with optmath's numbers, as the short cut speaks it, and under it
    each claim the beat makes (a preview cut lists them as not checked)."""
    script, d = Script(name), SEGMENTS[name].describe(short=True)
    return [script.title] + [shorten(script.text(b.cue, **b.numbers)) + "".join(
        f"\n\n[{c.key}] {c.words} (not checked: a preview cut)" for c in b.claims) for b in d.beats_for(TALK)]


def _deck(slides_root: Path, scene: str) -> dict:
    """The saddle deck's slides (its own folder: the talk lecture's, beside it, holds the same scene too)."""
    (found,) = slides_root.glob(f"talk-saddle-*/slides/{scene}.json")
    return json.loads(found.read_text())


def _plain(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", markdown)


@pytest.fixture(scope="module")
def saddle_deck(talk_lecture):
    """The saddle's deck published alone from the slides the talk lecture rendered (one process drew them: a short
    deck is one chunk at 480p) in the same media folder: nothing is drawn again."""
    lecture, base = talk_lecture
    assert "[saddle talk en] rendered in" in lecture.stdout  # one process, not chunks
    r = _optviz("render", "saddle", "--format", "talk", "--short", "-o", str(base / "saddle-out"), "--media-dir",
                str(base / "media"))
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "0 job(s) to render" in r.stdout
    html = Path(r.stdout.strip().splitlines()[-1])
    assert html == base / "saddle-out" / "saddle-talk.html"
    return base, html


def _stops(deck: dict) -> list[dict]:
    """The slides a speaker steps through: a looping beat's lead-in moves on by itself."""
    return [s for s in deck["slides"] if not s["auto_next"]]


def test_slides_are_the_beats_with_their_narration_as_notes(saddle_deck):
    base, _ = saddle_deck
    deck = _deck(base / "media", "SaddleTalk")
    assert [_plain(s["notes"]) for s in _stops(deck)] == _expected_notes("saddle")
    loops = [i for i, s in enumerate(deck["slides"]) if s["loop"]]
    assert loops  # a race that restarts while the speaker talks
    for i in loops:  # ... led in by a slide that changes the picture and moves on by itself
        assert deck["slides"][i - 1]["auto_next"] and deck["slides"][i - 1]["notes"] == deck["slides"][i]["notes"]
    for s in deck["slides"]:  # silent by default: the speaker talks
        with av.open(s["file"]) as c:
            assert not c.streams.audio


def test_pdf_has_a_page_per_slide_and_html_loads_nothing_remote(saddle_deck):
    base, html = saddle_deck
    slides = _deck(base / "media", "SaddleTalk")["slides"]
    pdf = html.with_suffix(".pdf").read_bytes()
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == len(slides)
    text = html.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?https?:""", text)
    assert "Reveal" in text
    assert text.count('data-background-video="data:video/mp4') == len(slides)  # every movie embedded
    assert sorted(p.name for p in html.parent.iterdir()) == ["saddle-talk-data", "saddle-talk.html", "saddle-talk.pdf"]


def test_deck_plays_offline_in_a_real_browser(saddle_deck, tmp_path):
    _, html = saddle_deck
    notes = _expected_notes("saddle")
    with offline_page(html) as deck:
        page = deck.page
        assert slide_index(page) == 0
        assert video_time_advances(page)  # the first slide's video plays
        press(page, "ArrowRight")
        assert slide_index(page) == 1
        assert " ".join(_plain(current_notes(page)).split()) == " ".join(notes[1].split())
        page.wait_for_timeout(2500)  # the intro has faded the surface in
        shot = tmp_path / "slide2.png"
        screenshot(page, shot)
        assert deck.blocked == []  # no request left file:
    img = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    blue = (img[..., 2] > img[..., 0] + 40) & (img[..., 2] > 90)  # the surface's blues
    assert blue.mean() > 0.05, "the surface is not on the second slide"


def _frames(path: str) -> list[np.ndarray]:
    with av.open(path) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def test_a_deck_split_in_two_equals_its_one_process_render(saddle_deck, tmp_path):
    """Two workers each draw part of the slides (manim-slides skips the rest: skipped slides take no animation
    number and are not saved) and the parts are joined: the same slides, notes, loops and pictures as one
    process's deck. x264's noise and a trail's head flipping between faint and drawn where a hill's edge
    meets it (the camera's last bits differ after skipped moves) stay far above 35 dB."""
    base, _ = saddle_deck
    r = _optviz("render", "saddle", "--format", "talk", "--short", "--split", "2", "-j", "2", "-o",
                str(tmp_path / "out"), "--media-dir", str(tmp_path / "media"))
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "[saddle talk en 2/2] rendered in" in r.stdout and "joining 2 chunks of slides" in r.stdout
    one, split = _deck(base / "media", "SaddleTalk")["slides"], _deck(tmp_path / "media", "SaddleTalk")["slides"]
    def flags(deck):
        return [(s["notes"], s["loop"], s["auto_next"]) for s in deck]

    assert flags(split) == flags(one)
    for a, b in zip(one, split):
        fa, fb = _frames(a["file"]), _frames(b["file"])
        assert len(fa) == len(fb), (a["notes"][:30], len(fa), len(fb))
        for x, y in zip(fa, fb):
            mse = np.mean((x.astype(float) - y.astype(float)) ** 2)
            assert mse == 0 or 10 * np.log10(255 ** 2 / mse) >= 35.0, a["notes"][:30]
    pdf = (tmp_path / "out" / "saddle-talk.pdf").read_bytes()
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == len(one)


def test_talk_with_a_voice_carries_each_slide_s_words(tmp_path):
    """Rendered in two chunks: each slide's words are the ones its chunk said, joined in the slides' order."""
    r = _optviz("render", "saddle", "--format", "talk", "--short", "--voice", "piper", "--split", "2", "-j", "2",
                "-o", str(tmp_path / "out"), "--media-dir", str(tmp_path / "media"))
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "joining 2 chunks of slides" in r.stdout
    deck = _deck(tmp_path / "media", "SaddleTalk")
    words = json.loads(next((tmp_path / "media").glob("talk-*/slides/SaddleTalk.audio.json")).read_text())
    cues = [b.cue for b in SEGMENTS["saddle"].describe(short=True).beats_for(TALK)]
    assert words[0] is None and len(words) == len(deck["slides"]) == len(cues) + 1
    for wav, s in zip(words[1:], deck["slides"][1:]):  # each slide's WAV says its own notes' first words
        assert Path(wav).name.startswith(re.sub(r"[^a-z0-9]+", "-", _plain(s["notes"]).lower())[:12].strip("-"))
    voiced = 0
    for s in deck["slides"][1:]:
        with av.open(s["file"]) as c:
            if c.streams.audio:
                voiced += 1
                a = c.streams.audio[0]
                assert a.codec_context.sample_rate == 48000
    assert voiced == len(deck["slides"]) - 1  # every beat speaks; the title slide is silent


def test_talk_bad_input_is_one_line_and_exit_2(tmp_path):
    r = _optviz("render", "saddle", "--format", "talk", "--gif", "-o", str(tmp_path / "out"))
    assert r.returncode == 2 and r.stderr.strip() == "optviz: error: --gif and --webm go with --format social, not 'talk'"
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_talk_without_offline_reveal_js_says_what_to_run(tmp_path):
    """No reveal.js in the project's asset cache: one line naming it and ./setup.sh, exit 2, nothing written."""
    from scenes.talk_assets import CACHE_DIR

    aside = CACHE_DIR.with_name(CACHE_DIR.name + ".aside")
    CACHE_DIR.rename(aside)
    try:
        r = _optviz("render", "saddle", "--format", "talk", "-o", str(tmp_path / "out"), "--media-dir",
                    str(tmp_path / "media"))
    finally:
        aside.rename(CACHE_DIR)
    assert r.returncode == 2
    (line,) = r.stderr.strip().splitlines()
    assert line.startswith("optviz: error: reveal.js for offline talk decks is missing (") and line.endswith("run ./setup.sh")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
