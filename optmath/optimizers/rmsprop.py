"""RMSprop (Hinton's lecture 6e) as ``torch.optim.RMSprop``.

No bias correction: from v0 = 0 the first step is about lr/sqrt(1-alpha),
ten times lr at the default alpha 0.99, a jump worth showing on screen.
"""

from __future__ import annotations

import numpy as np

from optmath.optimizers.base import (
    Optimizer, State, carry_lr, check_flag, check_nonnegative, check_unit_interval, current_lr, zeros_state,
)
from optmath.optimizers.sgd import _decayed


def _lerp(start, end, weight):
    """torch.lerp's two-branch formula, so EMAs round exactly as torch's do."""
    return np.where(weight < 0.5, start + weight * (end - start), end - (end - start) * (1 - weight))


def rmsprop(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False) -> Optimizer:
    hyper = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum, centered=centered)
    lr_, a = check_nonnegative(lr, "lr"), check_unit_interval(alpha, "alpha", closed_right=True)
    eps_, wd = check_nonnegative(eps, "eps"), check_nonnegative(weight_decay, "weight_decay")
    mu = check_unit_interval(momentum, "momentum", closed_right=True)
    centered = check_flag(centered, "centered")
    uses_momentum = bool(np.any(mu > 0))

    def init(params) -> State:
        return zeros_state(params, "v", "g_avg", "b")

    def update(params, grads, state):
        t = state["t"] + 1
        lr = current_lr(state, lr_)
        g = _decayed(grads, params, wd)
        v = a * state["v"] + (1 - a) * (g * g)
        g_avg = state["g_avg"]
        if centered:
            g_avg = _lerp(g_avg, g, 1 - a)
            denom = np.sqrt(v - g_avg * g_avg) + eps_
        else:
            denom = np.sqrt(v) + eps_
        b = state["b"]
        if uses_momentum:
            b = mu * b + g / denom
            b = np.where(mu > 0, b, g / denom)
            new = params - lr * b
        else:
            new = params - lr * (g / denom)
        return new, carry_lr(state, {"t": t, "v": v, "g_avg": g_avg, "b": b})

    rule = [r"v_t = \alpha\, v_{t-1} + (1-\alpha)\, g_t^2"]
    root = r"\sqrt{v_t}"
    if centered:
        rule.append(r"\bar g_t = \alpha\, \bar g_{t-1} + (1-\alpha)\, g_t")
        root = r"\sqrt{v_t - \bar g_t^2}"
    if uses_momentum:
        rule += [r"b_t = \mu\, b_{t-1} + \frac{g_t}{" + root + r" + \epsilon}", r"\theta_t = \theta_{t-1} - \eta\, b_t"]
    else:
        rule.append(r"\theta_t = \theta_{t-1} - \frac{\eta}{" + root + r" + \epsilon}\, g_t")
    names = ("v",) + (("g_avg",) if centered else ()) + (("b",) if uses_momentum else ())
    return Optimizer("rmsprop", hyper, init, update, names, tuple(rule), {"v": "v", "g_avg": r"\bar g", "b": "b"})
