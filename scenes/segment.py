"""The base of every lecture segment: a narrated ThreeDScene with the project's conventions.

A segment subclass sets ``segment`` (the name of its narration file) and
writes ``construct`` from the helpers here: ``say`` for a narration cue,
``show_surface``, ``race``, ``panel``, ``fix`` for things pinned to the frame.
"""

from __future__ import annotations

from manim import (
    DOWN, LEFT, RIGHT, UP, FadeOut, MathTex, Text, ThreeDScene, VGroup, config,
)
from manim_voiceover import VoiceoverScene

import optmath
from scenes import settings
from scenes.toolkit import palette
from scenes.toolkit.panel import UpdatePanel
from scenes.toolkit.mesh import MeshCamera
from scenes.toolkit.surface import DEFAULT_PHI, DEFAULT_THETA, DEFAULT_ZOOM, LossSurface
from scenes.toolkit.narration import Script, make_service, shorten
from scenes.toolkit.race import Race, Racer, place_legend


def fmt(x: float, digits: int = 3) -> str:
    """A number as the narration says it: few significant digits, no float noise."""
    x = float(x)
    if x == 0:
        return "0"
    if abs(x) < 1e-3 or abs(x) >= 1e5:
        return f"{x:.{max(digits - 1, 1)}e}".replace("e-0", "e-").replace("e+0", "e")
    return f"{x:.{digits}g}"


def point(p) -> str:
    """A point as narrated and captioned: ``(1, 0.25)``."""
    return f"({fmt(p[0])}, {fmt(p[1])})"


# x264's "veryfast" encodes 1080p ~3x faster than Manim's default "medium" at about the same
# file size for these flat-shaded frames (measured: shared notes, manim-stack.md).
ENCODER_OPTIONS = {"preset": "veryfast", "tune": "animation"}


