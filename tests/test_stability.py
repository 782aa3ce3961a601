"""The stability segment: every number it speaks or shows against a closed form, NumPy or torch.

The bowl 0.1x^2 + 2y^2 has Hessian eigenvalues 0.2 and 4 at its minimum, so plain gradient descent stops
overshooting at lr = 1/4 and diverges beyond lr = 2/4; torch's heavy ball at momentum 0.5 is stable to
(2 + 2mu)/4 = 0.75, its Nesterov only to (2 + 2mu)/((1 + 2mu)4) = 0.375. No rendering here.
"""

from __future__ import annotations

import importlib
import re
import time

import numpy as np
import pytest
import torch

import optmath
from scenes.description import LECTURE, SHORT_FORM, SOCIAL, TALK, exit_step, fmt, point
from scenes.script import Script
from scenes.toolkit.narration import WORDS_PER_SECOND

seg = importlib.import_module("scenes.segments.stability")
LAM_MIN, LAM_MAX, MU = 0.2, 4.0, 0.5


@pytest.fixture(scope="module")
def desc():
    return seg.describe()


@pytest.fixture(scope="module")
def said(desc):
    return {b.cue: b.numbers for b in desc.beats}


def fan_rates(desc):
    swarm = desc.swarms["fan"]
    return np.array(desc.cards["fan_line"].values), swarm


def expected_fate(lr):
    """The closed form: no overshoot up to 1/lambda_max, zig-zag up to 2/lambda_max, then divergence."""
    return np.where(lr <= 1 / LAM_MAX, 0, np.where(lr <= 2 / LAM_MAX, 1, 2))


def torch_sgd(lr, steps, momentum=0.0, nesterov=False, start=seg.START):
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr, momentum=momentum, nesterov=nesterov)
    out = [p.detach().numpy().copy()]
    for _ in range(steps):
        opt.zero_grad()
        (0.1 * p[0] ** 2 + 2 * p[1] ** 2).backward()
        opt.step()
        out.append(p.detach().numpy().copy())
    return np.array(out)


# -- the numbers said ---------------------------------------------------------------------------------------------
def test_the_lines_are_the_closed_forms(said):
    f = said["fates"]
    assert (f["overshoot"], f["over_limit"], f["bound"], f["limit"]) == (fmt(1 / LAM_MAX), "1", fmt(2 / LAM_MAX), "2")
    assert (f["overshoot"], f["bound"]) == ("0.25", "0.5")
    assert said["outro"] == {"overshoot": "0.25", "bound": "0.5"}
    assert {k: said["social_race"][k] for k in ("overshoot", "bound", "limit")} == {"overshoot": "0.25", "bound": "0.5",
                                                                                  "limit": "2"}
    e = said["eigen"]
    assert (e["l_min"], e["l_max"], e["kappa"]) == ("0.2", "4", "20")
    assert said["intro"]["start"] == point(seg.START) == "(-5, -2)"
    assert said["intro"]["formula"] == optmath.get_surface("bowl").spoken


def test_the_momentum_bounds_are_the_closed_forms(said):
    m = said["momentum_bounds"]
    hb, nes = (2 + 2 * MU) / LAM_MAX, (2 + 2 * MU) / ((1 + 2 * MU) * LAM_MAX)
    assert (m["mu"], m["hb_bound"], m["hb_limit"]) == (fmt(MU), fmt(hb), fmt(2 + 2 * MU)) == ("0.5", "0.75", "3")
    assert (m["nes_bound"], m["nes_limit"]) == (fmt(nes), fmt((2 + 2 * MU) / (1 + 2 * MU))) == ("0.375", "1.5")
    assert m["bound"] == "0.5"
    # the race rate sits between them, and plain descent's bound too: Nesterov's is the narrowest
    assert nes < seg.RACE_LR < 2 / LAM_MAX < hb


