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
    # the surface is framed between the title (or the equation) and the legend
    assert SOCIAL.surface_with_panel.top <= SOCIAL.panel.bottom and SOCIAL.surface_beside.top <= SOCIAL.title.bottom
    assert SOCIAL.surface_beside.bottom >= SOCIAL.legend.top


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


@pytest.mark.parametrize("name", ["saddle", "bowl", "cubic", "fit"])
def test_social_legends_keep_their_type_size_in_their_slot(name):
    """Built and placed as the clip does: no legend row (nor its 'diverged at step k' note) under 40 px."""
    from scenes.description import SOCIAL as SOCIAL_FORMAT
    from scenes.formats.player import place_in
    from scenes.segments import SEGMENTS
    from scenes.toolkit.race import Race, Racer
    from scenes.toolkit.surface import LossSurface

    d = SEGMENTS[name].describe()
    for beat in d.beats_for(SOCIAL_FORMAT):
        if not beat.show.racers:
            continue
        loss = LossSurface(d.surfaces[beat.show.surface], resolution=4)
        runs = [d.runs[k] for k in beat.show.racers]
        race = Race(loss, [Racer(r.trajectory, "#ffffff", r.label(brief=True)) for r in runs],
                    legend_font_size=SOCIAL.legend_size, notes_below=SOCIAL.notes_below)
        race.step.set_value(race.steps)
        race.legend.update()
        before = race.legend.width
        place_in(race.legend, SOCIAL.legend)
        scale = race.legend.width / before
        cap = Text("H", font_size=SOCIAL.legend_size - 2).height * scale * PX_PER_UNIT_AT_1080  # notes: 2 smaller
        assert cap >= 40, (name, beat.cue, scale)


def _segments():
    from scenes.segments import SEGMENTS

    return list(SEGMENTS)


@pytest.mark.parametrize("name", _segments())
def test_lecture_legends_keep_to_their_place_and_stay_readable(name):
    """Issue 9: six entries on the cubic ran over the surface into the title row. Built and placed as
    the lecture does, at the end of each race (every 'diverged at step k' note shown): a legend stays in
    its slot, clear of the title and of the surface's slot, with capitals at least 18 px tall at 1080p: a long
    row wraps rather than shrinking the legend."""
    from scenes.description import LECTURE as LECTURE_FORMAT
    from scenes.formats.player import place_in
    from scenes.segments import SEGMENTS
    from manim import RIGHT, UP
    from scenes.toolkit.race import Race, Racer
    from scenes.toolkit.surface import LossSurface

    d = SEGMENTS[name].describe()
    for beat in d.beats_for(LECTURE_FORMAT):
        if not beat.show.racers:
            continue
        loss = LossSurface(d.surfaces[beat.show.surface], resolution=4)
        race = Race(loss, [Racer(d.runs[k].trajectory, "#ffffff", d.runs[k].label()) for k in beat.show.racers],
                    legend_font_size=LECTURE.legend_size, legend_width=LECTURE.legend.width / LECTURE.legend_scale)
        race.step.set_value(race.steps)
        race.legend.update()
        before = race.legend.width
        place_in(race.legend, LECTURE.legend, UP + RIGHT)
        box = Rect(race.legend.get_left()[0], race.legend.get_bottom()[1], race.legend.get_right()[0],
                   race.legend.get_top()[1])
        slot = LECTURE.legend
        assert slot.left - 1e-6 <= box.left and box.right <= slot.right + 1e-6, (name, beat.cue)
        assert slot.bottom - 1e-6 <= box.bottom and box.top <= slot.top + 1e-6, (name, beat.cue)
        assert box.left > LECTURE.title.right and box.left > LECTURE.surface_beside.right
        cap = Text("H", font_size=LECTURE.legend_size).height * race.legend.width / before * 1080 / LECTURE.frame.height
        assert cap >= 18, (name, beat.cue, cap)  # issue 18: a six-entry legend read at 9 px at 480p
        # what it leaves below holds the panel or the loss plot: at least 2 units
        if beat.show.panel or beat.show.loss:
            assert box.bottom - 0.25 - (LECTURE.panel.bottom) >= 2.0, (name, beat.cue, box)


