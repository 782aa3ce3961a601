"""Why a step size blows up: the per-step factor of a quadratic, predicted and measured.

Near a minimum the loss is a quadratic with Hessian H, and along each eigenvector of H (eigenvalue
lambda) the distance to the minimum obeys a one-dimensional linear recurrence. For plain gradient
descent it is ``d <- (1 - lr*lambda) d``: each step multiplies the distance by ``1 - lr*lambda``, so
the path settles for ``lr < 2/lambda``, and for ``lr > 1/lambda`` the factor is negative and the
path overshoots at every step (the zig-zag). With torch's momentum the recurrence carries a buffer
too, and the factor becomes the spectral radius of a 2x2 iteration matrix; its boundaries are the
heavy-ball and Nesterov bounds of ``optmath.step_bounds``.

This module says both sides of that story: what the closed forms predict (``predicted_factor``,
``iteration_matrix``, ``critical_lr``, ``overshoot_lr``) and what a computed path did
(``per_step_factor``, ``sign_changes``, ``fates``), so a video can put them side by side and a test
can hold one to the other. NumPy only.
"""

from __future__ import annotations

import numpy as np

from optmath.surfaces import Surface, get_surface
from optmath.trajectory import BatchTrajectory, Trajectory

Array = np.ndarray

# A path's fate, as ``fates`` measures it: an index into FATE_NAMES.
SETTLES, ZIGZAGS, DIVERGES = 0, 1, 2
FATE_NAMES = ("settles", "zigzags", "diverges")


# -- what the closed forms predict -----------------------------------------------------------------------------
def iteration_matrix(lr, eigenvalue, momentum=0.0, nesterov: bool = False) -> Array:
    """The 2x2 matrix M with ``(d_k, b_k) = M (d_{k-1}, b_{k-1})`` along one eigenvector.

    torch's SGD on a quadratic, in the coordinate d along an eigenvector of eigenvalue lambda
    (gradient ``g = lambda*d``), with the momentum buffer b (torch's ``b = mu*b + g``):

    * heavy ball, ``p -= lr*b``: ``M = [[1 - lr*lambda, -lr*mu], [lambda, mu]]``;
    * Nesterov, ``p -= lr*(g + mu*b)``: ``M = [[1 - lr*lambda*(1 + mu), -lr*mu^2], [lambda, mu]]``.

    torch's first buffer is the raw gradient, which is this recurrence started from b = 0, so
    ``M^k (d_0, 0)`` is the path exactly. With ``momentum=0`` both forms are plain gradient descent,
    whose matrix has the eigenvalues ``1 - lr*lambda`` and 0.

    Args:
        lr, eigenvalue, momentum: numbers or arrays; they broadcast, and the matrices stack in front
            (shape ``broadcast + (2, 2)``).
        nesterov: torch's ``nesterov=True``.
    """
    lr, lam, mu = np.broadcast_arrays(*(np.asarray(v, float) for v in (lr, eigenvalue, momentum)))
    h = lr * lam
    m = np.empty(lr.shape + (2, 2))
    m[..., 0, 0] = 1 - h * (1 + mu) if nesterov else 1 - h
    m[..., 0, 1] = -lr * mu * mu if nesterov else -lr * mu
    m[..., 1, 0] = lam
    m[..., 1, 1] = mu
    return m


def predicted_factor(lr, eigenvalue, momentum=0.0, nesterov: bool = False):
    """The per-step factor a quadratic predicts along an eigenvector: the spectral radius of
    ``iteration_matrix``, ``|1 - lr*lambda|`` for plain gradient descent.

    Below 1 the distance along that eigenvector shrinks by about this factor per step (exactly, for
    gradient descent); above 1 it grows and the run diverges. The roots of the characteristic
    polynomial ``z^2 - trace*z + det`` are taken in closed form, so arrays of rates cost one pass;
    with no momentum the answer is ``|1 - lr*lambda|`` itself, not a root recomputed with rounding.

    Args:
        lr, eigenvalue, momentum: numbers or arrays (they broadcast).
        nesterov: torch's Nesterov form instead of the heavy ball.

    Returns:
        A float for scalar inputs, else an array of the broadcast shape.
    """
    m = iteration_matrix(lr, eigenvalue, momentum, nesterov)
    tr = m[..., 0, 0] + m[..., 1, 1]
    det = m[..., 0, 0] * m[..., 1, 1] - m[..., 0, 1] * m[..., 1, 0]
    root = np.sqrt((tr * tr - 4 * det).astype(complex))
    radius = np.maximum(np.abs((tr + root) / 2), np.abs((tr - root) / 2))
    lr_, lam, mu = np.broadcast_arrays(*(np.asarray(v, float) for v in (lr, eigenvalue, momentum)))
    radius = np.where(mu == 0, np.abs(1 - lr_ * lam), radius)
    return float(radius) if radius.ndim == 0 else radius


