"""Declared tuning: which learning rate each optimizer races with, chosen by a rule stated in advance.

A race between optimizers is only as fair as the learning rates they were given. Here the choice is
data, not taste: a ``TuningConfig`` names the surface, the optimizer, the grid of learning rates tried,
the starts, the number of steps, the objective that scores a rate and the hyperparameters held fixed.
``tune(config)`` runs the whole grid against every start in ONE batched ``batch_trajectory`` (lr shaped
(G, 1) against starts (1, S)), scores each rate and picks the best. The same configuration therefore
gives the same table on screen and the same rate in the race, every time::

    from optmath.tuning import StartGrid, TuningConfig, decade_grid, tune
    config = TuningConfig("rosenbrock", "adam", decade_grid(-4, 0), StartGrid(((-2, 2), (-1, 3)), 8), steps=200)
    result = tune(config)
    result.best_lr, result.best_score, result.diverged   # the rate, its mean final loss, divergences per rate

Objectives (``OBJECTIVES``):

* ``mean-final-loss``: the mean over the starts of the loss after the last step. A start whose path
  diverged (left the surface's escape box or stopped being finite) counts as an infinite loss, so ONE
  diverged start makes the rate's score inf: a rate that only works from lucky starts is never chosen.
* ``median-final-loss``: the median of the same losses (diverged starts still infinite): it forgives
  divergence from fewer than half of the starts, the lenient objective to compare against.

Ties go to the smaller learning rate (the cautious choice). If every rate scores inf there is no best
rate: ``best_lr`` is None and ``best_score`` inf, and the grid should be widened.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from numbers import Integral
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from optmath.errors import unknown_choice
from optmath.optimizers import defaults
from optmath.surfaces import Surface, get_surface
from optmath.trajectory import BatchTrajectory, batch_trajectory

Array = np.ndarray
Box = tuple[tuple[float, float], tuple[float, float]]


# -- the starts -----------------------------------------------------------------------------------------
def _check_box(box) -> Box:
    try:
        (x0, x1), (y0, y1) = box
        x0, x1, y0, y1 = (float(v) for v in (x0, x1, y0, y1))
    except (TypeError, ValueError):
        raise ValueError(f"box={box!r} must be ((xmin, xmax), (ymin, ymax))") from None
    if not all(math.isfinite(v) for v in (x0, x1, y0, y1)) or not (x0 < x1 and y0 < y1):
        raise ValueError(f"box={box!r} must be finite with xmin < xmax and ymin < ymax")
    return ((x0, x1), (y0, y1))


def _check_count(value, name: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral) or value < 1:
        raise ValueError(f"{name}={value!r} must be a whole number >= 1")
    return int(value)


@dataclass(frozen=True)
class StartGrid:
    """The centres of an n x n grid of cells over a box: evenly spread, and no start on the box's edge,
    where a plotted domain's walls are steepest and a single start would weigh as much as an interior one.

    Args:
        box: ((xmin, xmax), (ymin, ymax)), e.g. the surface's plotted domain.
        n: cells per side; the grid holds n * n starts, row-major from the lowest y (x varies fastest).
    """

    box: Box
    n: int = 8

    def __post_init__(self):
        object.__setattr__(self, "box", _check_box(self.box))
        object.__setattr__(self, "n", _check_count(self.n, "n"))

    @property
    def count(self) -> int:
        return self.n * self.n

    def axes(self) -> tuple[Array, Array]:
        """The grid's x and y coordinates (each of length n)."""
        (x0, x1), (y0, y1) = self.box
        centres = (np.arange(self.n) + 0.5) / self.n
        return x0 + centres * (x1 - x0), y0 + centres * (y1 - y0)

    def points(self) -> Array:
        xs, ys = self.axes()
        X, Y = np.meshgrid(xs, ys)
        return np.stack([X, Y], -1).reshape(-1, 2)


@dataclass(frozen=True)
class StartSample:
    """``count`` starts drawn uniformly from a box by ``numpy.random.default_rng(seed)``: random, yet
    the same on every run, so a tuning table never changes between renders.

    Args:
        box: ((xmin, xmax), (ymin, ymax)).
        count: how many starts.
        seed: the generator's seed, stated with the configuration.
    """

    box: Box
    count: int = 64
    seed: int = 0

    def __post_init__(self):
        object.__setattr__(self, "box", _check_box(self.box))
        object.__setattr__(self, "count", _check_count(self.count, "count"))
        if isinstance(self.seed, (bool, np.bool_)) or not isinstance(self.seed, Integral) or self.seed < 0:
            raise ValueError(f"seed={self.seed!r} must be a whole number >= 0")

    def points(self) -> Array:
        (x0, x1), (y0, y1) = self.box
        rng = np.random.default_rng(self.seed)
        return rng.uniform((x0, y0), (x1, y1), size=(self.count, 2))


