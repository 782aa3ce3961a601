"""The loss surface on screen: axes, a height-coloured mesh clipped to the z-range, floor contours.

All surface drawing lives here, so how the surface is drawn (Manim's per-face
Cairo path today) can change without touching a segment.
"""

from __future__ import annotations

import contourpy
import numpy as np
from manim import DEGREES, Group, ManimColor, ThreeDAxes, Surface, VMobject

from optmath.loss_curves import nice_step
from optmath.surfaces import Surface as LossFn
from scenes import settings
from scenes.toolkit import palette
from scenes.toolkit.glyphs import merge_paths
from scenes.toolkit.manim_patches import remove_tick_sheen
from scenes.toolkit.refine import refined_polygons
from scenes.toolkit.mesh import MeshSurface, colormap

# The box the surface is drawn in, in scene units: wide and flat enough that the
# equation panel and legend fit beside it at the default camera.
PLOT_WIDTH = 6.0
PLOT_HEIGHT = 2.6


def _clip_polygon(poly: list, lo: float, hi: float) -> list:
    """Sutherland-Hodgman on (x, y, f) vertices against lo <= f <= hi, crossings linear along edges."""
    for bound, keep in ((hi, lambda f: f <= hi), (lo, lambda f: f >= lo)):
        out = []
        for k, cur in enumerate(poly):
            prev = poly[k - 1]
            if keep(cur[2]):
                if not keep(prev[2]):
                    out.append(_cross(prev, cur, bound))
                out.append(cur)
            elif keep(prev[2]):
                out.append(_cross(prev, cur, bound))
        poly = out
        if not poly:
            break
    return poly


def _cross(p, q, level):
    t = (level - p[2]) / (q[2] - p[2])
    return (p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1]), level)


def clip_faces(X: np.ndarray, Y: np.ndarray, F: np.ndarray, lo: float, hi: float, polygons: list | None = None):
    """The grid's quads (or ``polygons`` over its points) cut at lo <= f <= hi: what lies beyond the
    z-range is left out, and a face that crosses a limit ends on the limit's level line (not at a whole
    face: a sawtooth edge).

    Args:
        X, Y, F: (n+1, m+1) grids of the domain and of f (non-finite values drop their faces).
        polygons: faces as lists of flat grid indices (``scenes.toolkit.refine``); default: every quad.
    Returns:
        (xyf, faces, counts): vertices (P, 3) as (x, y, f clipped), faces as rows of vertex indices
        padded by repeating their last vertex, and each face's vertex count. Faces keep the grid's
        row-major order; grid vertices come first, so an unclipped grid is the plain quad mesh.
    """
    rows, cols = F.shape
    if polygons is None:
        idx = np.arange(rows * cols).reshape(rows, cols)
        polygons = np.stack([idx[:-1, :-1], idx[1:, :-1], idx[1:, 1:], idx[:-1, 1:]], -1).reshape(-1, 4).tolist()
    f = F.ravel()
    with np.errstate(invalid="ignore"):
        inside = np.isfinite(f) & (f >= lo) & (f <= hi)
    finite, peak = np.isfinite(f), _peak_inside(F, hi).ravel()
    verts = [np.column_stack([X.ravel(), Y.ravel(), np.clip(f, lo, hi)])]
    extra: list = []
    faces, counts = [], []
    base = rows * cols
    for poly_idx in polygons:
        if not finite[poly_idx].all():
            continue
        if inside[poly_idx].all() or peak[poly_idx].any():
            faces.append(list(poly_idx))
            counts.append(len(poly_idx))
            continue
        if (f[poly_idx] > hi).all() or (f[poly_idx] < lo).all():
            continue
        poly = _clip_polygon([(X.flat[i], Y.flat[i], f[i]) for i in poly_idx], lo, hi)
        if len(poly) < 3:
            continue
        faces.append(list(range(base + len(extra), base + len(extra) + len(poly))))
        counts.append(len(poly))
        extra += poly
    if extra:
        verts.append(np.array(extra, float))
    width = max(counts, default=4)
    padded = np.array([row + [row[-1]] * (width - len(row)) for row in faces], int).reshape(-1, width)
    return np.vstack(verts), padded, np.array(counts, int)


