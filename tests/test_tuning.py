"""Declared tuning (optmath.tuning): the batched scores against single runs, torch, and closed forms.

The table a video shows is only as good as these numbers: each rate's score is re-computed here
from one optmath.trajectory per (rate, start), from torch.optim on Rosenbrock, and from the closed
form of gradient descent on a quadratic bowl.
"""

from __future__ import annotations

import numpy as np
import pytest

import optmath
from optmath.surfaces import quadratic
from optmath.tuning import (
    OBJECTIVES, StartGrid, StartPoints, StartSample, TuningConfig, decade_grid, tune,
)

ROSEN_BOX = ((-2.0, 2.0), (-1.0, 3.0))


def rosen_config(optimizer, lrs, n=4, steps=60, objective="mean-final-loss", **fixed):
    return TuningConfig("rosenbrock", optimizer, lrs, StartGrid(ROSEN_BOX, n), steps, objective, fixed)


def looped(config):
    """Every (rate, start) as its own optmath.trajectory: (G, S) final losses, inf where it diverged."""
    out = np.empty((len(config.lrs), config.starts.count))
    for i, lr in enumerate(config.lrs):
        for j, p in enumerate(config.starts.points()):
            t = optmath.trajectory(config.surface, config.optimizer, tuple(p), config.steps, lr=lr, **config.fixed)
            out[i, j] = np.inf if t.diverged_at is not None else t.z[-1]
    return out


# -- the starts and the grid -------------------------------------------------------------------------------
def test_start_grid_is_the_cell_centres_row_major_from_the_lowest_y():
    g = StartGrid(ROSEN_BOX, 8)
    p = g.points()
    assert p.shape == (64, 2) and g.count == 64
    np.testing.assert_allclose(np.unique(p[:, 0]), -2 + 0.25 + 0.5 * np.arange(8), rtol=0, atol=1e-15)
    np.testing.assert_allclose(np.unique(p[:, 1]), -1 + 0.25 + 0.5 * np.arange(8), rtol=0, atol=1e-15)
    assert tuple(p[0]) == (-1.75, -0.75) and tuple(p[1]) == (-1.25, -0.75) and tuple(p[-1]) == (1.75, 2.75)


def test_start_sample_is_deterministic_and_inside_its_box():
    a, b = StartSample(ROSEN_BOX, 64, seed=3).points(), StartSample(ROSEN_BOX, 64, seed=3).points()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, StartSample(ROSEN_BOX, 64, seed=4).points())
    np.testing.assert_array_equal(a, np.random.default_rng(3).uniform((-2, -1), (2, 3), size=(64, 2)))
    assert (a[:, 0] >= -2).all() and (a[:, 0] <= 2).all() and (a[:, 1] >= -1).all() and (a[:, 1] <= 3).all()


def test_decade_grid_is_round_numbers_that_contain_the_defaults():
    g = decade_grid(-4, 0)
    assert g == (1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 0.1, 0.2, 0.5, 1.0)
    assert 1e-3 in g and 0.01 in g  # torch's Adam and RMSprop defaults, exactly
    assert decade_grid(-2, -1, (1, 3)) == (0.01, 0.03, 0.1)


# -- the batch equals single runs ------------------------------------------------------------------------------
@pytest.mark.parametrize("optimizer, fixed", [("sgd", {}), ("momentum", {"momentum": 0.9}), ("rmsprop", {}),
                                              ("adam", {})])
