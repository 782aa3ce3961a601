"""The scene components' geometry and bookkeeping, without rendering a video."""

import numpy as np
import pytest

import optmath
from scenes.toolkit.mesh import MeshSurface, colormap
from scenes.toolkit.surface import LossSurface
from scenes.toolkit.race import Race, Racer, _exit_step


@pytest.fixture(scope="module")
def saddle():
    return LossSurface(optmath.get_surface("saddle"), resolution=8)


def test_points_ride_on_the_surface(saddle):
    s = optmath.get_surface("saddle")
    p = saddle.point(0.5, -0.25)
    back = saddle.axes.p2c(p)
    assert back[0] == pytest.approx(0.5) and back[1] == pytest.approx(-0.25)
    assert back[2] == pytest.approx(s.f(0.5, -0.25))


def test_heights_are_clipped_to_the_z_range():
    loss = LossSurface(optmath.get_surface("cubic"), resolution=4)
    lo, hi = optmath.get_surface("cubic").z_range
    h = loss.height(np.array([0.0, 1.0, -1.5]), np.array([-1.5, 1.0, -1.5]))
    assert np.all(h >= lo) and np.all(h <= hi) and h[1] == hi


def test_fast_mesh_covers_the_domain_with_height_colours(saddle):
    mesh = saddle.mesh
    # the saddle's z-range holds all of it: nothing is cut, the mesh is the plain 8x8 grid of quads
    assert isinstance(mesh, MeshSurface) and len(mesh.faces) == 64 and set(mesh.counts) == {4}
    assert mesh.face_rgb.shape == (64, 3) and len(mesh.points) == 81
    corners = mesh.points.reshape(9, 9, 3)[[0, -1]][:, [0, -1]].reshape(-1, 3)
    coords = np.array([saddle.axes.p2c(c)[:2] for c in corners])
    np.testing.assert_allclose(sorted(map(tuple, coords)), [(-1.5, -1.5), (-1.5, 1.5), (1.5, -1.5), (1.5, 1.5)])
    low, high = colormap(np.array([-9.0, 9.0]), ["#000000", "#ffffff"], -1, 1)
    assert low.tolist() == [0, 0, 0] and high.tolist() == [1, 1, 1]


def test_a_clipped_surface_ends_on_its_level_line_not_in_a_sawtooth():
    """Issue 9: faces that cross the z-limit are cut there; whole faces were dropped before, leaving
    teeth. Every new vertex sits on the limit, on the surface's own level line (to the mesh's
    linear accuracy), and the area kept is the area of the domain where f is in range."""
    from scenes.toolkit.surface import clip_faces

    cubic = optmath.get_surface("cubic")
    (x0, x1), (y0, y1) = cubic.domain
    lo, hi = cubic.z_range
    n = 32
    X, Y = np.meshgrid(np.linspace(x0, x1, n + 1), np.linspace(y0, y1, n + 1), indexing="ij")
    xyf, faces, counts = clip_faces(X, Y, cubic.f(X, Y), lo, hi)
    assert np.all((xyf[:, 2] >= lo) & (xyf[:, 2] <= hi))
    extra = xyf[(n + 1) ** 2:]  # the cut faces' vertices: grid corners they keep, and crossings
    on_grid = np.isclose((extra[:, 0] - x0) / ((x1 - x0) / n) % 1, 0) | np.isclose((extra[:, 0] - x0) / ((x1 - x0) / n) % 1, 1)
    on_grid &= np.isclose((extra[:, 1] - y0) / ((y1 - y0) / n) % 1, 0) | np.isclose((extra[:, 1] - y0) / ((y1 - y0) / n) % 1, 1)
    cut = extra[~on_grid]
    assert len(cut) > 0 and np.all(np.isin(cut[:, 2], [lo, hi]))
    cell = max(x1 - x0, y1 - y0) / n
    err = np.abs(cubic.f(cut[:, 0], cut[:, 1]) - cut[:, 2])
    assert err.max() < 10 * cell ** 2 * 8  # linear interpolation error on a cell, f'' <= 2 + 6|y| + ...
    # kept area (shoelace over each polygon) against the area where lo <= f <= hi, sampled finely
    def area(face, k):
        p = xyf[face[:k], :2]
        return 0.5 * abs(np.dot(p[:, 0], np.roll(p[:, 1], -1)) - np.dot(p[:, 1], np.roll(p[:, 0], -1)))
    kept = sum(area(f, k) for f, k in zip(faces, counts))
    fx, fy = np.meshgrid(np.linspace(x0, x1, 801), np.linspace(y0, y1, 801))
    fz = cubic.f(fx, fy)
    truth = np.mean((fz >= lo) & (fz <= hi)) * (x1 - x0) * (y1 - y0)
    assert kept == pytest.approx(truth, rel=0.01)
    # a face wholly beyond the range is left out; one with a non-finite corner too
    F = np.array([[0.0, 0.0], [0.0, np.nan]])
    assert len(clip_faces(np.zeros((2, 2)), np.zeros((2, 2)), F, -1, 1)[1]) == 0
    assert len(clip_faces(np.zeros((2, 2)), np.zeros((2, 2)), np.full((2, 2), 5.0), -1, 1)[1]) == 0


