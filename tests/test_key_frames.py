"""Key frames of the scene components, compared with Manim's own frames_comparison.

A broken surface, a path hidden under it, or a missing equation changes these
frames and fails here.  After an intended visual change, rewrite the control
frames with ``pytest tests/test_key_frames.py --set_test`` and look at them.
"""

from manim import DOWN, LEFT, RIGHT, UP, ThreeDScene
from manim.utils.testing.frames_comparison import frames_comparison

import optmath
from scenes.toolkit import palette
from scenes.toolkit.panel import UpdatePanel
from scenes.toolkit.fit_plot import FitPlot
from scenes.toolkit.surface import DEFAULT_PHI, DEFAULT_THETA, DEFAULT_ZOOM, LossSurface
from scenes.toolkit.race import Race, Racer, place_legend

__module_test__ = "key_frames"


def _stage(scene, surface_name, runs, step, resolution=16):
    scene.set_camera_orientation(phi=DEFAULT_PHI, theta=DEFAULT_THETA, zoom=DEFAULT_ZOOM)
    loss = LossSurface(optmath.get_surface(surface_name), resolution=resolution)
    race = Race(loss, [Racer(t, palette.optimizer_color(t.optimizer.name)) for t in runs])
    race.step.set_value(step)
    for p in race.paths:
        scene.add_fixed_orientation_mobjects(p.dot, p.marker)
    legend = place_legend(race.legend, DOWN + LEFT)
    scene.add(loss, race)
    scene.add_fixed_in_frame_mobjects(legend)
    race.update()
    legend.update()
    return loss, race


@frames_comparison(base_scene=ThreeDScene)
def test_saddle_gradient_descent_with_panel(scene):
    traj = optmath.trajectory("saddle", "sgd", (1.0, 0.25), 12, lr=0.1)
    loss, race = _stage(scene, "saddle", [traj], step=8.5)
    panel = UpdatePanel(traj, race.step, color=palette.optimizer_color("sgd"))
    panel.to_edge(RIGHT, buff=0.3)
    scene.add_fixed_in_frame_mobjects(panel)
    panel.update()


@frames_comparison(base_scene=ThreeDScene)
def test_bowl_divergence_marker_and_legend(scene):
    traj = optmath.trajectory("bowl", "sgd", (-5.0, -2.0), 60, lr=0.52)
    _stage(scene, "bowl", [traj], step=60)


@frames_comparison(base_scene=ThreeDScene)
def test_cubic_race_of_three(scene):
    runs = [optmath.trajectory("cubic", n, (-1.2, 0.8), 40, **h) for n, h in
            [("sgd", dict(lr=0.1)), ("momentum", dict(lr=0.05, momentum=0.9)), ("adam", dict(lr=0.1))]]
    _stage(scene, "cubic", runs, step=40)


@frames_comparison(base_scene=ThreeDScene)
def test_fit_plot_with_curve(scene):
    surf = optmath.get_surface("fit-linear")
    traj = optmath.trajectory(surf, "sgd", (5.0, 4.0), 30, lr=0.1)
    loss, race = _stage(scene, "fit-linear", [traj], step=30)
    plot = FitPlot(surf.data)
    plot.to_corner(UP + LEFT, buff=0.3)
    curve = plot.track(traj, race.step, palette.optimizer_color("sgd"))
    scene.add_fixed_in_frame_mobjects(plot, curve)
