"""optmath.stability: the per-step factor, predicted and measured, held to closed forms, NumPy's eigvals and torch.

Plain gradient descent on a quadratic multiplies the distance along an eigenvector by exactly 1 - lr*lambda,
so the measured factor must equal |1 - lr*lambda| to rounding; with momentum the factor is the spectral
radius of a 2x2 iteration matrix, checked against numpy.linalg.eigvals and against paths computed by
optmath and by torch.optim.SGD on either side of the heavy-ball and Nesterov bounds.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import optmath
from optmath import stability
from optmath.surfaces import quadratic

START = (-5.0, -2.0)
ORIGIN = (0.0, 0.0)
X, Y = (1.0, 0.0), (0.0, 1.0)


def torch_path(lr, start, steps, momentum=0.0, nesterov=False, a=0.1, b=2.0):
    """torch.optim.SGD on f = a x^2 + b y^2 in float64: the reference path."""
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr, momentum=momentum, nesterov=nesterov)
    out = [p.detach().numpy().copy()]
    for _ in range(steps):
        opt.zero_grad()
        (a * p[0] ** 2 + b * p[1] ** 2).backward()
        opt.step()
        out.append(p.detach().numpy().copy())
    return np.array(out)


# -- predicted ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lr", [0.01, 0.1, 0.25, 0.3, 0.49, 0.5, 0.6, 1.3])
@pytest.mark.parametrize("lam", [0.2, 4.0, 7.5])
def test_gd_factor_is_the_closed_form(lr, lam):
    assert stability.predicted_factor(lr, lam) == abs(1 - lr * lam)
    # the matrix form agrees: its eigenvalues are 1 - lr*lambda and 0
    ev = np.linalg.eigvals(stability.iteration_matrix(lr, lam))
    np.testing.assert_allclose(sorted(np.abs(ev)), sorted([0.0, abs(1 - lr * lam)]), atol=1e-15)


def test_spectral_radius_against_numpy_eigvals():
    rng = np.random.default_rng(3)
    lr, lam, mu = rng.uniform(0, 1.5, 400), rng.uniform(0.05, 6, 400), rng.uniform(0, 0.99, 400)
    for nesterov in (False, True):
        mats = stability.iteration_matrix(lr, lam, mu, nesterov)
        want = np.abs(np.linalg.eigvals(mats)).max(-1)
        np.testing.assert_allclose(stability.predicted_factor(lr, lam, mu, nesterov), want, rtol=1e-9, atol=1e-12)
    # written out for one case: torch's heavy ball [[1 - h, -lr mu], [lambda, mu]], Nesterov [[1 - h(1+mu), -lr mu^2], ...]
    np.testing.assert_array_equal(stability.iteration_matrix(0.4, 4.0, 0.5), [[1 - 1.6, -0.2], [4.0, 0.5]])
    np.testing.assert_allclose(stability.iteration_matrix(0.4, 4.0, 0.5, True), [[1 - 1.6 * 1.5, -0.1], [4.0, 0.5]])


def test_the_bowl_race_numbers():
    """mu = 0.5, lr = 0.4, lambda = 4: the heavy ball's roots are complex (|z| = sqrt(mu)); Nesterov's are the
    real roots of z^2 + 0.9 z - 0.3, one of them beyond -1."""
    assert stability.predicted_factor(0.4, 4.0, 0.5) == pytest.approx(np.sqrt(0.5), abs=1e-15)
    assert stability.predicted_factor(0.4, 4.0, 0.5, True) == pytest.approx((0.9 + np.sqrt(0.81 + 1.2)) / 2, abs=1e-15)


@pytest.mark.parametrize("mu", [0.0, 0.5, 0.9])
@pytest.mark.parametrize("nesterov", [False, True])
def test_critical_lr_is_where_the_radius_reaches_one(mu, nesterov):
    lam = 4.0
    crit = stability.critical_lr(lam, mu, nesterov)
    closed = (2 + 2 * mu) / ((1 + 2 * mu) * lam) if nesterov else (2 + 2 * mu) / lam
    assert crit == pytest.approx(closed, rel=1e-15)
    assert stability.predicted_factor(crit, lam, mu, nesterov) == pytest.approx(1.0, abs=1e-12)
    assert stability.predicted_factor(crit * (1 - 1e-6), lam, mu, nesterov) < 1
    assert stability.predicted_factor(crit * (1 + 1e-6), lam, mu, nesterov) > 1
    if mu > 0:  # the same numbers as optmath.step_bounds
        b = optmath.step_bounds("bowl", ORIGIN, momentum=mu)
        assert crit == pytest.approx(b.nesterov if nesterov else b.heavy_ball, rel=1e-15)
    else:
        assert crit == pytest.approx(optmath.step_bounds("bowl", ORIGIN).gd, rel=1e-15)


@pytest.mark.parametrize("mu", [0.0, 0.3, 0.8])
@pytest.mark.parametrize("nesterov", [False, True])
def test_overshoot_lr_is_where_the_roots_leave_the_positive_axis(mu, nesterov):
    lam = 4.0
    lr0 = stability.overshoot_lr(lam, mu, nesterov)
    if mu == 0:
        assert lr0 == 1 / lam  # plain descent: 1 - lr*lambda turns negative
    for lr, real in ((lr0 * (1 - 1e-4), True), (lr0 * (1 + 1e-4), False)):
        ev = np.linalg.eigvals(stability.iteration_matrix(lr, lam, mu, nesterov))
        dominant = ev[np.argmax(np.abs(ev))]
        on_axis = abs(dominant.imag) < 1e-9 and dominant.real >= 0
        assert on_axis == real, (lr, ev)


# -- measured ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("surface, start", [("bowl", START), (quadratic(0.5, 3.0), (1.5, -1.0))])
def test_measured_gd_factor_is_exactly_the_prediction(surface, start):
    surf = optmath.get_surface(surface)
    evals, evecs = optmath.hessian_eigen(surf, ORIGIN)
    for lr in (0.03, 0.11, 0.25, 0.3, 0.45, 0.55, 0.9):
        t = optmath.trajectory(surf, "sgd", start, 30, lr=lr)
        for lam, v in zip(evals, evecs.T):
            if lr * lam == 1:  # lands on the axis in one step: the factor is 0 and so is the measure
                assert stability.per_step_factor(t, ORIGIN, v) == 0.0
                continue
            for steps in (1, 5, None):
                got = stability.per_step_factor(t, ORIGIN, v, steps=steps)
                assert got == pytest.approx(abs(1 - lr * lam), rel=1e-12, abs=1e-15), (lr, lam, steps)


def test_a_rotated_bowl_measures_along_its_diagonal_eigenvectors():
    evals, evecs = optmath.hessian_eigen("bowl-rotated", ORIGIN)
    t = optmath.trajectory("bowl-rotated", "sgd", (-2.0, -4.0), 12, lr=0.3)
    for lam, v in zip(evals, evecs.T):
        assert stability.per_step_factor(t, ORIGIN, v, steps=6) == pytest.approx(abs(1 - 0.3 * lam), rel=1e-9)


def test_diverging_path_is_measured_up_to_its_escape():
    t = optmath.trajectory("bowl", "sgd", START, 30, lr=0.75)  # factor 2 along y: escapes the box of 60
    assert t.diverged_at is not None and np.isnan(t.xy[-1]).all()
    assert stability.per_step_factor(t, ORIGIN, Y) == pytest.approx(2.0, rel=1e-12)


def test_batched_factors_are_the_rows_factors():
    lrs = np.linspace(0.02, 0.7, 18)
    batch = optmath.batch_trajectory("bowl", "sgd", START, 25, lr=lrs)
    got = stability.per_step_factors(batch, ORIGIN, Y, steps=8)
    assert got.shape == (18,)
    np.testing.assert_allclose(got, np.abs(1 - 4 * lrs), rtol=1e-12, atol=1e-15)
    for i in (0, 9, 17):
        assert got[i] == stability.per_step_factor(batch[i], ORIGIN, Y, steps=8)
        assert got[i] == stability.per_step_factor(batch.xy[i], ORIGIN, (0.0, 3.0), steps=8)  # normalised


def test_independent_reimplementation_of_the_factor():
    lrs = np.array([0.1, 0.32, 0.57])
    batch = optmath.batch_trajectory("bowl", "sgd", START, 10, lr=lrs)
    y = batch.xy[..., 1]
    np.testing.assert_allclose(stability.per_step_factors(batch, ORIGIN, Y),
                               np.exp(np.mean(np.log(np.abs(y[:, 1:] / y[:, :-1])), -1)), rtol=1e-12)


def test_the_iteration_matrix_is_the_path():
    """torch's first buffer is the raw gradient: M^k applied to (d_0, 0) is the optmath path, coordinate by
    coordinate on the axis-aligned bowl."""
    for name, nesterov in (("momentum", False), ("nesterov", True)):
        t = optmath.trajectory("bowl", name, START, 25, lr=0.3, momentum=0.6)
        for axis, lam in ((0, 0.2), (1, 4.0)):
            m = stability.iteration_matrix(0.3, lam, 0.6, nesterov)
            state, path = np.array([START[axis], 0.0]), [START[axis]]
            for _ in range(25):
                state = m @ state
                path.append(state[0])
            np.testing.assert_allclose(t.xy[:, axis], path, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("nesterov", [False, True])
@pytest.mark.parametrize("mu", [0.5, 0.9])
def test_torch_paths_near_the_bounds(mu, nesterov):
    """Just below the bound torch's SGD settles, just above it grows, and the measured envelope factor is the
    spectral radius; optmath's path is torch's. (Near the bound the dominant root is real, near -1, and the
    other one far smaller, so past the first steps the envelope is the dominant mode alone.)"""
    lam = 4.0
    crit = stability.critical_lr(lam, mu, nesterov)
    name = "nesterov" if nesterov else "momentum"
    for side in (0.995, 1.005):
        lr = crit * side
        ref = torch_path(lr, START, 200, mu, nesterov)
        ours = optmath.trajectory("bowl", name, START, 200, lr=lr, momentum=mu)
        finite = np.isfinite(ours.xy).all(-1)
        np.testing.assert_allclose(ours.xy[finite], ref[finite], rtol=1e-9, atol=1e-12)
        radius = stability.predicted_factor(lr, lam, mu, nesterov)
        assert (radius < 1) == (side < 1)
        measured = stability.per_step_factor(ref, ORIGIN, Y, steps=120, skip=20, window=50)
        assert measured == pytest.approx(radius, rel=1e-3), (lr, measured, radius)
        d = np.abs(ref[:, 1])
        assert (d[-1] < d[0]) == (side < 1)


def test_momentum_envelope_tends_to_the_spectral_radius():
    """Complex roots: the distance swings through zero, its envelope shrinks by sqrt(mu) per step."""
    t = optmath.trajectory("bowl", "momentum", START, 60, lr=0.4, momentum=0.5)
    got = stability.per_step_factor(t, ORIGIN, Y, skip=5, window=4)
    assert got == pytest.approx(np.sqrt(0.5), rel=1e-2)
    assert stability.sign_changes(t, ORIGIN, Y) > 5


# -- fates ----------------------------------------------------------------------------------------------------------
def closed_form_fate(lr, lam_max):
    return np.where(lr <= 1 / lam_max, stability.SETTLES, np.where(lr <= 2 / lam_max, stability.ZIGZAGS,
                                                                     stability.DIVERGES))


@pytest.mark.parametrize("surface, start", [("bowl", START), (quadratic(0.5, 3.0), (1.5, -1.0)),
                                            ("bowl-nndl", (-8.0, 3.0))])
@pytest.mark.parametrize("steps", [12, 60])
def test_fates_match_the_thresholds(surface, start, steps):
    surf = optmath.get_surface(surface)
    lam_max = float(np.linalg.eigvalsh(surf.hessian(np.array(ORIGIN))).max())
    fractions = np.array([0.05, 0.3, 0.45, 0.49, 0.5, 0.51, 0.7, 0.9, 0.99, 1.01, 1.1, 1.3])
    lrs = fractions * 2 / lam_max
    batch = optmath.batch_trajectory(surf, "sgd", start, steps, lr=lrs)
    got = stability.fates(batch, ORIGIN)
    np.testing.assert_array_equal(got, closed_form_fate(lrs, lam_max))
    # one path at a time says the same
    assert [int(stability.fates(batch[i], ORIGIN)) for i in range(len(lrs))] == got.tolist()
    # the zig-zags cross at every step, the settled never
    changes = stability.sign_changes(batch, ORIGIN, stability.steepest_direction(surf, ORIGIN))
    assert (changes[got == stability.SETTLES] == 0).all()
    zig = got == stability.ZIGZAGS
    assert (changes[zig] == steps).all()


def test_exactly_on_the_lines():
    """On 1/lambda_max the path lands on the floor in one step (no overshoot); on 2/lambda_max it bounces at a
    constant width: a zig-zag that neither settles nor grows."""
    batch = optmath.batch_trajectory("bowl", "sgd", START, 20, lr=np.array([0.25, 0.5]))
    np.testing.assert_array_equal(stability.fates(batch, ORIGIN), [stability.SETTLES, stability.ZIGZAGS])
    assert np.all(np.abs(batch.xy[1, :, 1]) == 2.0)


def test_fates_of_bare_paths_need_a_direction():
    batch = optmath.batch_trajectory("bowl", "sgd", START, 10, lr=np.array([0.1, 0.3, 0.6]))
    np.testing.assert_array_equal(stability.fates(batch.xy, ORIGIN, Y), [0, 1, 2])
    with pytest.raises(ValueError, match="need a direction"):
        stability.fates(batch.xy, ORIGIN)
    with pytest.raises(ValueError, match="non-zero vector"):
        stability.distances(batch, ORIGIN, (0.0, 0.0))


def test_steepest_direction():
    assert abs(stability.steepest_direction("bowl", ORIGIN) @ np.array(Y)) == pytest.approx(1.0)
    assert abs(stability.steepest_direction("bowl-rotated", ORIGIN) @ np.array([1.0, -1.0])) == pytest.approx(np.sqrt(2))


def test_a_start_on_the_axis_has_no_factor():
    t = optmath.trajectory("bowl", "sgd", (-5.0, 0.0), 5, lr=0.3)
    assert np.isnan(stability.per_step_factor(t, ORIGIN, Y))
    assert stability.per_step_factor(t, ORIGIN, X) == pytest.approx(1 - 0.3 * 0.2, rel=1e-12)
