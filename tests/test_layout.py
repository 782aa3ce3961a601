"""Format layouts: every word inside the apps' free area, large type on the phone, captions' pixel box."""

import pytest
from manim import MathTex, Text

from scenes.formats.layout import LECTURE, SOCIAL, Rect

PX_PER_UNIT_AT_1080 = 1080 / SOCIAL.frame.width  # 135


def test_social_safe_area_is_the_apps_free_box():
    # middle 80% of the width, from 15% below the top to 30% above the bottom
    x0, y0, x1, y1 = SOCIAL.safe.pixels(SOCIAL.frame.width, SOCIAL.frame.height, 1080, 1920)
    assert (x0, y0, x1, y1) == (108, 288, 972, 1344)


@pytest.mark.parametrize("slot", ["title", "legend", "panel", "captions"])
def test_social_words_stay_in_the_safe_area(slot):
    assert SOCIAL.safe.contains(getattr(SOCIAL, slot))


def test_social_slots_do_not_overlap():
    slots = [SOCIAL.title, SOCIAL.panel, SOCIAL.legend, SOCIAL.captions]
    for i, a in enumerate(slots):
        for b in slots[i + 1:]:
            assert a.bottom >= b.top or b.bottom >= a.top, (a, b)
    # the surface is framed between the equation and the legend
    assert SOCIAL.surface_beside.top <= SOCIAL.panel.bottom and SOCIAL.surface_beside.bottom >= SOCIAL.legend.top


def test_lecture_surface_keeps_clear_of_the_right_column():
    assert LECTURE.surface_beside.right < LECTURE.panel.left and LECTURE.surface_beside.right < LECTURE.legend.left
    assert LECTURE.surface_beside.top <= LECTURE.title.bottom


def _cap_height_px(mob) -> float:
    return mob.height * PX_PER_UNIT_AT_1080


@pytest.mark.parametrize("size_name", ["title_size", "legend_size", "rule_size"])
def test_social_type_is_at_least_40_px_tall_at_1080_wide(size_name):
    size = getattr(SOCIAL, size_name)
    assert _cap_height_px(Text("H", font_size=size)) >= 40
    if size_name == "rule_size":
        assert _cap_height_px(MathTex(r"\theta", font_size=size)) >= 40 * 0.7  # a lower-case symbol's height


def test_rect_pixels_round_trip():
    r = Rect(-1, -1, 1, 1)
    assert r.pixels(8, 8, 800, 800) == (300, 300, 500, 500)
