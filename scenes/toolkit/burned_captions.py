"""The clip's captions, burned into its frames as Manim encodes them: one encode, not two.

A 9:16 clip is watched with the sound off, so its word-lit captions are part of
the picture. They used to be burned in after the render, by decoding Manim's
movie and encoding it again with ffmpeg's ``ass`` filter: a second x264 pass
over every frame (a fifth of a 1080p clip's render) and a second generation of
compression. Here libass still draws every caption (the same ASS script, from
``scenes.publish.ass_script``), but once per caption state, not per frame:
each state is rendered on black and on white, which gives, per pixel, the
affine map libass's blending applies to whatever lies under it
(``out = black + under * (white - black) / 255``). The scene's encoder applies
that map to the frames that show the state, on the encoder's thread, while the
next frames are drawn.

The captions of a frame depend only on the words spoken up to it: a cue is
known when its voiceover starts, and a chunk's caption is cut where the next
one starts or lingers a fixed time after its last word (``_GAP_BRIDGE``), so a
frame encoded before the next cue is known shows what the finished clip's
``.srt`` says it shows. PyAV's bundled FFmpeg has no libass; the system
ffmpeg (installed by ``setup.sh``) renders the states.
"""

from __future__ import annotations

import bisect
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scenes.publish import ass_script, ass_text

CAPTION_PX_AT_1080 = 64
CAPTION_FONT = {"en": "DejaVu Sans", "zh": "Noto Sans CJK SC"}
CHUNK = {"en": 4, "zh": 12}  # caption tokens shown at once: words, or Chinese characters (and numbers)
_RENDER_RATE = 100  # frames per second of the state renders: ASS times are centiseconds


def caption_px(width: int) -> int:
    """Caption type size: 64 px at 1080 wide (capitals about 46 px tall), in proportion below."""
    return max(12, round(CAPTION_PX_AT_1080 * width / 1080))


def clip_script(cues: list[dict], width: int, height: int, lang: str) -> tuple[str, list[tuple[int, int, str]]]:
    """The clip's caption script at ``width`` x ``height``, inside the layout's caption slot, as
    ``scenes.publish.ass_script`` gives it: its header and its events."""
    from scenes.formats.layout import SOCIAL
    from scenes.toolkit import palette

    box = SOCIAL.captions.pixels(SOCIAL.frame.width, SOCIAL.frame.height, width, height)
    return ass_script(cues, width, height, box, font_px=caption_px(width), font=CAPTION_FONT[lang],
                      words_per_chunk=CHUNK[lang], highlight=palette.HIGHLIGHT)


def clip_ass(cues: list[dict], width: int, height: int, lang: str) -> str:
    """The same script as one text, what libass reads."""
    return ass_text(*clip_script(cues, width, height, lang))


@dataclass(frozen=True)
class Event:
    """One caption state: shown from ``start`` to ``end`` (ms, end excluded); ``body`` is what libass
    draws (the event's style, margins and text)."""
    start: int
    end: int
    body: str


@dataclass(frozen=True)
class Layer:
    """What one caption state does to the pixels under it, in the rectangle it touches."""
    top: int
    left: int
    black: np.ndarray  # float32 (h, w, 3): the state drawn on black
    scale: np.ndarray  # float32 (h, w, 3): (white - black) / 255, how much of the picture shows through

    def apply(self, rgb: np.ndarray) -> None:
        """Burn the state into ``rgb`` (uint8, (H, W, 3) view of a frame) in place."""
        h, w = self.black.shape[:2]
        region = rgb[self.top:self.top + h, self.left:self.left + w]
        region[...] = np.clip(np.rint(self.black + region * self.scale), 0, 255).astype(np.uint8)


def render_layers(header: str, bodies: list[str], width: int, height: int) -> list[Layer | None]:
    """Each body drawn once by libass (system ffmpeg), on black and on white; None where it draws nothing."""
    if not bodies:
        return []
    states = ass_text(header, [(i, i + 1, body) for i, body in enumerate(bodies)])  # body i in centisecond i
    frames = {}
    with tempfile.TemporaryDirectory(prefix="optviz-captions-") as work:
        # a plain name in ffmpeg's working directory: the ass filter's path needs no escaping
        (Path(work) / "states.ass").write_text(states, encoding="utf-8")
        for colour in ("black", "white"):
            cmd = ["ffmpeg", "-v", "error", "-nostdin", "-f", "lavfi", "-i",
                   f"color=c={colour}:s={width}x{height}:r={_RENDER_RATE},format=rgb24",
                   "-vf", "ass=filename=states.ass", "-frames:v", str(len(bodies)),
                   "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]
            r = subprocess.run(cmd, cwd=work, capture_output=True)
            want = len(bodies) * width * height * 3
            if r.returncode != 0 or len(r.stdout) != want:
                raise RuntimeError(f"ffmpeg could not draw the captions (exit {r.returncode}): "
                                   + r.stderr.decode(errors="replace").strip()[-300:])
            frames[colour] = np.frombuffer(r.stdout, np.uint8).reshape(len(bodies), height, width, 3)
    out: list[Layer | None] = []
    for black, white in zip(frames["black"], frames["white"]):
        touched = (black != 0).any(-1) | (white != 255).any(-1)
        rows, cols = np.flatnonzero(touched.any(1)), np.flatnonzero(touched.any(0))
        if rows.size == 0:
            out.append(None)
            continue
        ys, xs = slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1)
        b = black[ys, xs].astype(np.float32)
        out.append(Layer(int(rows[0]), int(cols[0]), b, (white[ys, xs].astype(np.float32) - b) / 255.0))
    return out


class CaptionBurner:
    """The captions of a clip being rendered, by frame number, for the encoder to burn in.

    ``update`` is called on the scene's thread each time a cue starts (with every cue so far);
    ``burn`` on the encoder's thread, for frames in order. A new timeline replaces the old one in
    one assignment, and holds the layers it needs, so ``burn`` never sees half an update.
    """

    def __init__(self, width: int, height: int, fps: float, lang: str):
        self.width, self.height, self.fps, self.lang = width, height, fps, lang
        self._layers: dict[str, Layer | None] = {}
        self._timeline: tuple[list[int], list[Event]] = ([], [])

    def update(self, cues: list[dict]) -> None:
        header, script = clip_script(cues, self.width, self.height, self.lang)
        events = [Event(start * 10, end * 10, body) for start, end, body in script]
        new = sorted({e.body for e in events} - self._layers.keys())
        for body, layer in zip(new, render_layers(header, new, self.width, self.height)):
            self._layers[body] = layer
        self._timeline = ([e.start for e in events], events)

    def event_at(self, frame: int) -> Event | None:
        """The caption state shown in ``frame`` (at ``frame / fps`` s, in whole ms as ffmpeg's ass filter
        times a frame), or None."""
        starts, events = self._timeline
        ms = int(frame * 1000 / self.fps)
        i = bisect.bisect_right(starts, ms) - 1
        if i < 0 or ms >= events[i].end:
            return None
        return events[i]

    def layer_at(self, frame: int) -> Layer | None:
        event = self.event_at(frame)
        return None if event is None else self._layers.get(event.body)

    def burn(self, frame: np.ndarray, index: int) -> np.ndarray:
        """``frame`` (RGBA, uint8) with the captions of frame ``index`` burned in: a copy if it has any."""
        layer = self.layer_at(index)
        if layer is None:
            return frame
        out = frame.copy()
        layer.apply(out[..., :3])
        return out
