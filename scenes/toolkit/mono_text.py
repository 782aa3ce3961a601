"""Numbers in a monospaced font, set from glyph outlines made once.

The update panel prints a new row of numbers at every step of a race. As Manim ``Text`` each
string is a Pango layout, an SVG file and its parse: ~40 ms a string, seven strings a step, a
sixth of a draft's render. In a monospaced font every character fills one cell of the same
width, so a string is its characters' outlines, each moved along by its cell: the points Pango
lays out, without Pango. Characters outside ``CHARSET`` (or a font that turns out not to be
monospaced) fall back to ``Text``.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from manim import Text, VGroup, VMobject

# what the panel's numbers are made of (``language.on_screen`` writes powers of ten with superscripts)
CHARSET = "()+-.,—×⁻e0123456789⁰¹²³⁴⁵⁶⁷⁸⁹"


class MonoText(VGroup):
    """One string as one path (like a ``Text`` whose glyphs ``merge_glyphs`` joined)."""

    def __init__(self, text: str, path: VMobject):
        super().__init__(path)
        self.original_text = text


@lru_cache(maxsize=8)
def _cells(font: str, font_size: float, color: str):
    """Each character's outline relative to its cell, the cell width, and a glyph to take the style from;
    None when Pango did not set the calibration line one glyph per character, one cell apart."""
    line = "0" + "0".join(CHARSET) + "0"
    glyphs = Text(line, font=font, font_size=font_size, color=color).submobjects
    if len(glyphs) != len(line):
        return None
    left = np.array([g.get_left()[0] for g in glyphs])
    advance = (left[-1] - left[0]) / (len(line) - 1)
    zeros = left[::2] - left[0]
    if advance <= 0 or not np.allclose(zeros, advance * np.arange(0, len(line), 2), atol=1e-3 * advance):
        return None
    outlines = {ch: glyphs[i].points - np.array([left[0] + i * advance, 0.0, 0.0]) for i, ch in enumerate(line)}
    return outlines, advance, glyphs[0]


def mono_text(text: str, font: str, font_size: float, color: str) -> VGroup:
    """``text`` in a monospaced ``font``: a ``MonoText``, or a ``Text`` when a character is not in ``CHARSET``."""
    cells = _cells(font, font_size, str(color))
    if cells is None or not text.strip() or any(ch not in cells[0] and ch != " " for ch in text):
        return Text(text, font=font, font_size=font_size, color=color)
    outlines, advance, style = cells
    points = [outlines[ch] + np.array([j * advance, 0.0, 0.0]) for j, ch in enumerate(text) if ch != " "]
    path = VMobject()
    path.points = np.concatenate(points)
    path.match_style(style)
    return MonoText(text, path.center())
