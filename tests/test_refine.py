"""The surface mesh refined where a uniform grid misses the surface (Rosenbrock's valley, issue 18)."""

from collections import Counter

import numpy as np
import pytest

import optmath
from scenes.toolkit.refine import _cell_error, refined_polygons
from scenes.toolkit.surface import FEATURE_MISS, REFINE_DEPTH, REFINE_TOLERANCE, HeightScale, grid_misses


def _fine(name: str, n: int, depth: int = REFINE_DEPTH):
    s = optmath.get_surface(name)
    scale = HeightScale(s)
    (x0, x1), (y0, y1) = s.domain
    side = n * 2 ** depth
    X, Y = np.meshgrid(np.linspace(x0, x1, side + 1), np.linspace(y0, y1, side + 1), indexing="ij")
    z0, z1 = scale.range
    return np.clip(scale(s.f(X, Y)), z0, z1) / (z1 - z0)


def _cells(polygons, width):
    """Each face's cell (i, j, size), from its vertices' bounding box."""
    out = []
    for p in polygons:
        i, j = np.array(p) // width, np.array(p) % width
        out.append((i.min(), j.min(), i.max() - i.min()))
        assert j.max() - j.min() == i.max() - i.min()  # square cells
    return out


def test_a_smooth_surface_is_the_plain_quad_grid():
    F = _fine("saddle", 8)
    polygons = refined_polygons(F, 8, 2, tol=1.0)
    width = 8 * 4 + 1
    assert len(polygons) == 64 and all(len(p) == 4 for p in polygons)
    i, j = divmod(polygons[9][0], width)
    assert (i, j) == (4, 4)  # row-major, like the quads of a uniform grid


@pytest.mark.parametrize("name", ["rosenbrock", "beale"])
def test_every_face_is_within_tolerance_or_at_full_depth_and_the_mesh_has_no_cracks(name):
    n = 32
    F = _fine(name, n)
    polygons = refined_polygons(F, n, REFINE_DEPTH, REFINE_TOLERANCE)
    width = n * 2 ** REFINE_DEPTH + 1
    cells = _cells(polygons, width)
    sizes = Counter(s for _, _, s in cells)
    assert sizes[1] > 0 and sizes[2 ** REFINE_DEPTH] > 0  # refined along the valley, coarse elsewhere
    # the faces tile the domain exactly
    assert sum(s * s for _, _, s in cells) == (n * 2 ** REFINE_DEPTH) ** 2
    for i, j, s in cells:
        if s > 1:
            assert _cell_error(F, np.array([i]), np.array([j]), s)[0] <= REFINE_TOLERANCE
    # no cracks: every edge inside the domain is walked once each way, by the faces on its two sides
    edges = Counter()
    for p in polygons:
        for a, b in zip(p, p[1:] + p[:1]):
            edges[(a, b)] += 1
    side = width - 1
    for (a, b), k in edges.items():
        assert k == 1
        (ia, ja), (ib, jb) = divmod(a, width), divmod(b, width)
        on_border = (ia == ib and ia in (0, side)) or (ja == jb and ja in (0, side))
        assert on_border or edges[(b, a)] == 1, (divmod(a, width), divmod(b, width))


def test_refinement_lowers_the_largest_miss_along_rosenbrocks_valley():
    n = 32
    F = _fine("rosenbrock", n)
    uniform = refined_polygons(F, n, REFINE_DEPTH, tol=np.inf)
    refined = refined_polygons(F, n, REFINE_DEPTH, REFINE_TOLERANCE)
    width = n * 2 ** REFINE_DEPTH + 1

    def worst(polygons):
        cells = _cells(polygons, width)
        i, j, s = (np.array(c) for c in zip(*cells))
        return max(_cell_error(F, i[s == k], j[s == k], k).max(initial=0) for k in set(s.tolist()) if k > 1)

    assert worst(uniform) > 5 * REFINE_TOLERANCE
    assert worst(refined) <= REFINE_TOLERANCE


def test_only_surfaces_whose_grid_misses_a_feature_are_refined():
    from scenes.toolkit.surface import detail_resolution
    for name in optmath.SURFACES:
        s = optmath.get_surface(name)
        missed = grid_misses(s, detail_resolution(s, 32)) > FEATURE_MISS
        assert missed == (name in ("rosenbrock", "beale")), name
