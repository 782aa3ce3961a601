"""NAdam (Dozat 2016) as ``torch.optim.NAdam``, with torch's momentum schedule.

torch warms the momentum up, ``mu_t = beta1*(1 - 0.5*0.96**(t*momentum_decay))``;
optax's nadam uses a fixed beta1 instead, so the two give different paths.
"""

from __future__ import annotations

import numpy as np

from optmath.optimizers.base import (
    Optimizer, State, carry_lr, check_betas, check_flag, check_nonnegative, current_lr, zeros_state,
)
from optmath.optimizers.rmsprop import _lerp


def nadam(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, momentum_decay=4e-3,
          decoupled_weight_decay=False) -> Optimizer:
    hyper = dict(lr=lr, betas=tuple(betas) if isinstance(betas, (list, tuple)) else betas, eps=eps,
                 weight_decay=weight_decay, momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay)
    lr_, (b1, b2) = check_nonnegative(lr, "lr"), check_betas(betas)
    eps_, wd = check_nonnegative(eps, "eps"), check_nonnegative(weight_decay, "weight_decay")
    psi = check_nonnegative(momentum_decay, "momentum_decay")
    decoupled = check_flag(decoupled_weight_decay, "decoupled_weight_decay")
    decays = bool(np.any(wd != 0))

    def init(params) -> State:
        state = zeros_state(params, "m", "v")
        state["mu_product"] = np.ones(np.broadcast_shapes(np.shape(params)[:-1] + (1,), b1.shape))
        return state

    def update(params, grads, state):
        t = state["t"] + 1
        lr = current_lr(state, lr_)
        g = grads
        if decays and decoupled:
            params = params * (1 - lr * wd)
        elif decays:
            g = g + wd * params
        bc2 = 1 - b2 ** t
        mu = b1 * (1.0 - 0.5 * (0.96 ** (t * psi)))
        mu_next = b1 * (1.0 - 0.5 * (0.96 ** ((t + 1) * psi)))
        mu_product = state["mu_product"] * mu
        m = _lerp(state["m"], g, 1 - b1)
        v = b2 * state["v"] + (1 - b2) * (g * g)
        denom = np.sqrt(v / bc2) + eps_
        mu_product_next = mu_product * mu_next
        new = params + (-lr * (1.0 - mu) / (1.0 - mu_product)) * (g / denom)
        new = new + ((-lr * mu_next) / (1.0 - mu_product_next)) * (m / denom)
        return new, carry_lr(state, {"t": t, "m": m, "v": v, "mu_product": mu_product})

    rule = (
        r"\mu_t = \beta_1\,(1 - \tfrac12\, 0.96^{t\psi})",
        r"m_t = \beta_1 m_{t-1} + (1-\beta_1)\, g_t,\quad v_t = \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2",
        r"\theta_t = \theta_{t-1} - \eta\,\Big(\frac{(1-\mu_t)\, g_t}{1-\prod_{i\le t}\mu_i}"
        r" + \frac{\mu_{t+1}\, m_t}{1-\prod_{i\le t+1}\mu_i}\Big) \Big/ \big(\sqrt{v_t/(1-\beta_2^t)} + \epsilon\big)",
    )
    return Optimizer("nadam", hyper, init, update, ("m", "v"), rule, {"m": "m", "v": "v"})
