"""Every classic optimizer, by name, with torch.optim's hyperparameter names and defaults.

``get_optimizer("adam", lr=0.1)`` builds one; the factories themselves
(``adam(...)``) are the same thing without the name lookup.
"""

from __future__ import annotations

import inspect
from typing import Callable

from optmath.errors import unknown_choice
from optmath.optimizers.adadelta import adadelta
from optmath.optimizers.adagrad import adagrad
from optmath.optimizers.adam import adam, adamw, amsgrad
from optmath.optimizers.adamax import adamax
from optmath.optimizers.base import DISPLAY_NAMES, Optimizer
from optmath.optimizers.nadam import nadam
from optmath.optimizers.rmsprop import rmsprop
from optmath.optimizers.sgd import momentum, momentum_ema, momentum_sutskever, nesterov, nesterov_cs231n, sgd

# The torch.optim family first, then the teaching conventions of the seeds.
OPTIMIZERS: dict[str, Callable[..., Optimizer]] = {
    "sgd": sgd,
    "momentum": momentum,
    "nesterov": nesterov,
    "adagrad": adagrad,
    "rmsprop": rmsprop,
    "adadelta": adadelta,
    "adam": adam,
    "amsgrad": amsgrad,
    "adamw": adamw,
    "adamax": adamax,
    "nadam": nadam,
    "momentum-sutskever": momentum_sutskever,
    "momentum-ema": momentum_ema,
    "nesterov-cs231n": nesterov_cs231n,
}

TEACHING_VARIANTS = ("momentum-sutskever", "momentum-ema", "nesterov-cs231n")


def defaults(name: str) -> dict:
    """The default hyperparameters of an optimizer, as torch.optim documents them."""
    factory = _factory(name)
    return {k: p.default for k, p in inspect.signature(factory).parameters.items() if not k.startswith("_")}


def get_optimizer(name: "str | Optimizer", **hyper) -> Optimizer:
    """Build optimizer ``name``; an unknown hyperparameter is a TypeError naming it."""
    if isinstance(name, Optimizer):
        if hyper:
            raise TypeError(f"hyperparameters {sorted(hyper)} given for an already built optimizer {name.name!r}")
        return name
    factory = _factory(name)
    known = defaults(name)
    for key in hyper:
        if key not in known:
            raise TypeError(f"{name} got an unknown hyperparameter {key!r}; it takes: {', '.join(known)}")
    return factory(**hyper)


def _factory(name):
    try:
        return OPTIMIZERS[name]
    except (KeyError, TypeError):
        raise unknown_choice("optimizer", name, OPTIMIZERS) from None


__all__ = ["OPTIMIZERS", "TEACHING_VARIANTS", "DISPLAY_NAMES", "Optimizer", "defaults", "get_optimizer", "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam", "amsgrad", "adamw", "adamax", "nadam", "momentum_sutskever", "momentum_ema", "nesterov_cs231n"]
