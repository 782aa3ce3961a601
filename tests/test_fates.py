"""Where paths end (optmath.fates): hand-made endpoints, closed forms, and batches against single runs.

The closed forms: gradient descent on a quadratic multiplies each coordinate by (1 - 2 a lr) per step,
so on a bowl every start reaches the minimum, and on the saddle x^2 - y^2 only the starts with y = 0
exactly reach the saddle point (y grows by 1 + 2 lr per step; everything else leaves).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import optmath
from optmath import fates as fate
from optmath.fates import GLOBAL, LOCAL, MOVING, OTHER_MINIMUM, OVER_EDGE, REACHED, UNSETTLED


@pytest.fixture(scope="module")
def sincos_minima():
    return optmath.minima("fit-sincos")


# -- hand-made endpoints --------------------------------------------------------------------------------------
def test_hand_made_endpoints_on_the_cubic():
    final = np.array([
        [0.001, 0.0],    # within tol of the minimum
        [0.01, 0.0],     # exactly at tol: counts as reached
        [0.0, 0.011],    # just outside tol, inside the plot: still moving
        [0.5, 0.5],      # inside the plot, near nothing
        [0.001, 0.0],    # at the minimum, but the run diverged there: over the edge wins
        [0.0, -3.0],     # below the plot, not (yet) diverged: over the edge
        [np.nan, np.nan],  # a non-finite point of a diverged run
        [0.25, -0.5],    # at the saddle, given as another point to settle at
        [2.0, 0.0],      # right of the plot
    ])
    diverged_at = np.array([-1, -1, -1, -1, 7, -1, 3, -1, -1])
    f = fate.classify(final, diverged_at, "cubic", (0.0, 0.0), tol=1e-2, others=[(0.25, -0.5)])
    assert f.labels.tolist() == [REACHED, REACHED, MOVING, MOVING, OVER_EDGE, OVER_EDGE, OVER_EDGE, OTHER_MINIMUM,
                                 OVER_EDGE]
    assert f.at.tolist() == [0, 0, -1, -1, -1, -1, -1, 1, -1]
    assert f.names[REACHED] == "reached" and f.names[OVER_EDGE] == "over the edge"
    # the three ways to say "diverged": step numbers (-1 never), flags, or None for a run that never did
    flags = fate.classify(final, diverged_at >= 0, "cubic", (0.0, 0.0), others=[(0.25, -0.5)])
    np.testing.assert_array_equal(flags.labels, f.labels)
    none = fate.classify(final[:4], None, "cubic", (0.0, 0.0))
    assert none.labels.tolist() == [REACHED, REACHED, MOVING, MOVING]


def test_settled_at_picks_the_nearest_point_within_tol():
    points = [(0.0, 0.0), (0.015, 0.0)]
    final = np.array([[0.009, 0.0], [0.006, 0.0], [0.1, 0.1], [np.inf, 0.0]])
    assert fate.settled_at(final, points, tol=0.01).tolist() == [1, 0, -1, -1]
    assert fate.settled_at(final, [], tol=0.01).tolist() == [-1, -1, -1, -1]


def test_shares_are_per_cent_and_sum_to_a_hundred():
    labels = np.array([[0, 0, 1], [3, 1, 1], [0, 2, 1]])
    f = fate.Fates(labels, fate.FATES, np.full(labels.shape, -1), ())
    assert [f.count(k) for k in range(4)] == [3, 4, 1, 1]
    np.testing.assert_allclose(f.shares, [100 * 3 / 9, 100 * 4 / 9, 100 / 9, 100 / 9], rtol=1e-15)
    assert f.shares.sum() == pytest.approx(100.0, abs=1e-12) and f.total == 9


def test_grid_cells_cover_the_window_from_the_lowest_row():
    s = optmath.get_surface("cubic")
    g = fate.grid(s, 6, 4)
    assert g.shape == (4, 6, 2)
    (x0, x1), (y0, y1) = s.domain
    np.testing.assert_allclose(g[0, :, 0], x0 + (np.arange(6) + 0.5) * (x1 - x0) / 6, rtol=1e-15)
    np.testing.assert_allclose(g[:, 0, 1], y0 + (np.arange(4) + 0.5) * (y1 - y0) / 4, rtol=1e-15)
    assert np.all(np.diff(g[:, 0, 1]) > 0)  # row 0 is the lowest y
    np.testing.assert_allclose(g.reshape(-1, 2).mean(0), [(x0 + x1) / 2, (y0 + y1) / 2], atol=1e-15)
    assert fate.grid(s, 3, window=((0, 3), (0, 6)))[..., 1].tolist() == [[1, 1, 1], [3, 3, 3], [5, 5, 5]]


# -- endpoints: the same as each single trajectory's ------------------------------------------------------------
def test_endpoints_are_each_paths_final_point():
    starts = fate.grid("cubic", 9).reshape(-1, 2)
    run = optmath.batch_trajectory("cubic", "momentum", starts, 40, record_state=False, lr=0.05, momentum=0.9)
    assert 0 < np.count_nonzero(run.diverged_at >= 0) < len(starts)  # both kinds of ending
    final, gone = fate.endpoints(run)
    for i in range(len(starts)):
        np.testing.assert_array_equal(final[i], run[i].final)
        assert gone[i] == (run[i].diverged_at is not None)
    # an escaped point that overflowed is not the endpoint: the row before it is (Trajectory.last_finite)
    xy = run.xy.copy()
    i = int(np.flatnonzero(run.diverged_at >= 0)[0])
    xy[i, run.diverged_at[i]] = np.inf
    broken = dataclasses.replace(run, xy=xy)
    final, _ = fate.endpoints(broken)
    np.testing.assert_array_equal(final[i], xy[i, run.diverged_at[i] - 1])
    np.testing.assert_array_equal(final[i], broken[i].final)


def test_batch_fates_equal_the_fates_of_single_runs():
    starts = fate.grid("cubic", 8).reshape(-1, 2)
    for name, hyper in (("sgd", {"lr": 0.1}), ("momentum", {"lr": 0.05, "momentum": 0.9}), ("adam", {"lr": 0.1})):
        run = optmath.batch_trajectory("cubic", name, starts, 60, record_state=False, **hyper)
        batch = fate.fates(run, (0.0, 0.0), others=())  # the cubic's only minimum (and no root finding per run)
        single = [fate.fates(optmath.trajectory("cubic", name, tuple(p), 60, **hyper), (0.0, 0.0), others=())
                  for p in starts]
        assert batch.labels.tolist() == [int(s.labels) for s in single], name
        assert len(set(batch.labels.tolist())) >= 2, name  # a test of something: more than one outcome


def test_a_grid_shaped_batch_keeps_its_shape():
    starts = fate.grid("cubic", 5, 3)
    run = optmath.batch_trajectory("cubic", "sgd", starts, 30, record_state=False, lr=0.1)
    f = fate.fates(run, (0.0, 0.0))
    assert f.labels.shape == (3, 5) and f.at.shape == (3, 5)
    flat = fate.fates(optmath.batch_trajectory("cubic", "sgd", starts.reshape(-1, 2), 30, record_state=False,
                                               lr=0.1), (0.0, 0.0))
    np.testing.assert_array_equal(f.labels.reshape(-1), flat.labels)


# -- closed forms ---------------------------------------------------------------------------------------------
def test_on_a_bowl_every_start_reaches_the_minimum():
    """0.1x^2 + 2y^2 at lr 0.4: x shrinks by 0.92 and y by -0.6 a step, from everywhere."""
    lr, n = 0.4, 250
    starts = fate.grid("bowl", 10).reshape(-1, 2)
    run = optmath.batch_trajectory("bowl", "sgd", starts, n, record_state=False, lr=lr)
    closed = starts * np.array([(1 - 2 * 0.1 * lr) ** n, (1 - 2 * 2.0 * lr) ** n])
    final, _ = fate.endpoints(run)
    np.testing.assert_allclose(final, closed, atol=1e-12)
    assert np.abs(closed).max() < 1e-8  # well inside the tolerance
    f = fate.fates(run, (0.0, 0.0), tol=1e-6)
    assert f.count(REACHED) == len(starts) and f.share(REACHED) == 100.0
    assert f.shares.tolist() == [100.0, 0.0, 0.0, 0.0]


def test_on_the_saddle_only_the_line_y_equals_zero_reaches_it():
    """x^2 - y^2 at lr 0.1: x shrinks by 0.8, y grows by 1.2 a step unless it starts at exactly 0."""
    lr, n = 0.1, 120
    line = np.linspace(-1.5, 1.5, 7)  # holds 0 exactly
    X, Y = np.meshgrid(line, line)
    starts = np.stack([X, Y], -1).reshape(-1, 2)
    assert np.count_nonzero(starts[:, 1] == 0) == 7
    run = optmath.batch_trajectory("saddle", "sgd", starts, n, record_state=False, lr=lr)
    f = fate.fates(run, (0.0, 0.0), tol=1e-6)  # the saddle has no minimum: nothing else to settle at
    assert f.points == ((0.0, 0.0),)
    expected = np.where(starts[:, 1] == 0, REACHED, OVER_EDGE)
    np.testing.assert_array_equal(f.labels, expected)
    assert f.share(REACHED) == pytest.approx(100 * 7 / 49, rel=1e-15)
    # the escape step, by the update written out: y <- y - lr * (-2y), until |y| leaves the box of 15
    for i, (_, y0) in enumerate(starts):
        if y0 == 0:
            assert run.diverged_at[i] == -1 and abs(run.xy[i, -1, 0]) <= 1.5 * 0.8 ** n * (1 + 1e-9)
            continue
        y, k = y0, 0
        while abs(y) <= 15.0:
            y, k = y - lr * (-2 * y), k + 1
        assert run.diverged_at[i] == k


# -- the fitting landscape ------------------------------------------------------------------------------------
def test_fit_fates_from_the_seed_starts(sincos_minima):
    """Seed 001: from (2, 4.5) gradient descent finds the global fit near (1.2, 2.5), from (5, 1) a local one."""
    good = optmath.trajectory("fit-sincos", "sgd", (2.0, 4.5), 400, lr=0.1)
    bad = optmath.trajectory("fit-sincos", "sgd", (5.0, 1.0), 400, lr=0.1)
    early = optmath.trajectory("fit-sincos", "sgd", (2.0, 4.5), 3, lr=0.1)
    got = {k: fate.fit_fates(t, points=sincos_minima) for k, t in (("good", good), ("bad", bad), ("early", early))}
    assert [int(got[k].labels) for k in ("good", "bad", "early")] == [GLOBAL, LOCAL, UNSETTLED]
    points = got["good"].points
    assert [c.value for c in points] == sorted(c.value for c in sincos_minima)  # at 0: the lowest
    assert points[0].xy == pytest.approx((1.2, 2.5), abs=0.03)
    np.testing.assert_allclose(good.final, points[0].xy, atol=fate.TOL)
    local = points[int(got["bad"].at)]
    assert local.value > points[0].value and np.linalg.norm(bad.final - np.asarray(local.xy)) <= fate.TOL
    assert int(got["early"].at) == -1
    assert got["good"].names == ("global fit", "local fit", "not settled")


def test_fates_count_other_minima_by_default(sincos_minima):
    """Aimed at the global fit, a run that ends in a local fit is OTHER_MINIMUM, not still moving."""
    best = min(sincos_minima, key=lambda c: c.value)
    bad = optmath.trajectory("fit-sincos", "sgd", (5.0, 1.0), 400, lr=0.1)
    f = fate.fates(bad, best)
    assert int(f.labels) == OTHER_MINIMUM
    reached = f.points[int(f.at)]
    assert reached.kind == "min" and reached.value > best.value
    assert int(fate.fates(bad, best, others=()).labels) == MOVING  # told of no other minimum


def test_fit_fates_of_a_batch_equal_single_runs(sincos_minima):
    starts = fate.grid("fit-sincos", 4, window=((0.5, 6.5), (0.0, 6.0))).reshape(-1, 2)
    run = optmath.batch_trajectory("fit-sincos", "sgd", starts, 60, record_state=False, lr=0.5)
    batch = fate.fit_fates(run, tol=0.05, points=sincos_minima)
    for i, p in enumerate(starts):
        single = fate.fit_fates(optmath.trajectory("fit-sincos", "sgd", tuple(p), 60, lr=0.5), 0.05, sincos_minima)
        assert (int(single.labels), int(single.at)) == (batch.labels[i], batch.at[i])
    assert batch.shares.sum() == pytest.approx(100.0, abs=1e-12)
