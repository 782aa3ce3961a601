"""The basins segment: each swarm is one batched run, its fates are optmath's, and every number it says
is recomputed here from the swarm itself, from single optmath runs, or from a closed form.

No rendering. The shares are counted again from the swarms' own paths (last real point, inside the plot,
near the minimum), so a legend row, a map and a spoken number cannot disagree.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest

import optmath
from optmath import fates as fate
from scenes.language import display_name
from scenes.description import LECTURE, SOCIAL, FateMaps, fmt, point
from scenes.script import Script
from scenes.toolkit.narration import WORDS_PER_SECOND

basins = importlib.import_module("scenes.segments.basins")
CUBIC_OPTIMIZERS = ("sgd", "momentum", "adam")


@pytest.fixture(scope="module")
def desc():
    return basins.describe()


@pytest.fixture(scope="module")
def said(desc):
    return {b.cue: b.numbers for b in desc.beats}


@pytest.fixture(scope="module")
def words():
    return Script("basins", lang="en").fragments


def last_points(xy: np.ndarray) -> np.ndarray:
    """Each path's last finite point, written as a loop: the reference for the vectorised endpoints."""
    out = np.empty((len(xy), 2))
    for i, path in enumerate(xy):
        finite = np.flatnonzero(np.all(np.isfinite(path), axis=-1))
        out[i] = path[finite[-1]]
    return out


def shares(fate_rows: np.ndarray, n_rows: int) -> list[float]:
    return (100.0 * np.bincount(fate_rows, minlength=n_rows) / len(fate_rows)).tolist()


# -- the swarms are optmath's runs -------------------------------------------------------------------------
def test_the_settings_are_the_cubic_s():
    """Momentum and Adam race as in the cubic, plain descent runs at the cubic's basin rate, and once more at
    momentum's effective rate, lr / (1 - momentum), for the fair comparison."""
    cubic = importlib.import_module("scenes.segments.cubic")
    assert {k: basins.SETTINGS[k] for k in ("momentum", "adam")} == {k: cubic.RACERS[k] for k in ("momentum", "adam")}
    assert basins.SETTINGS["sgd"] == {"lr": cubic.BASIN_LR}
    mom = cubic.RACERS["momentum"]
    assert basins.FAIR_SETTINGS["lr"] == pytest.approx(mom["lr"] / (1 - mom["momentum"]), rel=1e-12)


def test_each_cubic_swarm_is_one_grid_batch(desc):
    starts = fate.grid("cubic", basins.GRID).reshape(-1, 2)
    assert len(starts) == 4096
    for k in CUBIC_OPTIMIZERS:
        s = desc.swarms[k]
        assert s.xy.shape == (4096, basins.STEPS + 1, 2) and not s.trails
        np.testing.assert_array_equal(s.xy[:, 0], starts)
        batch = optmath.batch_trajectory("cubic", k, starts, basins.STEPS, record_state=False, **basins.SETTINGS[k])
        np.testing.assert_array_equal(s.xy, batch.xy)


@pytest.mark.parametrize("key", CUBIC_OPTIMIZERS + ("fit",))
def test_swarm_rows_equal_single_runs(desc, key):
    """Sampled rows of each swarm against optmath.trajectory from the same start: bit for bit, NaN tails included."""
    s = desc.swarms[key]
    surface, name, hyper = (("fit-sincos", basins.FIT_OPTIMIZER, {"lr": basins.FIT_LR}) if key == "fit"
                            else ("cubic", key, basins.SETTINGS[key]))
    rng = np.random.default_rng(3)
    picks = set(rng.choice(len(s.xy), 10, replace=False).tolist())
    picks |= {int(np.flatnonzero(s.fate == row)[0]) for row in np.unique(s.fate)}  # every fate at least once
    for i in sorted(picks):
        t = optmath.trajectory(surface, name, tuple(s.xy[i, 0]), s.steps, **hyper)
        np.testing.assert_array_equal(s.xy[i], t.xy, err_msg=f"{key} row {i}")


