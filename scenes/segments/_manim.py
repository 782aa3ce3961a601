"""Make a segment file renderable by ``manim render`` while keeping it free of Manim.

A segment module holds content only, so tests and other formats import it
without Manim. Manim's CLI finds scenes with ``inspect.getmembers(module)``,
which asks the module's ``__dir__`` and then ``getattr``: the scene classes
are made on that request (PEP 562), one per format, when Manim is running.
"""

from __future__ import annotations

import sys

# format -> (class-name suffix, the format's scene: module path, class name)
FORMAT_SCENES = {
    "lecture": ("Segment", "scenes.formats.lecture", "LectureScene"),
    "social": ("Social", "scenes.formats.social", "SocialScene"),
    "talk": ("Talk", "scenes.formats.talk", "TalkScene"),
}


def scene_name(segment: str, fmt: str) -> str:
    """The scene class of a segment in a format: ``saddle``, lecture -> ``SaddleSegment``;
    ``fair-race``, social -> ``FairRaceSocial``."""
    return "".join(part.capitalize() for part in segment.replace("_", "-").split("-")) + FORMAT_SCENES[fmt][0]


def scene_exports(module_name: str, segment: str):
    """``__getattr__`` and ``__dir__`` for a segment module: its scene class in every format."""
    wanted = {scene_name(segment, fmt): fmt for fmt in FORMAT_SCENES}

    def __getattr__(name: str):
        if name not in wanted:
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        import importlib

        module = sys.modules[module_name]
        _, base_module, base_name = FORMAT_SCENES[wanted[name]]
        base = getattr(importlib.import_module(base_module), base_name)
        cls = type(name, (base,), {"segment": segment, "describe": staticmethod(module.describe),
                                   "__module__": module_name, "__qualname__": name})
        setattr(module, name, cls)
        return cls

    def __dir__():
        return sorted(set(vars(sys.modules[module_name])) | set(wanted))

    return __getattr__, __dir__
