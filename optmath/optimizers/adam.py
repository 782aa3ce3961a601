"""Adam (Kingma & Ba 2015), AMSGrad and AdamW as ``torch.optim.Adam``/``AdamW``.

Bias correction makes the first step exactly lr*sign(g) per coordinate, which
is how Adam leaves the saddle's ridge when plain descent cannot.
"""

from __future__ import annotations

import numpy as np

from optmath.optimizers.base import (
    Optimizer, State, carry_lr, check_betas, check_flag, check_nonnegative, current_lr, zeros_state,
)
from optmath.optimizers.rmsprop import _lerp


def _adam(name, lr, betas, eps, weight_decay, amsgrad, decoupled) -> Optimizer:
    hyper = dict(lr=lr, betas=tuple(betas) if isinstance(betas, (list, tuple)) else betas, eps=eps,
                 weight_decay=weight_decay, amsgrad=amsgrad)
    lr_, (b1, b2) = check_nonnegative(lr, "lr"), check_betas(betas)
    eps_, wd = check_nonnegative(eps, "eps"), check_nonnegative(weight_decay, "weight_decay")
    amsgrad = check_flag(amsgrad, "amsgrad")
    decays = bool(np.any(wd != 0))

    def init(params) -> State:
        return zeros_state(params, "m", "v", "v_max")

    def update(params, grads, state):
        t = state["t"] + 1
        lr = current_lr(state, lr_)
        g = grads
        if decays and decoupled:
            params = params * (1 - lr * wd)
        elif decays:
            g = g + wd * params
        m = _lerp(state["m"], g, 1 - b1)
        v = b2 * state["v"] + (1 - b2) * (g * g)
        step_size = lr / (1 - b1 ** t)
        bc2_sqrt = np.sqrt(1 - b2 ** t)
        v_max = np.maximum(state["v_max"], v) if amsgrad else state["v_max"]
        denom = np.sqrt(v_max if amsgrad else v) / bc2_sqrt + eps_
        return params - step_size * (m / denom), carry_lr(state, {"t": t, "m": m, "v": v, "v_max": v_max})

    vv = r"\hat v^{\max}_t" if amsgrad else r"\hat v_t"
    rule = [
        r"m_t = \beta_1 m_{t-1} + (1-\beta_1)\, g_t",
        r"v_t = \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2",
        r"\hat m_t = \frac{m_t}{1-\beta_1^t},\quad \hat v_t = \frac{v_t}{1-\beta_2^t}",
    ]
    if amsgrad:
        rule.append(r"\hat v^{\max}_t = \max(\hat v^{\max}_{t-1}, \hat v_t)")
    decay = r"(1 - \eta\lambda)\,\theta_{t-1}" if decoupled and decays else r"\theta_{t-1}"
    rule.append(r"\theta_t = " + decay + r" - \eta\, \frac{\hat m_t}{\sqrt{" + vv + r"} + \epsilon}")
    names = ("m", "v") + (("v_max",) if amsgrad else ())
    return Optimizer(name, hyper, init, update, names, tuple(rule), {"m": "m", "v": "v", "v_max": r"v^{\max}"})


def adam(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False) -> Optimizer:
    return _adam("adam", lr, betas, eps, weight_decay, amsgrad, decoupled=False)


def amsgrad(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0) -> Optimizer:
    """Adam that never lets the second moment shrink (torch keeps the max of the raw v)."""
    return _adam("amsgrad", lr, betas, eps, weight_decay, True, decoupled=False)


def adamw(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False) -> Optimizer:
    """Adam with decoupled weight decay: ``p *= 1 - lr*wd`` before the Adam step."""
    return _adam("adamw", lr, betas, eps, weight_decay, amsgrad, decoupled=True)
