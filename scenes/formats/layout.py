"""Named places on the frame, per aspect ratio: where titles, legends, panels, plots and captions go.

Content never holds a screen coordinate: a format places each overlay in its
slot and frames the surface into the space the overlays leave free. All
rectangles are in Manim frame units (origin at the centre, y up); at 1080p
both the 16:9 and the 9:16 frame have 135 pixels per unit.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rect:
    left: float
    bottom: float
    right: float
    top: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.top - self.bottom

    @property
    def center(self) -> tuple[float, float]:
        return ((self.left + self.right) / 2, (self.bottom + self.top) / 2)

    def contains(self, other: Rect, tol: float = 1e-6) -> bool:
        return (other.left >= self.left - tol and other.right <= self.right + tol
                and other.bottom >= self.bottom - tol and other.top <= self.top + tol)

    def pixels(self, frame_width: float, frame_height: float, pixel_width: int, pixel_height: int
               ) -> tuple[int, int, int, int]:
        """(left, top, right, bottom) in pixels, y down: for captions burned in by ffmpeg."""
        sx, sy = pixel_width / frame_width, pixel_height / frame_height
        return (round((self.left + frame_width / 2) * sx), round((frame_height / 2 - self.top) * sy),
                round((self.right + frame_width / 2) * sx), round((frame_height / 2 - self.bottom) * sy))


@dataclass(frozen=True)
class Layout:
    """Slots and type sizes of one format.

    Args:
        frame: the whole frame (width x height in units).
        safe: where words may go (a phone app's buttons and text cover the rest).
        title, legend, panel, plot, captions: the overlays' places (None: the format has none).
        surface_alone: where the surface is framed when no overlay sits beside it.
        surface_beside: where it is framed while a legend, panel or plot is up.
        surface_with_panel: where it is framed while the update panel is up (default: surface_beside).
        panel_values: the update panel shows its live numbers (lecture), or only the rule (phone).
        title_size, legend_size, rule_size: font sizes; in the social clip none is under 40 px at 1080 wide.
        notes_below: a row's note ("diverged at step k") goes on a line of its own.
        stacked: panel above and legend below the surface (portrait): the surface gets the height
            between the overlays as drawn, not only their slots' worst case.
        brief_labels: legend rows name the optimizer and its learning rate only.
        hook_title: the title is the clip's hook question (``hook_title`` in the narration file).
        card, surface_with_card: a card's place, wider than the panel's (a table of four columns, three
            maps side by side), and the surface's while it is up.
        loss: the loss plot's place; in a stacked layout it sits right on the legend, the surface above it.
        legend_scale: the least a race's legend is scaled to fit its slot; a longer row wraps (its note on a
            line of its own, its configuration between hyperparameters) so its words keep their size.
        cards: show a beat's card in the panel's place. The 9:16 panel slot is one unit tall: a number
            line or a table fitted there prints at a third of the legend's size, so the clip leaves
            cards out and its swarm legend carries the counts.
    """

    name: str
    frame: Rect
    safe: Rect
    title: Rect
    legend: Rect
    panel: Rect | None
    plot: Rect | None
    captions: Rect | None
    surface_alone: Rect
    surface_beside: Rect
    panel_values: bool
    title_size: int
    legend_size: int
    rule_size: int
    surface_with_panel: Rect | None = None  # where the surface goes while the update panel is up too
    notes_below: bool = False  # a legend row's "diverged at step k" goes under it, not beside it
    stacked: bool = False  # overlays sit above and below the surface, which takes all the height between
    brief_labels: bool = False  # legend rows name the optimizer and its lr only
    hook_title: bool = False  # the title is the clip's hook question, not the segment's name
    cards: bool = True  # cards (number line, table, fate maps) take the panel's place; a phone has no room for them
    phone_cards: bool = False  # instead, a card's key words on one line at the phone's type size (PhoneCard)
    card: Rect | None = None  # where a card goes (default: the panel's place)
    surface_with_card: Rect | None = None  # where the surface is framed while a card is up
    loss: Rect | None = None  # where loss against step goes beside a race (stacked: right above the legend)
    legend_scale: float | None = None  # the least a legend may be scaled to fit; wider rows wrap instead

    def surface_slot(self, overlays: bool, panel: bool = False, card: bool = False) -> Rect:
        if card and self.surface_with_card is not None:
            return self.surface_with_card
        if panel and self.surface_with_panel is not None:
            return self.surface_with_panel
        return self.surface_beside if overlays else self.surface_alone


_M = 0.3  # margin from the frame's edge, in units

# 16:9, 14.22 x 8 units: title top left, a right-hand column for the legend over the panel (or
# the data plot), and the surface framed in what is left.
LECTURE = Layout(
    name="lecture",
    frame=Rect(-64 / 9, -4, 64 / 9, 4),
    safe=Rect(-64 / 9 + _M, -4 + _M, 64 / 9 - _M, 4 - _M),
    title=Rect(-64 / 9 + _M, 2.45, 0.6, 4 - _M),
    legend=Rect(2.5, 0.2, 64 / 9 - _M, 4 - _M),  # from the top down: what it leaves below, the panel or plot takes
    panel=Rect(2.5, -4 + _M, 64 / 9 - _M, 1.45),
    plot=Rect(2.5, -4 + _M, 64 / 9 - _M, 1.45),
    captions=None,  # the lecture ships its captions as an .srt beside the video
    surface_alone=Rect(-6.0, -3.8, 6.0, 2.45),
    surface_beside=Rect(-64 / 9 + _M, -3.8, 2.35, 2.45),
    card=Rect(0.6, -4 + _M, 64 / 9 - _M, 1.45),
    surface_with_card=Rect(-64 / 9 + _M, -3.8, 0.45, 2.45),
    loss=Rect(2.5, -4 + _M, 64 / 9 - _M, 1.45),
    legend_scale=0.74,  # legend type (18) has 24.6 px capitals at 1080p: never under 18 px
    panel_values=True,
    title_size=34,
    legend_size=18,
    rule_size=30,
)

# 9:16, 8 x 14.22 units. The apps leave the middle 80% of the width free, from 15% below the
# top to 30% above the bottom (x -3.2..3.2, y -2.84..4.98): every word stays in there.
_SAFE = Rect(-3.2, -64 / 9 + 0.3 * 128 / 9, 3.2, 64 / 9 - 0.15 * 128 / 9)
SOCIAL = Layout(
    name="social",
    frame=Rect(-4, -64 / 9, 4, 64 / 9),
    safe=_SAFE,
    title=Rect(_SAFE.left, 3.85, _SAFE.right, _SAFE.top),
    panel=Rect(_SAFE.left, 2.75, _SAFE.right, 3.75),
    legend=Rect(_SAFE.left, -1.95, _SAFE.right, 0.25),
    plot=None,
    captions=Rect(_SAFE.left, _SAFE.bottom, _SAFE.right, -2.05),
    surface_alone=Rect(-4, -0.45, 4, 3.75),
    surface_beside=Rect(-4, 0.3, 4, 3.75),
    surface_with_panel=Rect(-4, 0.3, 4, 2.7),
    notes_below=True,
    stacked=True,
    loss=Rect(_SAFE.left, -1.95, _SAFE.right, -0.85),
    panel_values=False,
    title_size=60,
    legend_size=32,
    rule_size=40,
    brief_labels=True,
    hook_title=True,
    cards=False,
    phone_cards=True,
)

LAYOUTS = {"lecture": LECTURE, "social": SOCIAL}