def test_a_point_behind_the_ridge_is_hidden_and_one_in_front_is_not(saddle):
    eye_above = np.array([0.0, 0.0, 20.0])
    on, under = saddle.point(0.5, 0.5, lift=0.03), saddle.point(0.5, 0.5, lift=-0.3)
    assert saddle.hidden(np.array([on, under]), eye_above).tolist() == [False, True]
    eye_side = np.array([0.0, -20.0, 0.3])  # low, looking across the ridge of x^2 - y^2 along y
    far, near = saddle.point(0.0, 1.2, 0.03), saddle.point(0.0, -1.2, 0.03)
    assert saddle.hidden(np.array([far, near]), eye_side).tolist() == [True, False]


def test_exit_point_is_on_the_plot_edge(saddle):
    t = optmath.trajectory("saddle", "sgd", (1.0, 0.25), 40, lr=0.1)
    last, where = _exit_step(saddle, t)
    assert t.xy[last, 1] <= 1.5 < t.xy[last + 1, 1]
    assert where[1] == pytest.approx(1.5)


def test_legend_says_what_happened(saddle):
    runs = [optmath.trajectory("bowl", "sgd", (-5.0, -2.0), 60, lr=0.52),
            optmath.trajectory("saddle", "sgd", (1.0, 0.25), 10, lr=0.1),
            optmath.trajectory("saddle", "sgd", (1.0, 0.0), 10, lr=0.1)]
    bowl = LossSurface(optmath.get_surface("bowl"), resolution=4)
    race_b = Race(bowl, [Racer(runs[0], "#ffffff")])
    race_s = Race(saddle, [Racer(runs[1], "#ffffff"), Racer(runs[2], "#ffffff")])
    assert race_b.legend.status(race_b.paths[0]) == "diverged at step 45"
    exit_step = race_s.paths[0].exit_step
    assert race_s.legend.status(race_s.paths[0]) == f"left the plot at step {exit_step}"
    assert race_s.legend.status(race_s.paths[1]) == ""
    assert race_s.paths[0].racer.text == "SGD (lr=0.1)"  # from the configuration, not typed


def test_mesh_resolution_follows_the_surfaces_detail():
    """Issue 9: sin(b cos(ax)) at 32x32 faces looked blocky from above; the bowl needs no more than 32."""
    from scenes.toolkit.surface import detail_resolution

    assert detail_resolution(optmath.get_surface("bowl"), 32) == 32
    assert detail_resolution(optmath.get_surface("saddle"), 32) == 32
    sincos = detail_resolution(optmath.get_surface("fit-sincos"), 32)
    assert sincos == 64 == detail_resolution(optmath.get_surface("fit-sincos"), 32, most=64)
    assert LossSurface(optmath.get_surface("fit-sincos")).resolution == sincos


def test_a_peak_inside_the_plot_gets_a_lid_not_a_hole():
    """Issue 18: the model-fitting landscape's central hill rises above the z-range and was cut away, a black
    hole in the middle of the surface. A peak that does not reach the plot's edge keeps its faces, flat at the
    top of the range (where the paths ride too); walls at the edge are still cut on their level line."""
    from scenes.toolkit.surface import _peak_inside

    loss = LossSurface(optmath.get_surface("fit-sincos"), resolution=48, refine=False)  # grid indices below
    (x0, x1), (y0, y1) = loss.loss.domain
    xs, ys = np.linspace(x0, x1, 49), np.linspace(y0, y1, 49)
    X, Y = np.meshgrid(xs, ys, indexing="ij")
    F = loss.scale(loss.loss.f(X, Y))
    peak = _peak_inside(F, loss.z_range[1])
    assert peak.any() and not peak[[0, -1], :].any() and not peak[:, [0, -1]].any()
    faces = {frozenset(row[:n]) for row, n in zip(loss.mesh.faces, loss.mesh.counts)}
    for i, j in zip(*np.nonzero(peak)):
        i, j = min(i, 47), min(j, 47)  # the quad at the grid point's lower corner
        quad = frozenset(int(v) for v in (i * 49 + j, (i + 1) * 49 + j, (i + 1) * 49 + j + 1, i * 49 + j + 1))
        assert quad in faces, (i, j)
    tops = loss.mesh.points[[i * 49 + j for i, j in zip(*np.nonzero(peak))]]
    assert np.allclose(tops[:, 2], loss.axes.c2p(0, 0, loss.z_range[1])[2])  # the lid is flat at the range's top
    # a wall at the edge (the bowl's) is still cut, not capped
    bowl = LossSurface(optmath.get_surface("bowl"), resolution=16)
    assert not _peak_inside(bowl.loss.f(*np.meshgrid(np.linspace(*bowl.loss.domain[0], 17),
                                                     np.linspace(*bowl.loss.domain[1], 17), indexing="ij")),
                            bowl.z_range[1]).any()


