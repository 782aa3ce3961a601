"""A surface mesh drawn in one vectorised pass, and the camera that draws it.

Manim's ``Surface`` makes every face its own VMobject, and the Cairo camera
then projects, shades, sorts and strokes each face from Python: with 32x32
faces that is most of a frame's time (profiled: see bench/README.md).
``MeshSurface`` keeps the whole grid in one array; ``MeshCamera`` projects
all vertices with one matrix product, shades and depth-sorts the faces with
NumPy, and issues only the Cairo fill/stroke calls per face.

Shading and projection are ThreeDCamera's own (same light source, same
``project_points``), so the picture matches stock Manim's.
"""

from __future__ import annotations

import zlib
from contextlib import contextmanager

import numpy as np
from manim import Mobject, ThreeDCamera, ThreeDScene
from manim.utils.color import ManimColor

from scenes.toolkit.layers import LayerCache, camera_key
from scenes.toolkit.manim_patches import flat_cairo_matrix, register_display_function


def colormap(values: np.ndarray, colorscale: list[str], lo: float, hi: float) -> np.ndarray:
    """RGB (floats) of ``values`` on a piecewise-linear colour scale spanning [lo, hi]."""
    stops = np.array([ManimColor(c).to_rgb() for c in colorscale])
    t = np.clip((values - lo) / (hi - lo if hi > lo else 1.0), 0, 1) * (len(stops) - 1)
    i = np.minimum(t.astype(int), len(stops) - 2)
    f = (t - i)[..., None]
    return stops[i] * (1 - f) + stops[i + 1] * f


class OnePass(Mobject):
    """A mobject with no submobjects and no Bezier points, drawn by MeshCamera in one vectorised pass:
    what Manim's fades and transforms need from it is an opacity."""

    opacity = 1.0

    def set_opacity(self, opacity: float, family: bool = True):
        self.opacity = float(opacity)
        return self

    def fade(self, darkness: float = 0.5, family: bool = True):
        self.opacity *= 1 - darkness
        return self

    def get_opacity(self) -> float:
        return self.opacity

    def interpolate_color(self, mobject1, mobject2, alpha):
        self.opacity = (1 - alpha) * mobject1.opacity + alpha * mobject2.opacity
        return self


class MeshSurface(OnePass):
    """Faces with per-face colours, drawn in one pass: a grid of quads, or any polygons.

    ``MeshSurface(grid, rgb)`` takes an (R+1, C+1, 3) vertex grid and (R, C, 3) colours;
    ``MeshSurface.polygons(points, faces, counts, rgb)`` takes vertices (P, 3), faces as rows of
    vertex indices padded to one width by repeating their last vertex, and each face's vertex count:
    the shape a surface cut smoothly at its z-limits has (``scenes.toolkit.surface.clip_faces``).
    """

    def __init__(self, vertices: np.ndarray, face_rgb: np.ndarray, opacity: float = 0.9,
                 stroke_rgb=(0.56, 0.70, 0.79), stroke_width: float = 0.4, stroke_opacity: float = 0.35, **kwargs):
        super().__init__(**kwargs)
        vertices = np.asarray(vertices, float)
        rows, cols = vertices.shape[:2]
        self.grid_shape = (rows, cols)
        self.points = vertices.reshape(-1, 3).copy()
        idx = np.arange(rows * cols).reshape(rows, cols)
        # a quad's corners (i, j), (i+1, j), (i+1, j+1), (i, j+1), faces in row-major order
        self.faces = np.stack([idx[:-1, :-1], idx[1:, :-1], idx[1:, 1:], idx[:-1, 1:]], -1).reshape(-1, 4)
        self.counts = np.full(len(self.faces), 4)
        self.face_rgb = np.asarray(face_rgb, float)
        self.opacity = float(opacity)
        self.stroke_rgb = tuple(stroke_rgb)
        self.stroke_width = stroke_width
        self.stroke_opacity = stroke_opacity
        self.shade_in_3d = False  # depth order is handled inside the mesh, face by face

    @classmethod
    def polygons(cls, points: np.ndarray, faces: np.ndarray, counts: np.ndarray, face_rgb: np.ndarray,
                 **kwargs) -> "MeshSurface":
        mesh = cls(np.zeros((2, 2, 3)), np.zeros((1, 1, 3)), **kwargs)
        mesh.grid_shape = None
        mesh.points = np.asarray(points, float).reshape(-1, 3).copy()
        mesh.faces = np.asarray(faces, int).reshape(len(counts), -1)
        mesh.counts = np.asarray(counts, int)
        mesh.face_rgb = np.asarray(face_rgb, float).reshape(-1, 3)
        return mesh


