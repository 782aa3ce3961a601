"""optmath: loss surfaces, torch-exact optimizers, batched trajectories and their analysis.

NumPy and SciPy only (never Manim), so it is fast to test and reusable
outside the videos::

    import optmath
    t = optmath.trajectory("saddle", "adam", (0.2, 1e-8), 100, lr=0.05)
    t.xy[-1], t.diverged_at, t.state["m"][-1]

Learning-rate schedules follow torch.optim.lr_scheduler to the bit::

    s = optmath.get_schedule("step", step_size=30, gamma=0.1)
    t = optmath.trajectory("bowl", "momentum", (-5.0, -2.0), 100, lr=0.1, schedule=s)
    t.lr[1:]   # the rate of each step
"""

from optmath.analysis import (
    BasinMap, CriticalPoint, StepBounds, basin_map, critical_points, grid_minimum, hessian_eigen, max_stable_lr, minima,
    step_bounds, steps_to_tolerance,
)
from optmath.optimizers import OPTIMIZERS, Optimizer, defaults, get_optimizer
from optmath.schedules import (
    SCHEDULES, CosineAnnealingLR, ExponentialLR, LinearLR, MultiStepLR, Schedule, StepLR, get_schedule,
)
from optmath.surfaces import SURFACES, Surface, get_surface
from optmath.trajectory import BatchTrajectory, Trajectory, batch_trajectory, rerun, trajectory

__all__ = [
    "SURFACES", "OPTIMIZERS", "Surface", "Optimizer", "Trajectory", "BatchTrajectory", "CriticalPoint",
    "StepBounds", "BasinMap", "get_surface", "get_optimizer", "defaults", "trajectory", "batch_trajectory",
    "critical_points", "grid_minimum", "minima", "hessian_eigen", "step_bounds", "max_stable_lr", "steps_to_tolerance", "basin_map",
    "rerun", "SCHEDULES", "Schedule", "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR", "get_schedule",
]
