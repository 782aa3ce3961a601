"""The seeds' momentum conventions: where they equal torch's form, and where they do not."""

import numpy as np
import pytest

import optmath
from optmath.optimizers import get_optimizer

START = (-5.0, -2.0)


def _run_with_lr_change(name, lrs, surface="bowl", start=START, **hyper):
    """Run len(lrs) steps, rebuilding the optimizer with each step's lr but keeping its state."""
    surf = optmath.get_surface(surface)
    p = np.array(start)
    state = get_optimizer(name, lr=lrs[0], **hyper).init(p)
    for lr in lrs:
        p, state = get_optimizer(name, lr=lr, **hyper).update(p, surf.grad(p), state)
    return p


def test_sutskever_equals_torch_momentum_at_constant_lr():
    a = optmath.trajectory("bowl", "momentum-sutskever", START, 80, lr=0.05, momentum=0.8)
    b = optmath.trajectory("bowl", "momentum", START, 80, lr=0.05, momentum=0.8)
    np.testing.assert_allclose(a.xy, b.xy, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(a.state["v"], 0.05 * b.state["b"], rtol=1e-12, atol=1e-14)  # v = lr * b


def test_sutskever_differs_from_torch_when_lr_changes():
    lrs = [0.1] * 10 + [0.01] * 10  # a step decay
    a = _run_with_lr_change("momentum-sutskever", lrs, momentum=0.9)
    b = _run_with_lr_change("momentum", lrs, momentum=0.9)
    assert np.linalg.norm(a - b) > 1e-2
    # ...and both still agree while the rate is constant
    np.testing.assert_allclose(_run_with_lr_change("momentum-sutskever", lrs[:10], momentum=0.9),
                               _run_with_lr_change("momentum", lrs[:10], momentum=0.9), rtol=1e-12)


def test_ema_inertia_equals_torch_with_scaled_lr():
    mu, lr = 0.9, 0.5
    a = optmath.trajectory("bowl", "momentum-ema", START, 60, lr=lr, momentum=mu)
    b = optmath.trajectory("bowl", "momentum", START, 60, lr=lr * (1 - mu), momentum=mu)
    np.testing.assert_allclose(a.xy, b.xy, rtol=1e-11, atol=1e-13)


def test_ema_inertia_is_not_torch_with_dampening():
    mu, lr = 0.9, 0.5
    a = optmath.trajectory("bowl", "momentum-ema", START, 20, lr=lr, momentum=mu)
    c = optmath.trajectory("bowl", "momentum", START, 20, lr=lr, momentum=mu, dampening=mu)
    # torch's first buffer is the undampened gradient: ten times the EMA's first step
    np.testing.assert_allclose(c.xy[1] - c.xy[0], 10 * (a.xy[1] - a.xy[0]), rtol=1e-12)
    assert np.linalg.norm(a.xy[-1] - c.xy[-1]) > 1e-2


def test_cs231n_nesterov_equals_torch_nesterov():
    a = optmath.trajectory("cubic", "nesterov-cs231n", (-1.2, 0.8), 100, lr=0.05, momentum=0.9)
    b = optmath.trajectory("cubic", "nesterov", (-1.2, 0.8), 100, lr=0.05, momentum=0.9)
    np.testing.assert_allclose(a.xy, b.xy, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", optmath.OPTIMIZERS)
def test_every_optimizer_states_its_rule(name):
    opt = get_optimizer(name)
    assert opt.rule and all(r.count("{") == r.count("}") for r in opt.rule)
    assert r"\theta_t" in opt.rule[-1]
    for s in opt.state_names:
        assert s in opt.init(np.zeros(2))
