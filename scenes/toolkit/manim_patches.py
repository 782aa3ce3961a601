"""Every place the project reaches into Manim 0.21's internals, each with its reason.

``tests/test_manim_patches.py`` checks that each internal still exists and
still does what the patch relies on, so a Manim upgrade that breaks one fails
there, not in a half-rendered video.
"""

from __future__ import annotations

import os
import sys
import traceback

import numpy as np

from scenes.settings import SOUND_BESIDE_ENV  # set by the render farm for a movie job; a plain ``manim render`` muxes

# x264's "veryfast" encodes 1080p ~3x faster than Manim's default "medium" at about the same
# file size for these flat-shaded frames (shared notes, manim-stack.md).
ENCODER_OPTIONS = {"preset": "veryfast", "tune": "animation"}
# bench/bench_floor.py measures what the clip's one encode costs in picture against the same frames kept
# losslessly (x264's qp 0): set by the benchmark, never by a render a user publishes.
LOSSLESS_ENV = "OPTVIZ_LOSSLESS"


def use_fast_encoder(scene) -> None:
    """Give Manim's per-animation x264 streams our preset: Manim has no setting for it.

    Relies on ``SceneFileWriter.open_partial_movie_stream`` creating
    ``_current_encode_job`` whose ``stream.codec_context.options`` are applied
    when the first frame is encoded.
    """
    writer = getattr(scene.renderer, "file_writer", None)
    if writer is None or not hasattr(writer, "open_partial_movie_stream"):
        return
    original = writer.open_partial_movie_stream

    def open_stream(*args, **kwargs):
        original(*args, **kwargs)
        job = getattr(writer, "_current_encode_job", None)
        if job is not None and job.stream.codec_context.name == "libx264":
            options = {**dict(job.stream.codec_context.options), **ENCODER_OPTIONS}
            if os.environ.get(LOSSLESS_ENV) == "1":
                options.pop("crf", None)  # x264 prefers crf over qp when given both
                options["qp"] = "0"
            job.stream.codec_context.options = options

    writer.open_partial_movie_stream = open_stream


def sound_beside_movie(scene) -> None:
    """Write the scene's sound as ``<movie>.wav`` and leave it out of the MP4, when the farm asks.

    Manim mixes a scene's sounds into a pydub segment, writes it as WAV beside the movie, encodes
    that to AAC with PyAV (``convert_audio``: ~7 s for the saddle's three minutes, frame by frame in
    Python) and muxes it in. A farm job's AAC was never published: chunks are joined from the WAV,
    and publishing decoded it only to normalise and encode it again (three AAC generations, and the
    AAC arrived 21 ms late, its encoder's priming). So with ``SOUND_BESIDE_ENV`` set, the movie is
    combined as if silent (``includes_sound`` off for the call) and the WAV is written the way
    Manim writes it (it ends where the last sound ends, as Manim's track did); publishing encodes it once.

    Relies on ``SceneFileWriter.combine_to_movie`` looking ``includes_sound`` up when it runs, and on
    ``add_audio_segment`` and ``audio_segment`` (pydub) holding the mix.
    """
    if os.environ.get(SOUND_BESIDE_ENV) != "1":
        return
    writer = getattr(scene.renderer, "file_writer", None)
    if writer is None or not hasattr(writer, "combine_to_movie"):
        return
    original = writer.combine_to_movie

    def combine() -> None:
        if not writer.includes_sound:
            return original()
        writer.includes_sound = False
        try:
            original()
        finally:
            writer.includes_sound = True
        from pydub import AudioSegment

        wav = writer.movie_file_path.with_suffix(".wav")
        part = wav.with_suffix(".part.wav")
        writer.add_audio_segment(AudioSegment.silent(0))  # as Manim does before it writes its WAV
        writer.audio_segment.export(str(part), format="wav")
        os.replace(part, wav)

    writer.combine_to_movie = combine


