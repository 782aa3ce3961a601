"""Colours and sizes shared by every scene, so an optimizer looks the same everywhere.

Why these optimizer colours
---------------------------
Paths race over a dark background (``BACKGROUND``) and a surface in muted blues
(``SURFACE_COLORSCALE``), and often cross or overlap. A viewer must tell any two
paths in one shot apart at a glance, also with a colour-vision deficiency. The
Okabe-Ito palette alone does not do that here: vermillion (SGD) and orange (Adam)
are only CIEDE2000 ~22 apart and ~12 apart under simulated deuteranopia, and sky
blue / reddish purple / bluish green collapse to ~16 under deuteranopia.

So the six path colours in ``PATH_COLORS`` were chosen by a search over sRGB
(simulated annealing, then a local refinement) that maximised the smallest
pairwise CIEDE2000 distance, both in normal vision and under simulated
deuteranopia (colorspacious ``sRGB1+CVD``, ``deuteranomaly``, severity 100),
subject to:

* every colour at least CIEDE2000 25 (with a margin: 28) from the background and
  from every surface colour, in normal vision and under deuteranopia, so a path
  never sinks into the surface;
* CIELab lightness >= 45, so no path is a dim line on a dark screen;
* each colour stays in the hue family of its Okabe-Ito namesake (SGD keeps a warm
  vermillion), except Adam, which moves from orange to white so it can no longer
  be mistaken for SGD;
* under simulated protanopia every colour stays >= 16 from the surface (a vivid
  pink, otherwise better, fades to 9 against the brightest surface blue).

The result: every pair of the six is >= 23.0 apart in normal vision, >= 22.1 under
deuteranopia and >= 17.0 under protanopia (measured and reported, not a target).
Six colours is about the limit: under deuteranopia the colours left after the
dark background and the blue surface are taken out form a thin region (mostly
lightness and yellow-blue); the best seven the search found just reach 20, with
no margin, a greyish colour and background contrast exactly at 25.
``tests/test_palette.py`` holds the measurements.

Because of that limit, the eleven classic optimizers plus the three teaching
variants share the six colours, and only the optimizers listed together in one
group of ``SHOWN_TOGETHER`` are guaranteed distinct. A new shot that mixes
optimizers from different groups must add its group there (the test then checks
it). Colour alone reaches the target for every group, so paths need no dash
patterns.
"""

from __future__ import annotations

from manim import ManimColor

OKABE_ITO = {
    "orange": "#E69F00", "sky_blue": "#56B4E9", "bluish_green": "#009E73", "yellow": "#F0E442",
    "blue": "#0072B2", "vermillion": "#D55E00", "reddish_purple": "#CC79A7", "grey": "#BBBBBB",
}

# The six path colours (see the module docstring for how they were found). Named after the
# Okabe-Ito colour each one descends from; "white" replaces Okabe-Ito orange, too close to vermillion.
PATH_COLORS = {
    "vermillion": "#EC730C",      # lighter than Okabe-Ito's, to clear the surface
    "sky_blue": "#93DFFD",        # lighter: mid sky blue sits on the surface's blues under deuteranopia
    "yellow": "#FFFE7F",          # paler: SGD's vermillion looks olive-yellow to deuteranopes
    "bluish_green": "#017A53",    # darker: the one dark path, told apart by lightness
    "reddish_purple": "#DA8496",  # pinker: Okabe-Ito's turns grey-blue, like sky blue, under deuteranopia
    "white": "#FFFFF6",
}

OPTIMIZER_COLORS = {
    # the big race (cubic.py) and the bowl's shots: one colour each
    "sgd": PATH_COLORS["vermillion"],
    "momentum": PATH_COLORS["sky_blue"],
    "nesterov": PATH_COLORS["yellow"],
    "adagrad": PATH_COLORS["bluish_green"],
    "rmsprop": PATH_COLORS["reddish_purple"],
    "adam": PATH_COLORS["white"],
    # the rest reuse a colour of an optimizer they are never shown with (SHOWN_TOGETHER)
    "adadelta": PATH_COLORS["yellow"],
    "adamw": PATH_COLORS["sky_blue"],
    "amsgrad": PATH_COLORS["reddish_purple"],
    "adamax": PATH_COLORS["bluish_green"],
    "nadam": PATH_COLORS["yellow"],  # Nesterov-Adam: Nesterov's yellow
    # teaching variants, shown next to torch's momentum and Nesterov
    "momentum-sutskever": PATH_COLORS["bluish_green"],
    "momentum-ema": PATH_COLORS["reddish_purple"],
    "nesterov-cs231n": PATH_COLORS["white"],
}