def test_a_path_tests_only_its_new_samples_while_the_camera_holds_and_all_when_it_moves(saddle, monkeypatch):
    """The hidden parts of a growing trail are the same flags as testing the whole path each frame,
    while only the samples reached since the last frame are tested (all of them again after a turn)."""
    from manim import ValueTracker

    from scenes.toolkit.race import SAMPLES_PER_STEP, RacePath

    class Camera:  # what RacePath reads of a ThreeDCamera: the eye sits low, across the saddle's ridge
        frame_center = np.zeros(3)

        def __init__(self, theta):
            self.theta = theta

        def generate_rotation_matrix(self):  # its last row points at the eye: low on the -y side, turned by theta
            d = np.array([np.sin(self.theta), -np.cos(self.theta), 0.015])
            d /= np.linalg.norm(d)
            right = np.cross([0.0, 0.0, 1.0], d)
            right /= np.linalg.norm(right)
            return np.array([right, np.cross(d, right), d])

        def get_focal_distance(self):
            return 20.0

    run = optmath.trajectory("saddle", "sgd", (1.0, 0.05), 30, lr=0.1)  # off the ridge, down its far side
    camera, step = Camera(0.0), ValueTracker(0)
    path = RacePath(saddle, Racer(run, "#ffffff"), step, camera)
    tested = []
    real = type(saddle).hidden
    monkeypatch.setattr(type(saddle), "hidden", lambda self, pts, eye, **k: tested.append(len(pts)) or real(self, pts, eye, **k))
    seen = set()
    for k, value in enumerate(np.linspace(0, path.max_step, 41)):
        if k == 25:
            camera.theta = 0.4  # the camera turns: every flag is tested again
        step.set_value(value)
        tested.clear()
        i = int(np.floor(path.head_index()))
        pts = np.vstack([path.dense[: i + 1], path.dense[i + 1:i + 2]])  # the samples and one more point
        got = path._hidden(pts, i + 1)
        rot = camera.generate_rotation_matrix()
        eye = rot.T @ np.array([0.0, 0.0, 20.0])
        assert np.array_equal(got, real(saddle, pts, eye))
        seen.update(got.tolist())
        if k == 25:
            assert tested[0] == i + 1
        elif k > 0:
            assert sum(tested) <= SAMPLES_PER_STEP * path.max_step / 40 + 3  # a frame's new samples, not the path
    assert seen == {True, False}  # the test sees both kinds of points


def test_a_path_hides_behind_the_hills_seen_from_where_the_camera_is_now(saddle):
    """A turn sets the camera's angles between the frames Manim draws, and Manim renews its rotation matrix
    only when it draws one. A trail tested with that matrix had the last drawn frame's hidden parts: a frame
    behind in a turn, and in a chunk that skipped the turn (drawing nothing) those of an earlier view, so
    the chunk's trail came out split unlike the whole render's (48 px, 163 levels apart)."""
    from manim import DEGREES, ThreeDCamera, ValueTracker

    from scenes.toolkit.race import RacePath

    camera, step = ThreeDCamera(), ValueTracker(0)
    path = RacePath(saddle, Racer(optmath.trajectory("saddle", "sgd", (1.0, 0.05), 30, lr=0.1), "#ffffff"),
                    step, camera)
    step.set_value(path.max_step)
    hidden = []
    for theta in (-90, 90, -45):  # low from the -y side (the ridge hides the far part), from +y (nothing hidden)
        camera.set_phi(75 * DEGREES)
        camera.set_theta(theta * DEGREES)  # set, as a turn's updater does: no frame drawn yet
        got = path._hidden(path.dense, len(path.dense))
        camera.reset_rotation_matrix()  # what drawing the frame does
        eye = np.asarray(camera.frame_center, float) + camera.get_rotation_matrix().T @ np.array(
            [0.0, 0.0, camera.get_focal_distance()])
        assert np.array_equal(got, saddle.hidden(path.dense, eye)), theta
        hidden.append(int(got.sum()))
    assert hidden[0] > 0 and hidden[1] == 0 and hidden[2] != hidden[0]  # each view hides different samples