def critical_lr(eigenvalue, momentum=0.0, nesterov: bool = False):
    """The learning rate at which ``predicted_factor`` reaches 1 along an eigenvector: above it the
    run diverges. Plain GD ``2/lambda``; heavy ball ``(2 + 2mu)/lambda``; Nesterov
    ``(2 + 2mu)/((1 + 2mu)lambda)`` (where the characteristic polynomial has the root -1).

    Momentum widens the heavy ball's range, but narrows Nesterov's below plain descent's for any mu > 0:
    its look-ahead multiplies the steep gradient by 1 + mu before the buffer can cancel it.

    Args:
        eigenvalue: positive curvature (number or array).
        momentum: torch's mu, 0 <= mu < 1.
        nesterov: torch's Nesterov form instead of the heavy ball.
    """
    lam, mu = np.asarray(eigenvalue, float), np.asarray(momentum, float)
    out = (2 + 2 * mu) / ((1 + 2 * mu) * lam) if nesterov else (2 + 2 * mu) / lam
    return float(out) if np.ndim(out) == 0 else out


def overshoot_lr(eigenvalue, momentum=0.0, nesterov: bool = False):
    """The largest learning rate whose iteration matrix has real, non-negative eigenvalues.

    Above it the slowest mode along that eigenvector oscillates in sign. For plain gradient descent
    this is ``1/lambda``, where ``1 - lr*lambda`` turns negative: below it a path never crosses the
    minimum along that eigenvector, above it every step crosses (the zig-zag). For the heavy ball
    the eigenvalues turn complex at ``(1 - sqrt(mu))^2/lambda``, for Nesterov at
    ``((1 - mu)/(1 + mu))^2/lambda``.

    Args:
        eigenvalue: positive curvature (number or array).
        momentum: torch's mu, 0 <= mu < 1.
        nesterov: torch's Nesterov form instead of the heavy ball.
    """
    lam, mu = np.asarray(eigenvalue, float), np.asarray(momentum, float)
    out = ((1 - mu) / (1 + mu)) ** 2 / lam if nesterov else (1 - np.sqrt(mu)) ** 2 / lam
    return float(out) if np.ndim(out) == 0 else out


# -- what a path did -------------------------------------------------------------------------------------------
def _paths(traj_or_xy) -> tuple[Array, Surface | None]:
    if isinstance(traj_or_xy, (Trajectory, BatchTrajectory)):
        return traj_or_xy.xy, traj_or_xy.surface
    return np.asarray(traj_or_xy, float), None


def _unit(direction) -> Array:
    u = np.asarray(direction, float)
    norm = np.linalg.norm(u)
    if u.shape != (2,) or not norm > 0:
        raise ValueError(f"direction={direction!r} must be a non-zero vector (dx, dy)")
    return u / norm


def steepest_direction(surface: str | Surface, point) -> Array:
    """The unit eigenvector of the Hessian at ``point`` whose eigenvalue is largest in size: the
    direction that sets the largest stable step."""
    ev, vecs = np.linalg.eigh(get_surface(surface).hessian(np.asarray(point, float)))
    return vecs[:, int(np.argmax(np.abs(ev)))]


def distances(traj_or_xy, point, direction) -> Array:
    """Signed distance from ``point`` along the unit ``direction``, at every step: ``(xy_k - point) . u``.

    Args:
        traj_or_xy: a Trajectory, a BatchTrajectory or an array of paths (..., steps + 1, 2).
        point: the minimum (or any reference point).
        direction: a vector (normalised here).

    Returns:
        (..., steps + 1); NaN where the path has left (after its escape).
    """
    xy, _ = _paths(traj_or_xy)
    return (xy - np.asarray(point, float)) @ _unit(direction)