def test_cubic_fates_are_optmath_s_and_hold_on_the_paths(desc, words):
    cubic = optmath.get_surface("cubic")
    starts = fate.grid(cubic, basins.GRID).reshape(-1, 2)
    for k in CUBIC_OPTIMIZERS:
        s = desc.swarms[k]
        run = optmath.batch_trajectory(cubic, k, starts, basins.STEPS, record_state=False, **basins.SETTINGS[k])
        f = fate.fates(run, (0.0, 0.0), tol=basins.TOL)
        expected = np.select([f.labels == fate.REACHED, f.labels == fate.OVER_EDGE, f.labels == fate.MOVING],
                             [0, 1, 2], -1)
        np.testing.assert_array_equal(s.fate, expected)
        # what each fate means, read off the paths themselves
        end = last_points(s.xy)
        gone = np.isnan(s.xy[:, -1, 0])
        assert np.all(np.linalg.norm(end[s.fate == 0], axis=-1) <= basins.TOL) and not gone[s.fate == 0].any()
        assert np.all(gone[s.fate == 1] | ~cubic.in_domain(end[s.fate == 1]))
        assert np.all(cubic.in_domain(end[s.fate == 2]) & ~gone[s.fate == 2])
        # the legend: the words and each share, counted from the swarm's own fates
        pct = shares(s.fate, 3)
        assert [x.words for x in s.fates] == [f"{words[w]} {fmt(p)}%" for w, p in
                                              zip(("minimum", "over_edge", "moving"), pct)]
        assert [x.kind for x in s.fates] == ["good", "bad", "other"]
        np.testing.assert_allclose(pct, [f.share(fate.REACHED), f.share(fate.OVER_EDGE), f.share(fate.MOVING)])
        assert sum(pct) == pytest.approx(100.0, abs=1e-9)


def test_the_fate_maps_are_the_swarms_fates_reshaped(desc, words):
    maps = desc.cards["maps"]
    assert isinstance(maps, FateMaps) and maps.title == words["maps_title"]
    assert [x.words for x in maps.fates] == [words["minimum"], words["over_edge"], words["moving"]]
    assert len(maps.maps) == len(basins.MAPS) == 4  # plain descent at two rates, momentum, Adam
    for (heading, labels), k in zip(maps.maps, basins.MAPS):
        if k == basins.FAIR:  # plain descent at momentum's effective rate: its own batch, no swarm of its own
            run = optmath.batch_trajectory("cubic", "sgd", fate.grid("cubic", basins.GRID).reshape(-1, 2),
                                           basins.STEPS, record_state=False, **basins.FAIR_SETTINGS)
            rows = basins.rows(fate.fates(run, (0.0, 0.0), basins.TOL, others=()), basins.CUBIC_ROWS)
            np.testing.assert_array_equal(labels, rows.reshape(basins.GRID, basins.GRID))
            assert heading == words["heading"].format(name="SGD", lr=fmt(basins.FAIR_SETTINGS["lr"]),
                                                      pct=fmt(shares(rows, 3)[0]))
            continue
        s = desc.swarms[k]
        assert labels.shape == (basins.GRID, basins.GRID)
        np.testing.assert_array_equal(labels, s.fate.reshape(basins.GRID, basins.GRID))
        # row 0 is the lowest y: the map's cell (i, j) is the start at the grid's (x_j, y_i)
        ys = s.xy[:, 0, 1].reshape(basins.GRID, basins.GRID)[:, 0]
        assert np.all(np.diff(ys) > 0)
        assert heading == words["heading"].format(name=display_name(k, "en"), lr=fmt(basins.SETTINGS[k]["lr"]),
                                                  pct=fmt(shares(s.fate, 3)[0]))
    fair = desc.cards["fair"]  # the momentum beat's card: plain descent at the same effective rate, then momentum
    assert [h for h, _ in fair.maps] == [maps.maps[1][0], maps.maps[2][0]]


