"""Optimizer colours are told apart at a glance, also by colour-blind viewers.

The measure is CIEDE2000 (Sharma, Wu & Dalal 2005) between CIELab colours (D65, from
colorspacious). Colour-vision deficiencies are simulated with colorspacious's Machado et al.
(2009) model at severity 100 (dichromacy), clipped to the sRGB gamut as a screen would show it.
colorspacious has no CIEDE2000 (its deltaE is Euclidean), so it is written out here and checked
against Sharma's published test pairs.

Thresholds: >= 20 between any two optimizers that share a shot (palette.SHOWN_TOGETHER, and an
optimizer with its variants), in normal vision and under deuteranopia, the most common deficiency;
protanopia is measured and printed (run this file directly for the table) but not asserted.
>= 25 between every path colour and the background and every surface colour.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

colorspacious = pytest.importorskip("colorspacious")

from optmath.optimizers.base import DISPLAY_NAMES  # noqa: E402
from scenes.toolkit import palette  # noqa: E402

PAIR_MIN = 20.0
CONTRAST_MIN = 25.0
VARIANTS = 5  # optimizer_color gives five distinct variants before it cycles
DEUTERANOPIA = {"name": "sRGB1+CVD", "cvd_type": "deuteranomaly", "severity": 100}
PROTANOPIA = {"name": "sRGB1+CVD", "cvd_type": "protanomaly", "severity": 100}
VISIONS = {"normal": None, "deuteranopia": DEUTERANOPIA}


def ciede2000(lab1, lab2) -> np.ndarray:
    """CIEDE2000 colour difference (kL = kC = kH = 1), vectorised over leading axes."""
    lab1, lab2 = np.broadcast_arrays(np.asarray(lab1, float), np.asarray(lab2, float))
    L1, a1, b1 = np.moveaxis(lab1, -1, 0)
    L2, a2, b2 = np.moveaxis(lab2, -1, 0)
    c7 = ((np.hypot(a1, b1) + np.hypot(a2, b2)) / 2) ** 7
    g = 0.5 * (1 - np.sqrt(c7 / (c7 + 25.0**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360
    chroma0 = c1p * c2p == 0
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(chroma0, 0.0, dh)
    d_l, d_c = L2 - L1, c2p - c1p
    d_h = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh) / 2)
    l_bar, c_bar = (L1 + L2) / 2, (c1p + c2p) / 2
    h_sum = h1p + h2p
    h_bar = np.where(np.abs(h1p - h2p) > 180, np.where(h_sum < 360, h_sum + 360, h_sum - 360), h_sum) / 2
    h_bar = np.where(chroma0, h_sum, h_bar)
    t = (1 - 0.17 * np.cos(np.radians(h_bar - 30)) + 0.24 * np.cos(np.radians(2 * h_bar))
         + 0.32 * np.cos(np.radians(3 * h_bar + 6)) - 0.20 * np.cos(np.radians(4 * h_bar - 63)))
    s_l = 1 + 0.015 * (l_bar - 50) ** 2 / np.sqrt(20 + (l_bar - 50) ** 2)
    s_c = 1 + 0.045 * c_bar
    s_h = 1 + 0.015 * c_bar * t
    r_c = 2 * np.sqrt(c_bar**7 / (c_bar**7 + 25.0**7))
    r_t = -np.sin(np.radians(60 * np.exp(-(((h_bar - 275) / 25) ** 2)))) * r_c
    return np.sqrt((d_l / s_l) ** 2 + (d_c / s_c) ** 2 + (d_h / s_h) ** 2 + r_t * (d_c / s_c) * (d_h / s_h))


def _rgb(color) -> np.ndarray:
    """sRGB in [0, 1] of a hex string or a ManimColor."""
    if isinstance(color, str):
        h = color.lstrip("#")
        return np.array([int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)])
    return np.asarray(color.to_rgb(), float)


def _lab(color, cvd=None) -> np.ndarray:
    rgb = _rgb(color)
    if cvd is not None:
        rgb = np.clip(colorspacious.cspace_convert(rgb, cvd, "sRGB1"), 0, 1)
    return colorspacious.cspace_convert(rgb, "sRGB1", "CIELab")


def delta_e(c1, c2, cvd=None) -> float:
    """CIEDE2000 between two colours, both seen with deficiency ``cvd`` (None: normal vision)."""
    return float(ciede2000(_lab(c1, cvd), _lab(c2, cvd)))


def _shots() -> dict[str, list[tuple[str, object]]]:
    """Every set of paths that can share a shot, as (label, colour): the SHOWN_TOGETHER groups,
    and each optimizer with its variants."""
    shots = {g: [(n, palette.optimizer_color(n)) for n in names] for g, names in palette.SHOWN_TOGETHER.items()}
    for name in palette.OPTIMIZER_COLORS:
        shots[f"{name} + variants"] = [(f"{name}#{k}" if k else name, palette.optimizer_color(name, k))
                                       for k in range(VARIANTS + 1)]
    # a swarm's paths by fate (settles, a second outcome, leaves, the rest)
    shots["fates"] = [(kind, palette.fate_color(kind)) for kind in palette.FATE_COLORS]
    return shots


def _closest_pair(members, cvd):
    return min(((delta_e(ca, cb, cvd), a, b) for (a, ca), (b, cb) in itertools.combinations(members, 2)))


SHOTS = _shots()
REPORTED = [*palette.SHOWN_TOGETHER, "sgd + variants"]  # the other variant sets use the same six colours
PATH_COLORS = sorted({palette.optimizer_color(n, k).to_hex() for n in palette.OPTIMIZER_COLORS
                      for k in range(VARIANTS + 1)})
SURROUNDINGS = [palette.BACKGROUND, *palette.SURFACE_COLORSCALE]

# Sharma, Wu & Dalal (2005), Table 1: CIELab pairs and their CIEDE2000.
SHARMA = [
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 3.1571, -77.2803), (50.0, 0.0, -82.7485), 2.8615),
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((50.0, 2.5, 0.0), (61.0, -5.0, 29.0), 22.8977),
    ((50.0, 2.5, 0.0), (56.0, -27.0, -3.0), 31.9030),
    ((50.0, 2.5, 0.0), (58.0, 24.0, 15.0), 19.4535),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ((2.0776, 0.0795, -1.1350), (0.9033, -0.0636, -0.5514), 0.9082),
]


@pytest.mark.parametrize("lab1, lab2, expected", SHARMA)
def test_ciede2000_matches_sharma_test_data(lab1, lab2, expected):
    assert ciede2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)
    assert ciede2000(lab2, lab1) == pytest.approx(expected, abs=1e-4)  # symmetric


def test_deficiency_simulation_merges_red_and_green():
    """Sanity check of the simulation: a red and a green far apart in normal vision nearly merge."""
    assert delta_e("#D55E00", "#8A8A00") > 30
    assert delta_e("#D55E00", "#8A8A00", DEUTERANOPIA) < 12


@pytest.mark.parametrize("vision", VISIONS)
@pytest.mark.parametrize("shot", SHOTS)
def test_paths_in_one_shot_are_told_apart(shot, vision):
    d, a, b = _closest_pair(SHOTS[shot], VISIONS[vision])
    assert d >= PAIR_MIN, f"{shot}: {a} and {b} are only CIEDE2000 {d:.1f} apart ({vision})"


def test_protanopia_is_measured(capsys):
    """Protanopia is reported, not asserted: the colours were chosen for deuteranopia."""
    worst = {shot: _closest_pair(SHOTS[shot], PROTANOPIA) for shot in REPORTED}
    with capsys.disabled():
        print("\nprotanopia, closest pair: " + "; ".join(f"{s} {d:.1f} ({a}/{b})" for s, (d, a, b) in worst.items()))
    assert all(d > 0 for d, _, _ in worst.values())


@pytest.mark.parametrize("vision", VISIONS)
@pytest.mark.parametrize("color", PATH_COLORS)
def test_paths_stand_out_from_background_and_surface(color, vision):
    for around in SURROUNDINGS:
        d = delta_e(color, around, VISIONS[vision])
        assert d >= CONTRAST_MIN, f"{color} is only CIEDE2000 {d:.1f} from {around} ({vision})"


def test_groups_name_known_optimizers_and_cover_them_all():
    grouped = {n for names in palette.SHOWN_TOGETHER.values() for n in names}
    assert grouped <= set(palette.OPTIMIZER_COLORS)
    assert set(palette.OPTIMIZER_COLORS) <= grouped, "an optimizer in no group may clash with anything"
    assert set(DISPLAY_NAMES) <= set(palette.OPTIMIZER_COLORS), "every optimizer has a colour of its own"


def test_the_biggest_race_is_one_group():
    """cubic.py races these six at once; bowl.py's shots are subsets."""
    assert set(palette.SHOWN_TOGETHER["race"]) == {"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"}


