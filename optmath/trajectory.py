"""Run an optimizer over a surface: one start, or thousands of starts and settings at once.

``batch_trajectory`` is the engine: one vectorised array update per step for
the whole batch.  ``trajectory`` is the single-start contract the scenes use,
and is literally a batch of one, so the two agree bit for bit.

A trajectory that leaves the surface's escape box (or stops being finite)
is not an error: it records the step where it left (``diverged_at``), keeps
that escaped point, and is NaN afterwards, so the videos can show the
divergence instead of crashing on it.

``schedule=`` (a schedule from ``optmath.schedules``, e.g.
``get_schedule("step", step_size=30, gamma=0.1)``) changes the learning rate
from step to step exactly as the torch scheduler of that name does; the run
records the rate of every step in ``lr`` (``lr[k]`` moved ``xy[k-1]`` to
``xy[k]``; ``lr[0]`` is NaN).  Without a schedule ``lr`` is None and the run
is the constant-rate one, bit for bit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from numbers import Integral
from typing import Any, Mapping

import numpy as np

from optmath.optimizers import Optimizer, defaults, get_optimizer
from optmath.schedules import Schedule
from optmath.surfaces import Surface, get_surface

Array = np.ndarray


@dataclass(frozen=True)
class Trajectory:
    """One start's path: ``xy[k]`` is the point after k steps (row 0 is the start).

    ``grad[k]`` is the gradient at ``xy[k]`` and ``state[name][k]`` the
    optimizer's state after k steps, so a scene can print every number of
    the update that moved ``xy[k-1]`` to ``xy[k]``.  Under a ``schedule``,
    ``lr[k]`` is the learning rate of that update (``lr[0]`` is NaN); with a
    constant rate both are None.
    """

    surface: Surface
    optimizer: Optimizer
    xy: Array
    z: Array
    grad: Array
    state: Mapping[str, Array] = field(repr=False)
    diverged_at: int | None
    schedule: Schedule | None = None
    lr: Array | None = field(default=None, repr=False)

    @property
    def steps(self) -> int:
        return len(self.xy) - 1

    @property
    def start(self) -> Array:
        return self.xy[0]

    @property
    def label(self) -> str:
        """The optimizer's legend label, plus the schedule's when there is one:
        ``Momentum (lr=0.1, momentum=0.9) + StepLR(step_size=30, gamma=0.1)``."""
        return self.optimizer.label() + (f" + {self.schedule.label()}" if self.schedule is not None else "")

    @property
    def last_finite(self) -> int:
        """Index of the last row that is a real point (the escaped point, if it diverged)."""
        if self.diverged_at is None:
            return self.steps
        return self.diverged_at if np.all(np.isfinite(self.xy[self.diverged_at])) else self.diverged_at - 1

    @property
    def final(self) -> Array:
        return self.xy[self.last_finite]

    def records(self) -> list[dict[str, Any]]:
        """One dict per step: step, x, y, z, gradient, the step's lr (only under a schedule)
        and every state entry (NaN as None)."""
        rows = []
        for k in range(self.steps + 1):
            row = {"step": k, "x": self.xy[k, 0], "y": self.xy[k, 1], "z": self.z[k],
                   "gx": self.grad[k, 0], "gy": self.grad[k, 1]}
            if self.lr is not None:
                row["lr"] = self.lr[k]
            for name, arr in self.state.items():
                row[f"{name}_x"], row[f"{name}_y"] = arr[k, 0], arr[k, 1]
            rows.append({key: (None if isinstance(v, float) and not math.isfinite(v) else v)
                         for key, v in ((key, float(v) if key != "step" else v) for key, v in row.items())})
        return rows


@dataclass(frozen=True)
class BatchTrajectory:
    """Many paths at once: arrays are batch-first, ``xy[..., k, :]`` is step k.

    ``diverged_at`` is an int array with -1 where the path never escaped.
    Under a ``schedule``, ``lr[..., k]`` is the learning rate of step k (NaN at k = 0).
    """

    surface: Surface
    optimizer: Optimizer
    xy: Array
    z: Array
    grad: Array
    state: Mapping[str, Array] = field(repr=False)
    diverged_at: Array
    schedule: Schedule | None = None
    lr: Array | None = field(default=None, repr=False)

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return self.diverged_at.shape

    @property
    def steps(self) -> int:
        return self.xy.shape[-2] - 1

    def __len__(self) -> int:
        return self.batch_shape[0] if self.batch_shape else 1

    def __getitem__(self, index) -> Trajectory:
        """The single Trajectory at a batch index (an int, or a tuple for N-d batches)."""
        index = index if isinstance(index, tuple) else (index,)
        d = int(self.diverged_at[index])
        return Trajectory(
            self.surface, self.optimizer, self.xy[index], self.z[index],
            None if self.grad is None else self.grad[index],
            {k: v[index] for k, v in self.state.items()}, None if d < 0 else d,
            self.schedule, None if self.lr is None else self.lr[index],
        )


def _hyper_shapes(hyper: Mapping[str, Any]) -> list[tuple[int, ...]]:
    shapes = []
    for key, v in hyper.items():
        parts = v if key == "betas" else (v,)  # betas is a pair of (possibly array) values
        shapes += [np.shape(p) for p in parts]
    return shapes


def _check_steps(steps) -> int:
    if isinstance(steps, bool) or not isinstance(steps, Integral):
        raise ValueError(f"steps={steps!r} must be a whole number >= 0")
    if steps < 0:
        raise ValueError(f"steps={steps} must be >= 0")
    return int(steps)


MEMORY_LIMIT = 2 * 1024 ** 3  # bytes a run may hold; far above any video, far below a laptop's memory


def _check_memory(steps: int, batch: tuple[int, ...], opt: Optimizer, record_state: bool, limit: int,
                  scheduled: bool = False) -> None:
    """Refuse before allocating: the arrays of a run grow with steps x starts, and a typo of a few
    zeros would otherwise take minutes and gigabytes before failing (or swapping the machine)."""
    paths = math.prod(batch)
    # xy + z (+ grad, state) (+ the lr of each step under a schedule)
    per_step = paths * 8 * (3 + (2 + 2 * len(opt.state_names) if record_state else 0) + (1 if scheduled else 0))
    need = (steps + 1) * per_step
    if need > limit:
        most = max(limit // per_step - 1, 0)
        raise ValueError(f"steps={steps} for {paths} path(s) needs {need / 1e9:.1f} GB of arrays; the limit is "
                         f"{limit / 1e9:.1f} GB: use at most {most} steps"
                         + (" (or record_state=False)" if record_state else ""))


def _check_starts(starts) -> Array:
    try:
        p = np.array(starts, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"start={starts!r} must be numbers (x, y)") from None
    if p.ndim == 0 or p.shape[-1] != 2:
        raise ValueError(f"start={starts!r} must have shape (..., 2): one (x, y) per start")
    if not np.all(np.isfinite(p)):
        raise ValueError(f"start={starts!r} must be finite")
    return p


def _check_schedule(schedule, opt: Optimizer) -> Schedule | None:
    if schedule is None:
        return None
    if not isinstance(schedule, Schedule):
        raise TypeError(f"schedule={schedule!r} must be a schedule such as "
                        "optmath.get_schedule('step', step_size=30, gamma=0.1), or None for a constant lr")
    if "lr" not in opt.hyper:
        raise ValueError(f"optimizer {opt.name!r} has no lr to schedule")
    return schedule


def batch_trajectory(surface: "str | Surface", optimizer: "str | Optimizer", starts, steps: int,
                     record_state: bool = True, memory_limit: int = MEMORY_LIMIT, schedule: Schedule | None = None,
                     **hyper) -> BatchTrajectory:
    """Run ``optimizer`` from every start in ``starts`` (shape (..., 2)) for ``steps`` steps.

    ``record_state=False`` keeps only the path (xy and z), not the gradients
    and optimizer state per step: for big sweeps where memory is the cost.
    A run whose arrays would exceed ``memory_limit`` bytes is refused before it starts.

    Hyperparameters may be arrays: they broadcast against the batch shape, so
    ``starts=[[1, 0.25]], lr=[0.1, 0.5, 1.1]`` runs three learning rates.

    ``schedule`` (e.g. ``get_schedule("cosine", T_max=100)``) sets each step's
    lr from the optimizer's lr as torch's scheduler would (each base lr of a
    sweep runs its own schedule); the rates are recorded in ``lr``.
    """
    surf = get_surface(surface)
    opt = get_optimizer(optimizer, **hyper)
    steps = _check_steps(steps)
    p0 = _check_starts(starts)
    schedule = _check_schedule(schedule, opt)
    batch = np.broadcast_shapes(p0.shape[:-1], *_hyper_shapes(opt.hyper))
    _check_memory(steps, batch, opt, record_state, memory_limit, schedule is not None)
    # The rate of each step 1..steps, shaped like the lr hyperparameter (not the whole batch).
    lrs = None if schedule is None else schedule.lrs(opt.hyper["lr"], steps)
    p = np.broadcast_to(p0, batch + (2,)).copy()

    xy = np.empty((steps + 1,) + batch + (2,))
    grad = np.empty_like(xy) if record_state else None
    z = np.empty((steps + 1,) + batch)
    names = opt.state_names if record_state else ()
    state_rec = {n: np.empty_like(xy) for n in names}
    diverged = np.full(batch, -1, dtype=np.int64)

    with np.errstate(all="ignore"):
        state = opt.init(p)
        g = surf.grad(p)
        xy[0], z[0] = p, surf.value(p)
        if record_state:
            grad[0] = g
        for n in names:
            state_rec[n][0] = state[n]
        any_diverged = False
        for t in range(1, steps + 1):
            if lrs is not None:
                state = {**state, "lr": lrs[t - 1]}  # what scheduler.step() leaves in torch's param_group
            p, state = opt.update(p, g, state)
            escaped = surf.escaped(p)
            xy[t] = p
            if escaped.any():
                new = escaped & (diverged < 0)
                if new.any():
                    diverged[new] = t
                    any_diverged = True
            z[t] = surf.value(p)
            if any_diverged:
                # Everything after the escape is NaN: the path has left the surface.
                p = np.where((diverged >= 0)[..., None], np.nan, p)
            g = surf.grad(p)
            if record_state:
                grad[t] = g
            for n in names:
                state_rec[n][t] = state[n]

    def batch_first(a):
        return np.moveaxis(a, 0, -2) if a.ndim == len(batch) + 2 else np.moveaxis(a, 0, -1)

    lr_rec = None
    if lrs is not None:
        lr_rec = np.empty((steps + 1,) + batch)
        lr_rec[0] = np.nan
        # (steps,) + lr's shape, its axes aligned to the right of the batch shape
        lr_rec[1:] = lrs.reshape((steps,) + (1,) * (len(batch) - (lrs.ndim - 1)) + lrs.shape[1:])
        lr_rec = batch_first(lr_rec)

    return BatchTrajectory(
        surf, opt, batch_first(xy), batch_first(z), None if grad is None else batch_first(grad),
        {n: batch_first(a) for n, a in state_rec.items()}, diverged, schedule, lr_rec,
    )


def trajectory(surface: "str | Surface", optimizer: "str | Optimizer", start, steps: int,
               schedule: Schedule | None = None, **hyper) -> Trajectory:
    """The path of one optimizer from one start: the public contract of optmath.

    >>> t = trajectory("saddle", "sgd", (1.0, 0.25), 20, lr=0.1)
    >>> t.xy.shape, t.diverged_at
    ((21, 2), None)

    With a schedule, ``t.lr[k]`` is the rate of step k:

    >>> from optmath.schedules import StepLR
    >>> t = trajectory("bowl", "momentum", (-5.0, -2.0), 4, lr=0.1, schedule=StepLR(step_size=2, gamma=0.5))
    >>> t.lr.tolist()
    [nan, 0.1, 0.1, 0.05, 0.05]
    """
    p = _check_starts(start)
    if p.shape != (2,):
        raise ValueError(f"start={start!r} must be one point (x, y); use batch_trajectory for many")
    for key, v in hyper.items():
        parts = v if key == "betas" and isinstance(v, (tuple, list)) else (v,)
        if any(np.ndim(x) for x in parts):
            raise ValueError(f"{key}={v!r} must be a single value; use batch_trajectory to sweep it")
    return batch_trajectory(surface, optimizer, p[None, :], steps, schedule=schedule, **hyper)[0]


def rerun(run: "Trajectory | BatchTrajectory", lr_scale: float = 1.0, **hyper) -> "Trajectory | BatchTrajectory":
    """The same run (surface, optimizer, starts, steps, schedule) with its learning rate scaled and any
    other hyperparameters changed: how a claim is checked for robustness ("it still holds at lr x 0.9").

    >>> t = trajectory("bowl", "sgd", (-5.0, -2.0), 10, lr=0.4)
    >>> rerun(t, lr_scale=0.5).optimizer.hyper["lr"]
    0.2
    """
    opt = run.optimizer
    settings = {k: v for k, v in opt.hyper.items() if k in defaults(opt.name)}
    settings.update(hyper)
    if lr_scale != 1.0:
        if "lr" not in settings:
            raise ValueError(f"optimizer {opt.name!r} has no lr to scale")
        lr = settings["lr"]
        settings["lr"] = lr * lr_scale if np.ndim(lr) == 0 else np.asarray(lr) * lr_scale
    if isinstance(run, Trajectory):
        return trajectory(run.surface, opt.name, tuple(run.start), run.steps, schedule=run.schedule, **settings)
    return batch_trajectory(run.surface, opt.name, run.xy[..., 0, :], run.steps, record_state=run.grad is not None,
                            schedule=run.schedule, **settings)

