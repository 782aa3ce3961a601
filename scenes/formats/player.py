"""The scene that plays a segment's description in a format: one narrated ThreeDScene for any layout.

A description lists beats, each a cue and the picture while it is spoken; this
scene moves from one picture to the next (fading out what goes, building what
comes, reframing the surface into the space the overlays leave), speaks the
cue and spreads the beat's camera moves and race over the cue's duration.
Formats subclass it with a layout and their pacing; nothing here holds a
screen coordinate of its own.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from manim import (
    DEGREES, DOWN, LEFT, RIGHT, UP, BackgroundRectangle, Create, FadeIn, FadeOut, ManimColor, MathTex, Text, ThreeDScene, ValueTracker,
    VGroup, config, linear, smooth,
)
from manim_voiceover import VoiceoverScene

from scenes import language, settings
from scenes.description import Beat, Description, FlyTo, Home, Look, Orbit, Show, TopDown
from scenes.formats.layout import Layout, Rect
from scenes.toolkit import manim_patches, palette
from scenes.toolkit.arrows import SurfaceArrows
from scenes.toolkit.cards import PhoneCard, SwarmLegend, make_card
from scenes.toolkit.glyphs import merge_glyphs
from scenes.toolkit.fit_plot import FitPlot
from scenes.toolkit.loss_plot import LossPlot
from scenes.toolkit.step_arrows import StepArrows
from scenes.toolkit.framing import frame
from scenes.toolkit.mesh import MeshCamera
from scenes.toolkit.narration import Script, make_service, shorten
from scenes.toolkit.panel import UpdatePanel
from scenes.toolkit.race import Race, Racer
from scenes.toolkit.surface import LossSurface
from scenes.toolkit.swarm import SwarmPaths

FADE = 0.5  # seconds to fade out what the next beat no longer shows
# seconds a camera turn to a new view (top-down, home, a close-up) takes; an orbit spreads over its whole share.
# A turn drawn out over a 30 s cue drifted for no reason, and every moving frame redraws the whole surface.
TRANSITION = 3.0
# A portrait clip frames its race, not the whole surface, when the race is the story (issue 18: the saddle's
# race took 35% of the phone's width): the paths fill RACE_FILL of the slot, the surface at most
# CLOSE_UP_MOST times its whole-surface size; what spills past the slot's top and bottom is not drawn.
RACE_FILL = 0.8
CLOSE_UP_MOST = 2.5
# what the scene holds, each with what goes when it goes (a race's legend, the surface's title and key)
FORGOTTEN_WITH = {"swarm": ("swarm_legend",), "card": (), "arrows": (), "race": ("legend",), "panel": (), "plot": (),
                  "loss_plot": (), "step_arrows": (),
                  "loss": ("title", "surface_key")}


@dataclass(frozen=True)
class CameraState:
    """Where the camera looks, before a format frames it: angles, a focus and a relative zoom."""

    phi: float  # degrees
    theta: float
    zoom: float = 1.0
    focus: tuple[float, float] | None = None  # a point of the domain to centre on


class ChunkEnd(Exception):
    """A chunk's last animation is drawn: the rest of the segment is another chunk's."""


def place_in(mob, slot: Rect, align=UP + LEFT):
    """Scale a mobject down to fit its slot and put it in the slot's corner ``align``."""
    if mob.width > slot.width or mob.height > slot.height:
        mob.scale(min(slot.width / mob.width, slot.height / mob.height))
    x = slot.left if align[0] < 0 else slot.right if align[0] > 0 else slot.center[0]
    y = slot.top if align[1] > 0 else slot.bottom if align[1] < 0 else slot.center[1]
    mob.move_to(np.array([x, y, 0.0]), aligned_edge=align)
    return mob


