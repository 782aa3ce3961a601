"""Loss against step (issue 18): the axis optmath chooses, and the curves the scene draws equal the runs' z."""

import math

import numpy as np
import pytest

import optmath
from optmath.loss_curves import last_inside, loss_axis, loss_curve
from scenes.toolkit.loss_plot import corners


# -- optmath: the curve and its axis, from the runs ---------------------------------------------------------
def test_a_bowl_descent_goes_on_a_log_axis_that_holds_every_value():
    t = optmath.trajectory("bowl", "sgd", (-5.0, -2.0), 60, lr=0.4)
    curve = loss_curve(t)
    assert np.array_equal(curve, t.z)  # it stays inside: every step
    axis = loss_axis([curve], t.steps)
    assert axis.log and axis.lo <= curve.min() and curve.max() <= axis.hi
    assert all(math.log10(v) == round(math.log10(v)) for v in axis.ticks)  # decades
    assert axis.ticks[0] == axis.lo and axis.ticks[-1] == axis.hi and 2 <= len(axis.ticks) <= 5


def test_a_saddle_loss_goes_negative_so_its_axis_is_linear_on_round_ticks():
    t = optmath.trajectory("saddle", "sgd", (1.0, 1e-3), 40, lr=0.1)
    curve = loss_curve(t)
    assert curve.min() < 0
    axis = loss_axis([curve], t.steps)
    assert not axis.log and axis.lo <= curve.min() and curve.max() <= axis.hi
    gaps = np.diff(axis.ticks)
    assert np.allclose(gaps, gaps[0]) and axis.ticks[0] == axis.lo


def test_a_narrow_range_stays_linear_and_a_flat_curve_still_gets_an_axis():
    assert not loss_axis([np.array([2.0, 1.5, 1.1])], 2).log  # under two decades
    flat = loss_axis([np.array([3.0, 3.0])], 1)
    assert flat.lo < 3.0 < flat.hi


def test_a_path_that_leaves_the_plot_is_drawn_to_its_last_step_inside():
    t = optmath.trajectory("bowl", "sgd", (-5.0, -2.0), 30, lr=0.6)  # 0.6 > 2/4: diverges along y
    k = last_inside(t)
    assert k < t.steps and t.surface.in_domain(t.xy[: k + 1]).all() and not t.surface.in_domain(t.xy[k + 1 : k + 2]).any()
    assert np.array_equal(loss_curve(t), t.z[: k + 1])


def test_heights_run_from_the_axis_floor_to_its_top():
    axis = loss_axis([np.array([1e-4, 1e2])], 10)
    assert axis.height([axis.lo])[0] == 0 and axis.height([axis.hi])[0] == 1
    assert axis.height([1e-9])[0] == 0  # clipped, never below the box


# -- the scene's plot: what is drawn is the runs' z ---------------------------------------------------------
@pytest.fixture(scope="module")
def bowl():
    from scenes.toolkit.surface import LossSurface

    return LossSurface(optmath.get_surface("bowl"), resolution=4)


def _plot(loss, runs):
    from scenes.toolkit.loss_plot import LossPlot
    from scenes.toolkit.race import Race, Racer

    race = Race(loss, [Racer(t, "#ffffff") for t in runs])
    return race, LossPlot(race, font_size=18)


@pytest.mark.parametrize("step", [0, 7, 23.5, 60])
def test_each_curve_equals_its_run_up_to_the_race_s_step(bowl, step):
    runs = [optmath.trajectory("bowl", "sgd", (-5.0, -2.0), 60, lr=0.4),
            optmath.trajectory("bowl", "momentum", (-5.0, -2.0), 60, lr=0.08, momentum=0.8)]
    race, plot = _plot(bowl, runs)
    race.step.set_value(step)
    for curve, t in zip(plot.curves, runs):
        curve.follow()
        ks, f = plot.curve_values(curve)
        whole = int(math.floor(step))
        assert np.allclose(ks[: whole + 1], np.arange(whole + 1), atol=1e-9)
        assert np.allclose(np.log10(f[: whole + 1]), np.log10(t.z[: whole + 1]), atol=1e-9)
        assert ks[-1] == pytest.approx(step)  # the curve's end is the head's step


def test_a_run_that_leaves_ends_its_curve_with_the_cross_when_its_head_does(bowl):
    wild = optmath.trajectory("bowl", "sgd", (-5.0, -2.0), 30, lr=0.6)
    race, plot = _plot(bowl, [wild])
    curve, path = plot.curves[0], race.paths[0]
    assert path.exit_step is not None
    race.step.set_value(path.max_step - 1)
    curve.follow()
    assert curve.mark.get_stroke_opacity() == 0
    race.step.set_value(race.steps)
    curve.follow()
    ks, f = plot.curve_values(curve)
    assert ks[-1] == pytest.approx(last_inside(wild)) and f[-1] == pytest.approx(wild.z[last_inside(wild)], rel=1e-9)
    assert curve.mark.get_stroke_opacity() == 1
    assert np.allclose(curve.mark.get_center()[:2], corners(curve)[-1][:2])


def _loss_beats():
    from scenes.description import LECTURE
    from scenes.segments import SEGMENTS

    return [(name, beat.cue) for name in SEGMENTS for beat in SEGMENTS[name].describe().beats_for(LECTURE)
            if beat.show.loss]


