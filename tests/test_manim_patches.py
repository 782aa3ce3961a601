"""Each reach into Manim's internals still finds what it relies on (fails on an upgrade that breaks it)."""

import inspect
from pathlib import Path

import numpy as np
from manim import ThreeDAxes, ThreeDScene, config, tempconfig
from manim.scene.scene_file_writer import SceneFileWriter

from scenes.toolkit import manim_patches
from scenes.toolkit.mesh import MeshCamera, MeshSurface, OnePass


def test_partial_movie_stream_is_opened_where_the_encoder_patch_hooks_in():
    source = inspect.getsource(SceneFileWriter.open_partial_movie_stream)
    assert "_current_encode_job" in source or "encode_job" in source
    assert "codec_context" in inspect.getsource(SceneFileWriter) or "options" in source


def test_the_encoder_options_reach_the_x264_stream(tmp_path):
    with tempconfig({"media_dir": str(tmp_path), "quality": "low_quality", "disable_caching": True,
                     "write_to_movie": True, "format": "mp4", "progress_bar": "none"}):
        scene = ThreeDScene()
        manim_patches.use_fast_encoder(scene)
        writer = scene.renderer.file_writer
        patched, seen = writer.open_partial_movie_stream, {}

        def spy(*a, **k):
            patched(*a, **k)
            seen.update(dict(writer._current_encode_job.stream.codec_context.options))

        writer.open_partial_movie_stream = spy
        scene.wait(0.2)
        writer.finish()
    assert seen.get("preset") == "veryfast" and seen.get("tune") == "animation"


def test_threedaxes_ticks_still_carry_the_sheen_we_remove():
    axes = ThreeDAxes(x_range=[-1, 1, 0.5], y_range=[-1, 1, 0.5], z_range=[-1, 1, 0.5])
    carriers = [m for m in axes.family_members_with_points() if "get_gradient_start_and_end_points" in m.__dict__]
    assert carriers, "ThreeDAxes no longer sets a per-member sheen: drop remove_tick_sheen"
    manim_patches.remove_tick_sheen(axes)
    assert not [m for m in axes.family_members_with_points() if "get_gradient_start_and_end_points" in m.__dict__]


def test_camera_rebuilds_display_funcs_and_mesh_camera_draws_meshes():
    cam = MeshCamera()
    verts = np.zeros((2, 2, 3))
    verts[1, :, 0], verts[:, 1, 1] = 1.0, 1.0
    mesh = MeshSurface(verts, np.full((1, 1, 3), 0.5))
    assert cam.type_or_raise(mesh) is OnePass
    assert cam.display_funcs[OnePass] == cam.display_one_pass


def test_base_camera_still_puts_frame_center_into_its_cached_cairo_matrix():
    """If Manim stops doing this, flat_cairo_matrix is no longer needed (and must not be applied twice)."""
    from manim import Camera

    assert "fc[0]" in inspect.getsource(Camera.get_cairo_context)
    cam = MeshCamera()
    cam.frame_center = np.array([1.0, 2.0, 0.5])
    ctx = cam.get_cairo_context(cam.pixel_array)
    xx, yx, xy, yy, x0, y0 = ctx.get_matrix()
    assert (x0, y0) == (cam.pixel_width / 2, cam.pixel_height / 2)


def test_encoder_queue_is_bounded_by_manim_cfg():
    for key, value in manim_patches.ENCODER_QUEUE.items():
        assert getattr(config, key) == value, key