def test_the_fan_numbers(desc, said):
    lrs, swarm = fan_rates(desc)
    f = said["fan"]
    assert f["count"] == len(lrs) == seg.FAN_COUNT and 20 <= len(lrs) <= 30
    assert (f["lr_lo"], f["lr_hi"]) == (fmt(lrs.min()), fmt(lrs.max()))
    assert lrs.min() < 1 / LAM_MAX and 2 / LAM_MAX < lrs.max() < 1.5 * 2 / LAM_MAX  # below the first line, a bit above the second
    assert f["steps"] == swarm.steps == seg.STEPS and f["start"] == "(-5, -2)"


def test_fates_counts_and_edges(desc, said):
    lrs, swarm = fan_rates(desc)
    want = expected_fate(lrs)
    np.testing.assert_array_equal(swarm.fate, want)
    counts = [int(np.sum(want == k)) for k in range(3)]
    assert all(counts)
    f = said["fates"]
    assert [f["n_settle"], f["n_zig"], f["n_div"]] == counts
    assert f["last_settle"] == fmt(lrs[want == 0].max()) and f["first_zig"] == fmt(lrs[want == 1].min())
    assert f["last_zig"] == fmt(lrs[want == 1].max()) and f["first_div"] == fmt(lrs[want == 2].min())
    assert float(f["last_settle"]) < 0.25 < float(f["first_zig"]) and float(f["last_zig"]) < 0.5 < float(f["first_div"])
    # the legend says the counts, in the words of the narration file
    fr = Script("stability", lang="en").fragments
    assert [x.words for x in swarm.fates] == [fr["settles"].format(count=counts[0]), fr["zigzags"].format(count=counts[1]),
                                              fr["diverges"].format(count=counts[2])]
    assert [x.kind for x in swarm.fates] == ["good", "middle", "bad"]
    assert swarm.title == f"SGD, {len(lrs)} learning rates" and swarm.trails


def test_fates_are_what_the_paths_did(desc):
    """Independently of optmath.stability: sign flips of y and growth of |y|, read off the swarm's paths."""
    swarm = desc.swarms["fan"]
    y = swarm.xy[..., 1]
    with np.errstate(invalid="ignore"):
        flips = np.sum(y[:, 1:] * y[:, :-1] < 0, axis=1)
    last = np.array([row[np.isfinite(row)][-1] for row in y])
    grew = np.abs(last) > np.abs(y[:, 0])
    np.testing.assert_array_equal(swarm.fate == 2, grew)
    np.testing.assert_array_equal(swarm.fate == 1, ~grew & (flips > 0))
    assert (flips[swarm.fate == 1] == swarm.steps).all()  # a zig-zag crosses the floor at every step
    # the fastest divergers leave the escape box and are NaN after it: content, not an error
    assert np.isnan(swarm.xy[-1, -1]).all()


# -- the fan is one batch, its rows optmath's own paths -------------------------------------------------------------
def test_the_fan_is_one_batch_of_optmath_trajectories(desc):
    lrs, swarm = fan_rates(desc)
    batch = optmath.batch_trajectory("bowl", "sgd", seg.START, swarm.steps, lr=lrs)
    np.testing.assert_array_equal(swarm.xy, batch.xy)
    for i in range(len(lrs)):
        single = optmath.trajectory("bowl", "sgd", seg.START, swarm.steps, lr=float(lrs[i]))
        np.testing.assert_array_equal(swarm.xy[i], single.xy, err_msg=str(lrs[i]))


def test_the_fan_is_the_closed_form_path(desc):
    """Plain descent on the bowl: x_k = (1 - 0.2 lr)^k x_0, y_k = (1 - 4 lr)^k y_0, until the escape."""
    lrs, swarm = fan_rates(desc)
    k = np.arange(swarm.steps + 1)
    for i in range(len(lrs)):
        closed = np.stack([(1 - LAM_MIN * lrs[i]) ** k * seg.START[0], (1 - LAM_MAX * lrs[i]) ** k * seg.START[1]], -1)
        ok = np.isfinite(swarm.xy[i]).all(-1)
        np.testing.assert_allclose(swarm.xy[i][ok], closed[ok], rtol=1e-12, atol=1e-12)
    ref = torch_sgd(float(lrs[12]), swarm.steps)
    np.testing.assert_allclose(swarm.xy[12], ref, rtol=1e-12, atol=1e-14)