def test_sgd_stays_warm_and_adam_is_not_its_neighbour():
    lab = _lab(palette.optimizer_color("sgd"))
    hue = np.degrees(np.arctan2(lab[2], lab[1])) % 360
    assert 20 <= hue <= 60 and np.hypot(lab[1], lab[2]) >= 60, "SGD is a saturated red-orange"
    for vision in VISIONS.values():
        assert delta_e(palette.optimizer_color("sgd"), palette.optimizer_color("adam"), vision) >= 25


@pytest.mark.parametrize("name", [*palette.OPTIMIZER_COLORS, "no-such-optimizer"])
def test_variants_differ_from_the_base_colour(name):
    base = palette.optimizer_color(name)
    for k in range(1, VARIANTS + 1):
        variant = palette.optimizer_color(name, k)
        assert variant.to_hex() != base.to_hex()
        assert delta_e(base, variant) > 10
    if name in palette.OPTIMIZER_COLORS:  # five distinct, then they cycle
        assert palette.optimizer_color(name, VARIANTS + 1).to_hex() == palette.optimizer_color(name, 1).to_hex()


def test_unknown_optimizer_gets_a_visible_default():
    color = palette.optimizer_color("no-such-optimizer")
    assert color.to_hex().lower() == palette.DEFAULT_COLOR.lower()
    assert color.to_hex().lower() not in {c.lower() for c in palette.OPTIMIZER_COLORS.values()}
    for around in SURROUNDINGS:
        for vision in VISIONS.values():
            assert delta_e(color, around, vision) >= CONTRAST_MIN