class MeshCamera(ThreeDCamera):
    """ThreeDCamera that also knows how to draw a MeshSurface, and can keep the 3D picture inside a band.

    ``clip_band`` (bottom, top), in frame units: what is not fixed in the frame (surface, contours, paths,
    their dots) is drawn only between these heights, the overlays fixed in the frame everywhere. A portrait
    clip's close-up on a race is larger than its slot; the band keeps it off the title and the legend.
    """

    clip_band: tuple[float, float] | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.layers = LayerCache(self)  # still leaves pasted instead of drawn (scenes/toolkit/layers.py)

    def capture_mobjects(self, mobjects, **kwargs) -> None:
        self.layers.begin()
        try:
            self._capture(mobjects, **kwargs)
        finally:
            self.layers.end()

    def display_multiple_non_background_colored_vmobjects(self, vmobjects, pixel_array) -> None:
        ctx = self.get_cairo_context(pixel_array)
        for vm in vmobjects:
            self.layers.draw(vm, ctx)

    def _capture(self, mobjects, **kwargs) -> None:
        if self.clip_band is None:
            return super().capture_mobjects(mobjects, **kwargs)
        shown = self.get_mobjects_to_display(mobjects, **kwargs)
        fixed = self.fixed_in_frame_mobjects
        scene = [m for m in shown if m not in fixed]
        overlays = [m for m in shown if m in fixed]  # the player draws them last anyway: the order holds
        h = self.pixel_array.shape[0]
        bottom, top = self.clip_band
        first = int(np.clip(np.floor(h / 2 - top * h / self.frame_height), 0, h))
        stop = int(np.clip(np.ceil(h / 2 - bottom * h / self.frame_height), first, h))
        above, below = self.pixel_array[:first].copy(), self.pixel_array[stop:].copy()
        super().capture_mobjects(scene, include_submobjects=False)
        if first or stop < h:
            ctx = self.get_cairo_context(self.pixel_array)
            with raw_pixels(ctx, self.pixel_array):
                self.pixel_array[:first], self.pixel_array[stop:] = above, below
        super().capture_mobjects(overlays, include_submobjects=False)

    def get_cairo_context(self, pixel_array):
        ctx = super().get_cairo_context(pixel_array)
        flat_cairo_matrix(self, ctx)
        return ctx

    def type_or_raise(self, mobject):
        if isinstance(mobject, OnePass):
            register_display_function(self, OnePass, self.display_one_pass)
            return OnePass
        return super().type_or_raise(mobject)

    def display_one_pass(self, mobjects, pixel_array) -> None:
        """Meshes, swarms and raster cards: each draws itself with Cairo or straight into the pixels
        (``draw(camera, ctx, pixel_array)``)."""
        ctx = self.get_cairo_context(pixel_array)
        for mob in mobjects:
            if mob.opacity > 0:
                mob.draw(self, ctx, pixel_array)

    def _draw_mesh(self, ctx, mesh: MeshSurface) -> None:
        if len(mesh.faces) == 0:
            return
        faces, counts = mesh.faces, mesh.counts
        world = mesh.points[faces]  # (F, K, 3)
        proj = self.project_points(mesh.points)[faces]
        if faces.shape[1] == 4:
            a, b, c, d = (proj[:, k] for k in range(4))
            depth = (a[..., 2] + b[..., 2] + c[..., 2] + d[..., 2]) / 4
        else:  # padded polygons: the mean over each face's own vertices
            valid = np.arange(faces.shape[1])[None, :] < counts[:, None]
            depth = np.where(valid, proj[..., 2], 0.0).sum(axis=1) / counts
        rgb = mesh.face_rgb.reshape(-1, 3)
        if self.should_apply_shading:
            rgb = self._shade(world, counts, rgb)
        order = np.argsort(depth, kind="stable")  # far faces first: painter's order
        polys = proj[order][..., :2]
        colors = np.clip(rgb[order], 0, 1)
        alpha, line = mesh.opacity, mesh.stroke_width * self.cairo_line_width_multiple
        sr, sg, sb = mesh.stroke_rgb  # note: Manim's pixel array is RGBA where Cairo writes BGRA
        s_alpha = mesh.stroke_opacity * mesh.opacity
        ctx.new_path()  # Manim strokes with stroke_preserve: the last mobject's path is still there
        ctx.set_line_width(line)
        move_to, line_to, close, fill_preserve, stroke, set_rgba = (
            ctx.move_to, ctx.line_to, ctx.close_path, ctx.fill_preserve, ctx.stroke, ctx.set_source_rgba)
        for poly, n, (r, g, bl) in zip(polys.tolist(), counts[order].tolist(), colors.tolist()):
            move_to(*poly[0])
            for k in range(1, n):
                line_to(*poly[k])
            close()
            set_rgba(bl, g, r, alpha)
            if line > 0 and s_alpha > 0:
                fill_preserve()
                set_rgba(sb, sg, sr, s_alpha)
                stroke()
            else:
                ctx.fill()

    def _shade(self, world: np.ndarray, counts: np.ndarray, rgb: np.ndarray) -> np.ndarray:
        """Manim's get_shaded_rgb, for every face at once (light 0.5*cos^3, halved in shadow).

        The normal is Manim's: from a face's first vertex to its second and to its last."""
        a, b = world[:, 0], world[:, 1]
        d = world[np.arange(len(world)), counts - 1]
        normal = np.cross(b - a, d - a)
        normal *= np.sign(normal[..., 2:3] + 1e-12)  # faces look up, as Manim's Surface faces do
        normal /= np.linalg.norm(normal, axis=-1, keepdims=True) + 1e-12
        to_sun = self.light_source.points[0] - a
        to_sun /= np.linalg.norm(to_sun, axis=-1, keepdims=True) + 1e-12
        light = 0.5 * np.einsum("ij,ij->i", normal, to_sun) ** 3
        light = np.where(light < 0, light * 0.5, light)
        return rgb + light[..., None]