def test_manim_asks_nothing_of_the_network_after_a_render():
    """Manim's CLI fetches pypi.org's page for manim after every render (to say a newer version exists, up to a
    10-s timeout) unless its config says not to. Every job runs Manim from the project's root, with its manim.cfg."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    r = subprocess.run([sys.executable, "-c", "from manim import config; print(config.notify_outdated_version)"],
                       cwd=root, capture_output=True, text=True, check=True)
    assert r.stdout.strip() == "False"


def test_svg_paths_read_their_source_only_while_made_and_forget_it_after():
    """``forget_svg_sources`` drops ``path_obj`` after ``__init__``: Manim must still set it there and
    read it only in ``handle_commands`` (called from ``__init__``), or the glyphs would lose their shape."""
    import copy

    from manim import Text
    from manim.mobject.svg.svg_mobject import VMobjectFromSVGPath

    source = inspect.getsource(VMobjectFromSVGPath)
    assert "self.path_obj = path_obj" in source and source.count("self.path_obj") == 2
    before = Text("Adam 0.05", font_size=30)
    manim_patches.forget_svg_sources()
    manim_patches.forget_svg_sources()  # idempotent: wrapped once
    after = Text("Adam 0.05", font_size=30)
    glyphs = [m for m in after.family_members_with_points() if isinstance(m, VMobjectFromSVGPath)]
    assert glyphs and all(g.path_obj is None for g in glyphs)
    np.testing.assert_array_equal(np.concatenate([m.points for m in before.family_members_with_points()]),
                                  np.concatenate([m.points for m in after.family_members_with_points()]))
    # what the copy at every animation's start now carries: the points, not the parsed SVG
    memo = {}
    copy.deepcopy(after, memo)
    assert not any(type(v).__module__.startswith("svgelements") for v in memo.values())


def _scene_with_sound(tmp_path, monkeypatch, beside: bool):
    import wave

    from scenes.settings import SOUND_BESIDE_ENV

    sound = tmp_path / "beep.wav"
    with wave.open(str(sound), "wb") as w:  # 0.5 s of a square wave at 22.05 kHz, mono: what the voices write
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(22050)
        w.writeframes((b"\x00\x40" * 25 + b"\x00\xc0" * 25) * 220)
    if beside:
        monkeypatch.setenv(SOUND_BESIDE_ENV, "1")
    else:
        monkeypatch.delenv(SOUND_BESIDE_ENV, raising=False)
    media = tmp_path / ("beside" if beside else "muxed")
    with tempconfig({"media_dir": str(media), "quality": "low_quality", "disable_caching": True,
                     "write_to_movie": True, "format": "mp4", "progress_bar": "none", "output_file": "Beep"}):
        scene = ThreeDScene()
        manim_patches.sound_beside_movie(scene)
        scene.add_sound(str(sound))
        scene.wait(1.0)
        scene.renderer.scene_finished(scene)
        return Path(scene.renderer.file_writer.movie_file_path)


def test_a_farm_jobs_sound_goes_beside_its_movie_and_a_plain_render_muxes_it(tmp_path, monkeypatch):
    """With the farm's flag, Manim's mix is written as the WAV beside a picture-only MP4 (no AAC encode);
    without it, Manim muxes as it always did. Fails if ``combine_to_movie`` stops reading
    ``includes_sound`` when it runs, or stops leaving its WAV."""
    import wave

    from scenes.media import probe

    mp4 = _scene_with_sound(tmp_path, monkeypatch, beside=True)
    info = probe(mp4)
    assert not info.has_audio and abs(info.duration - 1.0) < 0.1
    with wave.open(str(mp4.with_suffix(".wav"))) as w:
        assert w.getframerate() == 22050 and 0.45 < w.getnframes() / w.getframerate() < 1.1
    assert not list(mp4.parent.glob("*.part.wav"))
    plain = _scene_with_sound(tmp_path, monkeypatch, beside=False)
    assert probe(plain).has_audio
    # the same mix Manim wrote (and left) beside its own muxed movie, byte for byte
    assert mp4.with_suffix(".wav").read_bytes() == plain.with_suffix(".wav").read_bytes()


def _make_equation(media: str, shared: str, log: str) -> None:
    """One farm job's part: its own media folder, the machine's shared LaTeX folder, one equation."""
    import time

    from manim import MathTex
    from manim.utils import tex_file_writing

    real = tex_file_writing.compile_tex

    def slow_compile(*a, **k):
        with open(log, "a") as fh:
            fh.write(f"{a[0]}\n")
        time.sleep(0.5)  # the other job asks while this one compiles
        return real(*a, **k)

    tex_file_writing.compile_tex = slow_compile
    with tempconfig({"media_dir": media}):
        manim_patches.share_tex_cache(shared)
        manim_patches.share_tex_cache(shared)  # twice: still one lock around Manim's own function
        MathTex(r"x_{k+1} = x_k - \eta \nabla f")


def test_jobs_share_latex_and_compile_an_expression_once(tmp_path):
    """Two jobs (processes, each its own media folder) that make the same equation at once compile it once
    in the shared folder, under the lock beside it, and each parses its own copy. Fails if ``Tex`` stops
    calling ``tex_to_svg_file`` through ``tex_mobject``, if that stops reusing an SVG that exists, or if
    Manim's clean-up after a compile could reach the lock."""
    import multiprocessing

    shared, log = tmp_path / "tex", tmp_path / "compiles.log"
    fork = multiprocessing.get_context("fork")  # Manim is imported already: a fork starts in a blink
    jobs = [fork.Process(target=_make_equation, args=(str(tmp_path / f"job{i}"), str(shared), str(log)))
            for i in range(2)]
    for job in jobs:
        job.start()
    for job in jobs:
        job.join(120)
    assert [job.exitcode for job in jobs] == [0, 0]
    assert len(log.read_text().splitlines()) == 1 and len(list(shared.glob("*.svg"))) == 1
    assert (tmp_path / "tex.lock").exists()
    for i in range(2):  # each job parsed its own copy, and left no temporary file
        assert len(list((tmp_path / f"job{i}" / "Tex").glob("*.svg"))) == 1
        assert not list((tmp_path / f"job{i}" / "Tex").glob(".*"))
