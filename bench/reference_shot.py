"""The reference shot of bench_render.py, built twice: with stock Manim and with the project's components.

Both scenes show the same thing for the same 6 seconds: the saddle x^2 - y^2
over [-1.5, 1.5]^2, plain gradient descent (lr 0.1) from (1, 0.25) sliding
over it until it leaves the plot, and the update rule pinned to the frame.

* 0-3 s: the dot moves over the first half of its path, camera still;
* 3-6 s: it moves over the second half while the camera orbits 40 degrees.

``StockShot`` uses only Manim's own mobjects (Surface 24x24, Dot3D, TracedPath,
MathTex) and plain numpy, so it is the baseline any Manim project pays.
``ProjectShot`` builds the same shot the way a lecture segment does (LossSurface,
Race, UpdatePanel), so the ratio of the two render times is the cost of the
project's components themselves.  Render either with Manim's CLI::

    .venv/bin/python -m manim render -ql bench/reference_shot.py StockShot
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

import numpy as np
from manim import (
    BLUE_D, BLUE_E, DEGREES, GREEN_D, ORANGE, TEAL_D, UR, YELLOW_D, Dot3D, MathTex, Surface, ThreeDAxes,
    ThreeDCamera, ThreeDScene, TracedPath, ValueTracker, linear,
)

# Manim imports this file by path; the project packages must resolve from a bare checkout too.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# One timeline and one camera for both shots, so their videos have the same length and moves.
STATIC_SECONDS = 3.0  # dot moving, camera still
ORBIT_SECONDS = 3.0  # dot moving, camera orbiting
ORBIT_DEGREES = 40.0
# The project's default view (scenes.toolkit.surface.DEFAULT_*), spelled out so StockShot imports nothing of it.
PHI, THETA, ZOOM = 62 * DEGREES, -55 * DEGREES, 0.95

# The shot's numbers, the same as optmath.trajectory("saddle", "sgd", START, STEPS, lr=LR).
DOMAIN = 1.5
Z_RANGE = 2.25  # |x^2 - y^2| <= 2.25 on the domain
START, STEPS, LR = (1.0, 0.25), 30, 0.1
STOCK_RESOLUTION = 24
PROJECT_RESOLUTION = 32  # settings.surface_resolution() at 1080p; it uses 20 at 480p and 26 at 720p
SAMPLES_PER_STEP = 6  # as scenes.toolkit.race, so both dots slide over the surface the same way
LIFT = 0.03  # as scenes.toolkit.race: keeps the path from being buried in the mesh

GD_RULE = r"\theta_t = \theta_{t-1} - \eta\, \nabla f(\theta_{t-1})"


def saddle(x, y):
    return x * x - y * y


def visible_gd_path() -> np.ndarray:
    """GD iterates on the saddle while they stay in the plot, ending where the path crosses its edge.

    Plain numpy rather than optmath: the stock shot must not lean on the project.
    The ridge direction grows by (1 + 2 lr) per step, so the path leaves the
    plot after about 10 of its 30 steps, which is where Race stops drawing it too.
    """
    pts = [np.array(START, float)]
    for _ in range(STEPS):
        x, y = pts[-1]
        nxt = np.array([x - LR * 2 * x, y + LR * 2 * y])  # grad of x^2 - y^2 is (2x, -2y)
        if np.all(np.abs(nxt) <= DOMAIN):
            pts.append(nxt)
            continue
        a, d = pts[-1], nxt - pts[-1]
        # largest s in [0, 1] keeping a + s d inside the box, per axis that leaves it
        s = min((np.sign(d[i]) * DOMAIN - a[i]) / d[i] for i in range(2) if abs(nxt[i]) > DOMAIN)
        pts.append(a + s * d)
        break
    return np.array(pts)


class StockShot(ThreeDScene):
    def construct(self):
        self.set_camera_orientation(phi=PHI, theta=THETA, zoom=ZOOM)
        # The same box as the project's LossSurface draws (6 wide, 2.6 tall), so both frame alike.
        axes = ThreeDAxes(
            x_range=[-DOMAIN, DOMAIN, 0.5], y_range=[-DOMAIN, DOMAIN, 0.5], z_range=[-Z_RANGE, Z_RANGE, 0.75],
            x_length=6, y_length=6, z_length=2.6, axis_config={"include_tip": False},
        )
        surface = Surface(
            lambda u, v: axes.c2p(u, v, saddle(u, v)),
            u_range=(-DOMAIN, DOMAIN), v_range=(-DOMAIN, DOMAIN), resolution=(STOCK_RESOLUTION, STOCK_RESOLUTION),
            fill_opacity=0.88, stroke_width=0.4, checkerboard_colors=False,
        )
        surface.set_fill_by_value(axes=axes, colorscale=[BLUE_E, BLUE_D, TEAL_D, GREEN_D, YELLOW_D], axis=2)

        # Dense samples of the path lifted onto the surface: a chord between two
        # iterates would cut through the saddle.
        xy = visible_gd_path()
        s = np.linspace(0, 1, SAMPLES_PER_STEP, endpoint=False)[:, None]
        dense_xy = np.vstack([a + s * (b - a) for a, b in zip(xy[:-1], xy[1:])] + [xy[-1:]])
        dense = np.array([axes.c2p(x, y, saddle(x, y)) for x, y in dense_xy]) + [0, 0, LIFT]

        # Driven by a step tracker, linear in steps as Race is, so both dots sit at the
        # same place in every frame (MoveAlongPath would go at constant arc-length speed).
        step = ValueTracker(0.0)
        last = len(xy) - 1

        def head(_dot=None) -> np.ndarray:
            h = np.clip(step.get_value(), 0, last) * SAMPLES_PER_STEP
            i = min(int(h), len(dense) - 2)
            return dense[i] + (h - i) * (dense[i + 1] - dense[i])

        dot = Dot3D(head(), radius=0.07, color=ORANGE)
        dot.add_updater(lambda d: d.move_to(head()))
        trace = TracedPath(dot.get_center, stroke_color=ORANGE, stroke_width=4)
        rule = MathTex(GD_RULE, font_size=30).to_corner(UR, buff=0.35)
        self.add_fixed_in_frame_mobjects(rule)
        self.add(axes, surface, trace, dot)

        self.play(step.animate(rate_func=linear).set_value(last / 2), run_time=STATIC_SECONDS)
        self.move_camera(theta=THETA + ORBIT_DEGREES * DEGREES, run_time=ORBIT_SECONDS,
                         added_anims=[step.animate(rate_func=linear).set_value(last)])


def segment_camera_class() -> type:
    """The camera the segments render with (``FormatScene.__init__`` sets it).

    The project draws its mesh as one ``MeshSurface`` that only ``MeshCamera``
    knows how to draw: under a plain ThreeDCamera the surface silently does not
    appear, and the shot would time an empty plot.  Looked up rather than
    imported outright so the benchmark also runs on a tree from before the
    vectorised mesh, when segments used ThreeDScene's own camera.
    """
    try:
        from scenes.toolkit.mesh import MeshCamera
    except ImportError:
        return ThreeDCamera
    return MeshCamera


class ProjectShot(ThreeDScene):
    def __init__(self, **kwargs):
        kwargs.setdefault("camera_class", segment_camera_class())
        super().__init__(**kwargs)

    def construct(self):
        # Imported here so that rendering StockShot loads nothing of the project.
        import optmath
        from scenes.toolkit import palette
        from scenes.toolkit.panel import UpdatePanel
        from scenes.toolkit.surface import LossSurface
        from scenes.toolkit.race import Race, Racer

        # As Segment.setup does, except its x264 "veryfast" preset: both shots keep Manim's default
        # encoder, so their ratio measures drawing, not encoding (--lecture times the segments' own).
        self.camera.background_color = palette.BACKGROUND
        self.set_camera_orientation(phi=PHI, theta=THETA, zoom=ZOOM)
        loss = LossSurface(optmath.get_surface("saddle"), resolution=PROJECT_RESOLUTION)
        traj = optmath.trajectory("saddle", "sgd", START, STEPS, lr=LR)
        color = palette.optimizer_color("sgd")
        # As Segment.race does; a Race that takes the camera (to fade the trail where a hill hides
        # it) gets it, since that per-frame work is part of what the segments pay.
        extra = {"camera": self.camera} if "camera" in inspect.signature(Race).parameters else {}
        race = Race(loss, [Racer(traj, color)], **extra)
        # As Segment.race and Segment.fix do: dots face the camera, the panel stays in the frame.
        for p in race.paths:
            self.add_fixed_orientation_mobjects(p.dot, p.marker)
        panel = UpdatePanel(traj, race.step, color=color).to_corner(UR, buff=0.3)
        self.add_fixed_in_frame_mobjects(panel)
        panel.pin = self.camera.add_fixed_in_frame_mobjects
        self.add(loss, race)

        # Up to where the path leaves the plot (step ~10), as the stock shot: the dot moves all 6 s.
        last = race.paths[0].max_step
        self.play(race.run(to_step=last / 2), run_time=STATIC_SECONDS)
        self.move_camera(theta=THETA + ORBIT_DEGREES * DEGREES, run_time=ORBIT_SECONDS,
                         added_anims=[race.run(to_step=last)])
