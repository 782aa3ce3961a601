"""AdaGrad (Duchi et al. 2011) as ``torch.optim.Adagrad``: eps outside the sqrt, accumulator from 0."""

from __future__ import annotations

import numpy as np

from optmath.optimizers.base import Optimizer, State, carry_lr, check_nonnegative, current_lr
from optmath.optimizers.sgd import _decayed


def adagrad(lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10) -> Optimizer:
    """Divide each coordinate by the root of its summed squared gradients.

    Its first step moves exactly lr per coordinate (lr*sign(g)), whatever the
    gradient's size: the reason it crosses the elongated bowl diagonally.
    """
    hyper = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                 initial_accumulator_value=initial_accumulator_value, eps=eps)
    lr_, decay = check_nonnegative(lr, "lr"), check_nonnegative(lr_decay, "lr_decay")
    wd, acc0 = check_nonnegative(weight_decay, "weight_decay"), check_nonnegative(initial_accumulator_value, "initial_accumulator_value")
    eps_ = check_nonnegative(eps, "eps")

    def init(params) -> State:
        return {"t": 0, "s": np.zeros_like(params, dtype=float) + acc0}

    def update(params, grads, state):
        t = state["t"] + 1
        g = _decayed(grads, params, wd)
        clr = current_lr(state, lr_) / (1 + (t - 1) * decay)  # torch: the group's current lr
        s = state["s"] + g * g
        return params - clr * (g / (np.sqrt(s) + eps_)), carry_lr(state, {"t": t, "s": s})

    rule = (r"s_t = s_{t-1} + g_t^2", r"\theta_t = \theta_{t-1} - \frac{\eta}{\sqrt{s_t} + \epsilon}\, g_t")
    return Optimizer("adagrad", hyper, init, update, ("s",), rule, {"s": "s"})