# Which optimizers may share a shot. Within a group every pair of colours is CIEDE2000 >= 20
# apart, in normal vision and under deuteranopia (tests/test_palette.py); across groups colours
# repeat. SGD is in every group as the usual baseline.
SHOWN_TOGETHER = {
    "race": ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"),  # cubic.py; bowl.py's shots are subsets
    "adaptive": ("sgd", "momentum", "adagrad", "adadelta", "rmsprop", "adam"),
    "adam family": ("sgd", "adam", "adamw", "amsgrad", "adamax", "nadam"),
    "teaching": ("sgd", "momentum", "nesterov", "momentum-sutskever", "momentum-ema", "nesterov-cs231n"),
}

# Colours for more runs of one optimizer in one shot (another lr or start): ``optimizer_color(name, k)``
# takes the k-th of these that is not the optimizer's own colour, so an optimizer and up to five of
# its variants are all distinct. They are the path colours again: no seventh colour is clearly far
# enough from all six.
ALTERNATES = [
    PATH_COLORS["bluish_green"], PATH_COLORS["yellow"], PATH_COLORS["reddish_purple"],
    PATH_COLORS["white"], PATH_COLORS["sky_blue"], PATH_COLORS["vermillion"],
]

# An optimizer without a colour of its own: a neutral grey no path colour uses, still clear of the
# background and the surface (CIEDE2000 >= 25).
DEFAULT_COLOR = OKABE_ITO["grey"]

# Height colormap of the surface: deep navy valleys to pale peaks.
SURFACE_COLORSCALE = ["#0e1a30", "#17304f", "#23476d", "#34608a", "#4d7ca3"]
CONTOUR_COLOR = "#8fb3c9"
BACKGROUND = "#0b0f17"
TEXT_COLOR = "#ECEFF4"
HIGHLIGHT = OKABE_ITO["yellow"]
MARKER_COLOR = "#FF4B4B"


def optimizer_color(name: str, variant: int = 0) -> ManimColor:
    """The path colour of optimizer ``name``; ``variant`` k >= 1 gives its k-th extra run a colour of its own.

    Variants skip the optimizer's own colour, so a run and its variants never share one; they
    cycle after five. Unknown names get the visible neutral ``DEFAULT_COLOR``.
    """
    base = OPTIMIZER_COLORS.get(name, DEFAULT_COLOR)
    if not variant:
        return ManimColor(base)
    others = [c for c in ALTERNATES if c.lower() != base.lower()]
    return ManimColor(others[(variant - 1) % len(others)])


def race_colors(racers: list[tuple[str, int]]) -> list[ManimColor]:
    """Colours for one race of (optimizer, variant) runs: each its ``optimizer_color``, except that a
    colour already claimed in this race (optimizers of different ``SHOWN_TOGETHER`` groups in a user's
    shot) goes to the first run claiming it and the others take path colours nobody claims, so up to
    six paths never share one."""
    own = [optimizer_color(name, variant).to_hex().lower() for name, variant in racers]
    claimed = {c: i for i, c in reversed(list(enumerate(own)))}  # colour -> first run that wants it
    free = [c.lower() for c in PATH_COLORS.values() if c.lower() not in claimed]
    out = []
    for i, color in enumerate(own):
        if claimed[color] != i and free:
            color = free.pop(0)
        out.append(ManimColor(color))
    return out


# What became of a path (``scenes.description.Fate``): settles, a second outcome, leaves, the rest.
# Four path colours, so every pair stays told apart under deuteranopia too (tests/test_palette.py; the
# neutral grey is only 17 from sky blue there): sky blue is "good" rather than a green, which
# deuteranopes see as the vermillion; white, the most neutral of the six, is "the rest".
FATE_COLORS = {
    "good": PATH_COLORS["sky_blue"],
    "middle": PATH_COLORS["yellow"],
    "bad": PATH_COLORS["vermillion"],
    "other": PATH_COLORS["white"],
}


def fate_color(kind: str) -> ManimColor:
    return ManimColor(FATE_COLORS[kind])
