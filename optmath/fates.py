"""Where each path of a batch ends: at a chosen critical point, over the edge, elsewhere, or on its way.

A basin picture is only as honest as its bookkeeping: a path that has left the
plot has not "not converged", it has gone, and a path that is still rolling
after the last step has not failed, it is slow. ``fates`` sorts the endpoints
of a run into those piles, so a video can colour thousands of dots and speak
each pile's share in per cent, and a test can check every start against its
own single run.

``analysis.basin_map`` labels a grid by the nearest critical point; this module
adds the outcomes a narration needs (a target, the edge, the rest) and works on
any run, grid or not::

    from optmath.fates import grid, fates
    starts = grid("cubic", 64)                            # (64, 64, 2), row 0 at the lowest y
    run = optmath.batch_trajectory("cubic", "sgd", starts, 150, record_state=False, lr=0.1)
    f = fates(run, target=(0.0, 0.0))
    f.share(REACHED), f.share(OVER_EDGE)                   # per cent of the starts
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optmath.analysis import CriticalPoint, minima
from optmath.surfaces import Surface, get_surface
from optmath.trajectory import BatchTrajectory, Trajectory

# the outcomes of ``fates``: reached the target, left the plot (or diverged), settled at another minimum, the rest
REACHED, OVER_EDGE, OTHER_MINIMUM, MOVING = 0, 1, 2, 3
FATES = ("reached", "over the edge", "other minimum", "still moving")
# the outcomes of ``fit_fates``: the lowest minimum, any other minimum, neither
GLOBAL, LOCAL, UNSETTLED = 0, 1, 2
FIT_FATES = ("global fit", "local fit", "not settled")
TOL = 1e-2  # "reached": within this distance of the point at the last step


@dataclass(frozen=True, eq=False)
class Fates:
    """Each path's outcome (``labels``, the run's batch shape, indices into ``names``), and for paths that
    settled at a critical point which one (``at``: an index into ``points``, -1 for none)."""

    labels: np.ndarray
    names: tuple[str, ...]
    at: np.ndarray
    points: tuple

    @property
    def total(self) -> int:
        return int(self.labels.size)

    def count(self, label: int) -> int:
        return int(np.count_nonzero(self.labels == label))

    def share(self, label: int) -> float:
        """Per cent of all paths with this outcome."""
        return 100.0 * self.count(label) / self.total if self.total else 0.0

    @property
    def shares(self) -> np.ndarray:
        """Every outcome's share in per cent, in the order of ``names``; together 100."""
        return np.array([self.share(k) for k in range(len(self.names))])


def grid(surface: "str | Surface", nx: int, ny: int | None = None, window=None) -> np.ndarray:
    """Starts at the centres of an ``nx`` x ``ny`` grid of cells over ``window`` (default: the domain).

    Centres, not corners: each start stands for a cell of equal area, so a share of starts is a share of
    the window's area, and none sits on the window's edge where "left the plot" would be a coin toss.
    Shape (ny, nx, 2); row 0 is the lowest y, as in ``BasinMap.labels``.
    """
    ny = nx if ny is None else ny
    (x0, x1), (y0, y1) = window if window is not None else get_surface(surface).domain
    xs = x0 + (np.arange(nx) + 0.5) * (x1 - x0) / nx
    ys = y0 + (np.arange(ny) + 0.5) * (y1 - y0) / ny
    X, Y = np.meshgrid(xs, ys)
    return np.stack([X, Y], -1)


def endpoints(run: "BatchTrajectory | Trajectory") -> tuple[np.ndarray, np.ndarray]:
    """Each path's last real point (the escaped point itself, if it is finite) and whether it diverged.

    The same point as ``Trajectory.final`` for every path of the batch, computed for all at once.
    """
    if isinstance(run, Trajectory):
        return np.asarray(run.final, float), np.asarray(run.diverged_at is not None)
    xy = np.asarray(run.xy, float)
    finite = np.all(np.isfinite(xy), axis=-1)  # (..., steps + 1): True up to the last real point
    last = xy.shape[-2] - 1 - np.argmax(finite[..., ::-1], axis=-1)
    final = np.take_along_axis(xy, last[..., None, None], axis=-2)[..., 0, :]
    return final, np.asarray(run.diverged_at) >= 0