@pytest.mark.parametrize("name, cue", _loss_beats())
def test_the_lecture_s_loss_plot_keeps_to_its_place_under_the_legend_and_stays_readable(name, cue):
    """Placed as the lecture places it (under the legend, every 'diverged' note shown): inside the plot
    slot, clear of the legend and of the surface, its digits at least 18 px tall at 1080p."""
    from manim import RIGHT, UP, MathTex

    from scenes.formats.layout import LECTURE, Rect
    from scenes.formats.player import place_in
    from scenes.segments import SEGMENTS
    from scenes.toolkit.loss_plot import LossPlot
    from scenes.toolkit.race import Race, Racer
    from scenes.toolkit.surface import LossSurface

    d = SEGMENTS[name].describe()
    beat = next(b for b in d.beats if b.cue == cue)
    loss = LossSurface(d.surfaces[beat.show.surface], resolution=4)
    race = Race(loss, [Racer(d.runs[k].trajectory, "#ffffff", d.runs[k].label()) for k in beat.show.racers],
                legend_font_size=LECTURE.legend_size, legend_width=LECTURE.legend.width / LECTURE.legend_scale)
    race.step.set_value(race.steps)
    race.legend.update()
    legend = place_in(race.legend, LECTURE.legend, UP + RIGHT)
    slot = LECTURE.loss
    slot = Rect(slot.left, slot.bottom, slot.right, min(slot.top, legend.get_bottom()[1] - 0.25))
    plot = LossPlot(race, font_size=LECTURE.legend_size)
    before = plot.width
    place_in(plot, slot, UP + RIGHT)
    box = Rect(plot.get_left()[0], plot.get_bottom()[1], plot.get_right()[0], plot.get_top()[1])
    assert slot.contains(box, tol=1e-6), (name, cue, box)
    assert box.top < legend.get_bottom()[1] and box.left > LECTURE.surface_beside.right
    digit = MathTex("0", font_size=round(LECTURE.legend_size * 1.15)).height * plot.width / before * 1080 / LECTURE.frame.height
    assert digit >= 18, (name, cue, digit)
    for curve, path in zip(plot.curves, race.paths):  # every curve inside the box at the race's end
        pts = corners(curve)
        assert (pts[:, 1] >= plot.frame_box.get_bottom()[1] - 1e-6).all()
        assert (pts[:, 1] <= plot.frame_box.get_top()[1] + 1e-6).all()


def test_a_loss_plot_without_racers_or_beside_a_panel_is_refused():
    from scenes.description import Beat, Description, Show

    surf = optmath.get_surface("bowl")
    t = optmath.trajectory(surf, "sgd", (-5.0, -2.0), 5, lr=0.1)
    from scenes.description import Run

    for show, words in ((Show("s", loss=True), "needs racers"), (Show("s", ("a",), panel="a", loss=True), "panel")):
        with pytest.raises(ValueError, match=words):
            Description("d", {"s": surf}, {"a": Run(t)}, [Beat("c", show)]).check()


def _social_loss_beats():
    from scenes.description import SOCIAL
    from scenes.segments import SEGMENTS

    return [(name, beat.cue) for name in SEGMENTS for beat in SEGMENTS[name].describe().beats_for(SOCIAL)
            if beat.show.loss]


@pytest.mark.parametrize("name, cue", _social_loss_beats())
def test_the_clip_s_compact_loss_plot_sits_on_its_legend_in_the_safe_box_at_the_phone_s_type_size(name, cue):
    """The 9:16 clip's key race: the compact plot right on top of the legend (the surface takes what is above),
    inside the apps' safe box, its digits at least 40 px tall at 1080 wide, like every word of the clip."""
    from manim import DOWN, LEFT, MathTex

    from scenes.formats.layout import SOCIAL, Rect
    from scenes.formats.player import place_in
    from scenes.segments import SEGMENTS
    from scenes.toolkit.loss_plot import LossPlot
    from scenes.toolkit.race import Race, Racer
    from scenes.toolkit.surface import LossSurface

    d = SEGMENTS[name].describe()
    beat = next(b for b in d.beats if b.cue == cue)
    loss = LossSurface(d.surfaces[beat.show.surface], resolution=4)
    race = Race(loss, [Racer(d.runs[k].trajectory, "#ffffff", d.runs[k].label(brief=True)) for k in beat.show.racers],
                legend_font_size=SOCIAL.legend_size, notes_below=SOCIAL.notes_below)
    race.step.set_value(race.steps)
    race.legend.update()
    legend = place_in(race.legend, SOCIAL.legend, DOWN + LEFT)
    floor = legend.get_top()[1] + 0.12
    slot = Rect(SOCIAL.loss.left, floor, SOCIAL.loss.right, floor + SOCIAL.loss.height)
    plot = LossPlot(race, font_size=SOCIAL.legend_size, compact=True)
    before = plot.width
    place_in(plot, slot, DOWN)
    box = Rect(plot.get_left()[0], plot.get_bottom()[1], plot.get_right()[0], plot.get_top()[1])
    assert SOCIAL.safe.contains(box, tol=1e-6), (name, cue, box)
    assert box.bottom > legend.get_top()[1]
    cap = MathTex("f", font_size=round(SOCIAL.legend_size * 4 / 3)).height * 0.75 * plot.width / before * 135
    assert cap >= 40, (name, cue, cap)  # f's height is about 4/3 of a capital's
    # the surface keeps 3+ units of height over a legend under 1.5 units tall; the cubic's five lines and the
    # fair race's four rows leave it 2.2 and 2.6 (test_social holds their rendered race to 65% of the width)
    keeps = 3.0 if legend.height < 1.5 else 2.0
    assert plot.height <= 1.25 and box.top + 0.15 <= SOCIAL.surface_beside.top - keeps, box