# -- the cards ------------------------------------------------------------------------------------------------------
def test_the_number_line(desc):
    lrs, swarm = fan_rates(desc)
    line = desc.cards["fan_line"]
    kinds = {0: "good", 1: "middle", 2: "bad"}
    assert line.kinds == tuple(kinds[int(f)] for f in swarm.fate)
    assert line.lo <= lrs.min() and lrs.max() < line.hi
    assert [(m.value, m.words) for m in line.marks] == [(0.25, "1/λmax = 0.25"), (0.5, "2/λmax = 0.5")]


def test_the_factor_table(desc, said):
    lrs, swarm = fan_rates(desc)
    table = desc.cards["factor_table"]
    assert table.header == ("lr", "predicted", "measured", "fate")
    assert table.title == "Factor per step across the valley (λmax = 4)"
    n = said["factor"]["factor_steps"]
    assert n == seg.FACTOR_STEPS
    words = {"straight in": 0, "zig-zags": 1, "diverges": 2}
    for row in table.rows:
        i = int(np.flatnonzero(np.array([fmt(v) for v in lrs]) == row[0])[0])  # a rate of the fan
        y = swarm.xy[i, :, 1]
        measured = (abs(y[n]) / abs(y[0])) ** (1 / n)  # the geometric mean of |y_{k+1} / y_k|
        assert row[1] == fmt(abs(1 - lrs[i] * LAM_MAX)) and row[2] == fmt(measured) == row[1]
        assert words[row[3]] == expected_fate(lrs[i])
    assert [table.rows[k][3] for k in table.highlight] == ["diverges"] * len(table.highlight) and table.highlight
    assert {r[3] for r in table.rows} == set(words)  # every fate has a row


def test_the_factor_beat(desc, said):
    f = said["factor"]
    table = desc.cards["factor_table"]
    for key, row in zip("abc", (table.rows[k] for k in seg.SPOKEN)):
        assert f[f"lr_{key}"] == row[0] and f[f"meas_{key}"] == row[2]
    lr_a, lr_b, lr_c = (float(f[f"lr_{k}"]) for k in "abc")
    assert f["signed_a"] == fmt(1 - lr_a * LAM_MAX) and float(f["signed_a"]) < 0  # a zig-zag: the sign flips
    assert f["pred_b"] == fmt(abs(1 - lr_b * LAM_MAX)) and float(f["pred_b"]) < 1
    assert f["pred_c"] == fmt(abs(1 - lr_c * LAM_MAX)) and float(f["pred_c"]) > 1
    assert f["unit"] == fmt(abs(1 - 0.5 * LAM_MAX)) == "1" and f["bound"] == "0.5"
    assert f["x_factor"] == fmt(1 - lr_b * LAM_MIN)


def test_the_momentum_line(desc):
    line = desc.cards["momentum_line"]
    marks = {m.words: m.value for m in line.marks}
    assert marks == {"Nesterov: lr < 0.375": 0.375, "race: lr = 0.4": 0.4, "GD: lr < 0.5": 0.5,
                     "heavy ball: lr < 0.75": 0.75}
    assert line.lo == 0 and 0.75 < line.hi and line.title == "learning rate, momentum 0.5"


def test_the_eigenvector_arrows(desc):
    arrows = desc.arrows["eigen"]
    evals, evecs = np.linalg.eigh(np.diag([2 * 0.1, 2 * 2.0]))
    assert arrows.at == (0.0, 0.0) == optmath.minima("bowl")[0].xy
    for v, e, label in zip(arrows.vectors, evecs.T, arrows.labels):
        assert abs(np.dot(v, e)) == pytest.approx(np.linalg.norm(v)) == pytest.approx(seg.ARROW_LENGTH)
        assert min(v) >= 0  # up the +x and +y walls
    assert arrows.labels == (f"λ = {fmt(evals[0])}", f"λ = {fmt(evals[1])}") == ("λ = 0.2", "λ = 4")
    (x0, x1), (y0, y1) = optmath.get_surface("bowl").domain
    assert all(x0 <= v[0] <= x1 and y0 <= v[1] <= y1 for v in arrows.vectors)  # the arrow tips stay on the plot


