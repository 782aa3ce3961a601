"""Analysis against the closed forms of the notes."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import optmath
from optmath.surfaces import quadratic


def _kinds(name):
    return {(round(c.xy[0], 9), round(c.xy[1], 9)): c for c in optmath.critical_points(name)}


def test_cubic_has_a_minimum_and_a_saddle():
    cps = _kinds("cubic")
    assert set(cps) == {(0.0, 0.0), (0.25, -0.5)}
    lo, sad = cps[(0.0, 0.0)], cps[(0.25, -0.5)]
    assert lo.kind == "min" and lo.value == pytest.approx(0.0, abs=1e-15)
    np.testing.assert_allclose(lo.eigenvalues, [1.0, 3.0])
    assert sad.kind == "saddle" and sad.value == pytest.approx(1 / 16)
    np.testing.assert_allclose(sad.eigenvalues, [(1 - math.sqrt(13)) / 2, (1 + math.sqrt(13)) / 2])


@pytest.mark.parametrize("name,kind,eig,gd", [
    ("saddle", "saddle", (-2, 2), 1.0), ("saddle-cs231n", "saddle", (-1, 2), 1.0),
    ("bowl", "min", (0.2, 4), 0.5), ("bowl-nndl", "min", (0.1, 2), 1.0),
])
def test_quadratics(name, kind, eig, gd):
    (c,) = optmath.critical_points(name)
    assert c.xy == (0.0, 0.0) and c.kind == kind
    np.testing.assert_allclose(c.eigenvalues, eig)
    assert optmath.max_stable_lr(name, c.xy) == pytest.approx(gd)


def test_benchmark_minima():
    assert [c.xy for c in optmath.minima("rosenbrock")] == [pytest.approx((1.0, 1.0))]
    assert optmath.minima("beale")[0].xy == pytest.approx((3.0, 0.5))


@pytest.mark.parametrize("name,features", [
    ("fit-linear", lambda x: np.stack([x, np.ones_like(x)], -1)),
    ("fit-cubic", lambda x: np.stack([x**3, x**2], -1)),
])
def test_linear_fits_have_the_least_squares_minimum(name, features):
    s = optmath.get_surface(name)
    best, *_ = np.linalg.lstsq(features(s.data.x), s.data.y, rcond=None)
    (m,) = optmath.minima(name)
    np.testing.assert_allclose(m.xy, best, rtol=1e-10)


def test_sincos_fit_has_the_global_and_a_local_minimum_from_the_seed_starts():
    s = "fit-sincos"
    mins = optmath.minima(s)
    best = min(mins, key=lambda c: c.value)
    assert best.xy == pytest.approx((1.2, 2.5), abs=0.03)  # the true parameters, up to noise
    good = optmath.trajectory(s, "sgd", (2.0, 4.5), 400, lr=0.1)
    bad = optmath.trajectory(s, "sgd", (5.0, 1.0), 400, lr=0.1)
    assert np.linalg.norm(good.final - best.xy) < 1e-3
    local = min(mins, key=lambda c: np.linalg.norm(np.subtract(c.xy, bad.final)))
    assert np.linalg.norm(bad.final - local.xy) < 1e-2 and local.value > best.value + 0.1


def test_heavy_ball_and_nesterov_bounds_on_the_bowl():
    b = optmath.step_bounds("bowl", (0, 0), momentum=0.5)
    assert (b.gd, b.heavy_ball, b.nesterov) == pytest.approx((0.5, 0.75, 0.375))
    assert b.gd_optimal == pytest.approx(2 / 4.2)
    lr_opt, mu_opt = b.heavy_ball_optimal
    assert lr_opt == pytest.approx((2 / (math.sqrt(0.2) + 2)) ** 2)
    assert mu_opt == pytest.approx(((2 - math.sqrt(0.2)) / (2 + math.sqrt(0.2))) ** 2)
    # the notes' example: at mu=0.5, lr=0.4 heavy ball converges while Nesterov diverges
    hb = optmath.trajectory("bowl", "momentum", (-5.0, -2.0), 300, lr=0.4, momentum=0.5)
    nag = optmath.trajectory("bowl", "nesterov", (-5.0, -2.0), 300, lr=0.4, momentum=0.5)
    assert hb.diverged_at is None and np.linalg.norm(hb.final) < 1e-6
    assert nag.diverged_at is not None


def test_steps_to_tolerance_matches_the_geometric_rate():
    # on 0.1x^2 from (-5, 0) with lr 0.5, x shrinks by 1 - 2*0.1*0.5 = 0.9 a step
    t = optmath.trajectory("bowl", "sgd", (-5.0, 0.0), 300, lr=0.5)
    expected = math.ceil(math.log(1e-6 / 5) / math.log(0.9))
    assert optmath.steps_to_tolerance(t, (0, 0), tol=1e-6) == expected
    assert optmath.steps_to_tolerance(optmath.trajectory("bowl", "sgd", (-5, -2), 50, lr=0.6), (0, 0)) is None


@settings(max_examples=40, deadline=None)
@given(a=st.floats(0.05, 5.0), b=st.floats(0.05, 5.0), margin=st.floats(0.05, 0.5))
def test_gd_converges_below_two_over_lambda_max_and_diverges_above(a, b, margin):
    q = quadratic(a, b)
    limit = optmath.max_stable_lr(q, (0.0, 0.0))
    assert limit == pytest.approx(2 / (2 * max(a, b)))
    start = (1.0, 1.0)
    below = optmath.trajectory(q, "sgd", start, 3000, lr=limit * (1 - margin / 2))
    assert below.diverged_at is None and np.linalg.norm(below.final) < 1e-3
    above = optmath.trajectory(q, "sgd", start, 3000, lr=limit * (1 + margin))
    assert above.diverged_at is not None


def test_basin_map_of_the_cubic():
    bm = optmath.basin_map("cubic", "sgd", resolution=21, steps=400, lr=0.1)
    (imin,) = [i for i, c in enumerate(bm.points) if c.kind == "min"]
    i0 = np.argmin(np.abs(bm.xs)); j0 = np.argmin(np.abs(bm.ys))
    assert bm.labels[j0, i0] == imin  # the origin's own basin
    assert bm.labels[0, :].tolist().count(-1) > 15  # starts at y = -1.5 run off to y -> -inf
    assert 0.2 < bm.fraction(imin) < 0.95 and bm.fraction(-1) > 0.05


def test_critical_points_are_solved_once_per_surface_and_again_for_other_functions(monkeypatch):
    import dataclasses

    from optmath import analysis

    solved = []
    real = analysis._solve_critical_points
    monkeypatch.setattr(analysis, "_solve_critical_points", lambda s, g, t: solved.append(s.name) or real(s, g, t))
    monkeypatch.setattr(analysis, "_CRITICAL_POINTS", {})
    first = optmath.critical_points("cubic")
    first.clear()  # a caller's list is its own: the cache keeps a tuple
    again = optmath.critical_points("cubic")
    assert solved == ["cubic"] and len(again) == 2
    assert again == real(optmath.get_surface("cubic"), 15, 1e-9)
    # the same name with another function (a formula typed anew) is solved, not taken from the cache
    bowl = optmath.get_surface("bowl")
    impostor = dataclasses.replace(optmath.get_surface("cubic"), _f=bowl._f, _grad=bowl._grad, _hess=bowl._hess)
    (only,) = optmath.critical_points(impostor)
    assert solved == ["cubic", "cubic"] and only.kind == "min" and only.xy == (0.0, 0.0)
    optmath.critical_points("cubic", grid=9)  # another lattice is another question
    assert len(solved) == 3


def test_the_grid_minimum_is_the_function_s_not_the_name_s():
    """Two surfaces with one name, formula text and domain but different functions (what a typed formula or
    a landscape fitted to other data can be) each get their own lowest point: the cache used to be keyed by
    the name and the text, and handed the first one's answer to the second."""
    a = quadratic(1.0, 1.0, name="mine", latex="f", domain=((0.5, 2.0), (0.5, 2.0)))
    b = quadratic(3.0, 1.0, name="mine", latex="f", domain=((0.5, 2.0), (0.5, 2.0)))
    assert optmath.grid_minimum(a, 31) == (pytest.approx(0.5), (0.5, 0.5))
    assert optmath.grid_minimum(b, 31) == (pytest.approx(1.0), (0.5, 0.5))
