"""Manim's entry point for a shot: ``OPTVIZ_SHOT=my_shot.toml manim render shots/scene.py ShotSegment``.

``optviz render my_shot.toml`` runs exactly that (``ShotSocial`` for the 9:16 clip, ``ShotTalk`` for a
deck). The shot is read and checked again in the Manim process; ``optviz`` has already refused bad input.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from scenes.segments._manim import scene_exports

SHOT_ENV = "OPTVIZ_SHOT"  # the shot document: a .toml file, or the .json optviz writes for `optviz race`


def read(path: "str | Path"):
    from shots.schema import from_dict, load

    path = Path(path)
    if path.suffix == ".json":
        return from_dict(json.loads(path.read_text(encoding="utf-8")), path.stem)
    return load(path)


def describe(short: bool = False):
    from shots.describe import describe as build

    path = os.environ.get(SHOT_ENV)
    if not path:
        raise RuntimeError(f"set {SHOT_ENV} to a shot file (optviz render my_shot.toml does it for you)")
    return build(read(path), short=short)


__getattr__, __dir__ = scene_exports(__name__, "shot")