def _peak_inside(F: np.ndarray, hi: float) -> np.ndarray:
    """Grid points above ``hi`` on a peak that does not reach the plot's edge. Cut away like a wall at the
    edge, such a peak left a hole in the middle of the surface (the model-fitting landscape's central hill):
    its faces are kept whole, flat at ``hi`` where they are above it, a lid the paths ride on too
    (``LossSurface.height`` clips the same way)."""
    from scipy import ndimage

    with np.errstate(invalid="ignore"):
        above = np.isfinite(F) & (F > hi)
    labels, n = ndimage.label(above)
    if n == 0:
        return above
    edge = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    return above & ~np.isin(labels, edge[edge > 0])


def bilinear(grid: np.ndarray, fx: np.ndarray, fy: np.ndarray) -> np.ndarray:
    """``grid`` read between its nodes at fractional indices (clipped below the last node)."""
    i, j = fx.astype(int), fy.astype(int)
    u, v = fx - i, fy - j
    return (grid[i, j] * (1 - u) * (1 - v) + grid[i + 1, j] * u * (1 - v) + grid[i, j + 1] * (1 - u) * v
            + grid[i + 1, j + 1] * u * v)


# Every face is outlined up to this many faces a side. A finer mesh (sin-cos, Rosenbrock: 64) is drawn
# without outlines: 4096 outlines are a wireframe too dense to read, and stroking them doubled the time
# of a moving frame (65 -> 33 ms at 480p, 93 -> 49 ms at 1080p); the seams between the faces' fills
# still trace the grid faintly.
MESH_LINES_UP_TO = 40
MESH_LINE = 0.4

DETAIL_TOLERANCE = 1.5e-3  # mean gap between the mesh and the surface, as a share of the z-range


class HeightScale:
    """How a surface's values become drawn heights: f itself, or log10(1 + f - z_min) for a surface with
    ``log_height`` (Rosenbrock's walls are 10^5 times its valley floor: on a linear scale the valley is
    flat and a z-range clips most of the walls away; on a log scale the whole domain is drawn).

    ``range`` is the drawn heights' range; every height the picture uses (mesh, paths, contours, the
    occlusion test) goes through ``__call__``, so paths ride on the surface as drawn.
    """

    def __init__(self, surface: LossFn, fine: int = 129):
        self.log = bool(getattr(surface, "log_height", False))
        z0, z1 = surface.z_range
        self.base = z0
        if self.log:
            (x0, x1), (y0, y1) = surface.domain
            X, Y = np.meshgrid(np.linspace(x0, x1, fine), np.linspace(y0, y1, fine), indexing="ij")
            with np.errstate(all="ignore"):
                top = float(np.nanmax(surface.f(X, Y)))
            self.range = (0.0, float(np.log10(1.0 + max(top - z0, 1e-9))))
        else:
            self.range = (float(z0), float(z1))

    def __call__(self, f):
        """Drawn heights of values f (not clipped)."""
        if not self.log:
            return f
        with np.errstate(all="ignore"):
            return np.log10(1.0 + np.maximum(np.asarray(f, float) - self.base, 0.0))


def detail_resolution(surface: LossFn, base: int, most: int | None = None, fine: int = 129,
                      scale: HeightScale | None = None) -> int:
    """Faces per side from the surface's detail, not one number for all: the smallest of base, 1.5x,
    2x base... (up to ``most``, default 2x) whose bilinear mesh stays within DETAIL_TOLERANCE of the
    surface on average. sin(b cos(ax)) needs twice the bowl's faces to stop looking blocky from above."""
    most = most or 2 * base
    (x0, x1), (y0, y1) = surface.domain
    scale = scale or HeightScale(surface)
    z0, z1 = scale.range
    X, Y = np.meshgrid(np.linspace(x0, x1, fine), np.linspace(y0, y1, fine), indexing="ij")
    with np.errstate(all="ignore"):
        truth = np.clip(scale(surface.f(X, Y)), z0, z1)
    n = base
    while True:
        gx, gy = np.linspace(x0, x1, n + 1), np.linspace(y0, y1, n + 1)
        with np.errstate(all="ignore"):
            grid = np.clip(scale(surface.f(*np.meshgrid(gx, gy, indexing="ij"))), z0, z1)
        mesh = bilinear(grid, np.clip((X - x0) / (x1 - x0) * n, 0, n - 1e-9),
                        np.clip((Y - y0) / (y1 - y0) * n, 0, n - 1e-9))
        gap = np.nanmean(np.abs(mesh - truth)) / (z1 - z0)
        if gap <= DETAIL_TOLERANCE or n >= most:
            return n
        n = min(most, int(round(n * 1.5)))