def test_batched_scores_equal_a_loop_of_single_trajectories(optimizer, fixed):
    config = rosen_config(optimizer, decade_grid(-4, 0), **fixed)
    result = tune(config)
    ref = looped(config)
    finite = np.isfinite(ref)
    assert (np.isfinite(result.final_loss) == finite).all()
    np.testing.assert_allclose(result.final_loss[finite], ref[finite], rtol=1e-12, atol=1e-12)
    ref_scores = np.array([np.inf if not np.isfinite(row).all() else row.mean() for row in ref])
    np.testing.assert_allclose(result.scores, ref_scores, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(result.diverged, (~finite).sum(axis=1))
    assert result.run.xy.shape == (len(config.lrs), config.starts.count, config.steps + 1, 2)


def test_median_objective_against_the_loop():
    config = rosen_config("momentum", decade_grid(-4, -2), objective="median-final-loss", momentum=0.9)
    result = tune(config)
    np.testing.assert_allclose(result.scores, np.median(looped(config), axis=1), rtol=1e-12)


# -- torch as the reference ---------------------------------------------------------------------------------
@pytest.mark.parametrize("optimizer, lr, make", [
    ("sgd", 1e-3, lambda torch, p, lr: torch.optim.SGD([p], lr=lr)),
    ("momentum", 5e-4, lambda torch, p, lr: torch.optim.SGD([p], lr=lr, momentum=0.9)),
    ("adam", 0.05, lambda torch, p, lr: torch.optim.Adam([p], lr=lr)),
])
def test_the_score_of_one_start_is_torch_s_final_loss(optimizer, lr, make):
    torch = pytest.importorskip("torch")
    start, steps = (-1.2, 1.0), 200
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = make(torch, p, lr)

    def rosenbrock(q):
        return (1 - q[0]) ** 2 + 100 * (q[1] - q[0] ** 2) ** 2

    for _ in range(steps):
        opt.zero_grad()
        rosenbrock(p).backward()
        opt.step()
    with torch.no_grad():
        final = float(rosenbrock(p))
    fixed = {"momentum": 0.9} if optimizer == "momentum" else {}
    result = tune(TuningConfig("rosenbrock", optimizer, (lr,), StartPoints((start,)), steps, fixed=fixed))
    assert result.diverged[0] == 0
    assert result.scores[0] == pytest.approx(final, rel=1e-10, abs=1e-10)
    assert result.best_lr == lr and result.best_score == result.scores[0]


# -- divergence, choice and ties -------------------------------------------------------------------------------------
def test_one_diverged_start_makes_the_score_inf_and_the_rate_is_never_chosen():
    # momentum 0.9 on Rosenbrock: at 0.001 a few of the 64 starts fly off; the others end lower than at 0.0005
    config = TuningConfig("rosenbrock", "momentum", (5e-4, 1e-3), StartGrid(ROSEN_BOX, 8), 200,
                          fixed={"momentum": 0.9})
    result = tune(config)
    assert 0 < result.diverged[1] < config.starts.count // 2 and result.diverged[0] == 0
    assert result.scores[1] == np.inf and np.isfinite(result.scores[0])
    kept = np.isfinite(result.final_loss[1])
    assert result.final_loss[1][kept].mean() < result.scores[0]  # better where it survives...
    assert result.best_lr == 5e-4  # ...and still not chosen
    for j in np.flatnonzero(~kept):
        t = optmath.trajectory("rosenbrock", "momentum", tuple(result.starts[j]), 200, lr=1e-3, momentum=0.9)
        assert t.diverged_at == result.diverged_at[1, j] >= 1
    # the lenient objective forgives those few starts and picks the faster rate
    lenient = tune(TuningConfig("rosenbrock", "momentum", (5e-4, 1e-3), StartGrid(ROSEN_BOX, 8), 200,
                                "median-final-loss", {"momentum": 0.9}))
    assert np.isfinite(lenient.scores).all() and lenient.best_lr == 1e-3


def test_best_is_the_argmin_of_the_scores():
    result = tune(rosen_config("adam", decade_grid(-3, 0), n=3))
    assert result.best_index == int(np.argmin(result.scores))
    assert result.best_score == result.scores.min() == result.score(result.best_lr)
    assert result.lrs[result.best_index] == result.best_lr


def test_ties_go_to_the_smaller_rate():
    # on x^2 + y^2 gradient descent multiplies the point by 1 - 2 lr: 0.25 and 0.75 give +-1/2, exactly
    bowl = quadratic(1.0, 1.0)
    config = TuningConfig(bowl, "sgd", (0.75, 0.25, 0.9), StartPoints(((1.0, -0.5), (0.25, 2.0))), 10)
    result = tune(config)
    assert result.scores[0] == result.scores[1] < result.scores[2]
    assert result.best_lr == 0.25 and result.best_index == 1


def test_when_every_rate_diverges_there_is_no_best_rate():
    result = tune(rosen_config("sgd", (0.5, 1.0)))
    assert (result.scores == np.inf).all() and (result.diverged == result.config.starts.count).all()
    assert result.best_lr is None and result.best_index is None and result.best_score == np.inf


# -- a closed form ------------------------------------------------------------------------------------------
def test_gradient_descent_on_a_bowl_picks_the_rate_nearest_two_over_the_eigenvalue_sum():
    """On a x^2 + b y^2 gradient descent gives x_N = (1 - 2a lr)^N x0, y_N = (1 - 2b lr)^N y0: the mean final
    loss is known for every rate, and for a long run the best rate approaches 2 / (l_min + l_max)."""
    a, b, n = 0.1, 2.0, 300
    l_min, l_max = 2 * a, 2 * b
    bowl = quadratic(a, b, domain=((-6.0, 6.0), (-2.5, 2.5)))
    starts = StartGrid(((-6.0, 6.0), (-2.5, 2.5)), 4)
    lrs = tuple(np.round(np.arange(0.30, 0.56, 0.005), 6))
    result = tune(TuningConfig(bowl, "sgd", lrs, starts, n))
    p = starts.points()
    lr = np.array(lrs)[:, None]
    closed = (a * (1 - 2 * a * lr) ** (2 * n) * p[:, 0] ** 2 + b * (1 - 2 * b * lr) ** (2 * n) * p[:, 1] ** 2).mean(1)
    finite = np.isfinite(result.scores)
    np.testing.assert_allclose(result.scores[finite], closed[finite], rtol=1e-9)
    assert (result.diverged[~finite] > 0).all() and (np.array(lrs)[~finite] > 2 / l_max).all()
    assert result.best_index == int(np.argmin(closed))
    optimal = 2 / (l_min + l_max)
    assert abs(result.best_lr - optimal) <= 0.005
    assert result.best_lr == lrs[int(np.argmin(np.abs(np.array(lrs) - optimal)))]


# -- refusals --------------------------------------------------------------------------------------------------
def test_a_bad_objective_is_refused_naming_the_choices():
    with pytest.raises(ValueError) as err:
        rosen_config("adam", (0.1,), objective="best-final-loss")
    message = str(err.value)
    assert "unknown objective 'best-final-loss'" in message
    assert all(name in message for name in OBJECTIVES) and set(OBJECTIVES) == {"mean-final-loss", "median-final-loss"}


@pytest.mark.parametrize("kwargs, words", [
    (dict(lrs=()), "one or more"),
    (dict(lrs=(0.1, -0.1)), "> 0"),
    (dict(lrs=(0.1, float("nan"))), "finite"),
    (dict(lrs=(0.1, 0.1)), "repeats"),
    (dict(fixed={"lr": 0.1}), "lr is what is tuned"),
    (dict(fixed={"momentun": 0.9}), "no hyperparameter momentun"),
    (dict(steps=0), "steps=0"),
    (dict(optimizer="adma"), "unknown optimizer 'adma'"),
    (dict(surface="rosenbrok"), "unknown surface 'rosenbrok'"),
])
def test_bad_configurations_are_refused(kwargs, words):
    base = dict(surface="rosenbrock", optimizer="momentum", lrs=(0.1,), starts=StartGrid(ROSEN_BOX, 2), steps=5)
    with pytest.raises(ValueError, match=words.replace("(", r"\(")):
        TuningConfig(**{**base, **kwargs})


def test_a_rate_outside_the_grid_is_an_error():
    result = tune(rosen_config("adam", (0.1, 0.2), n=2, steps=3))
    assert result.score(0.2) == result.scores[1]
    with pytest.raises(ValueError, match="lr=0.3 was not tried; the grid is: 0.1, 0.2"):
        result.score(0.3)
