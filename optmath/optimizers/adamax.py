"""Adamax (Kingma & Ba 2015, sec. 7) as ``torch.optim.Adamax``: an infinity-norm Adam."""

from __future__ import annotations

import numpy as np

from optmath.optimizers.base import Optimizer, State, carry_lr, check_betas, check_nonnegative, current_lr, zeros_state
from optmath.optimizers.rmsprop import _lerp
from optmath.optimizers.sgd import _decayed


def adamax(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0) -> Optimizer:
    hyper = dict(lr=lr, betas=tuple(betas) if isinstance(betas, (list, tuple)) else betas, eps=eps, weight_decay=weight_decay)
    lr_, (b1, b2) = check_nonnegative(lr, "lr"), check_betas(betas)
    eps_, wd = check_nonnegative(eps, "eps"), check_nonnegative(weight_decay, "weight_decay")

    def init(params) -> State:
        return zeros_state(params, "m", "u")

    def update(params, grads, state):
        t = state["t"] + 1
        g = _decayed(grads, params, wd)
        m = _lerp(state["m"], g, 1 - b1)
        u = np.maximum(b2 * state["u"], np.abs(g) + eps_)
        clr = current_lr(state, lr_) / (1 - b1 ** t)
        return params - clr * (m / u), carry_lr(state, {"t": t, "m": m, "u": u})

    rule = (
        r"m_t = \beta_1 m_{t-1} + (1-\beta_1)\, g_t",
        r"u_t = \max(\beta_2 u_{t-1},\ |g_t| + \epsilon)",
        r"\theta_t = \theta_{t-1} - \frac{\eta}{1-\beta_1^t}\, \frac{m_t}{u_t}",
    )
    return Optimizer("adamax", hyper, init, update, ("m", "u"), rule, {"m": "m", "u": "u"})