def share_tex_cache(folder: str | None) -> None:
    """Compile LaTeX in ``folder``, which every job on this machine shares, one compile at a time.

    Manim keeps its SVGs per media folder, and each farm job has its own: the lecture's 16 jobs
    compiled 196 expressions, 77 of them different (both chunks of a segment compile its equations).
    ``tex_to_svg_file`` returns an SVG that already exists, so a shared folder is a shared cache;
    what is not safe to share is a compile in progress (``compile_tex`` writes the DVI that
    ``convert_to_svg`` reads, and ``delete_nonsvg_files`` deletes every other job's DVI too), nor a
    parse (``SVGMobject.generate_mobject`` writes ``<name>_.svg`` beside the SVG and deletes it). So
    the call runs with ``config.tex_dir`` set to the shared folder under an exclusive lock beside it
    (not in it: the clean-up would delete it), and the SVG is copied into the job's own folder, where
    Manim parses it. A job that needs an equation another is compiling waits, then copies it.
    Relies on ``tex_to_svg_file`` being what ``Tex``/``MathTex`` call (bound by name in
    ``manim.mobject.text.tex_mobject``) and writing in ``config.tex_dir``.
    """
    if not folder:
        return
    import fcntl
    import shutil
    from pathlib import Path

    from manim import config
    from manim.mobject.text import tex_mobject
    from manim.utils import tex_file_writing

    shared = Path(folder)
    shared.mkdir(parents=True, exist_ok=True)
    original = getattr(tex_file_writing.tex_to_svg_file, "unshared", tex_file_writing.tex_to_svg_file)

    def tex_to_svg_file(expression, environment=None, tex_template=None):
        own, setting = config.get_dir("tex_dir"), config.tex_dir  # the folder, and the setting ("{media_dir}/Tex")
        with open(shared.with_name(shared.name + ".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released on close, or when a killed job's process ends
            config.tex_dir = str(shared)
            try:
                svg = original(expression, environment, tex_template)
            finally:
                config.tex_dir = setting
        own.mkdir(parents=True, exist_ok=True)
        mine = own / svg.name
        if not mine.exists():
            part = own / f".{svg.name}.{os.getpid()}.part"
            shutil.copyfile(svg, part)
            os.replace(part, mine)
        return mine

    tex_to_svg_file.unshared = original
    tex_file_writing.tex_to_svg_file = tex_mobject.tex_to_svg_file = tex_to_svg_file


def burn_into_frames(scene, burn) -> None:
    """Pass every frame Manim encodes through ``burn(frame, index)`` (the clip's captions), with its
    frame number on the scene's clock, on the encoder's thread.

    Manim encodes each animation's frames in its own thread (``_PartialMovieEncodeJob``), a static hold
    as one frame written ``num_frames`` times; captions change within a hold, so each repeat is burned on
    its own. Relies on ``open_partial_movie_stream`` creating ``_current_encode_job`` before the first
    frame, on ``renderer.time`` being the animation's start then (``CairoRenderer.add_frame`` moves it
    as frames are written), and on the job's ``_encode_and_write_frame(frame, num_frames)``, ``stream``
    and ``container``. Manim's cache of partial movies is turned off: a reused animation would carry the
    captions of the moment it was first drawn.
    """
    import av
    from manim import config

    writer = getattr(scene.renderer, "file_writer", None)
    if writer is None or not hasattr(writer, "open_partial_movie_stream"):
        return
    config.disable_caching = True
    original = writer.open_partial_movie_stream

    def open_stream(*args, **kwargs):
        original(*args, **kwargs)
        job = getattr(writer, "_current_encode_job", None)
        if job is None:
            return
        first = [round(scene.renderer.time * config.frame_rate)]

        def encode(frame, num_frames):
            for _ in range(num_frames):
                av_frame = av.VideoFrame.from_ndarray(burn(frame, first[0]), format="rgba")
                first[0] += 1
                for packet in job.stream.encode(av_frame):
                    job.container.mux(packet)

        job._encode_and_write_frame = encode

    writer.open_partial_movie_stream = open_stream


def forget_svg_sources() -> None:
    """Let every glyph and SVG path drop its parsed source once its points are made.

    ``VMobjectFromSVGPath`` keeps ``path_obj``, the svgelements path it was built from (thousands of
    Python ``Point``/``CubicBezier`` objects per text), though only ``handle_commands`` reads it, during
    ``__init__``. ``Mobject.copy`` is a deepcopy, and Manim copies every animated mobject as an animation
    begins (``Transform.begin``, ``FadeOut``): copying those sources was ~20% of a draft render (an update
    panel: 18 000 objects, 64 ms a copy). Relies on ``__init__`` setting ``path_obj`` and
    ``generate_points`` being the only reader. Idempotent.
    """
    from manim.mobject.svg.svg_mobject import VMobjectFromSVGPath

    if getattr(VMobjectFromSVGPath.__init__, "_optviz_forgets", False):
        return
    original = VMobjectFromSVGPath.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.path_obj = None

    init._optviz_forgets = True
    VMobjectFromSVGPath.__init__ = init


def exit_on_error(render, *args):
    """Run ``Scene.render``; on an error, print it and leave the process at once.

    Manim can leave a non-daemon encoder thread waiting after an exception inside
    an animation, and the process then never exits: a failed render must fail fast.
    Ctrl-C exits 130 without a traceback.
    """
    try:
        return render(*args)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.stderr.flush()
        os._exit(130)
    except BaseException:
        traceback.print_exc()
        sys.stderr.flush()
        sys.stdout.flush()
        os._exit(1)


def enter_section(scene, name: str, skip: bool) -> None:
    """Start a Manim section that is drawn or skipped, and make the skip take effect at once.

    ``Scene.next_section(skip_animations=...)`` is Manim's own way to render part of a
    scene, but the renderer only reads a section's flag at its next ``play`` while
    ``Scene.add_sound`` reads ``renderer.skip_animations`` now: a voiceover that
    starts a drawn section after skipped ones would be dropped (and one that starts a
    skipped section kept). Relies on ``CairoRenderer.skip_animations`` and
    ``_original_skipping_status``.
    """
    scene.next_section(name, skip_animations=skip)
    scene.renderer.skip_animations = skip or scene.renderer._original_skipping_status


def advance_as_drawn(scene, start: float) -> None:
    """After a skipped ``play``, set the clock to where drawing it would have left it.

    Skipped, ``CairoRenderer.play`` moves ``renderer.time`` by the run time; drawn, ``add_frame`` moves it
    by whole frames: one per entry of ``np.arange(0, run_time, 1/fps)`` (``Scene.get_time_progression``),
    or ``int(run_time * fps)`` for a frozen wait (``freeze_current_frame``). Without this a chunk that
    skips into the middle of a beat started that beat's frames up to a frame per skipped animation early
    against its words, and its last wait (words' end minus the clock) came out a frame longer than the
    one-process render's. Relies on those three Manim methods and ``Scene.duration``.
    """
    dt = 1 / scene.camera.frame_rate
    if scene.animations and scene.is_current_animation_frozen_frame():
        scene.renderer.time = start + int(scene.duration / dt) * dt
        return
    t = start
    from manim import config

    for _ in range(len(np.arange(0, scene.duration, 1 / config["frame_rate"]))):
        t += dt
    scene.renderer.time = t


def remove_tick_sheen(axes) -> None:
    """ThreeDAxes gives every tick a sheen whose gradient is recomputed from the whole axis on every
    frame: profiled at ~30% of a camera-move frame, for a barely visible effect. The sheen is an
    instance attribute ``get_gradient_start_and_end_points`` set on each member; drop it."""
    for m in axes.family_members_with_points():
        m.__dict__.pop("get_gradient_start_and_end_points", None)


def register_display_function(camera, kind, function) -> None:
    """Teach a Cairo camera to draw a mobject type of ours (the vectorised mesh).

    ``Camera.type_or_raise`` rebuilds ``display_funcs`` on every call, so the
    entry is added each time the type is asked for (see ``MeshCamera``).
    """
    if not hasattr(camera, "display_funcs"):
        camera.display_funcs = {}
    camera.display_funcs[kind] = function


def flat_cairo_matrix(camera, ctx) -> None:
    """Map frame units to pixels around the frame's centre, whatever ``frame_center`` is.

    ``ThreeDCamera.project_points`` already subtracts ``frame_center`` from 3D points,
    but the base ``Camera.get_cairo_context`` puts ``frame_center`` into the Cairo matrix
    too, and caches that context from the first frame: a camera whose centre is moved
    before the first frame (to frame the surface beside the overlays) shifts every
    overlay pinned to the frame by that first centre. Reset the matrix on each use.
    """
    import cairo

    pw, ph, fw, fh = camera.pixel_width, camera.pixel_height, camera.frame_width, camera.frame_height
    ctx.set_matrix(cairo.Matrix(pw / fw, 0, 0, -(ph / fh), pw / 2, ph / 2))


# manim.cfg bounds the encoder's frame queue (``max_inflight_encoders``, ``encoder_queue_size``):
# with Manim's default the queue is unbounded and static waits queued 2.5 GB of 1080p frames.
ENCODER_QUEUE = {"max_inflight_encoders": 2, "encoder_queue_size": 8}