@dataclass(frozen=True)
class StartPoints:
    """Starts given one by one (a classic start, or the few points of a test).

    Args:
        xy: the points, ((x, y), ...).
    """

    xy: tuple[tuple[float, float], ...]

    def __post_init__(self):
        p = np.array(self.xy, dtype=float)
        if p.ndim != 2 or p.shape[1] != 2 or len(p) == 0 or not np.all(np.isfinite(p)):
            raise ValueError(f"xy={self.xy!r} must be one or more finite points ((x, y), ...)")
        object.__setattr__(self, "xy", tuple((float(x), float(y)) for x, y in p))

    @property
    def count(self) -> int:
        return len(self.xy)

    def points(self) -> Array:
        return np.array(self.xy, dtype=float)


Starts = StartGrid | StartSample | StartPoints


# -- the learning rates ---------------------------------------------------------------------------------
def decade_grid(lo: int, hi: int, mantissas: tuple[int, ...] = (1, 2, 5)) -> tuple[float, ...]:
    """Learning rates m * 10^e for e from ``lo`` to ``hi`` (1, 2, 5 per decade), ending at 10^hi.

    A log-spaced grid reads on screen as round numbers (0.002, not 0.00215), and the values are parsed
    from their decimal text, so ``1e-3 in decade_grid(-4, 0)`` holds exactly.

    Args:
        lo: exponent of the smallest rate, 10^lo.
        hi: exponent of the largest rate, 10^hi.
        mantissas: the rates tried within each decade.
    """
    if not (isinstance(lo, Integral) and isinstance(hi, Integral)) or lo > hi:
        raise ValueError(f"decade_grid needs whole exponents lo <= hi; got {lo!r}, {hi!r}")
    if not mantissas or any(not (isinstance(m, Integral) and 1 <= m < 10) for m in mantissas):
        raise ValueError(f"mantissas={mantissas!r} must be whole numbers from 1 to 9")
    rates = [float(f"{m}e{e}") for e in range(lo, hi) for m in sorted(set(mantissas))]
    return tuple(rates) + (float(f"1e{hi}"),)


# -- objectives -----------------------------------------------------------------------------------------
def _mean(losses: Array) -> Array:
    return np.mean(losses, axis=-1)  # one inf among the starts makes the mean inf


def _median(losses: Array) -> Array:
    return np.median(losses, axis=-1)  # inf once half or more of the starts are inf


OBJECTIVES: dict[str, Callable[[Array], Array]] = {
    "mean-final-loss": _mean,
    "median-final-loss": _median,
}


# -- the configuration and its result -------------------------------------------------------------------
@dataclass(frozen=True)
class TuningConfig:
    """A tuning stated in full before it runs, so its outcome can be shown and checked, not asserted.

    Args:
        surface: the surface's name (or a Surface).
        optimizer: the optimizer's name, as ``optmath.get_optimizer`` takes it.
        lrs: the learning rates tried (positive, distinct; e.g. ``decade_grid(-4, 0)``).
        starts: where the runs start (``StartGrid``, ``StartSample`` or ``StartPoints``).
        steps: steps of every run; the score reads the loss after the last one.
        objective: how a rate is scored from its final losses, one of ``OBJECTIVES``.
        fixed: the other hyperparameters, held fixed for every rate (e.g. ``{"momentum": 0.9}``); the
            optimizer's torch defaults for the rest.
    """

    surface: str | Surface
    optimizer: str
    lrs: tuple[float, ...]
    starts: Starts
    steps: int = 200
    objective: str = "mean-final-loss"
    fixed: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self):
        if self.objective not in OBJECTIVES:
            raise unknown_choice("objective", self.objective, OBJECTIVES)
        get_surface(self.surface)  # an unknown surface fails here, naming the choices
        known = defaults(self.optimizer)  # and an unknown optimizer
        if "lr" not in known:
            raise ValueError(f"optimizer {self.optimizer!r} has no learning rate to tune")
        if "lr" in self.fixed:
            raise ValueError("lr is what is tuned: give it in lrs, not in fixed")
        unknown = sorted(set(self.fixed) - set(known))
        if unknown:
            raise ValueError(f"{self.optimizer} has no hyperparameter {', '.join(unknown)}; it takes: "
                             f"{', '.join(known)}")
        try:
            lrs = tuple(float(v) for v in self.lrs)
        except (TypeError, ValueError):
            raise ValueError(f"lrs={self.lrs!r} must be a sequence of numbers") from None
        if not lrs or not all(math.isfinite(v) and v > 0 for v in lrs):
            raise ValueError(f"lrs={self.lrs!r} must be one or more finite learning rates > 0")
        if len(set(lrs)) != len(lrs):
            raise ValueError(f"lrs={self.lrs!r} repeats a learning rate")
        object.__setattr__(self, "lrs", lrs)
        if isinstance(self.steps, (bool, np.bool_)) or not isinstance(self.steps, Integral) or self.steps < 1:
            raise ValueError(f"steps={self.steps!r} must be a whole number >= 1")
        if not isinstance(self.starts, (StartGrid, StartSample, StartPoints)):
            raise TypeError(f"starts={self.starts!r} must be a StartGrid, StartSample or StartPoints")
        object.__setattr__(self, "fixed", dict(self.fixed))


