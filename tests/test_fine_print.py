"""The fine-print segment: every number it speaks against a closed form or an independent computation.

Fast, no rendering: the momentum forms are re-implemented here in plain NumPy (with StepLR in closed
form), the first steps of the adaptive methods are written out from their rules, and the turned bowl
is checked against finite differences and against the bowl itself.
"""

from __future__ import annotations

import numpy as np
import pytest

import optmath
from scenes.description import LECTURE, SOCIAL, fmt, point
from scenes.script import Script
from scenes.segments import SEGMENTS
from scenes.segments import fine_print as fp
from scenes.toolkit.narration import WORDS_PER_SECOND


@pytest.fixture(scope="module")
def desc():
    return SEGMENTS["fine-print"].describe()


@pytest.fixture(scope="module")
def said(desc):
    return {b.cue: b.numbers for b in desc.beats}


def bowl_grad(p):
    return np.array([0.2 * p[0], 4.0 * p[1]])


def step_lr(lr, t, every, gamma):
    """StepLR in closed form: step t (1-based) uses lr * gamma**((t-1) // every)."""
    return lr * gamma ** ((t - 1) // every)


def momentum_paths(lr, mu, n, every=None, gamma=0.1, start=fp.START):
    """torch's, Sutskever's and the EMA form (at lr/(1-mu)), written out from their formulas."""
    p = {k: np.array(start, float) for k in ("torch", "sutskever", "ema")}
    b = v = m = np.zeros(2)
    out = {k: [p[k].copy()] for k in p}
    for t in range(1, n + 1):
        rate = lr if every is None else step_lr(lr, t, every, gamma)
        g = bowl_grad(p["torch"])
        b = g if t == 1 else mu * b + g
        p["torch"] = p["torch"] - rate * b
        v = mu * v + rate * bowl_grad(p["sutskever"])
        p["sutskever"] = p["sutskever"] - v
        m = mu * m + (1 - mu) * bowl_grad(p["ema"])
        p["ema"] = p["ema"] - (rate / (1 - mu)) * m
        for k, point_k in p.items():
            out[k].append(point_k.copy())
    return {k: np.array(a) for k, a in out.items()}


# -- the description -------------------------------------------------------------------------------------------
def test_registered_last_with_its_title():
    assert list(SEGMENTS)[-1] == "fine-print" and SEGMENTS["fine-print"].title == "The fine print"
    assert Script("fine-print", lang="en").title == "The fine print"


def test_every_run_is_optmath_s_own_trajectory_with_its_schedule(desc):
    for key, run in desc.runs.items():
        t = run.trajectory
        hyper = {k: v for k, v in t.optimizer.hyper.items() if k in optmath.defaults(t.optimizer.name)}
        again = optmath.trajectory(t.surface, t.optimizer.name, tuple(t.start), t.steps, schedule=t.schedule, **hyper)
        np.testing.assert_array_equal(again.xy, t.xy, err_msg=key)


def test_races_are_readable(desc):
    for beat in desc.beats:
        assert len(beat.show.racers) <= 6
        for key in beat.show.racers:
            assert desc.runs[key].trajectory.steps <= 80
            assert desc.runs[key].trajectory.diverged_at is None


def test_the_social_clip_is_short(desc):
    """Under about 25 seconds of speech at the narration's reading pace."""
    script = Script("fine-print", lang="en")
    words = sum(len(script.text(b.cue, **b.numbers).split()) for b in desc.beats_for(SOCIAL))
    assert words / WORDS_PER_SECOND < 25


# -- momentum: one formula at a constant rate, two under a schedule ------------------------------------------------
def test_the_momentum_forms_are_the_formulas(desc):
    lr, mu = fp.HEAVY["lr"], fp.HEAVY["momentum"]
    t = {k: desc.runs[k].trajectory for k in ("torch", "sutskever", "ema", "torch_s", "sutskever_s", "ema_s")}
    ref = momentum_paths(lr, mu, t["torch"].steps)
    ref_s = momentum_paths(lr, mu, t["torch_s"].steps, every=fp.DECAY_EVERY, gamma=fp.GAMMA)
    for k in ("torch", "sutskever", "ema"):
        np.testing.assert_allclose(t[k].xy, ref[k], atol=1e-12, err_msg=k)
        np.testing.assert_allclose(t[k + "_s"].xy, ref_s[k], atol=1e-12, err_msg=k)
    # the schedule is torch's StepLR: the base rate for DECAY_EVERY steps, then gamma times it
    np.testing.assert_allclose(t["torch_s"].lr[1:], [step_lr(lr, k, fp.DECAY_EVERY, fp.GAMMA)
                                                      for k in range(1, t["torch_s"].steps + 1)], rtol=1e-15)


def test_sutskever_equals_torch_at_a_constant_rate(desc, said):
    a, b = desc.runs["torch"].trajectory, desc.runs["sutskever"].trajectory
    gap = np.linalg.norm(a.xy - b.xy, axis=-1).max()
    assert gap < 1e-12
    assert said["constant"]["gap_sutskever"] == fmt(gap)
    assert said["constant"]["dist"] == fmt(np.linalg.norm(a.final))


def test_sutskever_parts_from_torch_exactly_after_the_decay_step(desc, said):
    a, b = desc.runs["torch_s"].trajectory, desc.runs["sutskever_s"].trajectory
    k = fp.DECAY_EVERY + 1  # StepLR(step_size=15): step 16 is the first at the lower rate
    assert a.lr[k] == pytest.approx(fp.HEAVY["lr"] * fp.GAMMA) and a.lr[k - 1] == fp.HEAVY["lr"]
    gap = np.linalg.norm(a.xy - b.xy, axis=-1)
    assert gap[:k].max() < 1e-12 and gap[k] > 1e-3
    # the step after the decay: torch moves lr_low * b, Sutskever mu * v + lr_low * g with v = lr * b
    bk = a.state["b"][k - 1]
    g = bowl_grad(a.xy[k - 1])
    lr_low = fp.HEAVY["lr"] * fp.GAMMA
    np.testing.assert_allclose(a.xy[k], a.xy[k - 1] - lr_low * (fp.HEAVY["momentum"] * bk + g), atol=1e-12)
    np.testing.assert_allclose(b.xy[k], b.xy[k - 1] - (fp.HEAVY["momentum"] * fp.HEAVY["lr"] * bk + lr_low * g),
                               atol=1e-12)
    s = said["schedule"]
    assert (s["every"], s["decay"], s["part"]) == (fp.DECAY_EVERY, k, k)
    assert s["gamma"] == fmt(fp.GAMMA) and s["lr_low"] == fmt(lr_low) == "0.005"
    assert s["d_end"] == fmt(gap[-1]) and s["steps"] == a.steps
    assert s["d_torch"] == fmt(np.linalg.norm(a.final)) and s["d_sutskever"] == fmt(np.linalg.norm(b.final))
    assert said["social_race"] == {k2: s[k2] for k2 in ("decay", "gamma", "steps", "d_end")}


def test_the_ema_form_is_torch_at_lr_times_one_minus_beta(desc, said):
    """With or without the schedule: the EMA's lr multiplies outside its average, as torch's does."""
    lr_ema, mu = 0.5, fp.HEAVY["momentum"]
    for suffix, schedule in (("", None), ("_s", optmath.StepLR(fp.DECAY_EVERY, fp.GAMMA))):
        ema = desc.runs["ema" + suffix].trajectory
        assert ema.optimizer.hyper["lr"] == lr_ema and ema.schedule == schedule
        torch_like = optmath.trajectory("bowl", "momentum", fp.START, ema.steps, lr=lr_ema * (1 - mu), momentum=mu,
                                        schedule=schedule)
        assert np.linalg.norm(ema.xy - torch_like.xy, axis=-1).max() < 1e-12
        gap = np.linalg.norm(ema.xy - desc.runs["torch" + suffix].trajectory.xy, axis=-1).max()
        assert gap < 1e-12
        assert said["constant" if not suffix else "schedule"]["gap_ema"] == fmt(gap)
    c = said["constant"]
    assert (c["lr"], c["mu"], c["ema_lr"], c["one_minus"]) == ("0.05", "0.9", "0.5", "0.1")


# -- first steps ----------------------------------------------------------------------------------------------------
def test_adam_and_adagrad_first_step_is_lr_times_the_sign(desc, said):
    lr = fp.ADAPTIVE_LR
    g0 = bowl_grad(fp.START)
    for name, eps in (("adam", 1e-8), ("adagrad", 1e-10)):
        t = desc.runs[name].trajectory
        step = t.xy[1] - t.xy[0]
        np.testing.assert_allclose(step, -lr * g0 / (np.abs(g0) + eps), rtol=1e-12)  # the rule, eps included
        np.testing.assert_allclose(step, -lr * np.sign(g0), rtol=1e-7)  # lr * sign(g), up to eps/|g|
        assert said["first_step"][f"step_{name}"] == point(step) == point(-lr * np.sign(g0)) == "(0.1, 0.1)"
    assert said["first_step"]["g0"] == point(g0) == "(-1, -8)"
    assert said["first_step"]["lr"] == fmt(lr)


def test_rmsprop_first_step_is_about_lr_over_root_one_minus_alpha(desc, said):
    t = desc.runs["rmsprop"].trajectory
    lr, alpha, eps = fp.ADAPTIVE_LR, t.optimizer.hyper["alpha"], t.optimizer.hyper["eps"]
    g0 = bowl_grad(fp.START)
    step = t.xy[1] - t.xy[0]
    np.testing.assert_allclose(step, -lr * g0 / (np.sqrt((1 - alpha) * g0 * g0) + eps), rtol=1e-12)
    np.testing.assert_allclose(np.abs(step), lr / np.sqrt(1 - alpha), rtol=1e-6)
    factor = np.abs(step).max() / lr
    assert said["first_step"]["factor"] == fmt(factor) == fmt(1 / np.sqrt(1 - alpha)) == "10"
    assert said["first_step"]["step_rmsprop"] == point(step) == "(1, 1)"
    assert said["first_step"]["alpha"] == fmt(alpha) == "0.99"


# -- the turned bowl -------------------------------------------------------------------------------------------------
def test_bowl_rotated_is_the_bowl_turned(desc):
    rot, bowl = optmath.get_surface("bowl-rotated"), optmath.get_surface("bowl")
    rng = np.random.default_rng(7)
    uv = rng.uniform(-3, 3, (50, 2))
    xy = np.array([fp.turned(p) for p in uv])
    np.testing.assert_allclose(rot.value(xy), bowl.value(uv), rtol=1e-12, atol=1e-12)
    # gradient and Hessian against central differences
    h = 1e-6
    fd = np.stack([(rot.value(xy + h * e) - rot.value(xy - h * e)) / (2 * h) for e in np.eye(2)], -1)
    np.testing.assert_allclose(rot.grad(xy), fd, rtol=1e-6, atol=1e-6)
    fd_h = np.stack([(rot.grad(xy + h * e) - rot.grad(xy - h * e)) / (2 * h) for e in np.eye(2)], -1)
    np.testing.assert_allclose(rot.hessian(xy), fd_h, rtol=1e-6, atol=1e-6)
    # the bowl's eigenvalues, on the diagonals
    evals, evecs = np.linalg.eigh(rot.hessian([0.3, -1.2]))
    np.testing.assert_allclose(evals, [0.2, 4.0], rtol=1e-12)
    diag = np.array([1.0, 1.0]) / np.sqrt(2)
    assert abs(evecs[:, 0] @ diag) == pytest.approx(1.0, abs=1e-12)  # shallow: along (1, 1)
    assert abs(evecs[:, 1] @ np.array([1.0, -1.0]) / np.sqrt(2)) == pytest.approx(1.0, abs=1e-12)  # steep: (1, -1)
    (cp,) = optmath.minima(rot)
    assert cp.xy == (0.0, 0.0) and cp.value == 0.0


def test_rotated_numbers(desc, said):
    r = said["rotated"]
    assert (r["angle"], r["l_min"], r["l_max"]) == ("45", "0.2", "4")
    assert r["start"] == point((-3 / np.sqrt(2), -7 / np.sqrt(2))) == "(-2.12, -4.95)"
    assert r["formula"] == optmath.get_surface("bowl-rotated").spoken
    sgd, sgd_rot = desc.runs["sgd"].trajectory, desc.runs["sgd_rot"].trajectory
    rms, rms_rot = desc.runs["rmsprop"].trajectory, desc.runs["rmsprop_rot"].trajectory
    turn = np.array([[1.0, -1.0], [1.0, 1.0]]) / np.sqrt(2)
    # gradient descent is rotation invariant: its path on the turned bowl is its bowl path turned
    gap = np.linalg.norm(sgd.xy @ turn.T - sgd_rot.xy, axis=-1).max()
    assert gap < 1e-12 and r["turn_gap"] == fmt(gap)
    assert r["d_sgd"] == fmt(np.linalg.norm(sgd_rot.final)) == said["aligned"]["d_sgd"]
    # RMSprop is not: turned, it ends much farther out
    assert np.linalg.norm(rms.xy @ turn.T - rms_rot.xy, axis=-1).max() > 1.0
    assert r["d_rms"] == fmt(np.linalg.norm(rms_rot.final))
    assert said["aligned"]["d_rms"] == fmt(np.linalg.norm(rms.final))
    d_sgd, d_rms, d_rms_rot = (np.linalg.norm(t.final) for t in (sgd, rms, rms_rot))
    assert d_rms < d_sgd < d_rms_rot  # ahead on the bowl, behind on the turned bowl: the advantage is gone
    # its first step on the turned bowl: lr/sqrt(1-alpha) per coordinate, by the sign of the gradient there
    g = optmath.get_surface("bowl-rotated").grad(fp.turned(fp.START))
    assert r["step_rms"] == point(-fp.ADAPTIVE_LR * 10 * np.sign(g)) == "(-1, 1)"


def test_short_cut_still_parts_after_its_decay():
    d = SEGMENTS["fine-print"].describe(short=True)
    s = next(b for b in d.beats if b.cue == "schedule").numbers
    assert s["decay"] == s["part"] == fp.DECAY_EVERY_SHORT + 1 < d.runs["torch_s"].trajectory.steps
    assert max(r.trajectory.steps for r in d.runs.values()) <= 12


def test_chinese_words_are_chinese(monkeypatch):
    monkeypatch.setenv("OPTVIZ_LANG", "zh")
    d = SEGMENTS["fine-print"].describe()
    said = {b.cue: b.numbers for b in d.beats}
    assert said["intro"]["formula"] == "零点一x的平方加二y的平方"
    assert said["rotated"]["formula"] == "x减y之差的平方加零点零五乘以x加y之和的平方"  # one parse only, aloud
    assert [b.cue for b in d.beats_for(LECTURE)] == ["intro", "torch_form", "constant", "schedule", "first_step",
                                                     "aligned", "rotated", "outro"]
    assert said["torch_form"] == {"lr": "0.05", "mu": "0.9"}


def test_scheduled_legend_rows_break_before_the_schedule(desc):
    row = desc.runs["sutskever_s"].label()
    assert row == "Momentum (Sutskever) (lr=0.05, momentum=0.9)\n+ StepLR(step_size=15, gamma=0.1)"
    assert desc.runs["sutskever_s"].label(brief=True) == "Momentum (Sutskever) lr=0.05"  # the phone's row: one line
    assert "\n" not in desc.runs["sutskever"].label()
