"""Learning-rate schedules with ``torch.optim.lr_scheduler``'s semantics and float arithmetic.

A schedule says which learning rate each step uses.  Step ``t`` (t = 1..n)
uses the rate torch's ``param_group["lr"]`` holds when ``optimizer.step()``
is called for the t-th time, with ``scheduler.step()`` called after every
``optimizer.step()`` as torch's documentation prescribes.  So step 1 always
uses the rate the scheduler set when it was built (the base rate, or
``start_factor`` times it for ``LinearLR``), and ``StepLR(step_size=10)``
first decays at step 11.

torch computes these rates recursively (each from the group's current lr,
its "chainable" ``get_lr``), not in closed form; the two differ in the last
bits (``lr*g*g*g`` is not ``lr*g**3``).  The recursions here repeat torch's
float operations in torch's order, so the rates are equal bit for bit.

Schedules
---------
A schedule is a small frozen dataclass, built by class or by name::

    from optmath import StepLR, get_schedule, trajectory
    sched = get_schedule("step", step_size=30, gamma=0.1)      # == StepLR(step_size=30, gamma=0.1)
    sched.lrs(0.1, 5)                                           # rates of steps 1..5, shape (5,)
    sched.lrs(np.array([0.1, 0.5]), 100).shape                  # (100, 2): base rates broadcast
    t = trajectory("bowl", "momentum", (-5.0, -2.0), 100, lr=0.1, momentum=0.9, schedule=sched)
    t.lr[1:]                                                    # the rate each step used (t.lr[0] is NaN)

``SCHEDULES`` maps the names ``step``, ``multistep``, ``exponential``,
``cosine`` and ``linear`` to ``StepLR``, ``MultiStepLR``, ``ExponentialLR``,
``CosineAnnealingLR`` and ``LinearLR``, with torch's parameter names and
defaults.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import MISSING, dataclass, fields
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np

from optmath.errors import unknown_choice
from optmath.notation import number

Array = np.ndarray


def _whole(value, name: str, least: int) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral):
        raise ValueError(f"{name}={value!r} must be a whole number >= {least}")
    if value < least:
        raise ValueError(f"{name}={value!r} must be >= {least}")
    return int(value)


def _real(value, name: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real) or not math.isfinite(value):
        raise ValueError(f"{name}={value!r} must be a finite number")
    return float(value)


def _positive(value, name: str) -> float:
    x = _real(value, name)
    if x <= 0:
        raise ValueError(f"{name}={value!r} must be > 0")
    return x


class Schedule:
    """What every schedule offers: ``lrs(base_lr, steps)``, ``label()`` and ``as_dict()``.

    Subclasses give torch's recursion as two pieces: ``_initial(lr)``, what
    building the scheduler does to the group's lr (last_epoch 0), and
    ``_next(lr, base, epoch)``, what ``scheduler.step()`` does when last_epoch
    becomes ``epoch``.  ``lr`` and ``base`` are float64 arrays of one shape.
    """

    name: ClassVar[str] = ""

    def lrs(self, base_lr, steps: int) -> Array:
        """The rate of each step 1..steps: shape ``(steps,) + np.shape(base_lr)``, float64.

        ``base_lr`` (the optimizer's lr) may be an array: each element runs its own recursion.
        """
        steps = _whole(steps, "steps", 0)
        base = np.array(base_lr, dtype=float)
        if not np.all(np.isfinite(base)) or np.any(base < 0):
            raise ValueError(f"base lr={base_lr!r} must be finite and >= 0")
        out = np.empty((steps,) + base.shape)
        if steps == 0:
            return out
        lr = self._initial(base)
        out[0] = lr
        for t in range(1, steps):
            lr = self._next(lr, base, t)
            out[t] = lr
        return out

    def _initial(self, lr: Array) -> Array:
        return lr

    def _next(self, lr: Array, base: Array, epoch: int) -> Array:  # pragma: no cover - abstract
        raise NotImplementedError

    def as_dict(self) -> dict[str, Any]:
        """Name and parameters, e.g. ``{"name": "step", "step_size": 30, "gamma": 0.1}`` (JSON-ready)."""
        doc: dict[str, Any] = {"name": self.name}
        for f in fields(self):  # type: ignore[arg-type]
            v = getattr(self, f.name)
            doc[f.name] = list(v) if isinstance(v, tuple) else v
        return doc

    def label(self) -> str:
        """``StepLR(step_size=30, gamma=0.1)``: torch's class name and the parameters."""
        inner = ", ".join(f"{f.name}={_fmt(getattr(self, f.name))}" for f in fields(self))  # type: ignore[arg-type]
        return f"{type(self).__name__}({inner})"


def _fmt(v) -> str:
    """A parameter as the legend writes it: floats by ``optmath.notation.number``, the rule the optimizer's
    own label uses (``eta_min=1e-5``, never ``1e-05``)."""
    if isinstance(v, tuple):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    return number(v) if isinstance(v, float) else str(v)


@dataclass(frozen=True)
class StepLR(Schedule):
    """``lr * gamma`` every ``step_size`` steps: steps 1..step_size use the base rate."""

    step_size: int
    gamma: float = 0.1
    name: ClassVar[str] = "step"

    def __post_init__(self):
        object.__setattr__(self, "step_size", _whole(self.step_size, "step_size", 1))
        object.__setattr__(self, "gamma", _positive(self.gamma, "gamma"))

    def _next(self, lr, base, epoch):
        return lr * self.gamma if epoch % self.step_size == 0 else lr


@dataclass(frozen=True)
class MultiStepLR(Schedule):
    """``lr * gamma`` when the scheduler reaches each milestone: milestone m first affects step m+1.

    A milestone listed n times decays by ``gamma**n`` at once, as torch's Counter does.
    """

    milestones: tuple[int, ...]
    gamma: float = 0.1
    name: ClassVar[str] = "multistep"

    def __post_init__(self):
        try:
            items = list(self.milestones)
        except TypeError:
            raise ValueError(f"milestones={self.milestones!r} must be a list of whole numbers >= 0") from None
        ms = tuple(sorted(_whole(m, "milestone", 0) for m in items))
        object.__setattr__(self, "milestones", ms)
        object.__setattr__(self, "gamma", _positive(self.gamma, "gamma"))

    def _decay(self, lr, epoch):
        n = Counter(self.milestones).get(epoch, 0)
        return lr * self.gamma ** n if n else lr

    def _initial(self, lr):
        return self._decay(lr, 0)

    def _next(self, lr, base, epoch):
        return self._decay(lr, epoch)


@dataclass(frozen=True)
class ExponentialLR(Schedule):
    """``lr * gamma`` after every step: step t uses ``base * gamma**(t-1)`` (multiplied one by one)."""

    gamma: float
    name: ClassVar[str] = "exponential"

    def __post_init__(self):
        object.__setattr__(self, "gamma", _positive(self.gamma, "gamma"))

    def _next(self, lr, base, epoch):
        return lr * self.gamma


@dataclass(frozen=True)
class CosineAnnealingLR(Schedule):
    """Half a cosine from the base rate down to ``eta_min`` over ``T_max`` steps, then back up (no restarts).

    Step t uses about ``eta_min + (base - eta_min)*(1 + cos(pi*(t-1)/T_max))/2``;
    the numbers are torch's recursive form, which differs from that closed form in the last bits.
    """

    T_max: int
    eta_min: float = 0.0
    name: ClassVar[str] = "cosine"

    def __post_init__(self):
        object.__setattr__(self, "T_max", _whole(self.T_max, "T_max", 1))
        eta = _real(self.eta_min, "eta_min")
        if eta < 0:
            raise ValueError(f"eta_min={self.eta_min!r} must be >= 0")
        object.__setattr__(self, "eta_min", eta)

    def _next(self, lr, base, epoch):
        T, eta = self.T_max, self.eta_min
        if (epoch - 1 - T) % (2 * T) == 0:
            return lr + (base - eta) * (1 - math.cos(math.pi / T)) / 2
        factor = (1 + math.cos(math.pi * epoch / T)) / (1 + math.cos(math.pi * (epoch - 1) / T))
        return factor * (lr - eta) + eta


@dataclass(frozen=True)
class LinearLR(Schedule):
    """The factor goes linearly from ``start_factor`` (step 1) to ``end_factor`` (step total_iters+1 on)."""

    start_factor: float = 1.0 / 3
    end_factor: float = 1.0
    total_iters: int = 5
    name: ClassVar[str] = "linear"

    def __post_init__(self):
        s, e = _real(self.start_factor, "start_factor"), _real(self.end_factor, "end_factor")
        if not 0 < s <= 1:
            raise ValueError(f"start_factor={self.start_factor!r} must lie in (0, 1]")
        if not 0 <= e <= 1:
            raise ValueError(f"end_factor={self.end_factor!r} must lie in [0, 1]")
        object.__setattr__(self, "start_factor", s)
        object.__setattr__(self, "end_factor", e)
        object.__setattr__(self, "total_iters", _whole(self.total_iters, "total_iters", 1))

    def _initial(self, lr):
        return lr * self.start_factor

    def _next(self, lr, base, epoch):
        if epoch > self.total_iters:
            return lr
        s, e = self.start_factor, self.end_factor
        return lr * (1.0 + (e - s) / (self.total_iters * s + (epoch - 1) * (e - s)))


SCHEDULES: dict[str, type[Schedule]] = {
    "step": StepLR,
    "multistep": MultiStepLR,
    "exponential": ExponentialLR,
    "cosine": CosineAnnealingLR,
    "linear": LinearLR,
}


def schedule_params(name: str) -> dict[str, Any]:
    """A schedule's parameters and defaults (``MISSING`` marks a required one)."""
    return {f.name: f.default for f in fields(_schedule_class(name))}


def get_schedule(name: "str | Schedule", **kwargs) -> Schedule:
    """Build schedule ``name``: ``get_schedule("step", step_size=30, gamma=0.1)``.

    An unknown name is a ValueError listing the names; an unknown or missing
    parameter is a TypeError naming it and the parameters the schedule takes;
    a bad value is a ValueError naming the value.
    """
    if isinstance(name, Schedule):
        if kwargs:
            raise TypeError(f"parameters {sorted(kwargs)} given for an already built schedule {name.label()}")
        return name
    params = schedule_params(name)
    for key in kwargs:
        if key not in params:
            raise TypeError(f"schedule {name} got an unknown parameter {key!r}; it takes: {', '.join(params)}")
    missing = [k for k, d in params.items() if d is MISSING and k not in kwargs]
    if missing:
        raise TypeError(f"schedule {name} needs {', '.join(missing)}; it takes: {', '.join(params)}")
    return SCHEDULES[name](**kwargs)


def _schedule_class(name) -> type[Schedule]:
    try:
        return SCHEDULES[name]
    except (KeyError, TypeError):
        raise unknown_choice("schedule", name, SCHEDULES) from None


__all__ = ["Schedule", "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR",
           "SCHEDULES", "get_schedule", "schedule_params"]