@dataclass(frozen=True, eq=False)
class TuningResult:
    """What a tuning found: every rate's score, how many starts diverged at it, and the rate chosen.

    Args:
        config: the configuration that was run.
        starts: (S, 2) the starts, as ``config.starts.points()`` gave them.
        final_loss: (G, S) the loss after the last step per rate and start; inf where the path diverged.
        diverged_at: (G, S) the step at which each path diverged, -1 where it never did.
        scores: (G,) the objective per rate, in the order of ``config.lrs``; inf where it is undefined.
        run: the batched run itself (paths only), for pictures of the same paths that were scored.
        best_index: index of the chosen rate in ``config.lrs``, None if every rate scored inf.
    """

    config: TuningConfig
    starts: Array
    final_loss: Array
    diverged_at: Array
    scores: Array
    run: BatchTrajectory = field(repr=False)
    best_index: int | None

    @property
    def lrs(self) -> Array:
        return np.array(self.config.lrs)

    @property
    def diverged(self) -> Array:
        """(G,) how many starts diverged at each rate."""
        return np.sum(self.diverged_at >= 0, axis=-1)

    @property
    def best_lr(self) -> float | None:
        return None if self.best_index is None else self.config.lrs[self.best_index]

    @property
    def best_score(self) -> float:
        return math.inf if self.best_index is None else float(self.scores[self.best_index])

    def index(self, lr: float) -> int:
        """Where ``lr`` sits in the grid; a rate that was not tried is an error, not a guess."""
        try:
            return self.config.lrs.index(float(lr))
        except ValueError:
            raise ValueError(f"lr={lr!r} was not tried; the grid is: "
                             f"{', '.join(f'{v:g}' for v in self.config.lrs)}") from None

    def score(self, lr: float) -> float:
        """The objective at a rate of the grid."""
        return float(self.scores[self.index(lr)])


def tune(config: TuningConfig) -> TuningResult:
    """Run every rate of ``config.lrs`` from every start in one batch, score them and choose one.

    One ``batch_trajectory`` call with lr shaped (G, 1) against starts (1, S): the whole table costs
    G * S paths of ``config.steps`` steps, computed by the same code (and to the same bits) as the
    single trajectories a race draws.

    Args:
        config: the declared tuning.

    Returns:
        The scores, the divergences per rate and the chosen rate: the smallest score, ties to the
        smaller rate; none if every rate diverged from some start (or, for the median, from half of them).
    """
    starts = config.starts.points()
    lrs = np.array(config.lrs)
    run = batch_trajectory(config.surface, config.optimizer, starts[None, :, :], config.steps,
                           record_state=False, lr=lrs[:, None], **config.fixed)
    final = run.z[..., -1]
    diverged = run.diverged_at >= 0
    # a diverged path scores inf even when its escaped point was low (a saddle's escape runs downhill)
    final_loss = np.where(diverged | ~np.isfinite(final), np.inf, final)
    scores = np.asarray(OBJECTIVES[config.objective](final_loss), dtype=float)
    best = None
    finite = np.isfinite(scores)
    if finite.any():
        tied = np.flatnonzero(finite & (scores == scores[finite].min()))
        best = int(tied[np.argmin(lrs[tied])])
    return TuningResult(config, starts, final_loss, run.diverged_at, scores, run, best)


__all__ = ["OBJECTIVES", "StartGrid", "StartSample", "StartPoints", "TuningConfig", "TuningResult",
           "decade_grid", "tune"]
