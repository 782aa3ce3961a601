"""One update taken apart: the gradient step, momentum's share, the adaptive stretch, the step taken.

The desktop visualisers draw the step as a cartoon of vectors at the head,
because the mechanism of an optimizer is exactly how these parts add up:

- plain descent: the step is the gradient step ``-lr * g``;
- momentum (torch's SGD, Nesterov): the step is the gradient step plus the
  buffer's contribution (``-lr * mu * b``), drawn tip to tail;
- adaptive methods (RMSprop, Adam): the step is what they move along
  (``-lr * g``, or ``-lr * m_hat`` for Adam) stretched per coordinate by
  ``1 / (sqrt(v_hat) + eps)``.

Every part is read from the run's recorded state (``Trajectory.state``), and
``step`` is the move the run made, so a drawing of these parts cannot
disagree with the path. Update ``k`` moves ``xy[k-1]`` to ``xy[k]`` with the
gradient at ``xy[k-1]``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from optmath.trajectory import Trajectory

MOMENTUM_FAMILY = ("sgd", "momentum", "nesterov")


@dataclass(frozen=True)
class StepParts:
    """The parts of update ``k`` of a run (all in the domain's units).

    Args:
        k: the update (it moves ``at`` to ``at + step``).
        at: where the update starts, ``xy[k-1]``.
        lr: the learning rate of this update.
        gradient: ``-lr * g``, the plain gradient step.
        step: the move the run made, ``xy[k] - xy[k-1]``.
        momentum: the momentum buffer's contribution (momentum family), so ``gradient + momentum == step``.
        direction: what an adaptive method scales (``-lr * g``, Adam: ``-lr * m_hat``).
        stretch: the per-coordinate factor ``1 / (sqrt(v_hat) + eps)`` (the scale ``lr / (sqrt(v_hat)+eps)``
            over lr), so ``direction * stretch == step``.
    """

    k: int
    at: np.ndarray
    lr: float
    gradient: np.ndarray
    step: np.ndarray
    momentum: np.ndarray | None = None
    direction: np.ndarray | None = None
    stretch: np.ndarray | None = None


def _lr(traj: Trajectory, k: int) -> float:
    return float(traj.lr[k]) if traj.lr is not None else float(traj.optimizer.hyper["lr"])


def step_parts(traj: Trajectory, k: int) -> StepParts:
    """Update ``k`` of ``traj`` taken apart (1 <= k <= the last finite step).

    Args:
        traj: a run of any optimizer; the momentum and adaptive parts exist for torch's SGD family
            (momentum, Nesterov) and for RMSprop (no momentum) and Adam (no AMSGrad); others get the
            gradient step and the step.
        k: the update.
    """
    if not 1 <= k <= traj.last_finite:
        raise ValueError(f"update k={k} is not a step of this run; choose 1..{traj.last_finite}")
    hyper = traj.optimizer.hyper
    lr = _lr(traj, k)
    at = traj.xy[k - 1].copy()
    g = traj.grad[k - 1]
    step = traj.xy[k] - traj.xy[k - 1]
    gradient = -lr * g
    name = traj.optimizer.name
    no_decay = not np.any(np.asarray(hyper.get("weight_decay", 0.0)) != 0)
    if name in MOMENTUM_FAMILY and no_decay and np.any(np.asarray(hyper.get("momentum", 0.0)) != 0):
        mu = float(hyper["momentum"])
        b = traj.state["b"]
        # heavy ball: step = -lr (g + mu b_{k-1}) (from the second update: the first buffer is g itself);
        # Nesterov: step = -lr (g + mu b_k)
        if float(hyper.get("dampening", 0.0)) != 0:
            momentum = step - gradient  # dampening scales the gradient inside the buffer: the remainder
        elif hyper.get("nesterov"):
            momentum = -lr * mu * b[k]
        else:
            momentum = -lr * mu * b[k - 1] if k > 1 else np.zeros(2)
        return StepParts(k, at, lr, gradient, step, momentum=momentum)
    if name == "rmsprop" and no_decay and not hyper.get("centered") and float(hyper.get("momentum", 0.0)) == 0:
        stretch = 1.0 / (np.sqrt(traj.state["v"][k]) + float(hyper["eps"]))
        return StepParts(k, at, lr, gradient, step, direction=gradient, stretch=stretch)
    if name == "adam" and no_decay and not hyper.get("amsgrad"):
        b1, b2 = (float(b) for b in hyper["betas"])
        m_hat = traj.state["m"][k] / (1 - b1 ** k)
        v_hat = traj.state["v"][k] / (1 - b2 ** k)
        stretch = 1.0 / (np.sqrt(v_hat) + float(hyper["eps"]))
        return StepParts(k, at, lr, gradient, step, direction=-lr * m_hat, stretch=stretch)
    return StepParts(k, at, lr, gradient, step)


def vector_scale(parts: list[StepParts], width: float, share: float = 0.2) -> float:
    """One drawing scale for a run's arrows: a round number (1, 2 or 5 times a power of ten) that makes the
    longest part at most ``share`` of the plot's ``width``; a tiny step is magnified, and said so."""
    longest = max((float(np.linalg.norm(v)) for p in parts
                   for v in (p.gradient, p.step, p.momentum, p.direction) if v is not None), default=0.0)
    if longest <= 0 or not math.isfinite(longest):
        return 1.0
    raw = share * width / longest
    mag = 10 ** math.floor(math.log10(raw))
    return float(max(m * mag for m in (1, 2, 5) if m * mag <= raw))
