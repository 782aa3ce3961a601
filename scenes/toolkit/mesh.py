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

import numpy as np
from manim import Mobject, ThreeDCamera, ThreeDScene
from manim.utils.color import ManimColor

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
    """ThreeDCamera that also knows how to draw a MeshSurface."""

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
        """Meshes and swarms: each draws itself onto one Cairo context (``draw(camera, ctx)``)."""
        ctx = self.get_cairo_context(pixel_array)
        for mob in mobjects:
            if mob.opacity > 0:
                mob.draw(self, ctx)

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


MeshSurface.draw = lambda self, camera, ctx: camera._draw_mesh(ctx, self)


class MeshScene(ThreeDScene):
    """A ThreeDScene whose camera draws MeshSurface (what every segment uses)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("camera_class", MeshCamera)
        super().__init__(**kwargs)
