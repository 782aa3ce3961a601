"""Shared test setup: Manim's graphical-test options, made to run on Debian 12's cairo."""

import manim.utils.testing.frames_comparison as frames_comparison

# Manim skips its frame tests below cairo 1.18; Debian 12 ships 1.16. The control frames
# in tests/control_data were made with this cairo, so comparing against them is sound.
frames_comparison.MIN_CAIRO_VERSION = 0

# Key frames are drawn by the camera every segment uses (it draws the vectorised mesh);
# frames_comparison builds a ThreeDScene's renderer with the ThreeDCamera it imported.
from scenes.toolkit.mesh import MeshCamera  # noqa: E402

frames_comparison.ThreeDCamera = MeshCamera


def pytest_addoption(parser):
    parser.addoption("--set_test", action="store_true", default=False,
                     help="(re)write the control frames of the key-frame tests")
    parser.addoption("--show_diff", action="store_true", default=False,
                     help="show a failing key frame next to its control frame")


from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from helpers import optviz  # noqa: E402


@pytest.fixture
def portrait_frames(monkeypatch):
    """A 9:16 test config for frames_comparison (manim 0.21): it sizes its control frames from its own
    test config, ignoring a custom pixel size, and applies custom frame sizes in no fixed order (a
    test saw the 16:9 frame width win in some runs), so the portrait sizes go into the config itself."""
    from scenes.formats.layout import SOCIAL

    original = frames_comparison._config_test

    def portrait(last_frame):
        cfg = original(last_frame)
        cfg["pixel_width"], cfg["pixel_height"] = 480, 854
        cfg["frame_width"], cfg["frame_height"] = SOCIAL.frame.width, SOCIAL.frame.height
        return cfg

    monkeypatch.setattr(frames_comparison, "_config_test", portrait)


@pytest.fixture(scope="session")
def chinese_lecture(tmp_path_factory):
    """The whole lecture in Mandarin, short cut, voiced, at 480p: ``(media dir, published MP4)``.

    Rendered once for the session (eight segments: the suite's largest render) and read by the tests of every
    segment's movie, the lecture's joins and chapters (``test_render``) and of its Chinese words
    (``test_chinese_render``). The English text of every segment is rendered by the clip and deck lectures."""
    base = tmp_path_factory.mktemp("zh")
    r = optviz("render", "lecture", "--lang", "zh", "--short", "-o", base / "out", "--media-dir", base / "media")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return base / "media", Path(r.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def talk_lecture(tmp_path_factory):
    """The whole lecture as one talk deck, short cut, 480p: ``(optviz's result, its folder)``, with ``out`` and
    ``media`` inside. Rendered once for the session: the deck's structure is tested on it (``test_talk_lecture``),
    and the saddle's deck alone is published from its stored slides (``test_talk``)."""
    base = tmp_path_factory.mktemp("talk-lecture")
    r = optviz("render", "lecture", "--format", "talk", "--short", "-o", base / "out", "--media-dir", base / "media")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return r, base


COURSE = """
title = "Two segments, tested"
targets = ["saddle", "stability"]
formats = ["lecture", "social"]
langs = ["en", "zh"]
quality = "l"
short = true
"""


@pytest.fixture(scope="session")
def course(tmp_path_factory):
    """``optviz build`` of a short course (two segments, video and clip, English and Mandarin) in two chunks a
    segment on two workers: ``(folder, optviz's result, seconds)``. Its build is tested in ``test_build``; its
    published saddle and Chinese clip also serve the tests of loudness (``test_render``) and of burned-in
    Chinese (``test_chinese_render``), which would otherwise render the same again."""
    import time

    base = tmp_path_factory.mktemp("course")
    (base / "course.toml").write_text(COURSE)
    t = time.monotonic()
    r = optviz("build", base / "course.toml", "--split", "2", "-j", "2", "-o", base / "out",
               "--media-dir", base / "media")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return base, r, time.monotonic() - t
