"""Colours and sizes shared by every scene, so an optimizer looks the same everywhere.

Optimizer colours are the Okabe-Ito palette (distinguishable with the common
colour-vision deficiencies), drawn over a surface coloured in muted blues so
the paths keep the brightest colours on screen.
"""

from __future__ import annotations

from manim import ManimColor

OKABE_ITO = {
    "orange": "#E69F00", "sky_blue": "#56B4E9", "bluish_green": "#009E73", "yellow": "#F0E442",
    "blue": "#0072B2", "vermillion": "#D55E00", "reddish_purple": "#CC79A7", "grey": "#BBBBBB",
}

OPTIMIZER_COLORS = {
    "sgd": OKABE_ITO["vermillion"],
    "momentum": OKABE_ITO["sky_blue"],
    "nesterov": OKABE_ITO["yellow"],
    "adagrad": OKABE_ITO["bluish_green"],
    "rmsprop": OKABE_ITO["reddish_purple"],
    "adadelta": OKABE_ITO["grey"],
    "adam": OKABE_ITO["orange"],
    "amsgrad": OKABE_ITO["orange"],
    "adamw": "#FFFFFF",
    "adamax": OKABE_ITO["blue"],
    "nadam": OKABE_ITO["grey"],
    "momentum-sutskever": OKABE_ITO["sky_blue"],
    "momentum-ema": OKABE_ITO["sky_blue"],
    "nesterov-cs231n": OKABE_ITO["yellow"],
}

# Extra colours for a second run of the same optimizer (another lr or start) in one shot.
ALTERNATES = [OKABE_ITO["bluish_green"], OKABE_ITO["yellow"], OKABE_ITO["reddish_purple"], "#F5F5F5"]

# Height colormap of the surface: deep navy valleys to pale peaks.
SURFACE_COLORSCALE = ["#0e1a30", "#17304f", "#23476d", "#34608a", "#4d7ca3"]
CONTOUR_COLOR = "#8fb3c9"
BACKGROUND = "#0b0f17"
TEXT_COLOR = "#ECEFF4"
HIGHLIGHT = OKABE_ITO["yellow"]
MARKER_COLOR = "#FF4B4B"


def optimizer_color(name: str, variant: int = 0) -> ManimColor:
    if variant:
        return ManimColor(ALTERNATES[(variant - 1) % len(ALTERNATES)])
    return ManimColor(OPTIMIZER_COLORS.get(name, "#FFFFFF"))
