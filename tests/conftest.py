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


import pytest  # noqa: E402


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