# -- the momentum race --------------------------------------------------------------------------------------------
def test_the_race_is_torch_s(desc):
    n = desc.runs["heavy"].trajectory.steps
    for key, kw in (("gd", {}), ("heavy", dict(momentum=MU)), ("nesterov", dict(momentum=MU, nesterov=True))):
        t = desc.runs[key].trajectory
        assert t.optimizer.hyper["lr"] == seg.RACE_LR
        ref = torch_sgd(seg.RACE_LR, n, **kw)
        ok = np.isfinite(t.xy).all(-1)
        np.testing.assert_allclose(t.xy[ok], ref[ok], rtol=1e-10, atol=1e-12, err_msg=key)
    assert desc.runs["heavy"].trajectory.diverged_at is None and desc.runs["gd"].trajectory.diverged_at is None
    assert desc.runs["nesterov"].trajectory.diverged_at is not None


def test_the_race_numbers(desc, said):
    r = said["momentum_race"]
    h = seg.RACE_LR * LAM_MAX
    assert r["lr"] == "0.4" and r["gd_factor"] == fmt(abs(1 - h)) == "0.6"
    # heavy ball: z^2 - (1 + mu - h) z + mu has complex roots here, |z| = sqrt(mu)
    hb = np.abs(np.roots([1, -(1 + MU - h), MU])).max()
    assert np.iscomplexobj(np.roots([1, -(1 + MU - h), MU]))
    assert r["hb_pred"] == fmt(hb) == fmt(np.sqrt(MU)) == "0.707"
    # Nesterov: z^2 - (1 + mu)(1 - h) z + mu (1 - h)
    nes = np.abs(np.roots([1, -(1 + MU) * (1 - h), MU * (1 - h)])).max()
    assert r["nes_pred"] == fmt(nes) == "1.16" and nes > 1
    # measured on the paths: the envelope of |y| (largest of 4 steps) from step 5, per step
    for key, pred in (("heavy", hb), ("nesterov", nes)):
        t = desc.runs[key].trajectory
        y = np.abs(t.xy[: t.last_finite + 1, 1])
        env = np.array([y[k:k + seg.ENVELOPE_WINDOW].max() for k in range(len(y) - seg.ENVELOPE_WINDOW + 1)])
        got = (env[-1] / env[seg.ENVELOPE_SKIP]) ** (1 / (len(env) - 1 - seg.ENVELOPE_SKIP))
        assert r["hb_meas" if key == "heavy" else "nes_meas"] == fmt(got)
        assert got == pytest.approx(pred, rel=0.01)
    heavy, nest = desc.runs["heavy"].trajectory, desc.runs["nesterov"].trajectory
    assert r["steps"] == heavy.steps and r["hb_dist"] == fmt(np.linalg.norm(heavy.final))
    assert np.linalg.norm(heavy.final) < 1e-3
    assert r["nes_diverged"] == nest.diverged_at and r["nes_exit"] == exit_step(nest) == 1
    # the first Nesterov step: b = g, p -= lr (g + mu g) overshoots to y = -2 + 0.4 * 1.5 * 8 = 2.8, off the plot
    assert nest.xy[1, 1] == pytest.approx(2.8, abs=1e-12)


# -- the description as a whole -----------------------------------------------------------------------------------
def test_beats_and_formats(desc):
    assert [b.cue for b in desc.beats_for(LECTURE)] == ["intro", "eigen", "fan", "fates", "factor", "momentum_bounds",
                                                        "momentum_race", "outro"]
    assert desc.beats_for(TALK) == desc.beats_for(LECTURE)
    social = desc.beats_for(SOCIAL)
    assert [b.cue for b in social] == ["social_hook", "social_race", "social_end"]
    assert all(b.formats == SHORT_FORM for b in social)
    assert social[0].show == social[-1].show and not social[0].show.swarm
    assert social[1].show.swarm == "fan" and social[1].show.card == "fan_line"
    for b in desc.beats:
        assert not (b.show.card and b.show.panel) and not (b.show.swarm and b.show.racers)
    view = desc.view
    assert (view.phi, view.theta, view.height) == (40, -75, 1.2)


