"""The 16:9 lecture: every long-form beat, the surface revealed and the overlays faded at the end."""

from __future__ import annotations

from scenes.description import LECTURE as NAME
from scenes.formats.layout import LECTURE
from scenes.formats.player import FormatScene


class LectureScene(FormatScene):
    format_name = NAME
    layout = LECTURE
