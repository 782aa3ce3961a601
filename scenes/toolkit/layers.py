"""Still vector mobjects drawn once into a small image and pasted, for as long as they stay still.

Cairo redraws every Bezier path of every mobject on every frame Manim draws. Most of a frame's paths
do not change from one frame to the next: the title, the legend and the update rule while the camera
turns, the floor's contours and the axes while a race runs. Profiled, drawing those paths was most of
a frame's time (a 1080p60 clip: fixed-in-frame glyphs 8.7 s and contours and paths 6.7 s of 23 s of
vector drawing). So a leaf that was drawn the same way on the previous frame is drawn once more, into
a transparent image the size of its bounding box, and from then on that image is pasted (Cairo's OVER,
the operator the path was drawn with) until something it depends on changes.

What a leaf's picture depends on is exactly what ``Camera.display_vectorized`` reads: its points (and,
unless it is fixed in the frame, the camera's projection and light), its fill, stroke and background
stroke colours (as the camera modifies them; a gradient's direction too), their widths, its joint and
cap style, and the line join, cap and miter limit the Cairo context holds when it is drawn (Manim sets
them only when a mobject asks, so they carry over from the mobject drawn before). All of it is in the
key; a changed key draws the leaf directly again. The pasted pixels equal the drawn ones up to 8-bit
rounding of the composite (``tests/test_layers.py`` measures it).
"""

from __future__ import annotations

import math
import zlib

import cairo
import numpy as np
from manim.camera.camera import CAP_STYLE_MAP, LINE_JOIN_MAP
from manim.constants import CapStyleType, LineJointType


def camera_key(camera) -> tuple:
    """What ``ThreeDCamera.project_points`` and its shading read: a leaf in the scene is the same picture
    only while these are the same."""
    return (camera.get_rotation_matrix().tobytes(), float(camera.get_zoom()), float(camera.get_focal_distance()),
            np.asarray(camera.frame_center, float).tobytes(), bool(camera.exponential_projection),
            bool(camera.should_apply_shading), np.asarray(camera.light_source.points, float).tobytes())


class _Layer:
    __slots__ = ("key", "patch", "x0", "y0", "used")

    def __init__(self, key, used):
        self.key, self.patch, self.x0, self.y0, self.used = key, None, 0, 0, used


class LayerCache:
    """One camera's pasted leaves. ``begin()`` at the start of a capture, ``draw(vm, ctx)`` for each
    vector leaf in drawing order, ``end()`` to forget leaves not drawn in the last two captures."""

    def __init__(self, camera):
        self.camera = camera
        self.layers: dict[int, _Layer] = {}
        self.capture = 0
        self.scene_key = None
        self.pasted = self.drawn = 0  # counts, for tests and profiling

    def begin(self) -> None:
        self.capture += 1
        self.scene_key = None

    def end(self) -> None:
        stale = [k for k, layer in self.layers.items() if layer.used < self.capture - 1]
        for k in stale:
            del self.layers[k]

    def draw(self, vm, ctx) -> None:
        """Draw one vector leaf, or paste it if it is the same picture as on the last capture."""
        key = self._key(vm, ctx)
        if key is None:
            self.drawn += 1
            self.camera.display_vectorized(vm, ctx)
            return
        layer = self.layers.get(id(vm))
        if layer is None or layer.key != key:
            self.layers[id(vm)] = _Layer(key, self.capture)
            self.drawn += 1
            self.camera.display_vectorized(vm, ctx)
            return
        layer.used = self.capture
        if layer.patch is None:
            self._render(layer, vm, ctx)
        if layer.patch is not False:
            ctx.save()
            ctx.identity_matrix()
            ctx.set_source_surface(layer.patch, layer.x0, layer.y0)
            ctx.paint()
            ctx.restore()
        self.pasted += 1
        self._leave_state_as_drawn(vm, ctx)

    def _key(self, vm, ctx):
        camera = self.camera
        points = vm.points
        if len(points) == 0 or vm.get_background_image() is not None:
            return None
        fixed = vm in camera.fixed_in_frame_mobjects
        if not fixed and vm in camera.fixed_orientation_mobjects:
            return None
        if not fixed and self.scene_key is None:
            self.scene_key = camera_key(camera)
        points = np.ascontiguousarray(points)
        fill, stroke = camera.get_fill_rgbas(vm), camera.get_stroke_rgbas(vm)
        back = camera.get_stroke_rgbas(vm, background=True)
        gradient = max(len(fill), len(stroke), len(back)) > 1  # then its direction matters too
        return (fixed, None if fixed else self.scene_key, points.shape, zlib.crc32(points),
                fill.tobytes(), stroke.tobytes(), back.tobytes(),
                np.asarray(vm.get_sheen_direction(), float).tobytes() if gradient else None,
                float(vm.get_stroke_width(False)), float(vm.get_stroke_width(True)), vm.joint_type, vm.cap_style,
                ctx.get_line_join(), ctx.get_line_cap(), ctx.get_miter_limit())

    def _render(self, layer: _Layer, vm, ctx) -> None:
        """Draw the leaf into a transparent image of its bounding box, in whole pixels of the frame (so
        Cairo samples it where it would have sampled it in the frame)."""
        camera = self.camera
        points = camera.transform_points_pre_display(vm, vm.points)
        m = ctx.get_matrix()
        xs = m.xx * points[:, 0] + m.xy * points[:, 1] + m.x0
        ys = m.yx * points[:, 0] + m.yy * points[:, 1] + m.y0
        width = max(vm.get_stroke_width(False), vm.get_stroke_width(True)) * camera.cairo_line_width_multiple
        # a stroke reaches half its width past the path, a miter join up to miter_limit half-widths
        pad = 0.5 * width * math.hypot(m.xx, m.yx) * max(ctx.get_miter_limit(), 1.0) + 2
        h, w = camera.pixel_array.shape[:2]
        x0, y0 = max(int(math.floor(xs.min() - pad)), 0), max(int(math.floor(ys.min() - pad)), 0)
        x1, y1 = min(int(math.ceil(xs.max() + pad)), w), min(int(math.ceil(ys.max() + pad)), h)
        if x1 <= x0 or y1 <= y0:
            layer.patch = False  # wholly outside the frame: nothing to paste
            return
        patch = cairo.ImageSurface(cairo.FORMAT_ARGB32, x1 - x0, y1 - y0)
        pctx = cairo.Context(patch)
        pctx.set_matrix(cairo.Matrix(m.xx, m.yx, m.xy, m.yy, m.x0 - x0, m.y0 - y0))
        pctx.set_line_join(ctx.get_line_join())
        pctx.set_line_cap(ctx.get_line_cap())
        pctx.set_miter_limit(ctx.get_miter_limit())
        camera.display_vectorized(vm, pctx)
        patch.flush()
        layer.patch, layer.x0, layer.y0 = patch, x0, y0

    @staticmethod
    def _leave_state_as_drawn(vm, ctx) -> None:
        """Drawing a leaf sets the context's line join and cap when the leaf asks for them (and strokes):
        a pasted leaf leaves the same state for the leaves after it."""
        ctx.new_path()
        if vm.get_stroke_width(False) == 0 and vm.get_stroke_width(True) == 0:
            return
        if vm.joint_type != LineJointType.AUTO:
            ctx.set_line_join(LINE_JOIN_MAP[vm.joint_type])
        if vm.cap_style != CapStyleType.AUTO:
            ctx.set_line_cap(CAP_STYLE_MAP[vm.cap_style])
