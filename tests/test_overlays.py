"""Swarms, cards, arrows and the log height scale: geometry and drawing, rendered as single frames."""

from __future__ import annotations

import numpy as np
import pytest
from manim import ValueTracker

import optmath
from scenes.description import Arrows, Fate, FateMaps, Mark, NumberLine, Swarm, Table
from scenes.toolkit import palette
from scenes.toolkit.arrows import SurfaceArrows
from scenes.toolkit.cards import FateMap, LrLine, SwarmLegend, TableCard, make_card
from scenes.toolkit.mesh import MeshCamera, OnePass
from scenes.toolkit.surface import HeightScale, LossSurface
from scenes.toolkit.swarm import SwarmPaths

FATES = (Fate("settles"), Fate("zig-zags in", "middle"), Fate("diverges", "bad"))


@pytest.fixture(scope="module")
def bowl():
    return LossSurface(optmath.get_surface("bowl"), resolution=8)


@pytest.fixture(scope="module")
def fan():
    lrs = np.array([0.1, 0.3, 0.52])
    run = optmath.batch_trajectory("bowl", "sgd", np.array([[-5.0, -2.0]]), 20, lr=lrs, record_state=False)
    xy = run.xy.reshape(3, 21, 2)
    return Swarm(xy, np.array([0, 1, 2]), FATES, trails=True, title="SGD")


# -- the vocabulary refuses what a player could not draw --------------------------------------------------
def test_a_swarm_checks_its_shapes_and_fates():
    with pytest.raises(ValueError, match=r"xy \(N, steps\+1, 2\)"):
        Swarm(np.zeros((3, 2)), np.zeros(3, int), FATES)
    with pytest.raises(ValueError, match="fate indices run 0..2"):
        Swarm(np.zeros((2, 5, 2)), np.array([0, 3]), FATES)
    with pytest.raises(ValueError, match="unknown fate kind 'great'; choose one of: good, middle, bad, other"):
        Fate("x", "great")


# -- a swarm is one mobject, drawn in one pass ------------------------------------------------------------
def test_a_swarm_is_one_mobject_whatever_its_size(bowl):
    g = np.stack(np.meshgrid(np.linspace(-5, 5, 64), np.linspace(-2, 2, 64)), -1).reshape(-1, 2)
    run = optmath.batch_trajectory("bowl", "sgd", g, 10, lr=0.3, record_state=False)
    swarm = Swarm(run.xy, np.zeros(len(g), int), FATES, trails=False)
    mob = SwarmPaths(bowl, swarm, ValueTracker(0))
    assert isinstance(mob, OnePass) and mob.get_family() == [mob] and len(mob.points) > 0
    assert mob.scene_points.shape == (4096, 11, 3)


def test_heads_ride_on_the_surface_and_leave_with_their_path(bowl, fan):
    step = ValueTracker(0)
    mob = SwarmPaths(bowl, fan, step)
    np.testing.assert_allclose(mob.heads(0)[0], bowl.surface_points(fan.xy[0, :1], lift=0.04)[0])
    # half way between steps 3 and 4: the mean of the two lifted points
    h = mob.heads(3.5)
    np.testing.assert_allclose(h[0], (mob.scene_points[0, 3] + mob.scene_points[0, 4]) / 2)
    # lr 0.52 > 2/lambda_max diverges: it leaves the plotted domain, and its head is gone after its last step
    last = mob.last[2]
    assert 0 < last < 20 and not optmath.get_surface("bowl").in_domain(fan.xy[2, last + 1])
    assert np.isfinite(mob.heads(last)[2]).all() and np.isnan(mob.heads(last + 1)[2]).all()
    assert mob.last[0] == mob.last[1] == 20


def _frame(*mobs, phi=60, theta=-60):
    cam = MeshCamera(pixel_width=640, pixel_height=360, frame_width=14.22, frame_height=8)
    cam.set_phi(phi * np.pi / 180)
    cam.set_theta(theta * np.pi / 180)
    cam.capture_mobjects(list(mobs))
    return cam.pixel_array[..., :3].astype(int)


