"""A surface mesh refined where a uniform grid misses the surface.

Rosenbrock's log-height valley is a few percent of the domain wide and runs across the grid at every
angle: where no grid line crosses its floor the mesh floats above it, and the floor is drawn as a row
of teeth from the side and a staircase from above (issue 18). More faces everywhere cost every frame
of every camera move; the valley needs them only along itself. So each face of the base grid is split
in four, up to ``depth`` times, while its bilinear patch strays from the surface by more than ``tol``
of the height range; a face beside finer ones takes their corners on its edges too (no cracks).
"""

from __future__ import annotations

import numpy as np


def _cell_error(F: np.ndarray, i: np.ndarray, j: np.ndarray, s: int) -> np.ndarray:
    """Largest gap between each s x s cell's bilinear patch (from its corners) and the fine grid inside it."""
    a = np.arange(s + 1)
    u = (a / s)[:, None]
    v = (a / s)[None, :]
    ii = i[:, None, None] + a[None, :, None]
    jj = j[:, None, None] + a[None, None, :]
    inner = F[ii, jj]
    c00, c10, c01, c11 = F[i, j], F[i + s, j], F[i, j + s], F[i + s, j + s]
    patch = (c00[:, None, None] * (1 - u) * (1 - v) + c10[:, None, None] * u * (1 - v)
             + c01[:, None, None] * (1 - u) * v + c11[:, None, None] * u * v)
    with np.errstate(invalid="ignore"):
        gap = np.abs(inner - patch).reshape(len(i), -1)
    return np.where(np.isfinite(gap).all(axis=1), gap.max(axis=1, initial=0.0), 0.0)


def refined_polygons(F: np.ndarray, n: int, depth: int, tol: float) -> list[list[int]]:
    """Faces over the fine grid ``F`` ((n * 2**depth + 1) a side, heights as drawn, divided by the height
    range), as lists of flat indices in the quad order (i, j), (i+s, j), (i+s, j+s), (i, j+s).

    Args:
        F: the drawn heights on the finest grid, as shares of the z-range (non-finite: never split).
        n: faces a side of the base grid.
        depth: at most this many halvings of a base face.
        tol: split a face while its patch misses the fine grid by more than this.
    """
    side = n * 2 ** depth
    if F.shape != (side + 1, side + 1):
        raise ValueError(f"F is {F.shape}; a base of {n} faces refined {depth} times needs {(side + 1,) * 2}")
    s = 2 ** depth
    base = np.arange(n) * s
    i, j = (a.ravel() for a in np.meshgrid(base, base, indexing="ij"))
    leaves: list[tuple[np.ndarray, np.ndarray, int]] = []
    while True:
        split = _cell_error(F, i, j, s) > tol if s > 1 else np.zeros(len(i), bool)
        leaves.append((i[~split], j[~split], s))
        if not split.any():
            break
        i, j, h = i[split], j[split], s // 2
        i = np.concatenate([i, i + h, i, i + h])
        j = np.concatenate([j, j, j + h, j + h])
        s = h
    used = np.zeros((side + 1, side + 1), bool)
    for li, lj, ls in leaves:
        for di in (0, ls):
            for dj in (0, ls):
                used[li + di, lj + dj] = True
    polygons: list[list[int]] = []
    width = side + 1
    for li, lj, ls in leaves:
        steps = range(ls)
        for ci, cj in zip(li.tolist(), lj.tolist()):
            ring = ([(ci + k, cj) for k in steps] + [(ci + ls, cj + k) for k in steps]
                    + [(ci + ls - k, cj + ls) for k in steps] + [(ci, cj + ls - k) for k in steps])
            polygons.append([a * width + b for a, b in ring if used[a, b]])
    # the base grid's row-major order, so that an unrefined mesh is the plain quad mesh
    polygons.sort(key=lambda p: (p[0] // width, p[0] % width))
    return polygons
