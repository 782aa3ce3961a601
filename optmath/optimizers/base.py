"""What every optimizer is: a pure ``init``/``update`` pair over plain arrays.

In the optax spirit an optimizer is built once from its hyperparameters and
then used as two pure functions::

    opt = optmath.optimizers.adam(lr=0.1)
    state = opt.init(params)                          # dict of arrays + step count "t"
    params, state = opt.update(params, grads, state)  # new arrays, inputs untouched

Unlike optax, ``update`` returns the new parameters rather than an additive
update: torch applies e.g. AdamW's decay as ``p * (1 - lr*wd) + step`` and the
numbers on screen must match torch's to the last digits, so each rule writes
its float operations in torch's order.

Parameters have shape ``(..., 2)``.  Every hyperparameter may be a scalar or an
array broadcastable to the batch shape ``...``: one call then runs many
learning rates (or betas) side by side.

The learning rate of a step can come from the state, as torch's
``param_group["lr"]`` does under a scheduler: if ``state`` has an ``"lr"``
entry (a scalar or an array of the batch shape, no trailing axis), ``update``
uses it in place of the ``lr`` hyperparameter, everywhere torch uses the
group's current lr (AdamW's decay, Adagrad's ``lr/(1+(t-1)*lr_decay)``, the
Sutskever velocity, ...), and passes it on in the state it returns.
``init`` never adds it, so a constant-rate run is untouched::

    params, state = opt.update(params, grads, {**state, "lr": 0.01})  # this step at lr 0.01
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from optmath.notation import number

Array = np.ndarray
State = dict[str, Any]


@dataclass(frozen=True)
class Optimizer:
    """A built optimizer: its rule, its hyperparameters and its two pure functions.

    ``state_names`` lists the per-coordinate state a scene can show (velocity,
    m, v, ...); ``rule`` is the update in LaTeX, one line per assignment, in
    the very convention the numbers use; ``symbols`` maps each state name to
    the symbol the rule prints for it.
    """

    name: str
    hyper: Mapping[str, Any]
    init: Callable[[Array], State] = field(repr=False)
    update: Callable[[Array, Array, State], tuple[Array, State]] = field(repr=False)
    state_names: tuple[str, ...] = ()
    rule: tuple[str, ...] = ()
    symbols: Mapping[str, str] = field(default_factory=dict)

    def label(self) -> str:
        """A legend label from the actual configuration, e.g. ``Adam (lr=0.1, betas=(0.9, 0.999))``."""
        shown = {k: v for k, v in self.hyper.items() if k in _LABEL_KEYS.get(self.name, ("lr",))}
        inner = ", ".join(f"{k}={_fmt(v)}" for k, v in shown.items())
        return f"{DISPLAY_NAMES.get(self.name, self.name)} ({inner})" if inner else DISPLAY_NAMES.get(self.name, self.name)


DISPLAY_NAMES = {
    "sgd": "SGD", "momentum": "Momentum", "nesterov": "Nesterov", "adagrad": "AdaGrad",
    "rmsprop": "RMSprop", "adadelta": "Adadelta", "adam": "Adam", "amsgrad": "AMSGrad",
    "adamw": "AdamW", "adamax": "Adamax", "nadam": "NAdam",
    "momentum-sutskever": "Momentum (Sutskever)", "momentum-ema": "Momentum (EMA)",
    "nesterov-cs231n": "Nesterov (CS231n)",
}

# Which hyperparameters a legend shows: the ones a viewer compares.
_LABEL_KEYS = {
    "momentum": ("lr", "momentum"), "nesterov": ("lr", "momentum"),
    "momentum-sutskever": ("lr", "momentum"), "momentum-ema": ("lr", "momentum"),
    "nesterov-cs231n": ("lr", "momentum"),
    "rmsprop": ("lr", "alpha"), "adadelta": ("lr", "rho"),
    "adam": ("lr", "betas"), "amsgrad": ("lr", "betas"), "adamw": ("lr", "betas", "weight_decay"),
    "adamax": ("lr", "betas"), "nadam": ("lr", "betas"),
}


def _fmt(v) -> str:
    """A hyperparameter as the legend writes it: by ``optmath.notation.number``, the rule and the digits the
    narration, the brief label and the tables use (``0.0005``, ``1e-5``, ``0.668``; never ``5e-04``)."""
    if isinstance(v, tuple):
        return "(" + ", ".join(_fmt(x) for x in v) + ")"
    a = np.asarray(v)
    if a.ndim == 0:
        x = a.item()
        return number(x) if isinstance(x, float) else str(x)
    return "[" + ", ".join(number(x) for x in a.ravel()) + "]"


def hyper_array(value, name: str) -> Array:
    """A hyperparameter as float64 with a trailing axis, ready to broadcast against (..., 2)."""
    a = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name}={_fmt(value)} is not finite")
    return a[..., None]


def check_nonnegative(value, name: str) -> Array:
    a = hyper_array(value, name)
    if np.any(a < 0):
        raise ValueError(f"{name}={_fmt(value)} must be >= 0")
    return a


def check_unit_interval(value, name: str, closed_right: bool = False) -> Array:
    """For betas, alpha, rho, momentum: 0 <= value < 1 (or <= 1)."""
    a = hyper_array(value, name)
    bad = (a < 0) | ((a > 1) if closed_right else (a >= 1))
    if np.any(bad):
        raise ValueError(f"{name}={_fmt(value)} must lie in [0, 1{']' if closed_right else ')'}")
    return a


def check_betas(betas) -> tuple[Array, Array]:
    try:
        b1, b2 = betas
    except (TypeError, ValueError):
        raise ValueError(f"betas={betas!r} must be a pair (beta1, beta2)") from None
    return check_unit_interval(b1, "beta1 (betas[0])"), check_unit_interval(b2, "beta2 (betas[1])")


def check_flag(value, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name}={value!r} must be True or False")
    return bool(value)


def current_lr(state: State, lr: Array) -> Array:
    """The lr of this step: ``state["lr"]`` if a schedule set it, else the hyperparameter (with its trailing axis)."""
    if "lr" not in state:
        return lr
    return np.asarray(state["lr"], dtype=float)[..., None]


def carry_lr(old: State, new: State) -> State:
    """``new`` with ``old``'s scheduled lr passed on, like the lr a torch param_group keeps between steps."""
    if "lr" in old:
        new["lr"] = old["lr"]
    return new


def zeros_state(params: Array, *names: str) -> State:
    state: State = {"t": 0}
    for n in names:
        state[n] = np.zeros_like(params, dtype=float)
    return state