def test_heads_are_drawn_in_their_fate_colour(bowl, fan):
    step = ValueTracker(2)  # the three heads apart, the diverging one still inside
    mob = SwarmPaths(bowl, fan, step)
    mob.trails = False
    pixels = _frame(mob)
    for kind, rgb in (("good", palette.fate_color("good")), ("middle", palette.fate_color("middle"))):
        want = (np.array(rgb.to_rgb()) * 255).round()
        assert (np.abs(pixels - want).max(axis=-1) <= 2).sum() >= 4, kind
    bad = (np.array(palette.fate_color("bad").to_rgb()) * 255).round()
    assert (np.abs(pixels - bad).max(axis=-1) <= 2).sum() >= 4
    # at the end the diverged path has no head: no vermillion
    step.set_value(20)
    assert (np.abs(_frame(mob) - bad).max(axis=-1) <= 2).sum() == 0
    mob.trails = True
    assert (np.abs(_frame(mob) - bad).max(axis=-1) <= 40).sum() > 0  # its trail stays, up to where it left


# -- cards --------------------------------------------------------------------------------------------------
def test_number_line_marks_never_print_over_each_other():
    card = NumberLine(0.0, 0.8, (0.1, 0.3, 0.6), ("good", "middle", "bad"),
                      (Mark(0.375, "Nesterov 0.375"), Mark(0.5, "2/λmax = 0.5"), Mark(0.25, "1/λmax = 0.25", "middle"),
                       Mark(0.75, "heavy ball 0.75", "good")), title="learning rate")
    line = LrLine(card)
    labels = [m[1] for m in line[2]]
    assert len(labels) == 4 and len(line[1]) == 3
    for i, a in enumerate(labels):
        for b in labels[i + 1:]:
            apart = (a.get_right()[0] <= b.get_left()[0] or b.get_right()[0] <= a.get_left()[0]
                     or a.get_top()[1] <= b.get_bottom()[1] or b.get_top()[1] <= a.get_bottom()[1])
            assert apart, (a.text, b.text)
    # each mark's leader stands on its value, and no label lies across another mark's leader
    for (leader, _), mark in zip(line[2], sorted(card.marks, key=lambda m: m.value)):
        assert leader.get_start()[0] == pytest.approx(line.line.n2p(mark.value)[0])
    for i, (leader, _) in enumerate(line[2]):
        x, top = leader.get_start()[0], leader.get_top()[1]
        for j, (_, label) in enumerate(line[2]):
            if i != j:
                assert not (label.get_left()[0] < x < label.get_right()[0] and label.get_bottom()[1] < top), \
                    (label.text, i)


def test_a_log_number_line_spans_decades():
    line = LrLine(NumberLine(1e-4, 1.0, (1e-3, 1e-1), ("good", "bad"), log=True))
    assert line.line.n2p(1e-2)[0] == pytest.approx((line.line.n2p(1e-4)[0] + line.line.n2p(1.0)[0]) / 2)


def test_a_table_card_holds_the_cells_it_was_given():
    card = Table(("optimizer", "best lr"), (("SGD", "0.001"), ("Adam", "0.1")), highlight=(1,), title="tuning")
    mob = TableCard(card)
    cells = [[t.text for t in row] for row in mob.table.get_rows()]
    assert cells == [["optimizer", "bestlr"], ["SGD", "0.001"], ["Adam", "0.1"]]  # Text drops spaces from .text
    box = mob[1]
    assert box.get_top()[1] >= mob.table.get_rows()[2].get_top()[1]


def test_a_fate_map_is_its_cells_drawn_as_an_image_in_their_fate_colours():
    from scenes.toolkit.mesh import blit_image

    labels = np.zeros((8, 8), int)
    labels[:3] = 2  # the three lowest rows: row 0 is the domain's lowest y
    labels[5, 2:6] = 1
    fm = FateMap(labels, FATES, size=0.8)
    assert fm.image.image.shape == (8, 8, 3) and fm.width == pytest.approx(0.8)
    bad = (np.array(palette.fate_color("bad").to_rgb()) * 255).round()
    good = (np.array(palette.fate_color("good").to_rgb()) * 255).round()
    # drawn into a 16 x 16 pixel box: the lowest 3 rows of cells are the bottom 6 pixel rows
    pixels = np.zeros((20, 20, 4), np.uint8)
    blit_image(pixels, (2, 2, 18, 18), fm.image.image)
    np.testing.assert_array_equal(pixels[12:18, 2:18, :3], np.broadcast_to(bad, (6, 16, 3)))
    np.testing.assert_array_equal(pixels[2:6, 2:18, :3], np.broadcast_to(good, (4, 16, 3)))
    assert (pixels[4, 6:10, :3] == good).all() and pixels[0, 0, :3].tolist() == [0, 0, 0]
    mid = (np.array(palette.fate_color("middle").to_rgb()) * 255).round()
    assert (pixels[6:8, 6:14, :3] == mid).all()  # row 5 of 8 from the bottom: pixel rows 6-7, columns 6-13