def test_the_gradient_descent_border_runs_through_the_saddle(desc):
    """The saddle's cell and its neighbours hold both endings: the basin's border passes through it."""
    labels = desc.cards["maps"].maps[0][1]
    xy = desc.swarms["sgd"].xy[:, 0].reshape(basins.GRID, basins.GRID, 2)
    i = int(np.argmin(np.abs(xy[:, 0, 1] - (-0.5))))
    j = int(np.argmin(np.abs(xy[0, :, 0] - 0.25)))
    around = labels[i - 1:i + 2, j - 1:j + 2]
    assert {0, 1} <= set(around.ravel().tolist())
    # and away from it, far below the saddle everything leaves, around the minimum everything stays
    assert np.all(labels[0] == 1)
    k = int(np.argmin(np.abs(xy[:, 0, 1])))
    assert np.all(labels[k - 2:k + 3, basins.GRID // 2 - 2:basins.GRID // 2 + 3] == 0)


# -- every number said ---------------------------------------------------------------------------------------
def test_cubic_numbers(desc, said):
    cubic = optmath.get_surface("cubic")
    f = {k: desc.swarms[k].fate for k in CUBIC_OPTIMIZERS}
    pct = {k: [fmt(p) for p in shares(f[k], 3)] for k in CUBIC_OPTIMIZERS}
    per_cent = lambda mask: fmt(100.0 * np.count_nonzero(mask) / mask.size)  # noqa: E731
    assert said["intro"] == {"formula": cubic.spoken, "saddle": point((0.25, -0.5)), "grid": 64, "count": 4096}
    assert said["sgd"] == {"lr": "0.1", "steps": 150, "pct_min": pct["sgd"][0], "pct_edge": pct["sgd"][1]}
    above = desc.swarms["sgd"].xy[:, 0, 1] > 0
    m = said["momentum"]
    fair = desc.cards["fair"].maps[0][1].reshape(-1)  # plain descent at momentum's effective rate
    assert m == {"lr": "0.05", "mu": "0.9", "eff": "0.5", "pct_min": pct["momentum"][0],
                 "pct_edge": pct["momentum"][1], "pct_fair": fmt(shares(fair, 3)[0]),
                 "lost": per_cent((fair == 0) & (f["momentum"] != 0)),
                 "gained": per_cent((f["momentum"] == 0) & (fair != 0)),
                 "lost_above": per_cent(f["momentum"][above] != 0)}
    a = said["adam"]
    assert a == {"lr": "0.1", "pct_min": pct["adam"][0], "pct_edge": pct["adam"][1],
                 "lost": per_cent((f["sgd"] == 0) & (f["adam"] != 0)),
                 "saved": per_cent((f["adam"] == 0) & (f["sgd"] != 0)),
                 "moving": int(np.count_nonzero(f["adam"] == 2)), "steps": 150}
    fair_pct = fmt(shares(fair, 3)[0])
    assert said["maps"] == {**{f"pct_{k}": pct[k][0] for k in CUBIC_OPTIMIZERS}, "pct_sgd_fair": fair_pct,
                            "lr": "0.1", "lr_fair": "0.5"}
    assert said["social_hook"] == {"count": 4096}
    assert said["social_race"] == {"pct_min": pct["momentum"][0], "pct_edge": pct["momentum"][1],
                                   "fair_min": fair_pct, "eff": "0.5"}


def test_what_the_cubic_narration_claims(desc):
    """Momentum loses most, from high on the far wall, and never keeps a start gradient descent loses;
    Adam's basin differs from gradient descent's both ways; after the last step (almost) every path has ended."""
    f = {k: desc.swarms[k].fate for k in CUBIC_OPTIMIZERS}
    home = {k: np.mean(f[k] == 0) for k in CUBIC_OPTIMIZERS}
    assert home["momentum"] < home["adam"] < home["sgd"]
    above = desc.swarms["sgd"].xy[:, 0, 1] > 0
    assert np.mean(f["momentum"][above] != 0) > 0.5 > np.mean(f["sgd"][above] != 0)
    top = desc.swarms["momentum"].xy[:, 0, 1] == desc.swarms["momentum"].xy[:, 0, 1].max()
    assert np.all(f["momentum"][top] == 1)  # the top row: every start shot over the edge
    assert np.any((f["adam"] == 0) & (f["sgd"] != 0)) and np.any((f["sgd"] == 0) & (f["adam"] != 0))
    assert np.mean(f["adam"] == 2) < 0.01 and not np.any(f["sgd"] == 2) and not np.any(f["momentum"] == 2)


def test_fit_numbers(desc, said):
    fit = optmath.get_surface("fit-sincos")
    s = desc.swarms["fit"]
    mins = sorted(optmath.minima(fit), key=lambda c: c.value)
    best = mins[0]
    assert best.xy == pytest.approx((1.2, 2.5), abs=0.03)  # the true parameters, up to the noise
    assert said["fit_intro"] == {"a_best": fmt(best.xy[0]), "b_best": fmt(best.xy[1]), "f_best": fmt(best.value),
                                 "a_true": "1.2", "b_true": "2.5", "n_local": len(mins) - 1}
    # the fates, from the paths: nearest minimum within FIT_TOL of the last point
    end = last_points(s.xy)
    centres = np.array([c.xy for c in mins])
    d = np.linalg.norm(end[:, None] - centres, axis=-1)
    at = np.where(d.min(1) <= basins.FIT_TOL, d.argmin(1), -1)
    np.testing.assert_array_equal(s.fate, np.where(at == 0, 0, np.where(at > 0, 1, 2)))
    pct = shares(s.fate, 3)
    left = (s.fate == 2) & ~fit.in_domain(end)
    crawl = (s.fate == 2) & fit.in_domain(end)
    flat = mins[int(np.argmin([c.eigenvalues[0] for c in mins[1:]])) + 1]
    fw = said["fit_swarm"]
    assert fw == {"lr": "0.5", "grid": 16, "a_lo": "0", "a_hi": "7", "b_lo": "-1", "b_hi": "7", "steps": 80,
                  "pct_global": fmt(pct[0]), "pct_local": fmt(pct[1]), "pct_unsettled": fmt(pct[2]),
                  "pct_left": fmt(100 * left.mean()), "pct_crawl": fmt(100 * crawl.mean()),
                  "a_flat": fmt(flat.xy[0]), "b_flat": fmt(flat.xy[1]), "curv": fmt(flat.eigenvalues[0])}
    assert left.sum() + crawl.sum() == np.count_nonzero(s.fate == 2)
    # "the flat line": a = 0 makes the model sin(b), a constant; its valley's curvature by finite differences
    assert flat.xy[0] == 0.0
    h = 1e-5
    H = np.stack([(fit.grad(np.array(flat.xy) + h * e) - fit.grad(np.array(flat.xy) - h * e)) / (2 * h)
                  for e in np.eye(2)])
    assert np.linalg.eigvalsh((H + H.T) / 2)[0] == pytest.approx(flat.eigenvalues[0], rel=1e-4)
    # "most of those crawl toward the flat line"
    assert np.count_nonzero(np.linalg.norm(end[crawl] - np.array(flat.xy), axis=-1) < 0.3) > crawl.sum() / 2
    # where: every start closer than `near` finds the global fit; the farthest that does is `far` away
    starts = s.xy[:, 0]
    dist = np.linalg.norm(starts - np.array(best.xy), axis=-1)
    near, far = dist[s.fate != 0].min(), dist[s.fate == 0].max()
    assert np.all(s.fate[dist < near] == 0) and near < far
    counts = np.bincount(at[s.fate == 1], minlength=len(mins))
    top = mins[int(np.argmax(counts))]
    assert said["fit_where"] == {"near": fmt(near), "far": fmt(far), "a_top": fmt(top.xy[0]),
                                 "b_top": fmt(top.xy[1]), "f_top": fmt(top.value),
                                 "pct_top": fmt(100 * counts.max() / len(s.fate))}


def test_the_fit_grid_leaves_out_negative_a_because_the_loss_is_even_in_a(desc):
    fit = optmath.get_surface("fit-sincos")
    rng = np.random.default_rng(5)
    p = rng.uniform(-1, 7, (200, 2))
    np.testing.assert_allclose(fit.value(p * [-1, 1]), fit.value(p), rtol=1e-12)
    starts = desc.swarms["fit"].xy[:, 0]
    assert starts[:, 0].min() > 0 and len(starts) == 16 * 16
    np.testing.assert_array_equal(starts, fate.grid(fit, 16, window=((0.0, 7.0), (-1.0, 7.0))).reshape(-1, 2))


def test_fit_legend(desc, words):
    s = desc.swarms["fit"]
    pct = shares(s.fate, 3)
    assert [x.words for x in s.fates] == [f"{words[w]} {fmt(p)}%" for w, p in
                                          zip(("global_fit", "local_fit", "unsettled"), pct)]
    assert [x.kind for x in s.fates] == ["good", "middle", "other"] and not s.trails
    assert 0 < pct[0] < 50 < pct[0] + pct[1]  # both outcomes, in earnest


# -- the shape of the segment ---------------------------------------------------------------------------------
def test_beats(desc):
    assert [b.cue for b in desc.beats_for(LECTURE)] == ["intro", "sgd", "momentum", "adam", "maps", "fit_intro",
                                                        "fit_swarm", "fit_where", "outro"]
    assert [b.cue for b in desc.beats_for(SOCIAL)] == ["social_hook", "social_race", "social_end"]
    for b in desc.beats:
        assert not b.show.racers and b.show.panel is None  # swarms and cards only
    assert desc.runs == {} and set(desc.swarms) == {"sgd", "momentum", "adam", "fit"}


def test_the_social_clip_is_short(desc):
    script = Script("basins", lang="en")
    n = sum(len(script.text(b.cue, **b.numbers).split()) for b in desc.beats_for(SOCIAL))
    assert n / WORDS_PER_SECOND < 25
    assert script.hook_title.endswith("?")


def test_short_cut_is_small():
    d = basins.describe(short=True)
    for k, s in d.swarms.items():
        assert len(s.xy) == 12 * 12 and s.steps <= 12, k
    for _, labels in d.cards["maps"].maps:
        assert labels.shape == (12, 12)
    again = basins.describe(short=True)  # deterministic
    assert [b.numbers for b in again.beats] == [b.numbers for b in d.beats]
    for k in d.swarms:
        np.testing.assert_array_equal(again.swarms[k].xy, d.swarms[k].xy)


def test_chinese_words_same_numbers(monkeypatch, said):
    monkeypatch.setenv("OPTVIZ_LANG", "zh")
    d = basins.describe(short=False)
    zh = Script("basins").fragments
    zh_said = {b.cue: b.numbers for b in d.beats}
    assert zh_said["intro"].pop("formula") == "x的平方加y的平方加y的立方加x乘y"
    assert zh_said == {cue: {k: v for k, v in n.items() if (cue, k) != ("intro", "formula")} for cue, n in said.items()}
    assert d.swarms["momentum"].fates[0].words.startswith(zh["minimum"])
    assert d.cards["maps"].maps[2][0].startswith("动量法")
    assert d.swarms["sgd"].title == zh["swarm_title"].format(name="SGD", lr="0.1", count=4096)
