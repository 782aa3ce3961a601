"""Gradient descent with and without momentum, torch's way and the textbooks' ways.

torch (and current d2l) keep a buffer of summed gradients, ``b = mu*b + g``,
and step ``p -= lr*b``.  Older teaching material writes the same idea in two
other forms, kept here as named variants because the seeds use them:

* Sutskever / CS231n: ``v = mu*v + lr*g; p -= v``.  Identical to torch while
  lr is constant (v = lr*b); different as soon as lr changes mid-run.
* "inertia" EMA (seed 004): ``m = mu*m + (1-mu)*g; p -= lr*m``.  Equal to
  torch with lr' = lr*(1-mu) (from m0 = 0), and *not* torch with
  dampening=mu, whose first buffer is the undampened gradient.
"""

from __future__ import annotations

import numpy as np

from optmath.optimizers.base import (
    Optimizer, State, carry_lr, check_flag, check_nonnegative, check_unit_interval, current_lr, zeros_state,
)


def _decayed(grads, params, wd):
    """torch's coupled weight decay ``g + wd*p``, skipped when wd is zero everywhere."""
    return grads + wd * params if np.any(wd != 0) else grads


def sgd(lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, *, _name="sgd") -> Optimizer:
    """``torch.optim.SGD``: the first momentum buffer is the raw gradient (no dampening)."""
    hyper = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov)
    lr_, mu = check_nonnegative(lr, "lr"), check_unit_interval(momentum, "momentum", closed_right=True)
    damp, wd = check_unit_interval(dampening, "dampening", closed_right=True), check_nonnegative(weight_decay, "weight_decay")
    nesterov = check_flag(nesterov, "nesterov")
    if nesterov and (np.any(mu <= 0) or np.any(damp != 0)):
        raise ValueError(f"nesterov=True needs momentum > 0 and dampening = 0 (got momentum={momentum}, dampening={dampening})")
    uses_momentum = bool(np.any(mu != 0))

    def init(params) -> State:
        return zeros_state(params, "b")

    def update(params, grads, state):
        t = state["t"] + 1
        lr = current_lr(state, lr_)
        g = _decayed(grads, params, wd)
        if not uses_momentum:
            return params - lr * g, carry_lr(state, {"t": t, "b": state["b"]})
        if t == 1:
            b = g.copy()
        else:
            b = mu * state["b"] + (1 - damp) * g
            b = np.where(mu == 0, g, b)  # torch keeps no buffer at momentum 0
        d = g + mu * b if nesterov else b
        return params - lr * d, carry_lr(state, {"t": t, "b": b})

    if nesterov:
        rule = (r"b_t = \mu\, b_{t-1} + g_t", r"\theta_t = \theta_{t-1} - \eta\,(g_t + \mu\, b_t)")
    elif uses_momentum:
        rule = (r"b_t = \mu\, b_{t-1} + g_t", r"\theta_t = \theta_{t-1} - \eta\, b_t")
    else:
        rule = (r"\theta_t = \theta_{t-1} - \eta\, g_t",)
    return Optimizer(_name, hyper, init, update, ("b",) if uses_momentum else (), rule, {"b": "b"})


def momentum(lr=1e-3, momentum=0.9, dampening=0.0, weight_decay=0.0) -> Optimizer:
    """Heavy ball: torch's SGD with momentum 0.9 by default."""
    return sgd(lr, momentum, dampening, weight_decay, nesterov=False, _name="momentum")


def nesterov(lr=1e-3, momentum=0.9, weight_decay=0.0) -> Optimizer:
    """torch's Nesterov: look ahead along the buffer, ``p -= lr*(g + mu*b)``."""
    return sgd(lr, momentum, 0.0, weight_decay, nesterov=True, _name="nesterov")


def momentum_sutskever(lr=1e-3, momentum=0.9) -> Optimizer:
    """Velocity carries the learning rate: ``v = mu*v + lr*g; p -= v``."""
    hyper = dict(lr=lr, momentum=momentum)
    lr_, mu = check_nonnegative(lr, "lr"), check_unit_interval(momentum, "momentum", closed_right=True)

    def init(params) -> State:
        return zeros_state(params, "v")

    def update(params, grads, state):
        v = mu * state["v"] + current_lr(state, lr_) * grads
        return params - v, carry_lr(state, {"t": state["t"] + 1, "v": v})

    rule = (r"v_t = \mu\, v_{t-1} + \eta\, g_t", r"\theta_t = \theta_{t-1} - v_t")
    return Optimizer("momentum-sutskever", hyper, init, update, ("v",), rule, {"v": "v"})


def momentum_ema(lr=1e-3, momentum=0.9) -> Optimizer:
    """The "inertia" form of seed 004: an exponential moving average of gradients."""
    hyper = dict(lr=lr, momentum=momentum)
    lr_, mu = check_nonnegative(lr, "lr"), check_unit_interval(momentum, "momentum", closed_right=True)

    def init(params) -> State:
        return zeros_state(params, "m")

    def update(params, grads, state):
        m = mu * state["m"] + (1 - mu) * grads
        return params - current_lr(state, lr_) * m, carry_lr(state, {"t": state["t"] + 1, "m": m})

    rule = (r"m_t = \mu\, m_{t-1} + (1-\mu)\, g_t", r"\theta_t = \theta_{t-1} - \eta\, m_t")
    return Optimizer("momentum-ema", hyper, init, update, ("m",), rule, {"m": "m"})


def nesterov_cs231n(lr=1e-3, momentum=0.9) -> Optimizer:
    """CS231n's Nesterov: ``v = mu*v - lr*g; p += -mu*v_prev + (1+mu)*v`` (torch's, rewritten)."""
    hyper = dict(lr=lr, momentum=momentum)
    lr_, mu = check_nonnegative(lr, "lr"), check_unit_interval(momentum, "momentum", closed_right=True)

    def init(params) -> State:
        return zeros_state(params, "v")

    def update(params, grads, state):
        v_prev = state["v"]
        v = mu * v_prev - current_lr(state, lr_) * grads
        return params - mu * v_prev + (1 + mu) * v, carry_lr(state, {"t": state["t"] + 1, "v": v})

    rule = (r"v_t = \mu\, v_{t-1} - \eta\, g_t", r"\theta_t = \theta_{t-1} - \mu\, v_{t-1} + (1+\mu)\, v_t")
    return Optimizer("nesterov-cs231n", hyper, init, update, ("v",), rule, {"v": "v"})
