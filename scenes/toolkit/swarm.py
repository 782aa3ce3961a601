"""Many paths at once (a fan of learning rates, thousands of starts flowing as particles), drawn in one pass.

A swarm is one batched optmath run. As Manim mobjects, 4096 particles would be 4096
Dots, each projected, styled and stroked from Python on every frame; here the whole
swarm is one ``OnePass`` mobject: its paths are lifted onto the surface once (one
matrix product), and each frame interpolates every head at once, projects them with
the camera's own ``project_points`` and issues one Cairo fill per fate colour.
Trails, for a fan of a few dozen paths, are one stroke per colour.
"""

from __future__ import annotations

import numpy as np
from manim import ValueTracker

from scenes.description import Swarm
from scenes.toolkit import palette
from scenes.toolkit.mesh import OnePass, frame_to_pixels, raw_pixels, stamp_disks
from scenes.toolkit.surface import LossSurface

LIFT = 0.04  # scene units above the surface, like a racer's trail
ORIGIN_ALPHA = 0.5  # a particle swarm leaves its starts coloured by fate: the basins, drawn on the surface
ORIGIN_REVEAL = 0.3  # ... fading in over this share of the run, as the particles leave them
DOT_RADIUS = {True: 0.06, False: 0.032}  # frame units: a fan's heads, a particle (about 4 px at 1080p)
TRAIL_WIDTH = 2.5


class SwarmPaths(OnePass):
    """Every path of a swarm, heads at the shared ``step`` (fractional between updates).

    A path ends where it leaves the plotted domain or diverges: its head disappears there
    and its trail stops at its last point inside.
    """

    def __init__(self, loss_surface: LossSurface, swarm: Swarm, step: ValueTracker, **kwargs):
        super().__init__(**kwargs)
        self.swarm, self.step = swarm, step
        xy = swarm.xy
        n, k = xy.shape[:2]
        inside = loss_surface.loss.in_domain(xy) & np.isfinite(xy).all(axis=-1)
        # a path that has left stays gone, even if a later step would come back into the box
        inside = np.cumprod(inside, axis=1).astype(bool)
        pts = loss_surface.surface_points(np.where(inside[..., None], xy, 0.0).reshape(-1, 2), lift=LIFT)
        self.scene_points = np.where(inside[..., None], pts.reshape(n, k, 3), np.nan)
        self.last = inside.sum(axis=1) - 1  # each path's last drawn step (-1: never inside)
        self.start_ok = inside[:, 0]  # paths that start inside the plot (their starts are drawn)
        self.rgb = np.array([palette.fate_color(f.kind).to_rgb() for f in swarm.fates])
        self.fate = swarm.fate
        self.trails = swarm.trails
        self.radius = DOT_RADIUS[bool(swarm.trails)]
        self.opacity = 1.0
        self.shade_in_3d = False
        # Manim's camera skips mobjects without points: the box the swarm moves in stands for it
        finite = self.scene_points[np.isfinite(self.scene_points).all(axis=-1)]
        self.points = np.array([finite.min(axis=0), finite.max(axis=0)]) if len(finite) else np.zeros((1, 3))

    @property
    def steps(self) -> int:
        return self.swarm.steps

    def heads(self, t: float) -> np.ndarray:
        """(N, 3) scene points of every head at step ``t``; NaN for paths gone by then."""
        t = float(np.clip(t, 0, self.steps))
        k = min(int(np.floor(t)), self.steps - 1) if self.steps else 0
        frac = t - k
        a = self.scene_points[:, k]
        if self.steps == 0:
            return a
        b = self.scene_points[:, k + 1]
        # between a path's last point and its exit the head waits at the last point, then goes
        b = np.where(np.isnan(b) & (frac < 1.0), a, b)
        return a + frac * (b - a) if frac > 0 else a

    def draw(self, camera, ctx, pixels) -> None:
        t = self.step.get_value()
        alpha = self.opacity
        heads = self.heads(t)
        ok = np.isfinite(heads).all(axis=1)
        projected = np.full((len(heads), 3), np.nan)  # frame units, what Cairo's matrix takes
        if ok.any():
            projected[ok] = camera.project_points(heads[ok])
        if self.trails:
            self._draw_trails(camera, ctx, t, alpha, projected)
        if not ok.any():
            return
        centers = frame_to_pixels(camera, projected[ok, :2])
        radius = self.radius * camera.pixel_width / camera.frame_width
        with raw_pixels(ctx, pixels):
            if not self.trails and self.steps:
                reveal = ORIGIN_ALPHA * min(1.0, t / (ORIGIN_REVEAL * self.steps))
                if reveal > 0 and self.start_ok.any():
                    origins = frame_to_pixels(camera, camera.project_points(self.scene_points[self.start_ok, 0])[:, :2])
                    stamp_disks(pixels, origins, radius, self.rgb[self.fate[self.start_ok]], alpha * reveal)
            stamp_disks(pixels, centers, radius, self.rgb[self.fate[ok]], alpha)

    def _draw_trails(self, camera, ctx, t: float, alpha: float, head_proj: np.ndarray) -> None:
        """Each path's trail up to its head (``head_proj``: the heads projected, NaN for gone ones)."""
        k = int(np.floor(np.clip(t, 0, self.steps)))
        upto = np.minimum(self.last, k)
        flat = self.scene_points[:, : k + 1].reshape(-1, 3)
        ok = np.isfinite(flat).all(axis=1)
        proj = np.full((len(flat), 3), np.nan)
        if ok.any():
            proj[ok] = camera.project_points(flat[ok])
        proj = proj.reshape(len(head_proj), k + 1, 3)
        fin = np.isfinite(head_proj).all(axis=1)
        ctx.new_path()
        ctx.set_line_width(TRAIL_WIDTH * camera.cairo_line_width_multiple)
        for kind in np.unique(self.fate):
            for i in np.flatnonzero(self.fate == kind):
                if upto[i] < 0:
                    continue
                line = proj[i, : upto[i] + 1, :2].tolist()
                if fin[i] and t > upto[i]:
                    line.append(head_proj[i, :2].tolist())
                if len(line) < 2:
                    continue
                ctx.move_to(*line[0])
                for x, y in line[1:]:
                    ctx.line_to(x, y)
            red, green, blue = self.rgb[kind]
            ctx.set_source_rgba(blue, green, red, 0.85 * alpha)
            ctx.stroke()
