"""The step's arrows on the surface (issue 18) are the recorded parts of the update the head is making."""

import numpy as np
import pytest

import optmath
from optmath.step_parts import step_parts


@pytest.fixture(scope="module")
def bowl():
    from scenes.toolkit.surface import LossSurface

    return LossSurface(optmath.get_surface("bowl"), resolution=4)


def _arrows(loss, traj, at=None):
    from scenes.toolkit.race import Race, Racer
    from scenes.toolkit.step_arrows import StepArrows

    race = Race(loss, [Racer(traj, "#ffffff")])
    return race, StepArrows(race.paths[0], at)


@pytest.mark.parametrize("step, k", [(0, 1), (5.3, 6), (29.9, 30), (30, 30)])
def test_live_arrows_draw_the_update_the_head_is_making_and_add_up_tip_to_tail(bowl, step, k):
    t = optmath.trajectory("bowl", "momentum", (-5.0, -2.0), 30, lr=0.08, momentum=0.8)
    race, arrows = _arrows(bowl, t)
    race.step.set_value(step)
    arrows.update()
    assert arrows.drawn_k == k
    p, s = step_parts(t, k), arrows.drawing_scale
    end = lambda name: np.asarray(arrows.shafts[name].points)[-1]  # noqa: E731
    assert np.allclose(end("step"), bowl.surface_points(p.at + s * p.step, lift=0.06)[0])
    assert np.allclose(end("gradient"), bowl.surface_points(p.at + s * p.gradient, lift=0.06)[0])
    assert np.allclose(end("momentum"), end("step"), atol=1e-9)  # gradient step + momentum's share = the step
    assert np.allclose(np.asarray(arrows.shafts["step"].points)[0], bowl.surface_points(t.xy[k - 1], lift=0.06)[0])


def test_an_update_held_still_names_itself_and_its_stretch(bowl):
    t = optmath.trajectory("bowl", "rmsprop", (-5.0, -2.0), 10, lr=0.05)
    race, arrows = _arrows(bowl, t, at=1)
    race.step.set_value(8)
    arrows.update()
    assert arrows.drawn_k == 1
    from scenes.toolkit.step_arrows import part_labels

    words = part_labels(step_parts(t, 1), arrows.drawing_scale)
    assert words["step"].startswith("k=1") and r"\odot" in words["step"] and "e" not in words["step"].split("=")[-1].split("(")[1]


def test_step_vectors_of_a_run_not_racing_or_out_of_its_steps_are_refused():
    from scenes.description import Beat, Description, Run, Show

    surf = optmath.get_surface("bowl")
    t = optmath.trajectory(surf, "adam", (-5.0, -2.0), 5, lr=0.1)
    runs = {"a": Run(t), "b": Run(t)}
    with pytest.raises(ValueError, match="not racing"):
        Description("d", {"s": surf}, runs, [Beat("c", Show("s", ("a",), vectors="b"))]).check()
    with pytest.raises(ValueError, match="not a step"):
        Description("d", {"s": surf}, runs, [Beat("c", Show("s", ("a",), vectors="a", vectors_at=6))]).check()