def test_public_names_keep_their_types():
    from manim import ManimColor

    for c in [*palette.OPTIMIZER_COLORS.values(), *palette.ALTERNATES, *palette.OKABE_ITO.values(),
              *palette.SURFACE_COLORSCALE, palette.BACKGROUND, palette.TEXT_COLOR, palette.HIGHLIGHT,
              palette.MARKER_COLOR, palette.CONTOUR_COLOR]:
        assert isinstance(c, str) and ManimColor(c).to_hex()
    assert isinstance(palette.optimizer_color("sgd"), ManimColor)
    assert isinstance(palette.optimizer_color("sgd", 2), ManimColor)


def test_palette_does_not_import_colorspacious_at_runtime():
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(palette))
    imported = {a.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    assert "colorspacious" not in imported


def min_distance_table() -> str:
    """The closest pair of each group (and of SGD with its variants) in each vision, and each
    path colour's smallest distance to the background and the surface."""
    visions = {"normal": None, "deuteranopia": DEUTERANOPIA, "protanopia": PROTANOPIA}
    rows = [f"{'shot':16s}" + "".join(f"{v:>36s}" for v in visions)]
    for shot in REPORTED:
        cells = [f"{d:5.1f} {a}/{b}" for d, a, b in (_closest_pair(SHOTS[shot], cvd) for cvd in visions.values())]
        rows.append(f"{shot:16s}" + "".join(f"{c:>36s}" for c in cells))
    rows.append("")
    rows.append(f"{'colour':16s}" + "".join(f"{'to bg/surface, ' + v:>36s}" for v in visions))
    for color in PATH_COLORS:
        rows.append(f"{color:16s}" + "".join(
            f"{min(delta_e(color, s, cvd) for s in SURROUNDINGS):36.1f}" for cvd in visions.values()))
    return "\n".join(rows)


if __name__ == "__main__":
    print(min_distance_table())


def test_a_race_of_any_optimizers_gets_distinct_colours():
    """A user's shot may mix optimizers of different SHOWN_TOGETHER groups (AdamW and Momentum share
    sky blue): the race moves the second claimant to a free path colour; known groups keep their own."""
    race_colors, optimizer_color = palette.race_colors, palette.optimizer_color
    mixed = race_colors([("adamw", 0), ("momentum", 0), ("sgd", 0), ("sgd", 1), ("nadam", 0), ("nesterov", 0)])
    assert len({c.to_hex() for c in mixed}) == 6
    assert mixed[0] == optimizer_color("adamw") and mixed[2] == optimizer_color("sgd")
    for group in palette.SHOWN_TOGETHER.values():
        assert race_colors([(n, 0) for n in group]) == [optimizer_color(n) for n in group]
