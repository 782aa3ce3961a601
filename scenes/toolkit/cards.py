"""Cards shown in the update panel's place: a number line of learning rates, a table, fate maps side by side;
and the legend of a swarm. Built from ``scenes.description``'s data, whose every number comes from optmath.

Type sizes follow the legend's (``font_size``), so a card reads at the size the format chose for words.
"""

from __future__ import annotations

import textwrap

import numpy as np
from manim import (
    DOWN, LEFT, RIGHT, UP, Dot, Group, Line, NumberLine, Rectangle, SurroundingRectangle, Text, VGroup,
)
from manim import Table as ManimTable

from optmath.loss_curves import nice_step
from scenes import language
from scenes.description import Card, FateMaps, NumberLine as LineCard, Swarm, Table
from scenes.toolkit import palette
from scenes.toolkit.mesh import OnePass, blit_image, frame_to_pixels, raw_pixels

WIDTH = 4.3  # a card's width in frame units before it is fitted to its slot


def _text(words: str, size: int, color=palette.TEXT_COLOR, **kw) -> Text:
    """Every word and number of a card (titles, table cells, marks, fates): as a viewer reads it (``1.5×10⁻⁵``)."""
    return Text(language.on_screen(words), font_size=size, color=color, **kw)


def fate_rows(fates, size: int) -> VGroup:
    rows = VGroup()
    for fate in fates:
        dot = Dot(radius=0.09 * size / 18, color=palette.fate_color(fate.kind))
        rows.add(VGroup(dot, _text(fate.words, size)).arrange(RIGHT, buff=0.15))
    return rows.arrange(DOWN, aligned_edge=LEFT, buff=0.12)


class SwarmLegend(VGroup):
    """The swarm's heading and one row per fate: a dot of its colour and its words (with count or share)."""

    def __init__(self, swarm: Swarm, font_size: int = 18):
        super().__init__()
        if swarm.title:
            self.add(_text(swarm.title, font_size, weight="BOLD"))
        self.add(fate_rows(swarm.fates, font_size))
        self.arrange(DOWN, aligned_edge=LEFT, buff=0.18)


class LrLine(VGroup):
    """A number line with the fan's values as ticks (coloured by fate) and labelled marks.

    Marks' labels sit in rows of their own above the line (the smallest value highest), each joined to its
    value by a thin leader and read rightwards from it, so close bounds (Nesterov's and plain GD's) never
    print over each other or over another mark's leader."""

    def __init__(self, card: LineCard, font_size: int = 18, width: float = WIDTH):
        super().__init__()
        lo, hi = card.lo, card.hi
        if card.log:
            from manim import LogBase

            line = NumberLine(x_range=[np.log10(lo), np.log10(hi), 1], length=width, scaling=LogBase(),
                              include_numbers=True, font_size=font_size, color=palette.TEXT_COLOR)
        else:
            step = nice_step(hi - lo)
            line = NumberLine(x_range=[lo, hi, step], length=width, include_numbers=True, font_size=font_size,
                              decimal_number_config={"num_decimal_places": _decimals(step)}, color=palette.TEXT_COLOR)
        self.line = line
        ticks = VGroup()
        for value, kind in zip(card.values, card.kinds):
            if lo <= value <= hi:
                at = line.n2p(value)
                ticks.add(Line(at, at + UP * 0.28, stroke_width=3, color=palette.fate_color(kind)))
        marks = VGroup()
        row_h = font_size / 18 * 0.34
        for i, mark in enumerate(sorted(card.marks, key=lambda m: m.value)):
            if not lo <= mark.value <= hi:
                continue
            at = line.n2p(mark.value)
            color = palette.fate_color(mark.kind)
            label = _text(mark.words, font_size, color=color)
            y = 0.45 + row_h * (len(card.marks) - 1 - i)
            # the label starts at its leader's top and reads rightwards, past the line's end if it must: the
            # leaders of smaller values reach the rows above, so a label read leftwards would cross them
            top = at + UP * (y + label.height / 2)
            label.move_to(top + RIGHT * 0.08, aligned_edge=LEFT)
            marks.add(VGroup(Line(at + DOWN * 0.12, at + UP * (y + label.height / 2), stroke_width=2, color=color),
                             label))
        parts = [line, ticks, marks]
        if card.title:
            title = _text(card.title, font_size, weight="BOLD")
            title.next_to(VGroup(line, marks), UP, buff=0.2, aligned_edge=LEFT)
            parts.append(title)
        self.add(*parts)


def _decimals(step: float) -> int:
    text = f"{step:.6f}".rstrip("0")
    return max(len(text.split(".")[1]) if "." in text else 0, 0)


