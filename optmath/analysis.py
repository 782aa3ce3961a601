"""What a teacher says about a surface: where it is flat, how it curves, how big a step is safe.

Critical points are found numerically (scipy's root finder on the analytic
gradient, from a grid of seeds) so the same code answers for the saddle and
for the fitting landscapes that have no closed form; the tests hold it to
the closed forms where they exist.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize

from optmath.surfaces import Surface, get_surface
from optmath.trajectory import Trajectory, batch_trajectory

KINDS = ("min", "max", "saddle", "degenerate")


@dataclass(frozen=True)
class CriticalPoint:
    xy: tuple[float, float]
    value: float
    eigenvalues: tuple[float, float]  # of the Hessian, ascending
    kind: str  # one of KINDS

    @property
    def condition_number(self) -> float:
        lo, hi = np.abs(self.eigenvalues).min(), np.abs(self.eigenvalues).max()
        return float("inf") if lo == 0 else float(hi / lo)


def hessian_eigen(surface: "str | Surface", point) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (ascending) and eigenvectors (columns) of the Hessian at ``point``."""
    return np.linalg.eigh(get_surface(surface).hessian(np.asarray(point, float)))


def classify(eigenvalues, tol: float = 1e-9) -> str:
    lo, hi = float(np.min(eigenvalues)), float(np.max(eigenvalues))
    scale = max(1.0, abs(lo), abs(hi))
    if lo > tol * scale:
        return "min"
    if hi < -tol * scale:
        return "max"
    if lo < -tol * scale and hi > tol * scale:
        return "saddle"
    return "degenerate"


def critical_points(surface: "str | Surface", grid: int = 15, tol: float = 1e-9) -> list[CriticalPoint]:
    """All critical points inside the plotting domain, sorted by value.

    Newton-type root finding (``scipy.optimize.root`` with the analytic
    Hessian as Jacobian) from a ``grid`` x ``grid`` lattice of seeds; roots
    closer than 1e-3 of the domain size are one point (the one with
    the smallest gradient is kept).
    """
    surf = get_surface(surface)
    # A description asks for the same surface's points several times (the segment, its claims, a
    # basin map), and a render's client and each of its jobs build descriptions: 225 root solves a
    # call, ~1 s on the sin-cos landscape. Keyed by the functions themselves, so a surface typed
    # anew (a formula) is solved anew, and kept per process like the grid minima.
    key = (surf._f, surf._grad, surf._hess, surf.domain, grid, tol)
    if key not in _CRITICAL_POINTS:
        if len(_CRITICAL_POINTS) >= 64:  # a long-lived process (the studio) sees many typed formulas
            _CRITICAL_POINTS.clear()
        _CRITICAL_POINTS[key] = tuple(_solve_critical_points(surf, grid, tol))
    return list(_CRITICAL_POINTS[key])


_CRITICAL_POINTS: dict = {}


def _solve_critical_points(surf: Surface, grid: int, tol: float) -> list[CriticalPoint]:
    (x0, x1), (y0, y1) = surf.domain
    size = max(x1 - x0, y1 - y0)
    found: list[tuple[float, np.ndarray]] = []  # (|grad|, point)
    for sx in np.linspace(x0, x1, grid):
        for sy in np.linspace(y0, y1, grid):
            sol = optimize.root(surf.grad, np.array([sx, sy]), jac=surf.hessian, method="hybr", tol=1e-14)
            p = np.where(np.abs(sol.x) < 1e-9 * size, 0.0, sol.x)  # print 0, not 3e-19
            if not np.all(np.isfinite(p)) or not surf.in_domain(p):
                continue
            gnorm = float(np.linalg.norm(surf.grad(p)))
            if gnorm > 1e-8 * max(1.0, abs(float(surf.value(p)))):
                continue
            # Flat (degenerate) points attract many nearby roots: keep the best one per cluster.
            near = [i for i, (_, q) in enumerate(found) if np.linalg.norm(p - q) <= 1e-3 * size]
            if not near:
                found.append((gnorm, p))
            elif gnorm < found[near[0]][0]:
                found[near[0]] = (gnorm, p)
    found = [p for _, p in found]
    points = []
    for p in found:
        ev = np.linalg.eigvalsh(surf.hessian(p))
        points.append(CriticalPoint((float(p[0]), float(p[1])), float(surf.value(p)),
                                    (float(ev[0]), float(ev[1])), classify(ev, tol)))
    return sorted(points, key=lambda c: (c.value, c.xy))


def minima(surface: "str | Surface", **kw) -> list[CriticalPoint]:
    return [c for c in critical_points(surface, **kw) if c.kind == "min"]