def per_step_factors(traj_or_xy, point, direction, steps: int | None = None, skip: int = 0,
                     window: int = 1) -> Array:
    """The measured factor per step of each path's distance to ``point`` along ``direction``.

    The factor is the geometric mean of ``|d_{k+1} / d_k|`` over ``steps`` steps from step ``skip``,
    which telescopes to ``(|d_{skip+n}| / |d_skip|)^(1/n)``. For plain gradient descent on a quadratic
    and ``direction`` an eigenvector, every ratio is ``1 - lr*lambda``, so the factor is exactly
    ``|1 - lr*lambda|`` (``predicted_factor``), up to rounding, over any steps.

    With momentum the distance is a sum of two modes, and for complex ones it swings through zero;
    ``window > 1`` measures the envelope instead, ``|d|`` at step k taken as the largest ``|d|`` of
    steps k..k+window-1, and with ``skip`` past the first steps' transient the factor tends to the
    spectral radius (``predicted_factor`` with the momentum). ``window=1`` is the plain ratio.

    Args:
        traj_or_xy: a Trajectory, a BatchTrajectory (N paths) or paths (..., steps + 1, 2).
        point: the minimum.
        direction: an eigenvector of the Hessian there (normalised here).
        steps: how many steps to measure over; None: as many as each path has. A path that left earlier
            is measured up to its last finite point (the escaped one).
        skip: the first step of the measurement.
        window: steps per envelope sample (1: the distance itself).

    Returns:
        (...,) factors; NaN where a path has fewer than one step to measure or starts on the line
        through ``point`` across ``direction`` (d = 0 at ``skip``).
    """
    d = np.abs(distances(traj_or_xy, point, direction))
    if skip < 0 or window < 1:
        raise ValueError(f"skip={skip} must be >= 0 and window={window} >= 1")
    total = d.shape[-1] - 1
    # the envelope: largest |d| over the next `window` steps (NaN once any of them has left)
    env = np.stack([d[..., j:total + 1 - window + 1 + j] for j in range(window)], -1).max(-1) \
        if window > 1 else d
    finite = np.isfinite(env)
    last = np.where(finite.any(-1), env.shape[-1] - 1 - np.argmax(finite[..., ::-1], -1), -1)
    n = last - skip if steps is None else np.minimum(int(steps), last - skip)
    n = np.asarray(n)
    ok = n >= 1
    end = np.take_along_axis(env, np.where(ok, skip + n, skip)[..., None], -1)[..., 0]
    start = env[..., skip]
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(ok & (start > 0), (end / start) ** (1.0 / np.where(ok, n, 1)), np.nan)
    return out


def per_step_factor(traj_or_xy, point, direction, steps: int | None = None, skip: int = 0,
                    window: int = 1) -> float:
    """``per_step_factors`` for one path (a Trajectory or an (steps + 1, 2) array): a float.

    Exactly ``|1 - lr*lambda|`` for plain gradient descent on a quadratic along an eigenvector.

    Args:
        traj_or_xy: a Trajectory or one path (steps + 1, 2).
        point, direction, steps, skip, window: as ``per_step_factors``.
    """
    xy, _ = _paths(traj_or_xy)
    if xy.ndim != 2:
        raise ValueError(f"one path (steps + 1, 2) expected, got {xy.shape}; use per_step_factors for a batch")
    return float(per_step_factors(xy, point, direction, steps, skip, window))


def sign_changes(traj_or_xy, point, direction) -> Array:
    """How often each path crosses the line through ``point`` across ``direction``: the overshoots.

    A crossing is a step with ``d_k * d_{k+1} < 0``; landing exactly on the line is not one.

    Args:
        traj_or_xy: a Trajectory, a BatchTrajectory or paths (..., steps + 1, 2).
        point, direction: as ``distances``.
    """
    d = distances(traj_or_xy, point, direction)
    with np.errstate(invalid="ignore"):
        return np.sum(d[..., 1:] * d[..., :-1] < 0, axis=-1)


def fates(batch, point, direction=None) -> Array:
    """What became of each path, measured from the path, not assumed from its learning rate.

    * DIVERGES: it left the surface's escape box (``diverged_at``), or its distance from ``point``
      along ``direction`` at its last step is larger than at its start (it is growing, even if the
      run was too short for it to escape);
    * ZIGZAGS: otherwise, if it crossed the minimum along ``direction`` at least once (``sign_changes``);
    * SETTLES: otherwise, it approached without overshoot.

    For plain gradient descent on a quadratic, with ``direction`` the steepest eigenvector, these are
    ``lr <= 1/lambda_max``, ``1/lambda_max < lr <= 2/lambda_max`` and ``lr > 2/lambda_max`` (at exactly
    ``2/lambda_max`` the path bounces at a constant distance and counts as a zig-zag).

    Args:
        batch: a BatchTrajectory, a Trajectory, or paths (..., steps + 1, 2) (then nothing escaped but
            what is not finite).
        point: the minimum the paths head for.
        direction: the direction of the overshoot; None: the Hessian's steepest eigenvector at ``point``
            (needs a trajectory, which knows its surface).

    Returns:
        (...,) ints: SETTLES, ZIGZAGS or DIVERGES (names in FATE_NAMES).
    """
    xy, surface = _paths(batch)
    if direction is None:
        if surface is None:
            raise ValueError("fates of bare paths need a direction (or pass the trajectory, which knows its surface)")
        direction = steepest_direction(surface, point)
    d = distances(xy, point, direction)
    if isinstance(batch, (Trajectory, BatchTrajectory)):
        dv = np.asarray(-1 if batch.diverged_at is None else batch.diverged_at)
        escaped = dv >= 0
    else:
        escaped = ~np.isfinite(d).all(-1)
    finite = np.isfinite(d)
    last = d.shape[-1] - 1 - np.argmax(finite[..., ::-1], -1)
    end = np.abs(np.take_along_axis(d, last[..., None], -1)[..., 0])
    grows = end > np.abs(d[..., 0])
    out = np.where(sign_changes(xy, point, direction) > 0, ZIGZAGS, SETTLES)
    return np.where(escaped | grows, DIVERGES, out)