class Segment(VoiceoverScene, ThreeDScene):
    segment = ""  # narration file name in assets/narration
    short_steps = 12  # trajectory length in the short (test) cut
    view: dict = {}  # the segment's home camera (phi, theta, zoom), if not the default

    def __init__(self, **kwargs):
        kwargs.setdefault("camera_class", MeshCamera)  # draws the surface in one vectorised pass
        super().__init__(**kwargs)

    def setup(self):
        super().setup()
        self.camera.background_color = palette.BACKGROUND
        self.voice = settings.voice()
        self.short = settings.short()
        self.set_speech_service(make_service(self.voice), create_subcaption=True)
        self.script = Script(self.segment)
        self.set_camera_orientation(phi=self.view.get("phi", DEFAULT_PHI), theta=self.view.get("theta", DEFAULT_THETA),
                                    zoom=self.view.get("zoom", DEFAULT_ZOOM))
        self._use_fast_encoder()

    def _use_fast_encoder(self) -> None:
        """Give Manim's per-animation x264 streams our preset (Manim has no setting for it)."""
        writer = getattr(self.renderer, "file_writer", None)
        if writer is None or not hasattr(writer, "open_partial_movie_stream"):
            return
        original = writer.open_partial_movie_stream

        def open_stream(*args, **kwargs):
            original(*args, **kwargs)
            job = getattr(writer, "_current_encode_job", None)
            if job is not None and job.stream.codec_context.name == "libx264":
                job.stream.codec_context.options = {**dict(job.stream.codec_context.options), **ENCODER_OPTIONS}

        writer.open_partial_movie_stream = open_stream

    def render(self, preview: bool = False):
        # Manim can leave a non-daemon encoder thread waiting after an error inside an
        # animation, and the process then never exits; a failed render must fail fast.
        try:
            return super().render(preview)
        except BaseException:
            import os
            import sys
            import traceback

            traceback.print_exc()
            sys.stderr.flush()
            sys.stdout.flush()
            os._exit(1)

    # -- narration ------------------------------------------------------------------------------
    def say(self, key: str, **numbers):
        """Context manager of one narration cue; animations inside fit its duration."""
        text = self.script.text(key, **numbers)
        if self.short:
            text = shorten(text)
        return self.voiceover(text=text)

    def add_sound(self, sound_file, time_offset=0, gain=None, **kwargs):
        if self.voice == "none":
            return  # silent render: captions and timing only
        super().add_sound(sound_file, time_offset=time_offset, gain=gain, **kwargs)

    # -- numbers ----------------------------------------------------------------------------------
    def steps(self, n: int) -> int:
        return min(n, self.short_steps) if self.short else n

    def run(self, surface, optimizer, start, steps, **hyper) -> optmath.Trajectory:
        return optmath.trajectory(surface, optimizer, start, self.steps(steps), **hyper)

    # -- building blocks ----------------------------------------------------------------------------
    def fix(self, *mobjects):
        """Pin mobjects to the frame (titles, panels, legends) so the camera does not move them.

        They are also kept last in the scene's drawing order (see ``play``), so a surface
        added later never paints over an equation.
        """
        self.add_fixed_in_frame_mobjects(*mobjects)
        self.overlays = [m for m in getattr(self, "overlays", []) if m not in mobjects] + list(mobjects)
        for m in mobjects:
            if hasattr(m, "pin"):
                m.pin = self.camera.add_fixed_in_frame_mobjects
                m.unpin = self.camera.remove_fixed_in_frame_mobjects
        return mobjects[0] if len(mobjects) == 1 else mobjects

    def title_card(self, title: str, surface: optmath.Surface) -> VGroup:
        head = Text(title, font_size=34, color=palette.TEXT_COLOR, weight="BOLD")
        formula = MathTex("f(x, y) = " + surface.latex if surface.data is None else surface.latex,
                          font_size=34, color=palette.TEXT_COLOR)
        card = VGroup(head, formula).arrange(DOWN, aligned_edge=LEFT, buff=0.15).to_corner(UP + LEFT, buff=0.35)
        return card

    def show_surface(self, surface: optmath.Surface, **kwargs) -> LossSurface:
        loss = LossSurface(surface, **kwargs)
        return loss

    def race(self, loss: LossSurface, runs: list[tuple[optmath.Trajectory, object]] | list[Racer],
             show_start: bool = False) -> Race:
        """Racers from (trajectory, colour) pairs; ``show_start`` tells same-optimizer runs apart in the legend."""
        def label(t: optmath.Trajectory) -> str | None:
            return f"{t.label} from ({t.start[0]:g}, {t.start[1]:g})" if show_start else None

        racers = [r if isinstance(r, Racer) else Racer(r[0], r[1], label(r[0])) for r in runs]
        race = Race(loss, racers, camera=self.camera)
        self.races = [r for r in getattr(self, "races", []) if r in self.mobjects] + [race]
        for p in race.paths:
            self.add_fixed_orientation_mobjects(p.dot, p.marker)
        return race

    def legend(self, race: Race, corner=UP + RIGHT):
        place_legend(race.legend, corner)
        self.fix(race.legend)
        return race.legend

    def panel(self, trajectory: optmath.Trajectory, race: Race, color=None) -> UpdatePanel:
        p = UpdatePanel(trajectory, race.step, color=color)
        # below the legend (top right), above the frame's bottom edge
        top = race.legend.get_bottom()[1] - 0.25 if race.legend in self.mobjects else config.frame_height / 2 - 0.3
        room = top - (-config.frame_height / 2 + 0.3)
        if p.height > room:
            p.scale_to_fit_height(room)
        p.to_edge(RIGHT, buff=0.3)
        p.shift(UP * (top - p.get_top()[1]))
        self.fix(p)
        return p

    def play(self, *args, **kwargs):
        # drawing order: surfaces (whenever added), then the racers, then pinned overlays
        front = [m for m in getattr(self, "races", []) + getattr(self, "overlays", []) if m in self.mobjects]
        if front and self.mobjects[-len(front):] != front:
            self.bring_to_front(*front)
        return super().play(*args, **kwargs)

    def clear_overlay(self, *mobjects, run_time: float = 0.8):
        """Fade pinned mobjects out and forget them."""
        for m in mobjects:
            m.suspend_updating()  # their updaters would otherwise fight the fade
        self.play(*[FadeOut(m) for m in mobjects], run_time=run_time)
        for m in mobjects:
            m.clear_updaters()
            self.remove(m)
