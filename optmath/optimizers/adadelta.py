"""Adadelta (Zeiler 2012) as ``torch.optim.Adadelta``: lr 1.0 scales the unit-matched step."""

from __future__ import annotations

import numpy as np

from optmath.optimizers.base import (
    Optimizer, State, carry_lr, check_nonnegative, check_unit_interval, current_lr, zeros_state,
)
from optmath.optimizers.sgd import _decayed


def adadelta(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0) -> Optimizer:
    """Step = RMS of past steps / RMS of gradients, times g: no units of lr needed."""
    hyper = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay)
    lr_, r = check_nonnegative(lr, "lr"), check_unit_interval(rho, "rho", closed_right=True)
    eps_, wd = check_nonnegative(eps, "eps"), check_nonnegative(weight_decay, "weight_decay")

    def init(params) -> State:
        return zeros_state(params, "v", "u")

    def update(params, grads, state):
        g = _decayed(grads, params, wd)
        v = r * state["v"] + (1 - r) * (g * g)
        d = np.sqrt(state["u"] + eps_) / np.sqrt(v + eps_) * g
        u = r * state["u"] + (1 - r) * (d * d)
        return params - current_lr(state, lr_) * d, carry_lr(state, {"t": state["t"] + 1, "v": v, "u": u})

    rule = (
        r"v_t = \rho\, v_{t-1} + (1-\rho)\, g_t^2",
        r"\Delta_t = \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}\, g_t",
        r"u_t = \rho\, u_{t-1} + (1-\rho)\, \Delta_t^2",
        r"\theta_t = \theta_{t-1} - \eta\, \Delta_t",
    )
    return Optimizer("adadelta", hyper, init, update, ("v", "u"), rule, {"v": "v", "u": "u"})