def test_a_pinned_fate_map_card_is_drawn_where_it_was_placed():
    from manim import ORIGIN

    from scenes.toolkit.cards import FateMapsCard

    labels = np.full((16, 16), 2)
    card = FateMapsCard(FateMaps((("A", labels), ("B", labels)), FATES), font_size=18)
    card.scale(0.5).move_to(ORIGIN + np.array([0.5, 0.5, 0.0]))
    cam = MeshCamera(pixel_width=640, pixel_height=360, frame_width=64 / 9, frame_height=4)
    cam.fixed_in_frame_mobjects = set(card.get_family())
    cam.capture_mobjects([card])
    bad = (np.array(palette.fate_color("bad").to_rgb()) * 255).round()
    hit = np.argwhere((np.abs(cam.pixel_array[..., :3].astype(int) - bad).max(-1) <= 1))
    img = card[0][0][1].image  # the first map's image: its box in frame units
    left, bottom = img.points[0][:2]
    right, top = img.points[2][:2]
    px = lambda x: (x + 32 / 9) * 640 / (64 / 9)  # noqa: E731
    assert hit[:, 1].min() == pytest.approx(px(left), abs=1.5)
    assert len(hit) > 0.9 * 2 * (right - left) * (top - bottom) * (640 / (64 / 9)) ** 2


def test_particles_are_stamped_as_disks_with_numpy():
    from scenes.toolkit.mesh import stamp_disks

    pixels = np.zeros((40, 60, 4), np.uint8)
    stamp_disks(pixels, np.array([[10.0, 10.0], [40.5, 20.5]]), 3.0, np.array([[1, 0, 0], [0, 0, 1.0]]))
    red, blue = pixels[..., 0] > 128, pixels[..., 2] > 128
    # a disk of radius 3 covers about pi r^2 pixels, centred where it was put
    assert abs(red.sum() - np.pi * 9) < 8 and abs(blue.sum() - np.pi * 9) < 8
    assert np.argwhere(red).mean(0) == pytest.approx([9.5, 9.5], abs=0.3)
    assert np.argwhere(blue).mean(0) == pytest.approx([20.0, 40.0], abs=0.3)
    stamp_disks(pixels, np.array([[-50.0, -50.0]]), 3.0, np.array([[0, 1, 0.0]]))  # off the frame: nothing
    assert pixels[..., 1].max() == 0


def test_make_card_knows_every_card_and_refuses_others():
    maps = FateMaps((("SGD 50%", np.eye(4, dtype=int)),), FATES[:2])
    assert make_card(maps).height > 0
    with pytest.raises(TypeError):
        make_card("a table")


def test_a_swarm_legend_has_a_row_per_fate_in_its_colour(fan):
    legend = SwarmLegend(fan, font_size=18)
    rows = legend[1]
    assert [r[1].text for r in rows] == ["settles", "zig-zagsin", "diverges"]
    assert [r[0].get_fill_color().to_hex().lower() for r in rows] == \
        [palette.fate_color(f.kind).to_hex().lower() for f in FATES]


# -- arrows on the surface -----------------------------------------------------------------------------------
def test_eigenvector_arrows_lie_on_the_surface(bowl):
    arrows = SurfaceArrows(bowl, Arrows((0.0, 0.0), ((2.0, 0.0), (0.0, 1.0)), ("λ = 0.2", "λ = 4")))
    shaft = arrows[0]
    ends = np.asarray(shaft.get_anchors())
    back = np.array([bowl.axes.p2c(p) for p in ends[[0, -1]]])
    np.testing.assert_allclose(back[:, :2], [[0, 0], [2, 0]], atol=1e-9)
    surf = optmath.get_surface("bowl")
    assert back[1, 2] > surf.f(2.0, 0.0)  # lifted just above it
    assert len(arrows.labels) == 2


