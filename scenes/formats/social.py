"""The 9:16 social clip: a hook, the key moment and a last frame that loops into the first.

The picture is composed for portrait: Manim's frame itself is made 8 x 14.22
units (``-r`` alone would only change pixels and stretch the 16:9 frame), the
pixel size follows the quality (``-q l`` 480x854, ``-q m`` 720x1280, ``-q h``
1080x1920). Captions are burned into the frames as Manim encodes them
(``scenes.toolkit.burned_captions``), inside ``SOCIAL.captions``, from the
voice's word timings: the clip is encoded once, and publishing copies it.
"""

from __future__ import annotations

from manim import config

from scenes import language
from scenes.description import SOCIAL as NAME
from scenes.formats.layout import SOCIAL
from scenes.formats.player import FormatScene
from scenes.toolkit import manim_patches
from scenes.toolkit.burned_captions import CaptionBurner


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

    captions: CaptionBurner | None = None

    def __init__(self, **kwargs):
        use_portrait_frame()  # before the camera and the file writer read the config
        super().__init__(**kwargs)

    def setup(self):
        super().setup()
        if config.write_to_movie:
            self.captions = CaptionBurner(config.pixel_width, config.pixel_height, config.frame_rate,
                                          language.current())
            manim_patches.burn_into_frames(self, self.captions.burn)

    def note_words(self, tracker) -> None:
        super().note_words(tracker)
        if self.captions is not None:
            self.captions.update(self.spoken_words)

    def word_timeline_extra(self) -> dict:
        return {"burned": self.captions is not None}

    def finish(self) -> None:
        """Nothing to fade: the last beat is back at the opening picture, so the loop does not jump."""
