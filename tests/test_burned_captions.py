"""The clip's captions burned in as its frames are encoded equal libass drawing them on those frames."""

import subprocess

import numpy as np
import pytest
from manim import Circle, FadeIn, Scene, config, tempconfig
import av

from scenes.toolkit import manim_patches
from scenes.toolkit.burned_captions import CaptionBurner, clip_ass

W, H, FPS = 480, 854, 15


def _cue(start, text, step=0.3, gap=0.05):
    words, t = [], start
    for w in text.split():
        words.append({"text": w, "start": round(t, 3), "end": round(t + step, 3)})
        t += step + gap
    return {"start": start, "end": words[-1]["end"] + 0.2, "text": text, "words": words}


CUES = [_cue(0.2, "Gradient descent follows the slope, step by step."),
        _cue(3.55, "Adam's step is 1.47e-5 here, the same as SGD's."),   # a gap longer than the bridge before it
        _cue(6.9, "Then it stops.")]                                     # a gap shorter than the bridge
SECONDS = 8


def _picture():
    """A busy background: every colour under the captions, so a wrong blend cannot hide."""
    y, x = np.mgrid[0:H, 0:W]
    rgb = np.stack([(x * 255 // W), (y * 255 // H), ((x + y) * 7) % 256], axis=-1).astype(np.uint8)
    return np.dstack([rgb, np.full((H, W), 255, np.uint8)])


def _libass(tmp_path, picture, ass):
    """ffmpeg's ass filter on every frame of a still picture: what publishing burned in before."""
    (tmp_path / "captions.ass").write_text(ass, encoding="utf-8")
    (tmp_path / "still.rgb").write_bytes(picture[..., :3].tobytes())
    out = subprocess.run(["ffmpeg", "-v", "error", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{W}x{H}",
                          "-framerate", str(FPS), "-stream_loop", str(SECONDS * FPS - 1), "-i", "still.rgb",
                          "-vf", "ass=filename=captions.ass", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"],
                         cwd=tmp_path, capture_output=True, check=True).stdout
    return np.frombuffer(out, np.uint8).reshape(-1, H, W, 3)


def test_every_frame_equals_libass_burning_the_same_script(tmp_path):
    picture = _picture()
    burner = CaptionBurner(W, H, FPS, "en")
    burner.update(CUES)
    reference = _libass(tmp_path, picture, clip_ass(CUES, W, H, "en"))
    assert len(reference) == SECONDS * FPS
    captioned = 0
    for i, want in enumerate(reference):
        got = burner.burn(picture, i)[..., :3].astype(int)
        assert np.abs(got - want).max() <= 2, i          # libass rounds each of its blends to 8 bits
        captioned += np.abs(want.astype(int) - picture[..., :3]).max() > 64
    assert captioned > SECONDS * FPS // 2                # most frames carry a caption: the test compares some
    assert (picture == _picture()).all()                 # the frame Manim handed over is left as it was


def test_a_frame_needs_only_the_words_spoken_up_to_it():
    """Frames are captioned as they are encoded, before later cues are known: the caption of every frame
    from the cues started by then is the caption from all of them."""
    whole = CaptionBurner(W, H, FPS, "en")
    whole.update(CUES)
    so_far, updated = CaptionBurner(W, H, FPS, "en"), 0
    shown = 0
    for i in range(SECONDS * FPS):
        known = [c for c in CUES if c["start"] <= i / FPS]
        if len(known) > updated:
            so_far.update(known)
            updated = len(known)
        a, b = whole.event_at(i), so_far.event_at(i)
        assert (a and a.body) == (b and b.body), i
        shown += a is not None
    assert shown > SECONDS * FPS // 2


def test_the_encoder_burns_each_frame_by_its_number_on_the_scene_clock(tmp_path):
    """Every frame Manim encodes passes through the burner once, numbered in order from 0, holds included,
    and what the burner returns is what the movie holds."""
    seen = []

    def burn(frame, index):
        seen.append(index)
        out = frame.copy()
        out[:32, :32, :3] = (index * 5) % 250    # the frame number, written into a corner
        return out

    with tempconfig({"media_dir": str(tmp_path), "quality": "low_quality", "disable_caching": False,
                     "write_to_movie": True, "format": "mp4", "progress_bar": "none"}):
        class Two(Scene):
            def construct(self):
                manim_patches.burn_into_frames(self, burn)
                self.play(FadeIn(Circle()), run_time=0.5)
                self.wait(1)                     # a static hold: one frame written 15 times
                self.play(FadeIn(Circle(radius=2)), run_time=0.4)

        scene = Two()
        scene.render()
        movie = scene.renderer.file_writer.movie_file_path
        assert config.disable_caching               # Manim's cache would reuse frames with old captions
    with av.open(str(movie)) as c:
        corners = [int(round(f.to_ndarray(format="rgb24")[8:24, 8:24].mean())) for f in c.decode(video=0)]
    # two animations encode at once (manim.cfg), so the calls interleave; each frame is burned once
    assert sorted(seen) == list(range(len(seen))) and len(seen) == len(corners) > 25
    assert [round(v / 5) for v in corners] == [i % 50 for i in range(len(corners))], corners