@pytest.mark.parametrize("name", _segments())
def test_lecture_cards_keep_to_their_place_and_stay_readable(name):
    """Cards (number lines, tables, fate maps) as the lecture places them, under the swarm's legend when one
    is up: inside the card slot, clear of the title and of the surface's slot, capitals at least 18 px tall
    at 1080p (a five-column table once printed at 8 px)."""
    from manim import RIGHT, UP

    from scenes.description import LECTURE as LECTURE_FORMAT
    from scenes.formats.player import place_in
    from scenes.segments import SEGMENTS
    from scenes.toolkit.cards import SwarmLegend, make_card

    d = SEGMENTS[name].describe()
    for beat in d.beats_for(LECTURE_FORMAT):
        if beat.show.card is None:
            continue
        slot = LECTURE.card
        if beat.show.swarm:
            legend = place_in(SwarmLegend(d.swarms[beat.show.swarm], LECTURE.legend_size), LECTURE.legend, UP + RIGHT)
            slot = Rect(slot.left, slot.bottom, slot.right, min(slot.top, legend.get_bottom()[1] - 0.25))
        card = make_card(d.cards[beat.show.card], font_size=LECTURE.legend_size)
        before = card.width
        place_in(card, slot, UP + RIGHT)
        box = Rect(card.get_left()[0], card.get_bottom()[1], card.get_right()[0], card.get_top()[1])
        assert slot.contains(box, tol=1e-6), (name, beat.cue, box)
        assert box.left >= LECTURE.surface_with_card.right and box.top <= LECTURE.title.bottom
        cap = Text("H", font_size=LECTURE.legend_size).height * card.width / before * 1080 / LECTURE.frame.height
        assert cap >= 18, (name, beat.cue, cap)


@pytest.mark.parametrize("name", _segments())
def test_lecture_panels_keep_their_numbers_readable_under_the_legend(name):
    """The update panel as the lecture places it: under the legend (brief labels beside a panel, which names its
    run in full, wrapped when long), inside its slot, its live numbers and title at least 18 px tall at 1080p
    (a panel in the fine print read at 13 px)."""
    from manim import RIGHT, UP

    from scenes.description import LECTURE as LECTURE_FORMAT
    from scenes.formats.player import place_in
    from scenes.segments import SEGMENTS
    from scenes.toolkit.panel import VALUE_FONT, UpdatePanel
    from scenes.toolkit.race import Race, Racer
    from scenes.toolkit.surface import LossSurface

    d = SEGMENTS[name].describe()
    for beat in d.beats_for(LECTURE_FORMAT):
        if beat.show.panel is None:
            continue
        loss = LossSurface(d.surfaces[beat.show.surface], resolution=4)
        race = Race(loss, [Racer(d.runs[k].trajectory, "#ffffff", d.runs[k].label(brief=True)) for k in beat.show.racers],
                    legend_font_size=LECTURE.legend_size, legend_width=LECTURE.legend.width / LECTURE.legend_scale)
        race.step.set_value(race.steps)
        race.legend.update()
        legend = place_in(race.legend, LECTURE.legend, UP + RIGHT)
        slot = Rect(LECTURE.panel.left, LECTURE.panel.bottom, LECTURE.panel.right,
                    min(LECTURE.panel.top, legend.get_bottom()[1] - 0.25))
        run = d.runs[beat.show.panel]
        panel = UpdatePanel(run.trajectory, race.step, font_size=LECTURE.rule_size, label=run.label())
        before = panel.width
        place_in(panel, slot, UP + RIGHT)
        box = Rect(panel.get_left()[0], panel.get_bottom()[1], panel.get_right()[0], panel.get_top()[1])
        assert slot.contains(box, tol=1e-6), (name, beat.cue, box)
        scale = panel.width / before * 1080 / LECTURE.frame.height
        assert Text("H", font=VALUE_FONT, font_size=18).height * scale >= 18, (name, beat.cue, scale)
        assert Text("H", font_size=22).height * scale >= 18, (name, beat.cue, scale)


@pytest.mark.parametrize("name", _segments())
def test_a_clip_s_card_is_its_key_words_at_the_phone_s_type_size(name):
    """Issue 18: the clip left cards out (fitted into its one-unit slot a number line printed at a third of the
    legend's size). Now a card's key words (a line's marks, a table's best row) sit in the panel's place, inside
    the apps' safe box, at 40 px or more."""
    from scenes.description import SOCIAL as SOCIAL_FORMAT
    from scenes.formats.player import place_in
    from scenes.segments import SEGMENTS
    from scenes.toolkit.cards import PhoneCard, phone_words

    d = SEGMENTS[name].describe()
    for beat in d.beats_for(SOCIAL_FORMAT):
        if beat.show.card is None:
            continue
        card = d.cards[beat.show.card]
        assert phone_words(card), (name, beat.cue)
        mob = PhoneCard(card, font_size=SOCIAL.legend_size, width=SOCIAL.panel.width)
        before = mob.width
        place_in(mob, SOCIAL.panel)
        box = Rect(mob.get_left()[0], mob.get_bottom()[1], mob.get_right()[0], mob.get_top()[1])
        assert SOCIAL.safe.contains(box, tol=1e-6) and SOCIAL.panel.contains(box, tol=1e-6), (name, beat.cue, box)
        assert _cap_height_px(Text("H", font_size=SOCIAL.legend_size)) * mob.width / before >= 40, (name, beat.cue)
