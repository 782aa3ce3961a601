"""Segment descriptions: content without Manim, every number from optmath, checked against closed forms."""

import subprocess
import sys

import numpy as np
import pytest

import optmath
from scenes.description import FORMATS, LECTURE, SOCIAL, fmt
from scenes.segments import SEGMENTS


def test_descriptions_import_and_build_without_manim():
    code = ("import sys\nfrom scenes.segments import SEGMENTS\n"
            "for s in SEGMENTS.values(): s.describe(); s.describe(short=True)\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('manim', 'manim_voiceover', 'cairo'))\n"
            "assert not bad, bad\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("name", SEGMENTS)
def test_every_run_is_optmath_s_own_trajectory(name):
    """What a description races is exactly what optmath computes for the same settings."""
    for key, run in SEGMENTS[name].describe().runs.items():
        t = run.trajectory
        hyper = {k: v for k, v in t.optimizer.hyper.items() if k in optmath.defaults(t.optimizer.name)}
        again = optmath.trajectory(t.surface, t.optimizer.name, tuple(t.start), t.steps, schedule=t.schedule, **hyper)
        np.testing.assert_array_equal(again.xy, t.xy, err_msg=key)


@pytest.mark.parametrize("name", SEGMENTS)
def test_each_format_has_beats_and_the_clip_loops(name):
    d = SEGMENTS[name].describe()
    for f in FORMATS:
        assert d.beats_for(f), f
    social = d.beats_for(SOCIAL)
    assert social[0].cue == "social_hook" and not social[0].show.racers  # the hook: the bare surface
    assert social[-1].show == social[0].show  # the last picture is the first: the loop does not jump
    assert any(b.show.racers or b.show.swarm for b in social)  # and the key moment races, or a swarm flows
    assert len(d.beats_for(LECTURE)) > len(social)


def test_saddle_numbers_are_the_closed_forms():
    d = SEGMENTS["saddle"].describe()
    by_cue = {b.cue: b.numbers for b in d.beats}
    # f = x^2 - y^2: Hessian eigenvalues -2 and 2; plain GD maps x -> (1 - 2 lr) x and y -> (1 + 2 lr) y
    assert by_cue["intro"]["eig_lo"] == "-2" and by_cue["intro"]["eig_hi"] == "2"
    assert by_cue["stall"]["factor"] == fmt(1 - 2 * 0.1) == "0.8"
    assert by_cue["why"]["growth"] == fmt(1 + 2 * 0.1) == "1.2"
    stall = d.runs["stall"].trajectory
    assert by_cue["stall"]["x_final"] == fmt(0.8 ** stall.steps)
    adam = d.runs["ridge_adam"].trajectory
    # Adam's first step: lr * g / (|g| + eps) per coordinate; here |g_y| = 2e-8 is comparable to eps = 1e-8
    g, eps = 2e-8, 1e-8
    assert by_cue["adam"]["g_y"] == fmt(g) and by_cue["adam"]["eps"] == fmt(eps)
    assert by_cue["adam"]["adam_y1"] == fmt(1e-8 + 0.05 * g / (g + eps)) == fmt(adam.xy[1, 1])


def test_bowl_numbers_are_the_closed_forms():
    d = SEGMENTS["bowl"].describe()
    by_cue = {b.cue: b.numbers for b in d.beats}
    # f = 0.1 x^2 + 2 y^2: eigenvalues 0.2 and 4, GD stable below 2/4
    assert (by_cue["intro"]["l_min"], by_cue["intro"]["l_max"], by_cue["intro"]["kappa"]) == ("0.2", "4", "20")
    assert by_cue["sgd"]["y_factor"] == fmt(1 - 0.4 * 4) == "-0.6"
    assert by_cue["sgd"]["x_factor"] == fmt(1 - 0.4 * 0.2) == "0.92"
    assert by_cue["diverge"]["bound"] == "0.5" and by_cue["diverge"]["limit"] == "2"
    wild = d.runs["wild"].trajectory
    assert wild.optimizer.hyper["lr"] > 0.5 and wild.diverged_at is not None
    lr, mu = (2 / (np.sqrt(0.2) + 2)) ** 2, ((2 - np.sqrt(0.2)) / (2 + np.sqrt(0.2))) ** 2
    assert by_cue["optimal"]["hb_lr"] == fmt(lr) and by_cue["optimal"]["hb_mu"] == fmt(mu)


def test_cubic_numbers_are_the_closed_forms():
    d = SEGMENTS["cubic"].describe()
    by_cue = {b.cue: b.numbers for b in d.beats}
    assert by_cue["intro"]["saddle"] == "(0.25, -0.5)" and by_cue["intro"]["f_saddle"] == fmt(1 / 16)
    lo, hi = sorted([(1 - np.sqrt(13)) / 2, (1 + np.sqrt(13)) / 2])
    assert (by_cue["saddle"]["eig_lo"], by_cue["saddle"]["eig_hi"]) == (fmt(lo), fmt(hi))
    gone = [k for k in ("sgd", "momentum", "adam") if d.runs[k].trajectory.diverged_at is not None]
    assert all(n in by_cue["social_race"]["gone"] for n in ("Momentum",) if "momentum" in gone)


def test_short_cut_keeps_runs_short():
    d = SEGMENTS["cubic"].describe(short=True)
    assert max(r.trajectory.steps for r in d.runs.values()) <= 12