def test_the_social_clip_is_short(desc):
    script = Script("stability", lang="en")
    words = sum(len(script.say(b).split()) for b in desc.beats_for(SOCIAL))
    assert words / WORDS_PER_SECOND < 25


def test_the_lecture_runs_a_few_minutes(desc):
    script = Script("stability", lang="en")
    seconds = sum(len(script.say(b).split()) for b in desc.beats_for(LECTURE)) / WORDS_PER_SECOND
    assert 120 < seconds < 220


def test_short_cut_is_small():
    d = seg.describe(short=True)
    assert max(r.trajectory.steps for r in d.runs.values()) <= 12
    assert d.swarms["fan"].steps <= 12 and len(d.swarms["fan"].xy) <= 30
    lrs = np.array(d.cards["fan_line"].values)
    np.testing.assert_array_equal(d.swarms["fan"].fate, expected_fate(lrs))  # fates hold even over a few steps
    assert Script("stability", lang="en").say(next(b for b in d.beats if b.cue == "fates"))


def test_describe_is_quick_and_deterministic(desc):
    t0 = time.perf_counter()
    again = seg.describe()
    assert time.perf_counter() - t0 < 2.0
    assert [b.numbers for b in again.beats] == [b.numbers for b in desc.beats]
    np.testing.assert_array_equal(again.swarms["fan"].xy, desc.swarms["fan"].xy)


# -- the narration files (beyond the checks every segment gets in test_narration.py and test_chinese.py) ------------
NUMBER_WORDS = r"\b(zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|hundred|thousand|half|twice|double)\b"


def test_narration_states_no_numbers_of_its_own():
    for lang in ("en", "zh"):
        script = Script("stability", lang=lang)
        for key, text in {**script.cues, **script.fragments, "title": script.title, "hook": script.hook_title}.items():
            bare = re.sub(r"\{[a-z_0-9]+\}", "", text)
            assert not re.search(r"[0-9０-９]", bare), (lang, key, bare)
            assert not re.search(NUMBER_WORDS, bare, re.IGNORECASE), (lang, key, bare)
            assert not re.search(r"零点|点[零一二三四五六七八九]", bare), (lang, key, bare)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_cue_is_used_and_filled(monkeypatch, lang):
    monkeypatch.setenv("OPTVIZ_LANG", lang)
    d = seg.describe()
    script = Script("stability")
    assert {b.cue for b in d.beats} == set(script.cues)
    for fmt_name in (LECTURE, SOCIAL, TALK):
        for b in d.beats_for(fmt_name):
            assert set(b.numbers) == script.placeholders(b.cue), b.cue
            text = script.say(b)
            assert "{" not in text and "}" not in text
            if lang == "zh":
                assert not re.search(r"\b(and|none|squared|plus|minus|never)\b", text), (b.cue, text)


def test_chinese_screen_words(monkeypatch, desc):
    monkeypatch.setenv("OPTVIZ_LANG", "zh")
    d = seg.describe()
    assert [x.words for x in d.swarms["fan"].fates] == ["直接进来：10", "之字形进来：10", "发散：5"]
    assert d.swarms["fan"].title == "SGD，25个学习率"
    assert d.cards["factor_table"].header == ("学习率", "预测", "实测", "结局")
    assert d.cards["factor_table"].rows[-1][1:] == desc.cards["factor_table"].rows[-1][1:3] + ("发散",)
    assert [m.words for m in d.cards["fan_line"].marks] == ["1/λmax = 0.25", "2/λmax = 0.5"]
    # the numbers are the same in every language (the formula is read in Chinese)
    assert [b.numbers for b in d.beats][1:] == [b.numbers for b in desc.beats][1:]
    assert d.beats[0].numbers["formula"] == "零点一x的平方加二y的平方"