def _draw_mesh_cached(mesh: MeshSurface, camera: MeshCamera, ctx, pixels: np.ndarray) -> None:
    """Draw the mesh, or, when nothing that decides its picture changed since the last frame, paste that
    frame's result: while the camera holds still (a race runs, a card fades in) the surface is the same
    picture, and drawing it face by face was most of such a frame's time (a 64 x 64 mesh: ~4000 faces).

    What decides it: the pixels under it (background, axes, contours: their checksum), the camera's
    projection and light, and the mesh's own points, colours and opacity.
    """
    ctx.get_target().flush()  # the pixels under the mesh, as Cairo has drawn them
    key = (zlib.crc32(pixels), pixels.shape, camera_key(camera),
           mesh.opacity, mesh.stroke_width, zlib.crc32(np.ascontiguousarray(mesh.points)),
           zlib.crc32(np.ascontiguousarray(mesh.face_rgb)))
    cached = _LAST_FRAMES.get(id(mesh))
    if cached is not None and cached[0] == key:
        with raw_pixels(ctx, pixels):
            pixels[...] = cached[1]
        return
    camera._draw_mesh(ctx, mesh)
    ctx.get_target().flush()
    if len(_LAST_FRAMES) > 4:
        _LAST_FRAMES.clear()
    _LAST_FRAMES[id(mesh)] = (key, pixels.copy())


# the last frame each mesh drew, by id: kept off the mobject, which Manim copies and hashes on every play
_LAST_FRAMES: dict[int, tuple] = {}