class FormatScene(VoiceoverScene, ThreeDScene):
    """Plays ``describe()``'s beats for ``format_name`` in ``layout``.

    Set by the segment module (``scenes.segments._manim``): ``segment`` (the
    narration file) and ``describe`` (the description builder).
    """

    format_name = "lecture"
    layout: Layout
    segment = ""
    describe = None
    reveal_instantly = False  # the social clip's first frame is already the full picture (it loops)

    def __init__(self, **kwargs):
        kwargs.setdefault("camera_class", MeshCamera)  # draws the surface in one vectorised pass
        super().__init__(**kwargs)

    # -- set-up ----------------------------------------------------------------------------------------
    def setup(self):
        manim_patches.share_tex_cache(settings.shared_tex_dir())  # before any equation is made
        super().setup()
        self.camera.background_color = ManimColor(palette.BACKGROUND)
        self.voice = settings.voice()
        self.short = settings.short()
        self.set_speech_service(make_service(self.voice), create_subcaption=True)
        self.desc: Description = type(self).describe(short=self.short)
        self.script = Script.of(self.segment, title=self.desc.title)
        for beat in self.desc.beats:
            self.script.check_tags(beat)  # a tag naming no claim is a typo in the narration: stop before drawing
        view = self.desc.view
        self.cam = self.home = CameraState(view.phi, view.theta)
        manim_patches.use_fast_encoder(self)
        manim_patches.sound_beside_movie(self)
        manim_patches.forget_svg_sources()
        self.spoken_words: list[dict] = []
        self.play_costs: list[dict] = []  # each drawn animation: seconds of video and seconds it took to draw
        self.play_mark = time.perf_counter()  # when the last animation ended (formats that play before construct)
        self.loss: LossSurface | None = None
        self.surface_key = None
        self.shown = Show(surface="")
        self.race = self.legend = self.panel = self.plot = self.title = None
        self.swarm = self.swarm_legend = self.card = self.arrows = self.loss_plot = self.step_arrows = None
        self.close = 0.0  # how far the camera has closed in on the race (stacked layouts): 0 whole surface, 1 race
        self.race_corners = None  # the race's points on the surface, what a close-up frames

    def add_sound(self, sound_file, time_offset=0, gain=None, **kwargs):
        if self.voice == "none":
            return  # silent render: captions and timing only, no track of silence
        super().add_sound(sound_file, time_offset=time_offset, gain=gain, **kwargs)

    def render(self, preview: bool = False):
        return manim_patches.exit_on_error(super().render, preview)

    # -- the whole segment ------------------------------------------------------------------------------
    window: tuple | None = None  # a chunk's (first, stop) positions; stop None: to the end
    at = (0, 0)  # (beat, play) of the next animation
    chunk_start: float | None = None  # where the chunk's first drawn animation starts, on the segment's clock

    def open_window(self):
        """One chunk of a segment split across workers: what comes before it runs skipped (its final state,
        no frames), it is drawn from its first animation, and the rest never runs. Returns the chunk's
        (first, stop), or None for the whole segment; called again, it changes nothing."""
        self.beats = beats = self.desc.beats_for(self.format_name)
        part = settings.chunk()
        if part is not None and self.window is None:
            first, stop = part
            self.window = (first, stop if stop[0] < len(beats) else None)
            if first > (0, 0):
                self.skip_section("before", skip=True)
        return part

    def skip_section(self, name: str, skip: bool) -> None:
        """Skip what follows, or draw it (``manim_patches.enter_section``)."""
        manim_patches.enter_section(self, name, skip=skip)

    def construct(self):
        part = self.open_window()
        beats = self.beats
        self.play_mark = time.perf_counter()
        try:
            for i, beat in enumerate(beats):
                self.at = (i, 0)
                self.play_beat(beat)
            self.at = (len(beats), 0)
            self.finish()
        except ChunkEnd:
            pass
        if part is None:
            self.write_word_timeline()
            return
        if self.chunk_start is None:
            raise ValueError(f"chunk {part} starts after the last of the segment's animations")
        self.write_word_timeline(since=self.chunk_start, until=self.time, chunk={
            "first": list(part[0]), "stop": list(part[1]), "beats": len(beats), "start": self.chunk_start,
            "end": self.time})

    def finish(self) -> None:
        """End of the segment: fade every overlay and the race; the surface stays for the next segment's cut."""
        self.fade_out([m for m in self.overlays_up() + [self.title] if m is not None])

    def overlays_up(self) -> list:
        return [m for m in (self.race, self.legend, self.panel, self.plot, self.swarm, self.swarm_legend, self.card,
                            self.arrows, self.loss_plot, self.step_arrows) if m is not None]

    # -- one beat ----------------------------------------------------------------------------------------
    def cue_text(self, beat: Beat) -> str:
        text = self.script.say(beat)
        return shorten(text) if self.short else text

    def play_beat(self, beat: Beat) -> None:
        show = beat.show
        self.leave(show)  # fades what goes, before the words start
        with self.voiceover(text=self.cue_text(beat)) as tr:
            self.note_words(tr)
            total = max(tr.duration - 0.2, 1.0)
            spent = self.arrive(show, total)  # builds what comes, reframes the surface
            self.play_moves(list(beat.camera), show, max(total - spent, 0.5))

    def hold(self, seconds: float) -> None:
        """A still picture while words are spoken (a talk deck holds its last frame instead)."""
        self.wait(seconds)

    def leave(self, show: Show) -> None:
        gone = []
        if self.race is not None and (show.racers != self.shown.racers or show.surface != self.surface_key):
            gone += [self.race, self.legend]
            if self.plot is not None:
                gone += list(self.plot.curves)
        if self.panel is not None and (show.panel != self.shown.panel or gone):
            gone.append(self.panel)
        if self.loss_plot is not None and (not show.loss or gone):
            gone.append(self.loss_plot)
        if self.step_arrows is not None and ((show.vectors, show.vectors_at) != (self.shown.vectors, self.shown.vectors_at)
                                             or gone):
            gone.append(self.step_arrows)
        if self.plot is not None and (not show.plot or show.surface != self.surface_key):
            gone.append(self.plot)
        new_surface = show.surface != self.surface_key
        if self.swarm is not None and (show.swarm != self.shown.swarm or new_surface):
            gone += [self.swarm, self.swarm_legend]
        if self.card is not None and (show.card != self.shown.card or new_surface):
            gone.append(self.card)
        if self.arrows is not None and (show.arrows != self.shown.arrows or new_surface):
            gone.append(self.arrows)
        if self.loss is not None and new_surface:
            gone += [self.loss, self.title]
        self.fade_out([m for m in gone if m is not None])
        # forget what was faded out, with what belongs to it
        for name, partners in FORGOTTEN_WITH.items():
            mob = getattr(self, name)
            if mob is not None and mob not in self.mobjects:
                for attr in (name,) + partners:
                    setattr(self, attr, None)

    def arrive(self, show: Show, total: float) -> float:
        """Build and fade in what the beat shows that is not up yet; returns the seconds spent."""
        spent = 0.0
        if self.loss is None:
            spent += self.reveal_surface(show.surface, total)
        fresh = []
        if show.racers and self.race is None:
            # beside the update panel (which names its run in full) the legend names each run briefly
            self.race = self.make_race(show.racers, brief=self.layout.brief_labels or show.panel is not None)
            self.legend = self.place_legend(self.race)
            self.add(self.race)
            if self.layout.stacked:
                self.race_corners = np.vstack([p.dense for p in self.race.paths])
            fresh.append(self.legend)
        if show.plot and self.plot is None and self.layout.plot is not None:
            self.plot = self.place(FitPlot(self.loss.loss.data), self.layout.plot)
            fresh.append(self.plot)
        if self.plot is not None and self.race is not None and len(self.plot.curves) == 0:
            for path in self.race.paths:
                curve = self.plot.track(path.racer.trajectory, self.race.step, path.racer.color)
                self.camera.add_fixed_in_frame_mobjects(curve)
        if show.loss and self.loss_plot is None and self.race is not None and self.layout.loss is not None:
            self.loss_plot = self.place_loss_plot(LossPlot(self.race, font_size=self.layout.legend_size,
                                                           compact=self.layout.stacked))
            fresh.append(self.loss_plot)
        if show.vectors and self.step_arrows is None and self.race is not None:
            path = self.race.paths[list(show.racers).index(show.vectors)]
            self.step_arrows = StepArrows(path, show.vectors_at, font_size=self.layout.legend_size + 4)
            self.add_fixed_orientation_mobjects(*self.step_arrows.labels)
            self.in_front(self.step_arrows)
            fresh.append(self.step_arrows)
        if show.panel and self.panel is None and self.layout.panel is not None:
            self.panel = self.make_panel(show.panel)
            fresh.append(self.panel)
        if show.swarm and self.swarm is None:
            swarm = self.desc.swarms[show.swarm]
            self.swarm_step = ValueTracker(0)
            self.swarm = SwarmPaths(self.loss, swarm, self.swarm_step)
            self.swarm_legend = self.place_legend(SwarmLegend(swarm, font_size=self.layout.legend_size))
            self.add(self.swarm)
            self.in_front(self.swarm)
            fresh += [self.swarm, self.swarm_legend]  # the particles fade in too (they popped in at once)
        if show.card and self.card is None and self.layout.panel is not None and self.layout.cards:
            self.card = self.place_card(make_card(self.desc.cards[show.card], font_size=self.layout.legend_size))
            fresh.append(self.card)
        elif show.card and self.card is None and self.layout.phone_cards:
            self.card = self.place(PhoneCard(self.desc.cards[show.card], font_size=self.layout.legend_size,
                                             width=self.layout.panel.width), self.layout.panel)
            fresh.append(self.card)
        if show.arrows and self.arrows is None:
            self.arrows = SurfaceArrows(self.loss, self.desc.arrows[show.arrows], font_size=self.layout.legend_size + 4)
            self.add_fixed_orientation_mobjects(*self.arrows.labels)
            self.in_front(self.arrows)
            fresh.append(self.arrows)
        anims = [FadeIn(m) for m in fresh]
        if show.highlight is not None and self.panel is not None and show.highlight < len(self.panel.rule):
            anims.append(self.panel.highlight(show.highlight))
        slot = self.free_slot()
        if slot != self.slot:
            old, self.slot = self.slot, slot
            # the race has gone: back from its close-up while the slot grows, not after
            closing = (self.close, 0.0) if self.race is None and self.close > 0 else None
            self.turn(self.cam, self.cam, old, slot, anims, run_time=1.0, closing=closing)
            spent += 1.0
        elif anims:
            self.play(*anims, run_time=0.8)
            spent += 0.8
        self.shown = show
        return spent

    def reveal_surface(self, key: str, total: float) -> float:
        surf = self.desc.surfaces[key]
        self.loss = LossSurface(surf, height=self.desc.view.height)
        self.surface_key = key
        self.title = self.make_title(surf)
        self.cam = self.home
        self.slot = self.free_slot()
        self.clip_to(self.slot)
        self.set_camera_orientation(**self.camera_args(self.cam))
        if self.reveal_instantly:
            self.add(self.loss)
            self.fix(self.title)
            return 0.0
        self.fix(self.title)
        self.play(FadeIn(self.title), Create(self.loss.axes), run_time=1.0)
        rest = max(total * 0.3, 1.0)
        self.play(FadeIn(self.loss.contours), FadeIn(self.loss.mesh), run_time=rest)
        self.add(self.loss)
        return 1.0 + rest

    def play_moves(self, moves, show: Show, seconds: float) -> None:
        """The beat's camera moves one after another; the race advances across all of them."""
        # (tracker, where it is, where the beat leaves it): the race's step and the swarm's
        moving = ([(self.race.step, self.race.steps)] if self.race is not None else []) \
            + ([(self.swarm_step, self.swarm.steps)] if self.swarm is not None else [])
        goals = [(tracker, tracker.get_value(), steps if show.to_step is None else min(show.to_step, steps))
                 for tracker, steps in moving]
        goals = [g for g in goals if g[2] > g[1]]

        def advance(a: float, b: float) -> list:
            """The trackers from share a to share b of the beat. A swarm's paths do most of their moving in
            their first steps, so its step follows the square of the share: those steps get more of the time."""
            anims = []
            for tracker, start, end in goals:
                if self.swarm is not None and tracker is self.swarm_step and b * b > a * a:
                    ease = lambda u, a=a, b=b: ((a + (b - a) * u) ** 2 - a * a) / (b * b - a * a)  # noqa: E731
                    anims.append(tracker.animate(rate_func=ease).set_value(start + (end - start) * b * b))
                else:
                    anims.append(tracker.animate(rate_func=linear).set_value(start + (end - start) * b))
            return anims

        target = 1.0 if self.race is not None and self.race_corners is not None else 0.0
        if target != self.close and not moves:
            moves = [Look(self.cam.phi, self.cam.theta, self.cam.zoom)]  # the close-up (or the way back) is the move
        if not moves:
            if goals:
                self.play(*advance(0.0, 1.0), run_time=seconds)
            else:
                self.hold(seconds)
            return
        shares = np.array([m.share for m in moves], float)
        times = seconds * shares / shares.sum()
        elapsed = 0.0
        for k, (move, t) in enumerate(zip(moves, times)):
            before, elapsed = elapsed, elapsed + t
            was, self.cam = self.cam, self.apply(move, self.cam)
            share = 1.0 if k == len(moves) - 1 else elapsed / seconds  # the last move ends the race exactly
            closing = (self.close, target)
            if isinstance(move, Orbit) and self.close == target:
                self.move_camera(**self.camera_args(self.cam), added_anims=advance(before / seconds, share), run_time=t)
                continue
            if isinstance(move, Orbit) or t <= TRANSITION + 0.5:
                self.turn(was, self.cam, self.slot, self.slot, advance(before / seconds, share), run_time=t,
                          closing=closing)
                continue
            # a turn to a view takes TRANSITION seconds, then the camera holds there while the race goes on
            middle = (before + TRANSITION) / seconds
            self.turn(was, self.cam, self.slot, self.slot, advance(before / seconds, middle), run_time=TRANSITION,
                      closing=closing)
            rest = advance(middle, share)
            if rest:
                self.play(*rest, run_time=t - TRANSITION)
            else:
                self.hold(t - TRANSITION)

    # -- camera -------------------------------------------------------------------------------------------
    def apply(self, move, cam: CameraState) -> CameraState:
        if isinstance(move, Orbit):
            return replace(cam, theta=cam.theta + move.degrees)
        if isinstance(move, FlyTo):
            return replace(cam, zoom=move.zoom, focus=tuple(move.xy))
        if isinstance(move, TopDown):
            return CameraState(0.0, -90.0, move.zoom)
        if isinstance(move, Look):
            return CameraState(move.phi, move.theta, move.zoom)
        if isinstance(move, Home):
            return self.home
        raise TypeError(f"unknown camera move {move!r}")

    def free_slot(self) -> Rect:
        """Where the surface goes now: the layout's slot for the overlays that are up, and in a layout
        that stacks them above and below the surface, all the height between the ones actually drawn."""
        above = self.panel if self.panel is not None else self.card  # in the panel's place
        below = self.legend if self.legend is not None else self.swarm_legend  # in the legend's place
        any_up = (self.race is not None or self.plot is not None or self.loss_plot is not None or above is not None
                  or below is not None)
        slot = self.layout.surface_slot(any_up, above is not None, self.card is not None)
        if not self.layout.stacked:
            if below is not None and above is None and self.plot is None and self.loss_plot is None:
                # only a legend, in its corner: the surface may take the whole width under it instead of
                # the column beside it (a short legend left the right half of the frame empty)
                alone = self.layout.surface_alone
                under = Rect(alone.left, alone.bottom, alone.right, min(alone.top, below.get_bottom()[1] - 0.15))
                if under.height > 0 and self.framed_zoom(under) > self.framed_zoom(slot):
                    return under
            return slot
        top = above.get_bottom()[1] - 0.15 if above is not None else self.layout.surface_alone.top
        if self.loss_plot is not None:
            below = self.loss_plot  # it sits on the legend
        bottom = below.get_top()[1] + 0.15 if below is not None else self.layout.surface_alone.bottom
        return Rect(slot.left, bottom, slot.right, top)

    def framed_zoom(self, slot: Rect) -> float:
        """How large the surface is drawn in ``slot`` from the current camera (a larger zoom, a larger picture)."""
        return float(self.camera_args(self.cam, slot)["zoom"])

    def turn(self, start: CameraState, end: CameraState, start_slot: Rect, end_slot: Rect, added_anims,
             run_time: float, closing: tuple[float, float] | None = None) -> None:
        """Move the camera from one view (in one slot) to another, framed anew at every frame.

        Manim's ``move_camera`` interpolates angles and zoom separately, and a view between two framed
        views is not framed: a bowl turning from three-quarter to top-down grew over the title on its
        way. Here every frame's zoom and centre fit the surface into the slot at that frame's angles.
        ``closing``: from and to how close in on the race (``camera_args``), changed on the way.
        """
        u = ValueTracker(0.0)
        c0, c1 = closing or (self.close, self.close)

        def lerp(a, b, t):
            return a + (b - a) * t

        def frame_at(t: float) -> None:
            slot = Rect(*(lerp(a, b, t) for a, b in zip((start_slot.left, start_slot.bottom, start_slot.right,
                                                           start_slot.top), (end_slot.left, end_slot.bottom,
                                                                             end_slot.right, end_slot.top))))
            angles = dict(phi=lerp(start.phi, end.phi, t), theta=lerp(start.theta, end.theta, t),
                          zoom=lerp(start.zoom, end.zoom, t))
            self.close = lerp(c0, c1, smooth(t))
            self.clip_to(slot)
            a = self.camera_args(CameraState(focus=start.focus, **angles), slot)
            b = a if end.focus == start.focus else self.camera_args(CameraState(focus=end.focus, **angles), slot)
            self.set_camera_orientation(phi=a["phi"], theta=a["theta"], zoom=lerp(a["zoom"], b["zoom"], t),
                                        frame_center=lerp(np.asarray(a["frame_center"]), np.asarray(b["frame_center"]), t))

        # the camera is set before any other updater runs (the scene updates its mobjects in order), so a
        # race's trail tests what a hill hides with the camera of the frame it is drawn in, not the frame
        # before's; and a skipped turn (one update, at its end) leaves the trail of the turn's last view
        driver = ValueTracker(0.0).add_updater(lambda m: frame_at(u.get_value()))
        self.bring_to_back(driver)
        self.turning = True
        try:
            self.play(u.animate(rate_func=smooth).set_value(1.0), *added_anims, run_time=run_time)
        finally:
            self.turning = False
        driver.clear_updaters()
        self.remove(driver)
        frame_at(1.0)
        if self.close == 0.0 and self.race is None:
            self.race_corners = None

    def clip_to(self, slot: Rect) -> None:
        """In a stacked (portrait) layout, draw the picture only between the slot's top and bottom: a close-up
        on the race spills past them, over the title and the legend (``MeshCamera.clip_band``)."""
        if self.layout.stacked:
            self.camera.clip_band = (slot.bottom, slot.top)

    def camera_args(self, cam: CameraState, slot: Rect | None = None) -> dict:
        """Manim's camera parameters that put the surface, seen from ``cam``, into the free slot (or ``slot``)."""
        slot = slot or self.slot
        focus = None if cam.focus is None else self.loss.point(*cam.focus)
        angles = (cam.phi * DEGREES, cam.theta * DEGREES, slot.center, (slot.width, slot.height))
        zoom, center = frame(self.loss.bounding_corners(), *angles, focus=focus, zoom_factor=cam.zoom)
        if self.close > 0 and self.race_corners is not None and focus is None:
            race_zoom, _ = frame(self.race_corners, *angles, fill=RACE_FILL)
            factor = float(np.clip(race_zoom / zoom, 1.0, CLOSE_UP_MOST)) ** self.close
            close_zoom, close_center = frame(self.race_corners, *angles, fill=RACE_FILL,
                                             zoom_factor=zoom * factor / race_zoom)
            zoom, center = close_zoom, center + (close_center - center) * self.close
        return dict(phi=cam.phi * DEGREES, theta=cam.theta * DEGREES, zoom=zoom, frame_center=center)

    # -- overlays -------------------------------------------------------------------------------------------
    def fix(self, *mobjects):
        """Pin mobjects to the frame and keep them drawn last, so the surface never paints over them."""
        self.add_fixed_in_frame_mobjects(*mobjects)
        self.overlays = [m for m in getattr(self, "overlays", []) if m not in mobjects] + list(mobjects)
        for m in mobjects:
            if hasattr(m, "pin"):
                m.pin = self.camera.add_fixed_in_frame_mobjects
                m.unpin = self.camera.remove_fixed_in_frame_mobjects
        return mobjects[0] if len(mobjects) == 1 else mobjects

    def place(self, mob, slot: Rect, align=UP + LEFT):
        """Fit a mobject into its slot (see ``place_in``) and pin it to the frame."""
        return self.fix(place_in(mob, slot, align))

    def make_title(self, surf):
        head = Text(language.on_screen(self.script.hook_title if self.layout.hook_title else self.script.title),
                    font_size=self.layout.title_size, color=palette.TEXT_COLOR, weight="BOLD")
        formula = MathTex("f(x, y) = " + surf.latex if surf.data is None else surf.latex,
                          font_size=self.layout.title_size, color=palette.TEXT_COLOR)
        card = merge_glyphs(VGroup(head, formula).arrange(DOWN, aligned_edge=LEFT, buff=0.15))
        # a close-up (a fly-to) draws the surface past its slot, up under the title: the title keeps a
        # backdrop of the background's colour, invisible on the background, so its words stay legible
        backdrop = BackgroundRectangle(card, color=palette.BACKGROUND, fill_opacity=0.85, buff=0.08)
        return self.place(VGroup(backdrop, card), self.layout.title)

    def make_race(self, keys, brief: bool = False) -> Race:
        runs = [self.desc.runs[key] for key in keys]
        colors = palette.race_colors([(run.optimizer, run.variant) for run in runs])
        racers = [Racer(run.trajectory, color, run.label(brief=brief))
                  for run, color in zip(runs, colors)]
        wrap = self.layout.legend.width / self.layout.legend_scale if self.layout.legend_scale else None
        race = Race(self.loss, racers, camera=self.camera, legend_font_size=self.layout.legend_size,
                    notes_below=self.layout.notes_below, legend_width=wrap)
        self.in_front(race)
        for p in race.paths:
            self.add_fixed_orientation_mobjects(p.dot, p.marker)
        return race

    def in_front(self, mob) -> None:
        """Draw ``mob`` after the surfaces and before the pinned overlays (see ``play``), with the others
        on the surface that are still up."""
        self.races = [r for r in getattr(self, "races", []) if r in self.mobjects] + [mob]

    def place_legend(self, race_or_legend):
        # stacked under the surface: sit on the slot's floor, so the surface gets the height left over
        legend = race_or_legend.legend if isinstance(race_or_legend, Race) else race_or_legend
        vertical = DOWN if self.layout.stacked else UP
        return self.place(merge_glyphs(legend), self.layout.legend, align=vertical + (LEFT if self.layout.stacked else RIGHT))

    def panel_slot(self, slot: Rect | None = None) -> Rect:
        """The update panel's place (or a card's); in the lecture's column, from right under the legend's last row."""
        slot = slot or self.layout.panel
        legend = self.legend if self.legend is not None else self.swarm_legend
        if legend is not None and self.layout.legend.top > slot.top and self.layout.legend.right > slot.left:
            slot = Rect(slot.left, slot.bottom, slot.right, min(slot.top, legend.get_bottom()[1] - 0.25))
        return slot

    def place_loss_plot(self, plot: LossPlot) -> LossPlot:
        """In the lecture's column under the legend; in a stacked (portrait) layout right on top of the
        legend, at most as tall as its slot, so the surface above keeps the rest."""
        slot = self.layout.loss
        if not self.layout.stacked:
            return self.place(plot, self.panel_slot(slot), align=UP + RIGHT)
        legend = self.legend if self.legend is not None else self.swarm_legend
        floor = legend.get_top()[1] + 0.12 if legend is not None else slot.bottom
        return self.place(plot, Rect(slot.left, floor, slot.right, floor + slot.height), align=DOWN)

    def place_card(self, card):
        return self.place(merge_glyphs(card), self.panel_slot(self.layout.card),
                          align=UP + (RIGHT if self.layout.panel_values else LEFT))

    def make_panel(self, key: str) -> UpdatePanel:
        run = self.desc.runs[key]
        color = palette.optimizer_color(run.optimizer, run.variant)
        panel = UpdatePanel(run.trajectory, self.race.step, color=color, font_size=self.layout.rule_size,
                            values=self.layout.panel_values, title=self.layout.panel_values, label=run.label())
        return self.place(panel, self.panel_slot(), align=UP + (RIGHT if self.layout.panel_values else LEFT))

    def fade_out(self, mobjects, run_time: float = FADE) -> None:
        mobjects = [m for m in mobjects if m in self.mobjects or m in getattr(self, "overlays", [])]
        if not mobjects:
            return
        for m in mobjects:
            m.suspend_updating()  # their updaters would otherwise fight the fade
        self.play(*[FadeOut(m) for m in mobjects], run_time=run_time)
        for m in mobjects:
            m.clear_updaters()
            self.remove(m)
            self.camera.remove_fixed_in_frame_mobjects(*m.get_family())

    turning = False

    def get_moving_mobjects(self, *animations):
        """While ``turn`` moves the camera, everything moves. ThreeDScene says so only when an animation holds
        one of the camera's own trackers; a turn sets the camera from an updater, and without this the
        surface was drawn once into Manim's static picture and stood still until the turn's last frame
        (every turn was a jump)."""
        if self.turning:
            return self.mobjects
        return super().get_moving_mobjects(*animations)

    def play(self, *args, **kwargs):
        """Every animation of the segment, counted by (beat, play): a chunk starts drawing at its first one
        and ends before its stop; a drawn one's cost goes to ``<movie>.costs.json``, which the render farm
        cuts the next render of the segment by (scenes/pipeline/chunks.py): a second of a camera turn costs
        many seconds of a held race, whose surface is pasted."""
        if self.window is not None:
            first, stop = self.window
            if stop is not None and self.at >= stop:
                raise ChunkEnd
            if self.chunk_start is None and self.at >= first:
                self.skip_section("chunk", skip=False)
                self.chunk_start = self.time
        at, self.at = self.at, (self.at[0], self.at[1] + 1)
        # drawing order: surfaces (whenever added), then the racers, then pinned overlays
        front = [m for m in getattr(self, "races", []) + getattr(self, "overlays", []) if m in self.mobjects]
        if front and self.mobjects[-len(front):] != front:
            self.bring_to_front(*front)
        start = self.time
        result = super().play(*args, **kwargs)
        if self.renderer.skip_animations:
            manim_patches.advance_as_drawn(self, start)
        else:
            now, beats = time.perf_counter(), getattr(self, "beats", [])
            self.play_costs.append({"cue": beats[at[0]].cue if at[0] < len(beats) else "", "beat": at[0],
                                    "play": at[1], "video": round(self.time - start, 4),
                                    "wall": round(now - self.play_mark, 4)})
        self.play_mark = time.perf_counter()
        return result

    # -- spoken words, for captions burned in later -----------------------------------------------------------
    def note_words(self, tracker) -> None:
        words = tracker.data.get("word_boundaries") or []
        self.spoken_words.append({
            "start": tracker.start_t, "end": tracker.end_t, "text": tracker.data["input_text"],
            "words": [{"text": w["text"], "start": tracker.start_t + w["audio_offset"] / 1e7,
                       "end": tracker.start_t + (w["audio_offset"] / 1e7 + w["duration_milliseconds"] / 1e3)}
                      for w in words],
        })

    def word_timeline_extra(self) -> dict:
        """More of ``.words.json``: the clip says its captions are in its frames already."""
        return {}

    def write_word_timeline(self, since: float = 0.0, until: float = float("inf"), chunk: dict | None = None) -> None:
        """``<movie>.words.json`` beside the movie: each cue's words on the video's clock, and
        ``<movie>.costs.json``: what each animation drawn took.

        A chunk writes the cues that start in it (from ``since`` to ``until`` on the segment's clock), on its
        own clock, and ``<movie>.chunk.json``: where it starts and ends.
        """
        movie = getattr(self.renderer.file_writer, "movie_file_path", None)
        if not movie or not config.write_to_movie:
            return
        cues = [dict(c, start=c["start"] - since, end=c["end"] - since,
                     words=[dict(w, start=w["start"] - since, end=w["end"] - since) for w in c["words"]])
                for c in self.spoken_words if since - 1e-9 <= c["start"] < until - 1e-9]
        outputs = {".words.json": {"cues": cues, **self.word_timeline_extra()}, ".costs.json": {"plays": self.play_costs}}
        if chunk is not None:
            outputs[".chunk.json"] = chunk
        for suffix, doc in outputs.items():
            path = Path(movie).with_suffix(suffix)
            tmp = path.with_suffix(".part")
            tmp.write_text(json.dumps(doc, indent=1), encoding="utf-8")
            tmp.replace(path)
