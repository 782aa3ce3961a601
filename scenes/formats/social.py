"""The 9:16 social clip: a hook, the key moment and a last frame that loops into the first.

The picture is composed for portrait: Manim's frame itself is made 8 x 14.22
units (``-r`` alone would only change pixels and stretch the 16:9 frame), the
pixel size follows the quality (``-q l`` 480x854, ``-q m`` 720x1280, ``-q h``
1080x1920). Captions are burned in after the render (``scenes.publish``) from
the word timeline this scene writes, inside ``SOCIAL.captions``.
"""

from __future__ import annotations

from manim import config

from scenes.description import SOCIAL as NAME
from scenes.formats.layout import SOCIAL
from scenes.formats.player import FormatScene


def portrait_pixels(pixel_width: int, pixel_height: int) -> tuple[int, int]:
    """The 9:16 size of a quality: its 16:9 height becomes the width (480p -> 480x854)."""
    if pixel_width <= pixel_height:
        return pixel_width, pixel_height
    width = pixel_height
    height = int(round(width * 16 / 9 / 2) * 2)
    return width, height


def use_portrait_frame() -> None:
    config.pixel_width, config.pixel_height = portrait_pixels(config.pixel_width, config.pixel_height)
    config.frame_height = SOCIAL.frame.height
    config.frame_width = SOCIAL.frame.width


class SocialScene(FormatScene):
    format_name = NAME
    layout = SOCIAL
    reveal_instantly = True  # the first frame is already the whole picture: the clip loops into it

    def __init__(self, **kwargs):
        use_portrait_frame()  # before the camera and the file writer read the config
        super().__init__(**kwargs)

    def finish(self) -> None:
        """Nothing to fade: the last beat is back at the opening picture, so the loop does not jump."""