# A uniform grid that misses the surface by this share of its z-range somewhere is refined there
# (scenes.toolkit.refine): each face halved up to REFINE_DEPTH times until it misses by REFINE_TOLERANCE.
FEATURE_MISS = 0.05
REFINE_DEPTH = 2
REFINE_TOLERANCE = 0.01


def grid_misses(surface: LossFn, n: int, scale: "HeightScale | None" = None, fine: int = 257) -> float:
    """The largest gap between a uniform n x n bilinear mesh and the surface, as a share of the z-range:
    the mean gap of ``detail_resolution`` hides a narrow feature (Rosenbrock's log valley is a few
    percent of the domain wide, and where no grid line crosses its floor the mesh floats above it)."""
    (x0, x1), (y0, y1) = surface.domain
    scale = scale or HeightScale(surface)
    z0, z1 = scale.range
    X, Y = np.meshgrid(np.linspace(x0, x1, fine), np.linspace(y0, y1, fine), indexing="ij")
    with np.errstate(all="ignore"):
        truth = scale(surface.f(X, Y))
        grid = scale(surface.f(*np.meshgrid(np.linspace(x0, x1, n + 1), np.linspace(y0, y1, n + 1), indexing="ij")))
        mesh = bilinear(grid, np.clip((X - x0) / (x1 - x0) * n, 0, n - 1e-9),
                        np.clip((Y - y0) / (y1 - y0) * n, 0, n - 1e-9))
        # where the surface is drawn: a wall cut at the z-range ends on its level line, whatever the grid
        drawn = (truth >= z0) & (truth <= z1) & (mesh >= z0) & (mesh <= z1)
    return float(np.max(np.abs(mesh - truth)[drawn], initial=0.0) / (z1 - z0))


def surface_axes(surface: LossFn, height: float = PLOT_HEIGHT, z_range=None) -> ThreeDAxes:
    """Axes whose longer horizontal side is PLOT_WIDTH, keeping the domain's aspect ratio."""
    (x0, x1), (y0, y1) = surface.domain
    z0, z1 = z_range or surface.z_range
    scale = PLOT_WIDTH / max(x1 - x0, y1 - y0)
    axes = ThreeDAxes(
        x_range=[x0, x1, nice_step(x1 - x0)], y_range=[y0, y1, nice_step(y1 - y0)],
        z_range=[z0, z1, nice_step(z1 - z0)],
        x_length=(x1 - x0) * scale, y_length=(y1 - y0) * scale, z_length=height,
        axis_config={"stroke_width": 1.5, "include_tip": False, "tick_size": 0.04, "stroke_opacity": 0.6},
        # Cairo's ThreeDAxes cuts each axis into pieces so that a depth sort can interleave them with other
        # 3D shapes; the mesh is drawn after all of them in one pass whatever their depth, so the pieces only
        # cost: one piece per axis, and its ticks as one path (a third of a draft's drawing was axes).
        num_axis_pieces=1,
    )
    for axis in axes.axes:
        merge_paths(axis.ticks)
    # Centre the domain (not the axes' origin) on the scene origin, where the camera looks.
    axes.shift(-axes.c2p(*surface.center, (z0 + z1) / 2))
    remove_tick_sheen(axes)
    return axes