def _diverged(diverged_at, shape) -> np.ndarray:
    """Diverged flags from any of the conventions: None (none did), bools, or steps with -1 for never."""
    if diverged_at is None:
        return np.zeros(shape, bool)
    d = np.asarray(diverged_at)
    return np.broadcast_to(d if d.dtype == bool else d >= 0, shape)


def settled_at(final, points, tol: float = TOL) -> np.ndarray:
    """The index into ``points`` (CriticalPoints or (x, y) pairs) each endpoint is within ``tol`` of, -1 for
    none; the nearest when two are that close. Non-finite endpoints are near nothing."""
    final = np.asarray(final, float)
    if not len(points):
        return np.full(final.shape[:-1], -1)
    centres = np.array([p.xy if isinstance(p, CriticalPoint) else p for p in points], float)
    with np.errstate(invalid="ignore"):
        dist = np.linalg.norm(final[..., None, :] - centres, axis=-1)
    dist = np.where(np.isfinite(dist), dist, np.inf)
    nearest = np.argmin(dist, axis=-1)
    close = np.take_along_axis(dist, nearest[..., None], -1)[..., 0] <= tol
    return np.where(close, nearest, -1)


def classify(final, diverged_at, surface: "str | Surface", target, tol: float = TOL, others=()) -> Fates:
    """Sort endpoints by what became of them.

    REACHED: within ``tol`` of ``target`` (a point, usually a minimum) and not diverged. OVER_EDGE: diverged,
    or ended outside the plotted domain (it left and has not come back: on an unbounded surface it is on its
    way down). OTHER_MINIMUM: within ``tol`` of one of ``others``. MOVING: the rest, still on their way.
    ``at`` is 0 for the target, 1 + i for ``others[i]``.
    """
    surf = get_surface(surface)
    final = np.asarray(final, float)
    gone = _diverged(diverged_at, final.shape[:-1])
    target_xy = target.xy if isinstance(target, CriticalPoint) else tuple(np.asarray(target, float))
    points = (target_xy,) + tuple(others)
    at = np.where(gone, -1, settled_at(final, points, tol))
    left = gone | ~surf.in_domain(final)
    labels = np.where(at == 0, REACHED, np.where(left, OVER_EDGE, np.where(at > 0, OTHER_MINIMUM, MOVING)))
    at = np.where((labels == REACHED) | (labels == OTHER_MINIMUM), at, -1)
    return Fates(labels, FATES, at, points)


def fates(run: "BatchTrajectory | Trajectory", target, tol: float = TOL, others=None) -> Fates:
    """``classify`` a run's endpoints; ``others`` defaults to the surface's minima other than ``target``."""
    final, gone = endpoints(run)
    if others is None:
        t = np.asarray(target.xy if isinstance(target, CriticalPoint) else target, float)
        others = [c for c in minima(run.surface) if np.linalg.norm(np.asarray(c.xy) - t) > tol]
    return classify(final, gone, run.surface, target, tol, others)


def fit_fates(run: "BatchTrajectory | Trajectory", tol: float = TOL, points=None) -> Fates:
    """A fitting landscape's outcomes: GLOBAL (the lowest minimum, the best fit), LOCAL (any other minimum),
    UNSETTLED (between minima, off the plot, or diverged).

    ``points``: the minima to judge against (default ``minima(run.surface)``), kept in ``Fates.points``
    sorted by value, so ``at == 0`` is the global fit and ``at == i`` the i-th best.
    """
    points = tuple(sorted(minima(run.surface) if points is None else points, key=lambda c: c.value))
    final, gone = endpoints(run)
    at = np.where(gone, -1, settled_at(final, points, tol))
    labels = np.where(at == 0, GLOBAL, np.where(at > 0, LOCAL, UNSETTLED))
    return Fates(labels, FIT_FATES, at, points)