class TableCard(VGroup):
    """Manim's Table of Text cells, the highlighted rows boxed."""

    def __init__(self, card: Table, font_size: int = 18):
        super().__init__()
        # a header longer than its column's cells goes on two lines rather than widening the table
        widths = [max([len(h)] + [len(str(r[i])) for r in card.rows]) for i, h in enumerate(card.header)]
        cells = [max([len(str(r[i])) for r in card.rows] + [6]) for i in range(len(card.header))]
        header = [textwrap.fill(h, width=max(cells[i], (len(h) + 1) // 2), break_long_words=False) if widths[i] > cells[i] else h
                  for i, h in enumerate(card.header)]
        table = ManimTable(
            [list(r) for r in card.rows], col_labels=[_text(h, font_size, weight="BOLD") for h in header],
            element_to_mobject=lambda s: _text(str(s), font_size), include_outer_lines=False,
            h_buff=0.35, v_buff=0.18, line_config={"stroke_width": 1, "stroke_opacity": 0.4, "color": palette.TEXT_COLOR},
        )
        self.table = table
        parts = [table]
        for r in card.highlight:
            row = table.get_rows()[r + 1]  # row 0 is the header
            parts.append(SurroundingRectangle(row, color=palette.HIGHLIGHT, buff=0.06, stroke_width=2.5))
        if card.title:
            title = _text(card.title, font_size, weight="BOLD")
            title.next_to(table, UP, buff=0.2, aligned_edge=LEFT)
            parts.append(title)
        self.add(*parts)


class FateImage(OnePass):
    """A grid of cells drawn as an image into the frame (pinned to it): its points are the corners of its
    box, so placing and scaling the card moves it; each frame copies the cells into the pixels with NumPy.

    A 64 x 64 map as Manim mobjects is thousands of curves that Manim's Cairo camera walks one by one
    in Python on every frame, which alone doubled a 480p segment's render time.
    """

    def __init__(self, rgb: np.ndarray, width: float, height: float, **kwargs):
        super().__init__(**kwargs)
        self.image = np.asarray(rgb, np.uint8)  # row 0 at the top
        self.points = np.array([[0.0, 0.0, 0.0], [width, 0.0, 0.0], [width, height, 0.0], [0.0, height, 0.0]])

    def draw(self, camera, ctx, pixels) -> None:
        corners = self.points if self in camera.fixed_in_frame_mobjects else camera.project_points(self.points)
        px = frame_to_pixels(camera, corners[:, :2])
        box = (px[:, 0].min(), px[:, 1].min(), px[:, 0].max(), px[:, 1].max())
        with raw_pixels(ctx, pixels):
            blit_image(pixels, box, self.image, self.opacity)


class FateMap(Group):
    """One grid of starts coloured by fate (``labels`` row 0 at the domain's lowest y), framed."""

    def __init__(self, labels: np.ndarray, fates, size: float = 1.3):
        super().__init__()
        labels = np.asarray(labels, int)
        ny, nx = labels.shape
        cell = size / max(nx, ny)
        colors = np.array([np.array(palette.fate_color(f.kind).to_rgb()) * 255 for f in fates]).round()
        self.image = FateImage(colors[labels[::-1]], nx * cell, ny * cell)  # top row first, as an image
        frame = Rectangle(width=nx * cell, height=ny * cell, stroke_width=1, stroke_color=palette.TEXT_COLOR,
                          stroke_opacity=0.5).move_to(np.array([nx * cell / 2, ny * cell / 2, 0]))
        self.add(self.image, frame)


class FateMapsCard(Group):
    def __init__(self, card: FateMaps, font_size: int = 18, width: float = WIDTH):
        super().__init__()
        n = len(card.maps)
        cols = n if n <= 3 else 2  # four maps (two rates of one optimizer beside two others) as a 2 x 2 grid
        size = (width - 0.25 * (cols - 1)) / max(cols, 1)
        maps = Group()
        for heading, labels in card.maps:
            m = FateMap(labels, card.fates, size)
            maps.add(Group(_text(heading, font_size), m).arrange(DOWN, buff=0.12))
        if cols == n:
            maps.arrange(RIGHT, buff=0.25, aligned_edge=UP)
        else:
            maps.arrange_in_grid(cols=cols, buff=(0.25, 0.3), cell_alignment=UP)
        parts = [maps, fate_rows(card.fates, font_size).next_to(maps, DOWN, buff=0.25, aligned_edge=LEFT)]
        if card.title:
            parts.insert(0, _text(card.title, font_size, weight="BOLD"))
        self.add(*parts)
        self.arrange(DOWN, aligned_edge=LEFT, buff=0.2)


def phone_words(card: Card) -> list[tuple[str, str]]:
    """A card in the few words a phone screen can hold, each with its colour's fate kind: a number line's
    marks (``2/λmax = 0.5``), a table's highlighted row (``Adam · 0.01 · 3.1×10⁻⁴``), fate maps' headings."""
    if isinstance(card, LineCard):
        return [(m.words, m.kind) for m in card.marks]
    if isinstance(card, Table):
        rows = [card.rows[i] for i in card.highlight] or list(card.rows[:1])
        return [(" · ".join(row), "good") for row in rows]
    if isinstance(card, FateMaps):
        return [(heading, "good") for heading, _ in card.maps]
    raise TypeError(f"unknown card {card!r}")


class PhoneCard(VGroup):
    """A card for the 9:16 clip: its key words on one line (two if they must) at the phone's type size.

    The lecture's cards (a number line with ticks, a table of four columns) fitted into the clip's slot one
    unit tall printed at a third of the legend's size; this keeps the words large and leaves the rest."""

    def __init__(self, card: Card, font_size: int = 32, width: float = 6.4):
        super().__init__()
        pieces = [_text(words, font_size, color=palette.fate_color(kind) if kind != "good" else palette.TEXT_COLOR)
                  for words, kind in phone_words(card)]
        rows, row = VGroup(), VGroup()
        for piece in pieces:
            if len(row) and row.width + 0.5 + piece.width > width:
                rows.add(row.arrange(RIGHT, buff=0.5))
                row = VGroup()
            row.add(piece)
        if len(row):
            rows.add(row.arrange(RIGHT, buff=0.5))
        self.add(rows.arrange(DOWN, aligned_edge=LEFT, buff=0.15))


def make_card(card: Card, font_size: int = 18):
    if isinstance(card, LineCard):
        return LrLine(card, font_size)
    if isinstance(card, Table):
        return TableCard(card, font_size)
    if isinstance(card, FateMaps):
        return FateMapsCard(card, font_size)
    raise TypeError(f"unknown card {card!r}")