class LossSurface(Group):
    """Axes + mesh + floor contours of one optmath surface.

    ``point(x, y)`` is where a point of the domain sits on the drawn surface,
    which is what trajectories ride on.
    """

    def __init__(self, surface: LossFn, resolution: int | None = None, contours: int = 10,
                 opacity: float = 0.88, show_axes: bool = True, fast: bool = True, height: float = PLOT_HEIGHT,
                 refine: bool | None = None, **kwargs):
        super().__init__(**kwargs)
        self.loss = surface
        self.scale = HeightScale(surface)
        self.z_range = self.scale.range  # of the drawn heights
        self.axes = surface_axes(surface, height, self.z_range)
        self.resolution = resolution or detail_resolution(surface, settings.surface_resolution(), scale=self.scale)
        # a narrow feature the uniform grid misses (Rosenbrock's and Beale's log valleys): faces refined along it
        self.refine = grid_misses(surface, self.resolution, self.scale) > FEATURE_MISS if refine is None else refine
        self.mesh = self._fast_mesh(opacity) if fast else self._stock_mesh(opacity)
        self.contours = self._floor_contours(contours)
        if show_axes:
            self.add(self.axes)
        self.add(self.contours, self.mesh)

    def _fast_mesh(self, opacity: float) -> MeshSurface:
        """One mobject for the whole surface, cut smoothly at the z-range; needs a MeshCamera scene."""
        (x0, x1), (y0, y1) = self.loss.domain
        n = self.resolution
        z0, z1 = self.z_range
        depth = REFINE_DEPTH if self.refine else 0
        side = n * 2 ** depth
        X, Y = np.meshgrid(np.linspace(x0, x1, side + 1), np.linspace(y0, y1, side + 1), indexing="ij")
        with np.errstate(all="ignore"):
            F = self.scale(self.loss.f(X, Y))
        polygons = None
        if depth:
            polygons = refined_polygons(np.clip(F, z0, z1) / (z1 - z0), n, depth, REFINE_TOLERANCE)
        xyf, faces, counts = clip_faces(X, Y, F, z0, z1, polygons)
        if depth:  # only the fine grid's points that some face uses
            keep, faces = np.unique(faces, return_inverse=True)
            xyf, faces = xyf[keep], faces.reshape(len(counts), -1)
        origin = np.asarray(self.axes.c2p(0, 0, 0), float)
        unit = np.array([self.axes.c2p(1, 0, 0), self.axes.c2p(0, 1, 0), self.axes.c2p(0, 0, 1)]) - origin
        points = origin + xyf @ unit  # c2p is affine: every vertex in one product
        valid = np.arange(faces.shape[1])[None, :] < counts[:, None]
        face_h = np.where(valid, xyf[faces, 2], 0.0).sum(axis=1) / np.maximum(counts, 1)
        rgb = colormap(face_h, palette.SURFACE_COLORSCALE, z0, z1)
        return MeshSurface.polygons(points, faces, counts, rgb, opacity=opacity,
                                    stroke_rgb=ManimColor(palette.CONTOUR_COLOR).to_rgb(),
                                    stroke_width=MESH_LINE if n <= MESH_LINES_UP_TO and not depth else 0.0)

    def _stock_mesh(self, opacity: float) -> Surface:
        """Manim's own Surface: one VMobject per face (slow with Cairo; kept for comparison)."""
        (x0, x1), (y0, y1) = self.loss.domain
        mesh = Surface(
            lambda u, v: self.point(u, v),
            u_range=(x0, x1), v_range=(y0, y1), resolution=(self.resolution, self.resolution),
            fill_opacity=opacity, stroke_width=0.4, stroke_color=palette.CONTOUR_COLOR, stroke_opacity=0.35,
            checkerboard_colors=False,
        )
        mesh.set_fill_by_value(axes=self.axes, colorscale=palette.SURFACE_COLORSCALE, axis=2)
        return mesh

    # -- depth: is a scene point hidden behind the surface, seen from the camera? ---------------
    def _occlusion_setup(self) -> None:
        """Affine map scene <-> (x, y, z) of the axes, and a height grid for fast lookups."""
        o = self.axes.c2p(0, 0, 0)
        self._origin = np.asarray(o, float)
        self._scale = np.array([self.axes.c2p(1, 0, 0)[0] - o[0], self.axes.c2p(0, 1, 0)[1] - o[1],
                                self.axes.c2p(0, 0, 1)[2] - o[2]])
        (x0, x1), (y0, y1) = self.loss.domain
        self._gx, self._gy = np.linspace(x0, x1, 160), np.linspace(y0, y1, 160)
        X, Y = np.meshgrid(self._gx, self._gy, indexing="ij")
        self._gz = self._origin[2] + self._scale[2] * self.height(X, Y)  # scene z of the surface

    def hidden(self, points: np.ndarray, camera_position: np.ndarray, samples: int = 40) -> np.ndarray:
        """True where the straight line from a scene point to the camera passes under the surface."""
        if not hasattr(self, "_gz"):
            self._occlusion_setup()
        pts = np.asarray(points, float)
        if len(pts) == 0:
            return np.zeros(0, bool)
        s = np.linspace(0.02, 1.0, samples)[None, :, None]
        top = self._gz.max()
        # walk only until the ray is above the highest point of the surface
        reach = np.clip((top - pts[:, 2]) / np.maximum(camera_position[2] - pts[:, 2], 1e-9), 0.05, 1.0)
        q = pts[:, None, :] + s * reach[:, None, None] * (camera_position - pts)[:, None, :]
        xy = (q[..., :2] - self._origin[:2]) / self._scale[:2]
        (x0, x1), (y0, y1) = self.loss.domain
        inside = (xy[..., 0] >= x0) & (xy[..., 0] <= x1) & (xy[..., 1] >= y0) & (xy[..., 1] <= y1)
        fx = np.clip((xy[..., 0] - x0) / (x1 - x0) * (len(self._gx) - 1), 0, len(self._gx) - 1.001)
        fy = np.clip((xy[..., 1] - y0) / (y1 - y0) * (len(self._gy) - 1), 0, len(self._gy) - 1.001)
        zs = bilinear(self._gz, fx, fy)
        return np.any(inside & (q[..., 2] < zs - 0.02), axis=1)

    def height(self, x, y):
        """The drawn height: the surface's value (on its height scale) clipped to its z-range."""
        z0, z1 = self.z_range
        with np.errstate(all="ignore"):
            return np.clip(self.scale(self.loss.f(x, y)), z0, z1)

    def point(self, x, y, lift: float = 0.0) -> np.ndarray:
        return self.axes.c2p(x, y, float(self.height(x, y))) + np.array([0.0, 0.0, lift])

    def surface_points(self, xy: np.ndarray, lift: float = 0.0) -> np.ndarray:
        """Scene points of many (x, y) at once (vectorised c2p)."""
        xy = np.asarray(xy, float).reshape(-1, 2)
        xyz = np.column_stack([xy, self.height(xy[:, 0], xy[:, 1])])
        origin = np.asarray(self.axes.c2p(0, 0, 0), float)
        unit = np.array([self.axes.c2p(1, 0, 0), self.axes.c2p(0, 1, 0), self.axes.c2p(0, 0, 1)]) - origin
        return origin + xyz @ unit + np.array([0.0, 0.0, lift])  # c2p is affine: every point in one product

    def bounding_corners(self) -> np.ndarray:
        """What must be in view when framing: the drawn surface (its clipped heights on a coarse grid)
        and the floor its contours are drawn on. Tighter than the whole z-range box, whose empty top
        corners would shrink the picture for nothing."""
        (x0, x1), (y0, y1) = self.loss.domain
        z0 = self.z_range[0]
        xs, ys = np.linspace(x0, x1, 17), np.linspace(y0, y1, 17)
        X, Y = np.meshgrid(xs, ys, indexing="ij")
        top = self.surface_points(np.column_stack([X.ravel(), Y.ravel()]))
        floor = np.array([self.axes.c2p(x, y, z0) for x in (x0, x1) for y in (y0, y1)])
        return np.vstack([top, floor])

    def floor_point(self, x, y) -> np.ndarray:
        return self.axes.c2p(x, y, self.z_range[0])

    def _floor_contours(self, levels: int) -> VMobject:
        """Level sets of f drawn on the floor plane, the view seeds draw with plt.contour.

        All levels are subpaths of one VMobject: one Cairo stroke per frame instead of one
        per line (the lines were ~15% of a camera-move frame).
        """
        lines = VMobject()
        if levels <= 0:
            return lines
        (x0, x1), (y0, y1) = self.loss.domain
        xs, ys = np.linspace(x0, x1, 120), np.linspace(y0, y1, 120)
        X, Y = np.meshgrid(xs, ys)
        with np.errstate(all="ignore"):
            Z = self.scale(self.loss.f(X, Y))
        z0, z1 = self.z_range
        lo, hi = max(z0, float(np.nanmin(Z))), min(z1, float(np.nanmax(Z)))
        gen = contourpy.contour_generator(X, Y, Z)
        for level in np.linspace(lo, hi, levels + 2)[1:-1]:
            for line in gen.lines(level):
                if len(line) < 3:
                    continue
                line = line[:: max(1, len(line) // 80)]
                pts = np.array([self.floor_point(x, y) for x, y in line])
                lines.start_new_path(pts[0])
                lines.add_points_as_corners(pts[1:])
        lines.set_stroke(palette.CONTOUR_COLOR, width=1.2, opacity=0.55)
        return lines


DEFAULT_PHI = 62 * DEGREES
DEFAULT_THETA = -55 * DEGREES
DEFAULT_ZOOM = 0.95