# -- the log height view ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["rosenbrock", "beale"])
def test_valleys_with_steep_walls_are_drawn_whole_on_a_log_scale(name):
    surf = optmath.get_surface(name)
    assert surf.log_height
    scale = HeightScale(surf)
    (x0, x1), (y0, y1) = surf.domain
    X, Y = np.meshgrid(np.linspace(x0, x1, 129), np.linspace(y0, y1, 129), indexing="ij")
    F = surf.f(X, Y)
    h = scale(F)
    # nothing of the domain is clipped, and the order of heights is the order of values
    assert h.max() == pytest.approx(scale.range[1]) and h.min() >= scale.range[0]
    order = np.argsort(F.ravel())
    assert np.all(np.diff(h.ravel()[order]) >= 0)
    # the linear z-range clipped a large share of the domain
    assert (F > surf.z_range[1]).mean() > 0.2
    np.testing.assert_allclose(scale(np.array([0.0, 9.0, 99.0])), [0.0, 1.0, 2.0])


def test_paths_ride_the_log_drawn_surface():
    loss = LossSurface(optmath.get_surface("rosenbrock"), resolution=8)
    p = loss.surface_points(np.array([[-1.5, 2.0]]))[0]
    assert loss.axes.p2c(p)[2] == pytest.approx(np.log10(1 + optmath.get_surface("rosenbrock").f(-1.5, 2.0)))
    assert not optmath.get_surface("bowl").log_height
    assert HeightScale(optmath.get_surface("bowl")).range == optmath.get_surface("bowl").z_range


# -- static words: one path per text ----------------------------------------------------------------------------
def test_merged_glyphs_draw_the_same_words_in_one_path_each():
    from manim import DOWN, Camera, MathTex, Text, VGroup

    from scenes.toolkit.glyphs import merge_glyphs

    def make():
        return VGroup(Text("Why a step size blows up 鞍点 λmax", font_size=34),
                      MathTex(r"f(x, y) = 0.1x^2 + 2y^2")).arrange(DOWN)

    def render(m):
        cam = Camera(pixel_width=800, pixel_height=450)
        cam.capture_mobjects([m])
        return cam.pixel_array[..., :3].astype(int)

    plain, merged = make(), merge_glyphs(make())
    assert len(plain.family_members_with_points()) > 30 and len(merged.family_members_with_points()) == 2
    assert merged[0].text == plain[0].text
    # the same pixels up to anti-aliasing where two glyphs' edges meet
    assert np.abs(render(plain) - render(merged)).max() <= 8


def test_glyphs_of_different_styles_are_left_apart():
    from manim import Text

    from scenes.toolkit.glyphs import merge_paths

    t = Text("ab", t2c={"a": "#ff0000"})
    assert not merge_paths(t) and len(t.family_members_with_points()) == 2


def test_a_still_camera_pastes_the_mesh_it_drew_and_a_moved_one_draws_it_again(monkeypatch):
    loss = LossSurface(optmath.get_surface("rosenbrock"), resolution=16)
    cam = MeshCamera(pixel_width=320, pixel_height=180)
    cam.set_phi(1.0)
    drawn = []
    original = MeshCamera._draw_mesh
    monkeypatch.setattr(MeshCamera, "_draw_mesh", lambda self, ctx, mesh: (drawn.append(1), original(self, ctx, mesh)))

    def frame():
        cam.reset()
        cam.capture_mobjects([loss])
        return cam.pixel_array.copy()

    first, second = frame(), frame()
    assert len(drawn) == 1 and np.array_equal(first, second)
    cam.set_theta(0.3)
    third = frame()
    assert len(drawn) == 2 and not np.array_equal(first, third)
    loss.mesh.set_opacity(0.5)  # a fade changes the picture too
    frame()
    assert len(drawn) == 3


def test_only_coarse_meshes_outline_their_faces():
    from scenes.toolkit.surface import MESH_LINES_UP_TO

    coarse = LossSurface(optmath.get_surface("bowl"))
    fine = LossSurface(optmath.get_surface("rosenbrock"))
    assert coarse.resolution <= MESH_LINES_UP_TO < fine.resolution
    assert coarse.mesh.stroke_width > 0 and fine.mesh.stroke_width == 0
