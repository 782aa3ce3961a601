"""Still leaves pasted from a layer must look as drawn, and anything that changes must be drawn again.

Each frame is compared with the same camera drawing every leaf with Cairo (Manim's own code path)."""

import numpy as np
import pytest
from manim import BLUE, DEGREES, RED, WHITE, YELLOW, Circle, Square, Text, ThreeDCamera, VMobject, tempconfig

from scenes.toolkit.mesh import MeshCamera


class DirectCamera(MeshCamera):
    """The same camera, every leaf drawn by Manim's Camera.display_vectorized."""

    def display_multiple_non_background_colored_vmobjects(self, vmobjects, pixel_array):
        ThreeDCamera.display_multiple_non_background_colored_vmobjects(self, vmobjects, pixel_array)


def _frame(camera, mobjects) -> np.ndarray:
    camera.reset()
    camera.capture_mobjects(mobjects)
    return camera.pixel_array[..., :3].astype(int)


@pytest.fixture
def stage():
    with tempconfig({"pixel_width": 320, "pixel_height": 180, "frame_rate": 15}):
        title = Text("Still title", font_size=36, stroke_width=3, stroke_color=BLUE).to_corner()
        box = Square(1.2, fill_opacity=0.5, fill_color=YELLOW, stroke_color=WHITE).shift(2.5 * np.array([1, -0.4, 0]))
        curve = VMobject(stroke_color=RED, stroke_width=6).set_points_smoothly(
            [[-2, -1, 0], [-1, 0.5, 0.6], [0, -0.3, 1.0], [1.4, 0.8, 0.2]])
        ring = Circle(0.8, stroke_width=4).shift([0.5, 0.5, 0.3])
        cached, direct = MeshCamera(), DirectCamera()
        for cam in (cached, direct):
            cam.set_phi(60 * DEGREES)
            cam.set_theta(-50 * DEGREES)
            cam.add_fixed_in_frame_mobjects(title, box)
        yield cached, direct, [curve, ring, title, box]


def _check(cached, direct, mobjects, tol=4):
    a, b = _frame(cached, mobjects), _frame(direct, mobjects)
    diff = np.abs(a - b).max()
    assert diff <= tol, f"pasted frame differs from the drawn one by {diff} levels"
    return a


def test_still_leaves_are_pasted_and_look_as_drawn(stage):
    cached, direct, mobs = stage
    for _ in range(4):
        _check(cached, direct, mobs)
    layers = cached.layers
    # every leaf is drawn on the first two captures, then pasted: title glyphs, box, curve, ring
    assert layers.pasted >= 2 * (len(mobs) + len(mobs[2]) - 1), (layers.pasted, layers.drawn)
    assert any(layer.patch is not None for layer in layers.layers.values())


def test_a_changed_leaf_is_drawn_again(stage):
    cached, direct, mobs = stage
    curve, ring, title, box = mobs
    for _ in range(3):
        _check(cached, direct, mobs)
    before = _frame(cached, mobs)
    box.set_fill(BLUE, opacity=0.9)  # colour
    title.shift(0.3 * np.array([0, -1, 0]))  # points of a fixed-in-frame leaf
    after = _check(cached, direct, mobs)
    assert np.abs(after - before).max() > 100, "the change did not reach the frame"
    for _ in range(3):  # pasted again once still, in the new look
        _check(cached, direct, mobs)
    ring.set_stroke(width=12)  # width only
    _check(cached, direct, mobs)


def test_leaves_in_the_scene_follow_the_camera_and_overlays_stay(stage):
    cached, direct, mobs = stage
    for _ in range(3):
        _check(cached, direct, mobs)
    pasted = cached.layers.pasted
    for theta in (-45, -40, -35):  # a turn: the curve and ring move, the title and box do not
        for cam in (cached, direct):
            cam.set_theta(theta * DEGREES)
        _check(cached, direct, mobs)
    overlay_leaves = len(mobs[2]) + 1
    assert cached.layers.pasted - pasted == 3 * overlay_leaves


def test_drawing_state_carries_over_as_if_drawn(stage):
    """Manim sets the line join only when a leaf asks for one, and the leaves after it inherit it."""
    cached, direct, mobs = stage
    curve, ring, title, box = mobs
    box.joint_type = type(box.joint_type).ROUND
    box.set_stroke(width=14)
    follower = Square(1.0, stroke_width=14).shift([-3, -1, 0])  # joint AUTO: takes the box's round join
    for cam in (cached, direct):
        cam.add_fixed_in_frame_mobjects(follower)
    for _ in range(4):
        _check(cached, direct, [*mobs, follower])
