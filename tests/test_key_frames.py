"""Key frames of the scene components, compared with Manim's own frames_comparison.

A broken surface, a path hidden under it, or a missing equation changes these
frames and fails here.  After an intended visual change, rewrite the control
frames with ``pytest tests/test_key_frames.py --set_test`` and look at them.
"""

import pytest
from manim import DOWN, LEFT, RIGHT, UP, ThreeDScene
from manim.utils.testing.frames_comparison import frames_comparison

import optmath
from scenes.description import Run
from scenes.formats.layout import SOCIAL
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


@pytest.mark.usefixtures("portrait_frames")
@frames_comparison(base_scene=ThreeDScene)  # 9:16: see the portrait_frames fixture
def test_social_layout_race_framed_between_title_and_legend(scene):
    """The 9:16 clip: hook title and update rule on top, the surface framed into the free slot, the legend
    under it, every word inside the apps' safe box."""
    from manim import DEGREES, MathTex, Text, VGroup

    from scenes.formats.player import place_in
    from scenes.toolkit.framing import frame

    surf = optmath.get_surface("saddle")
    runs = [optmath.trajectory(surf, "sgd", (0.2, 1e-8), 30, lr=0.1), optmath.trajectory(surf, "adam", (0.2, 1e-8), 30, lr=0.05)]
    loss = LossSurface(surf, resolution=16)
    slot = SOCIAL.surface_with_panel
    zoom, center = frame(loss.bounding_corners(), 62 * DEGREES, -55 * DEGREES, slot.center, (slot.width, slot.height))
    scene.set_camera_orientation(phi=62 * DEGREES, theta=-55 * DEGREES, zoom=zoom, frame_center=center)
    race = Race(loss, [Racer(t, palette.optimizer_color(t.optimizer.name), Run(t).label(brief=True)) for t in runs],
                legend_font_size=SOCIAL.legend_size, notes_below=SOCIAL.notes_below)
    race.step.set_value(30)
    for p in race.paths:
        scene.add_fixed_orientation_mobjects(p.dot, p.marker)
    title = VGroup(Text("Stuck on a saddle?", font_size=SOCIAL.title_size, weight="BOLD"),
                   MathTex("f(x, y) = " + surf.latex, font_size=SOCIAL.title_size)).arrange(DOWN, aligned_edge=LEFT)
    panel = UpdatePanel(runs[1], race.step, font_size=SOCIAL.rule_size, values=False, title=False)
    scene.add(loss, race)
    scene.add_fixed_in_frame_mobjects(place_in(title, SOCIAL.title), place_in(panel, SOCIAL.panel),
                                      place_in(race.legend, SOCIAL.legend))
    race.update()
    race.legend.update()
    panel.update()


@frames_comparison(base_scene=ThreeDScene)
def test_stability_fan_with_number_line_and_eigenvectors(scene):
    """A fan of learning rates coloured by fate (trails), the lr line with its marks, the Hessian's
    eigenvectors on the bowl: the stability segment's three new overlays in one frame."""
    from scenes.description import Arrows, Fate, Mark, NumberLine, Swarm
    from scenes.toolkit.arrows import SurfaceArrows
    from scenes.toolkit.cards import LrLine, SwarmLegend
    from scenes.toolkit.swarm import SwarmPaths
    from manim import ValueTracker

    scene.set_camera_orientation(phi=40 * 3.14159 / 180, theta=-75 * 3.14159 / 180, zoom=0.9)
    loss = LossSurface(optmath.get_surface("bowl"), resolution=16, height=1.2)
    lrs = [0.1, 0.2, 0.3, 0.45, 0.52]
    run = optmath.batch_trajectory("bowl", "sgd", (-5.0, -2.0), 12, lr=lrs, record_state=False)
    fates = (Fate("settles (2)"), Fate("zig-zags in (2)", "middle"), Fate("diverges (1)", "bad"))
    swarm = Swarm(run.xy, [0, 0, 1, 1, 2], fates, title="SGD, 5 learning rates")
    paths = SwarmPaths(loss, swarm, ValueTracker(8))
    arrows = SurfaceArrows(loss, Arrows((0.0, 0.0), ((2.0, 0.0), (0.0, 1.0)), ("λ = 0.2", "λ = 4")))
    scene.add(loss, paths, arrows)
    scene.add_fixed_orientation_mobjects(*arrows.labels)
    legend = SwarmLegend(swarm).to_corner(UP + RIGHT, buff=0.3)
    line = LrLine(NumberLine(0.0, 0.6, tuple(lrs), ("good", "good", "middle", "middle", "bad"),
                             (Mark(0.25, "1/λmax = 0.25", "middle"), Mark(0.5, "2/λmax = 0.5")), title="learning rate"))
    line.to_corner(DOWN + RIGHT, buff=0.4)
    scene.add_fixed_in_frame_mobjects(legend, line)


@frames_comparison(base_scene=ThreeDScene)
def test_basins_particles_and_fate_maps(scene):
    """Particles from a 24 x 24 grid on the cubic, mid-flow and drawn into the frame with NumPy, their
    starts coloured by fate, and the fate maps card beside them."""
    import numpy as np
    from manim import ValueTracker

    from scenes.description import Fate, FateMaps, Swarm
    from scenes.toolkit.cards import FateMapsCard
    from scenes.toolkit.swarm import SwarmPaths

    scene.set_camera_orientation(phi=0.0, theta=-90 * 3.14159 / 180, zoom=0.8)
    loss = LossSurface(optmath.get_surface("cubic"), resolution=16)
    (x0, x1), (y0, y1) = loss.loss.domain
    g = np.stack(np.meshgrid(np.linspace(x0, x1, 24), np.linspace(y0, y1, 24)), -1)
    run = optmath.batch_trajectory("cubic", "sgd", g, 30, lr=0.1, record_state=False)
    fate = np.where(run.diverged_at >= 0, 1, 0)
    fates = (Fate("minimum"), Fate("over the edge", "bad"))
    swarm = Swarm(run.xy.reshape(-1, 31, 2), fate.ravel(), fates, trails=False)
    scene.add(loss, SwarmPaths(loss, swarm, ValueTracker(6)))
    card = FateMapsCard(FateMaps((("SGD", fate), ("again", fate[::-1])), fates)).to_corner(UP + RIGHT, buff=0.3)
    scene.add_fixed_in_frame_mobjects(card)


@frames_comparison(base_scene=ThreeDScene)
def test_momentum_race_with_its_loss_plot_and_the_step_as_vectors(scene):
    """Issue 18's two figures in one frame: loss against step beside the race (log axis, one curve per racer
    up to the head), and momentum's step at its head: the gradient step and the buffer's share tip to tail."""
    from scenes.toolkit.loss_plot import LossPlot
    from scenes.toolkit.step_arrows import StepArrows

    runs = [optmath.trajectory("bowl", "sgd", (-5.0, -2.0), 30, lr=0.4),
            optmath.trajectory("bowl", "momentum", (-5.0, -2.0), 30, lr=0.08, momentum=0.8)]
    loss, race = _stage(scene, "bowl", runs, step=6.5)
    arrows = StepArrows(race.paths[1])
    scene.add(arrows)
    scene.add_fixed_orientation_mobjects(*arrows.labels)
    plot = LossPlot(race).to_corner(UP + RIGHT, buff=0.3)
    scene.add_fixed_in_frame_mobjects(plot)
    arrows.update()
    for curve in plot.curves:
        curve.follow()