def grid_minimum(surface: "str | Surface", n: int = 161) -> tuple[float, tuple[float, float]]:
    """The lowest value of f on an ``n`` x ``n`` lattice over the domain, and where: an independent check
    that the lowest critical point found is the lowest point of the plot ("the best fit in the plot")."""
    surf = get_surface(surface)
    # the fitting landscapes cost seconds per lattice: computed once per process, keyed (as the critical
    # points are) by the function itself, not its name: two typed formulas may share a name and a domain
    key = (surf._f, surf.domain, n)
    if key not in _GRID_MINIMA:
        if len(_GRID_MINIMA) >= 64:  # a long-lived process (the studio) sees many typed formulas
            _GRID_MINIMA.clear()
        (x0, x1), (y0, y1) = surf.domain
        grid = np.stack(np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n)), -1)
        z = surf.value(grid)
        i = np.unravel_index(int(np.nanargmin(z)), z.shape)
        _GRID_MINIMA[key] = float(z[i]), (float(grid[i][0]), float(grid[i][1]))
    return _GRID_MINIMA[key]


_GRID_MINIMA: dict = {}


@dataclass(frozen=True)
class StepBounds:
    """Largest stable learning rates at a point, from the Hessian's largest eigenvalue.

    Plain GD needs lr*lambda < 2; torch's heavy ball lr*lambda < 2 + 2*mu;
    torch's Nesterov lr*lambda < (2 + 2*mu)/(1 + 2*mu).  Optimal constants for
    a quadratic: GD lr = 2/(l_min + l_max); heavy ball
    lr = (2/(sqrt(l_min)+sqrt(l_max)))^2, mu = ((sqrt(l_max)-sqrt(l_min))/(sqrt(l_max)+sqrt(l_min)))^2.
    """

    lambda_min: float
    lambda_max: float
    momentum: float
    gd: float
    heavy_ball: float
    nesterov: float
    gd_optimal: float | None
    heavy_ball_optimal: tuple[float, float] | None  # (lr, momentum)


def step_bounds(surface: "str | Surface", point, momentum: float = 0.9) -> StepBounds:
    ev = np.linalg.eigvalsh(get_surface(surface).hessian(np.asarray(point, float)))
    lo, hi = float(ev[0]), float(ev[1])
    mu = float(momentum)
    if hi <= 0:
        inf = float("inf")
        return StepBounds(lo, hi, mu, inf, inf, inf, None, None)
    gd_opt = hb_opt = None
    if lo > 0:
        gd_opt = 2.0 / (lo + hi)
        sl, sh = np.sqrt(lo), np.sqrt(hi)
        hb_opt = (float((2 / (sl + sh)) ** 2), float(((sh - sl) / (sh + sl)) ** 2))
    return StepBounds(lo, hi, mu, 2.0 / hi, (2 + 2 * mu) / hi, (2 + 2 * mu) / ((1 + 2 * mu) * hi), gd_opt, hb_opt)


def max_stable_lr(surface: "str | Surface", point) -> float:
    """2/lambda_max: the step size above which plain gradient descent diverges near ``point``."""
    return step_bounds(surface, point).gd


def steps_to_tolerance(traj: Trajectory, target=None, tol: float = 1e-6) -> int | None:
    """First step from which the path stays within ``tol`` of ``target`` (default: its final point)."""
    if traj.diverged_at is not None:
        return None
    target = traj.xy[-1] if target is None else np.asarray(target, float)
    inside = np.linalg.norm(traj.xy - target, axis=-1) <= tol
    if not inside[-1]:
        return None
    outside = np.flatnonzero(~inside)
    return 0 if outside.size == 0 else int(outside[-1] + 1)


@dataclass(frozen=True)
class BasinMap:
    """Which critical point each start of a grid ends at.

    ``labels[i, j]`` is the index into ``points`` reached from
    ``(xs[j], ys[i])``, -1 where the path diverged, -2 where it ended
    near no critical point.
    """

    xs: np.ndarray
    ys: np.ndarray
    labels: np.ndarray
    points: list[CriticalPoint]

    def fraction(self, label: int) -> float:
        return float(np.mean(self.labels == label))


def basin_map(surface: "str | Surface", optimizer: str = "sgd", resolution: int = 41, steps: int = 500,
              tol: float = 1e-3, **hyper) -> BasinMap:
    """Run ``optimizer`` from every point of a grid over the domain, in one batch."""
    surf = get_surface(surface)
    (x0, x1), (y0, y1) = surf.domain
    xs, ys = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
    X, Y = np.meshgrid(xs, ys)
    run = batch_trajectory(surf, optimizer, np.stack([X, Y], -1), steps, record_state=False, **hyper)
    final = run.xy[..., -1, :]
    points = critical_points(surf)
    labels = np.full(X.shape, -2, dtype=int)
    if points:
        centers = np.array([c.xy for c in points])
        dist = np.linalg.norm(final[..., None, :] - centers, axis=-1)
        nearest = np.argmin(np.where(np.isfinite(dist), dist, np.inf), axis=-1)
        close = np.take_along_axis(dist, nearest[..., None], -1)[..., 0] <= tol
        labels = np.where(close, nearest, -2)
    labels = np.where(run.diverged_at >= 0, -1, labels)
    return BasinMap(xs, ys, labels, points)
