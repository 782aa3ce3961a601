"""Loss against step: the curve of each run and the axis that holds them all.

The seed tutorials plot cost against iteration beside every descent, because
a curve shows at a glance what a path only suggests: who gets low first, who
stalls, who blows up. The axis is chosen from the runs, never typed: a log
axis when every value is positive and they span two decades or more (then a
stall and a fast fall are both visible), otherwise a linear one on round
ticks (a saddle's loss goes negative: no log axis can hold it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from optmath.surfaces import Surface
from optmath.trajectory import Trajectory

LOG_DECADES = 2.0  # values spanning this many decades (all positive) go on a log axis
MAX_TICKS = 5


def nice_step(span: float, ticks: int = 4) -> float:
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) giving about ``ticks`` ticks over ``span``."""
    raw = span / ticks
    mag = 10 ** np.floor(np.log10(raw))
    return float(min((m * mag for m in (1, 2, 2.5, 5, 10)), key=lambda s: abs(s - raw)))


def exit_step(traj: Trajectory, surface: Surface | None = None) -> int | None:
    """The step at which a path leaves the plotted domain (its surface's, or ``surface``'s), or diverges
    (a NaN point is outside); None if it stays."""
    inside = (surface or traj.surface).in_domain(traj.xy)
    return None if inside.all() else int(np.argmin(inside))


def last_inside(traj: Trajectory, surface: Surface | None = None) -> int:
    """The last step whose point is inside the plotted domain (a path that leaves is drawn up to there)."""
    k = exit_step(traj, surface)
    return traj.steps if k is None else max(k - 1, 0)


def loss_curve(traj: Trajectory, surface: Surface | None = None) -> np.ndarray:
    """f at every step the picture draws: ``z[0..k]`` up to the last step inside the plot."""
    return np.asarray(traj.z[: last_inside(traj, surface) + 1], float)


@dataclass(frozen=True)
class LossAxis:
    """The loss plot's axes: steps 0..``steps`` across, ``lo``..``hi`` up (log10 of them when ``log``)."""

    steps: int
    lo: float
    hi: float
    log: bool
    ticks: tuple[float, ...]

    def height(self, values) -> np.ndarray:
        """Where values sit up the axis, 0 (``lo``) to 1 (``hi``), clipped to it."""
        v = np.asarray(values, float)
        if self.log:
            v = np.log10(np.maximum(v, self.lo))
            lo, hi = math.log10(self.lo), math.log10(self.hi)
        else:
            lo, hi = self.lo, self.hi
        return np.clip((v - lo) / (hi - lo), 0.0, 1.0)


def loss_axis(curves: list[np.ndarray], steps: int) -> LossAxis:
    """The axis that holds every curve: log when all are positive over two decades or more, else linear.

    Args:
        curves: each run's ``loss_curve``.
        steps: the race's length (the x axis runs from 0 to it).
    """
    values = np.concatenate([np.asarray(c, float).ravel() for c in curves]) if curves else np.zeros(1)
    values = values[np.isfinite(values)]
    if values.size == 0:
        values = np.zeros(1)
    low, high = float(values.min()), float(values.max())
    if low > 0 and math.log10(high / low) >= LOG_DECADES:
        a, b = math.floor(math.log10(low)), math.ceil(math.log10(high))
        every = max(1, math.ceil((b - a) / (MAX_TICKS - 1)))
        b = a + every * math.ceil((b - a) / every)
        ticks = tuple(10.0 ** k for k in range(a, b + 1, every))
        return LossAxis(max(int(steps), 1), 10.0 ** a, 10.0 ** b, True, ticks)
    span = high - low if high > low else max(abs(high), 1.0)
    step = nice_step(span)
    lo, hi = math.floor(low / step) * step, math.ceil(high / step) * step
    if hi - lo < 1e-12:
        lo, hi = lo - step, hi + step
    n = int(round((hi - lo) / step))
    ticks = tuple(float(np.round(lo + i * step, 12)) for i in range(n + 1))
    if len(ticks) > MAX_TICKS:
        ticks = ticks[:: math.ceil(len(ticks) / MAX_TICKS)]
    return LossAxis(max(int(steps), 1), float(lo), float(hi), False, ticks)