MeshSurface.draw = lambda self, camera, ctx, pixels: _draw_mesh_cached(self, camera, ctx, pixels)


class MeshScene(ThreeDScene):
    """A ThreeDScene whose camera draws MeshSurface (what every segment uses)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("camera_class", MeshCamera)
        super().__init__(**kwargs)


# -- raster drawing into the frame, for what would otherwise be thousands of Cairo calls --------------------------
def frame_to_pixels(camera, xy: np.ndarray) -> np.ndarray:
    """Frame units (origin at the centre, y up: what ``project_points`` gives) to pixel coordinates (y down)."""
    xy = np.asarray(xy, float)
    return np.column_stack([xy[:, 0] * camera.pixel_width / camera.frame_width + camera.pixel_width / 2,
                            camera.pixel_height / 2 - xy[:, 1] * camera.pixel_height / camera.frame_height])


def stamp_disks(pixels: np.ndarray, centers: np.ndarray, radius: float, rgb: np.ndarray, alpha: float = 1.0) -> None:
    """Anti-aliased filled disks at pixel ``centers`` (N, 2), colours ``rgb`` (N, 3) in [0, 1], blended into
    Manim's RGBA pixel array with NumPy: thousands of particles cost one array operation, not a Cairo arc each.
    Where disks overlap, the later one wins."""
    if len(centers) == 0 or alpha <= 0:
        return
    h, w = pixels.shape[:2]
    r = max(float(radius), 0.6)
    k = int(np.ceil(r + 0.5))
    oy, ox = np.mgrid[-k:k + 1, -k:k + 1]
    base = np.floor(centers).astype(int)
    px = base[:, 0, None, None] + ox
    py = base[:, 1, None, None] + oy
    dist = np.hypot(px + 0.5 - centers[:, 0, None, None], py + 0.5 - centers[:, 1, None, None])
    cover = np.clip(r + 0.5 - dist, 0.0, 1.0) * alpha
    keep = (px >= 0) & (px < w) & (py >= 0) & (py < h) & (cover > 0)
    color = np.broadcast_to(np.asarray(rgb, float)[:, None, None, :] * 255.0, px.shape + (3,))[keep]
    px, py, cover = px[keep], py[keep], cover[keep][:, None]
    current = pixels[py, px, :3].astype(float)
    pixels[py, px, :3] = np.rint(current * (1 - cover) + color * cover).astype(np.uint8)


def blit_image(pixels: np.ndarray, box: tuple[float, float, float, float], image: np.ndarray, alpha: float = 1.0) -> None:
    """An (rows, cols, 3) uint8 image, row 0 at the top, scaled (nearest cell) into the pixel box
    (left, top, right, bottom) and blended into Manim's RGBA pixel array."""
    if alpha <= 0:
        return
    h, w = pixels.shape[:2]
    left, top, right, bottom = box
    x0, x1 = max(int(np.floor(left)), 0), min(int(np.ceil(right)), w)
    y0, y1 = max(int(np.floor(top)), 0), min(int(np.ceil(bottom)), h)
    if x1 <= x0 or y1 <= y0:
        return
    rows, cols = image.shape[:2]
    ci = np.clip(((np.arange(x0, x1) + 0.5 - left) / (right - left) * cols).astype(int), 0, cols - 1)
    ri = np.clip(((np.arange(y0, y1) + 0.5 - top) / (bottom - top) * rows).astype(int), 0, rows - 1)
    src = image[ri[:, None], ci[None, :]].astype(float)
    dst = pixels[y0:y1, x0:x1, :3].astype(float)
    pixels[y0:y1, x0:x1, :3] = np.rint(dst * (1 - alpha) + src * alpha).astype(np.uint8)


@contextmanager
def raw_pixels(ctx, pixel_array: np.ndarray):
    """Let NumPy write into the frame Cairo draws on: finish Cairo's pending drawing first (and tell it
    afterwards that the memory changed). Use as ``with raw_pixels(ctx, pixels): ...``."""
    target = ctx.get_target()
    target.flush()
    try:
        yield pixel_array
    finally:
        target.mark_dirty()
