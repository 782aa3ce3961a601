"""Panel numbers set from glyph outlines made once are the points Pango lays out for the whole string."""

import numpy as np
import pytest
from manim import Text

from scenes.toolkit.glyphs import merge_glyphs
from scenes.toolkit.mono_text import MonoText, mono_text

FONT = "DejaVu Sans Mono"


@pytest.mark.parametrize("s", ["(+0.1234, -0.5678)", "+1.23×10⁻⁵", "—", "(+0000.0000, +0000.0000)", "40"])
def test_a_number_has_the_points_of_its_text(s):
    made = mono_text(s, FONT, 18, "#FFFFFF")
    text = merge_glyphs(Text(s, font=FONT, font_size=18, color="#FFFFFF"))
    assert isinstance(made, MonoText) and made.original_text == s
    (a,), (b,) = made.family_members_with_points(), text.family_members_with_points()
    assert a.points.shape == b.points.shape
    np.testing.assert_allclose(a.points - a.get_center(), b.points - b.get_center(), atol=1e-6)
    assert a.get_fill_color() == b.get_fill_color() and a.get_stroke_width() == b.get_stroke_width()


def test_a_character_outside_the_set_falls_back_to_text():
    made = mono_text("x = 1", FONT, 18, "#FFFFFF")
    assert isinstance(made, Text) and not isinstance(made, MonoText)
