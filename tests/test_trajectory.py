"""The trajectory contract, divergence as data, batching, determinism and bad input."""

import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import optmath
from optmath.optimizers import OPTIMIZERS


def test_contract_shapes_and_start_row():
    t = optmath.trajectory("saddle", "adam", (0.2, 1e-8), 50, lr=0.05)
    assert t.xy.shape == (51, 2) and t.xy.dtype == np.float64
    assert t.z.shape == (51,) and t.grad.shape == (51, 2)
    assert t.xy[0].tolist() == [0.2, 1e-8]
    assert t.diverged_at is None
    assert set(t.state) == {"m", "v"} and t.state["m"].shape == (51, 2)
    np.testing.assert_array_equal(t.z, optmath.get_surface("saddle").value(t.xy))
    assert t.label == "Adam (lr=0.05, betas=(0.9, 0.999))"


def test_zero_steps_is_just_the_start():
    t = optmath.trajectory("bowl", "sgd", (1.0, 2.0), 0, lr=0.1)
    assert t.xy.shape == (1, 2) and t.diverged_at is None


def test_saddle_symmetric_start_stalls_and_perturbed_start_escapes():
    stuck = optmath.trajectory("saddle", "sgd", (1.0, 0.0), 100, lr=0.1)
    assert stuck.diverged_at is None
    np.testing.assert_allclose(stuck.final, [0.0, 0.0], atol=1e-8)  # x shrinks by 0.8 a step
    assert stuck.xy[10, 0] == pytest.approx(0.8**10)
    away = optmath.trajectory("saddle", "sgd", (1.0, 0.25), 100, lr=0.1)
    # y grows by 1.2 a step until the path leaves the escape box
    assert away.xy[5, 1] == pytest.approx(0.25 * 1.2**5)
    assert away.diverged_at == math.ceil(math.log(15 / 0.25) / math.log(1.2))


def test_divergence_is_recorded_not_raised():
    t = optmath.trajectory("bowl", "sgd", (-5.0, -2.0), 100, lr=0.6)  # above 2/lambda_max = 0.5
    k = t.diverged_at
    assert k is not None and 0 < k < 100
    assert np.all(np.isfinite(t.xy[:k + 1]))  # the escaped point itself is kept, for the marker
    assert np.all(np.isnan(t.xy[k + 1:])) and np.all(np.isnan(t.z[k + 1:]))
    assert optmath.get_surface("bowl").escaped(t.xy[k]) and t.last_finite == k


def test_rows_after_a_non_finite_step_are_nan():
    # rosenbrock with a huge step overflows at once
    t = optmath.trajectory("rosenbrock", "sgd", (-1.5, 2.0), 10, lr=10.0)
    assert t.diverged_at == 1
    assert np.all(np.isnan(t.xy[2:]))


def test_same_call_same_bits():
    a = optmath.batch_trajectory("fit-sincos", "nadam", [[2, 4.5], [5, 1]], 200, lr=0.05)
    b = optmath.batch_trajectory("fit-sincos", "nadam", [[2, 4.5], [5, 1]], 200, lr=0.05)
    assert a.xy.tobytes() == b.xy.tobytes() and a.state["m"].tobytes() == b.state["m"].tobytes()


def test_batch_sweeps_hyperparameters_against_starts():
    lrs = np.array([0.1, 0.4, 0.6])
    run = optmath.batch_trajectory("bowl", "sgd", [[-5.0, -2.0]], 200, lr=lrs)
    assert run.batch_shape == (3,) and run.xy.shape == (3, 201, 2)
    assert run.diverged_at.tolist()[:2] == [-1, -1] and run.diverged_at[2] > 0  # only lr > 0.5 diverges
    grid = optmath.batch_trajectory("bowl", "adam", np.zeros((4, 1, 2)) + [1.0, 1.0], 10, lr=[0.1, 0.2, 0.3])
    assert grid.batch_shape == (4, 3)
    single = optmath.trajectory("bowl", "adam", (1.0, 1.0), 10, lr=0.2)
    assert np.array_equal(grid[2, 1].xy, single.xy)


def _domain_point(name):
    (x0, x1), (y0, y1) = optmath.get_surface(name).domain
    return st.tuples(st.floats(x0, x1), st.floats(y0, y1))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), name=st.sampled_from(list(OPTIMIZERS)), surface=st.sampled_from(list(optmath.SURFACES)),
       n=st.integers(1, 6), steps=st.integers(0, 40), lr=st.floats(1e-4, 0.5))
def test_batched_equals_single_bit_for_bit(data, name, surface, n, steps, lr):
    starts = [data.draw(_domain_point(surface)) for _ in range(n)]
    run = optmath.batch_trajectory(surface, name, starts, steps, lr=lr)
    i = data.draw(st.integers(0, n - 1))
    one = optmath.trajectory(surface, name, starts[i], steps, lr=lr)
    assert run[i].xy.tobytes() == one.xy.tobytes()
    assert run[i].z.tobytes() == one.z.tobytes()
    assert run[i].diverged_at == one.diverged_at
    for key in one.state:
        assert run[i].state[key].tobytes() == one.state[key].tobytes()


def test_bad_names_raise_value_error_with_choices():
    with pytest.raises(ValueError, match=r"unknown optimizer 'adamm'; choose one of: sgd, momentum.*adam"):
        optmath.trajectory("saddle", "adamm", (0, 0), 1)
    with pytest.raises(ValueError, match=r"unknown surface 'sadle'; choose one of: saddle"):
        optmath.trajectory("sadle", "adam", (0, 0), 1)


def test_unknown_hyperparameter_is_a_type_error_naming_it():
    with pytest.raises(TypeError, match="'beta1'") as err:
        optmath.trajectory("saddle", "adam", (0, 0), 1, beta1=0.9)
    assert "betas" in str(err.value)


@pytest.mark.parametrize("kwargs,needle", [
    (dict(lr=-0.1), "lr=-0.1 must be >= 0"),
    (dict(lr=float("nan")), "not finite"),
    (dict(betas=(1.0, 0.999)), "beta1"),
    (dict(betas=(0.9, -0.1)), "beta2"),
    (dict(betas=0.9), "pair"),
])
def test_bad_hyperparameters(kwargs, needle):
    with pytest.raises(ValueError, match=needle):
        optmath.trajectory("saddle", "adam", (0.2, 0.1), 5, **kwargs)


@pytest.mark.parametrize("start,steps,needle", [
    ((float("nan"), 0.0), 5, "finite"), ((float("inf"), 0.0), 5, "finite"), ((1.0,), 5, "shape"),
    ("ab", 5, "numbers"), ((0.0, 0.0), -1, "steps=-1"), ((0.0, 0.0), 2.5, "whole number"),
])
def test_bad_start_or_steps(start, steps, needle):
    with pytest.raises(ValueError, match=needle):
        optmath.trajectory("saddle", "sgd", start, steps, lr=0.1)


def test_nesterov_needs_momentum():
    with pytest.raises(ValueError, match="nesterov"):
        optmath.trajectory("bowl", "sgd", (1, 1), 3, nesterov=True)


def test_records_turn_nan_into_none_for_json():
    t = optmath.trajectory("bowl", "sgd", (-5.0, -2.0), 30, lr=0.6)
    rows = t.records()
    assert rows[-1]["x"] is None and rows[0]["x"] == -5.0
    json.dumps(rows, allow_nan=False)
