"""The talk deck: the segment's beats as manim-slides slides, paused where a speaker talks.

One slide per beat, after a title slide: the slide plays the beat's picture
(what goes, what comes, the camera and the race) and stops on its last frame;
the speaker's notes are the beat's narration with optmath's numbers filled in.
A beat that starts a race from its first step, with the camera still, loops:
the race restarts while the speaker talks over it (the change of picture before
it is a slide of its own that moves on by itself, so the loop is the race alone). Silent by default: without
a voice no still frame is baked into a slide. With a voice, each slide lasts
at least its words, and ``scenes.cli`` muxes the words into the slide's movie
(Manim's per-animation movies, which manim-slides plays, carry no sound).
"""

from __future__ import annotations

import json
import wave
from pathlib import Path

from manim import DOWN, LEFT, FadeIn, ManimColor, Text, VGroup
from manim_slides import Slide, ThreeDSlide

from scenes import language
from scenes.description import TALK as NAME
from scenes.description import Beat
from scenes.formats.layout import LECTURE
from scenes.formats.player import FormatScene
from scenes.settings import slides_folder
from scenes.toolkit import palette

MIN_SLIDE = 0.2  # seconds: a slide that only holds a picture still needs one frame of its own


def notes(text: str) -> str:
    """Speaker notes are Markdown: keep the narration's characters literal."""
    for ch in "\\*_`#[]<>":
        text = text.replace(ch, "\\" + ch)
    return text


class TalkScene(FormatScene, ThreeDSlide):
    format_name = NAME
    layout = LECTURE
    skip_reversing = True  # reversed movies are for manim-slides present's "previous"; HTML/PDF do not need them

    def __init__(self, **kwargs):
        kwargs.setdefault("output_folder", slides_folder())
        super().__init__(**kwargs)

    def setup(self):
        super().setup()
        self.slide_audio: list[str | None] = []  # per slide begun: the WAV of its words, when voiced
        self.slide_starts: list[int] = []  # per slide begun: manim-slides' animation number where it starts
        self.skipping = False  # a later chunk of the deck: its slides are skipped until its first beat
        self.title_card = None

    # -- slides -------------------------------------------------------------------------------------
    def construct(self):
        self.open_window()  # before the title slide: a deck's later chunk skips it
        self.title_slide()
        super().construct()
        self.write_slide_audio()

    def skip_section(self, name: str, skip: bool) -> None:
        """A chunk of the deck skips with manim-slides' own switch (here ``next_section`` is its ``next_slide``):
        the slides it skips take no animation numbers and are not saved. The switch applies from the next slide
        on, so drawing resumes in ``play_beat``, before the chunk's first slide begins."""
        if skip:
            self.start_skip_animations()
            self.skipping = True

    def begin_slide(self, audio: str | None, **kwargs) -> None:
        self.next_slide(**kwargs)
        self.slide_audio.append(audio)
        self.slide_starts.append(self._current_animation)

    def title_slide(self) -> None:
        card = Text(language.on_screen(self.script.title), font_size=64, color=palette.TEXT_COLOR, weight="BOLD")
        self.fix(card)
        self.begin_slide(None, notes=notes(self.script.title))
        self.play(FadeIn(card), run_time=0.8)
        self.title_card = card

    def loops(self, beat: Beat) -> bool:
        """A race that starts here from its first step, with the camera still, restarts cleanly
        (silent decks only: a voiced slide would repeat its words)."""
        show = beat.show
        return self.voice == "none" and bool(show.racers) and show.racers != self.shown.racers \
            and not beat.camera and show.surface == self.surface_key and show.to_step is None

    def play_beat(self, beat: Beat) -> None:
        """The beat's slide: what goes, what comes, then the camera and the race. A looping beat is two
        slides: the change of picture, which moves on by itself, then the race alone, which loops."""
        text = self.cue_text(beat)
        seconds, audio = self.words(text)
        show = beat.show
        loop = self.loops(beat)
        said = notes(text) + self.claim_notes(beat)
        if self.skipping and self.at >= self.window[0]:
            self.stop_skip_animations()  # the chunk's first slide: drawn
            self.skipping = False
        self.begin_slide(None if loop else audio, notes=said, auto_next=loop)
        first = self._current_animation
        if self.title_card is not None:
            self.fade_out([self.title_card])
            self.title_card = None
        self.leave(show)
        spent = self.arrive(show, seconds)
        if loop:
            self.begin_slide(None, notes=said, loop=True)
            first, spent = self._current_animation, 0.0
        self.play_moves(list(beat.camera), show, max(seconds - spent, 0.5))
        if self._current_animation == first:
            self.wait(MIN_SLIDE)

    def claim_notes(self, beat: Beat) -> str:
        """Below the words, the speaker sees what each claim of the slide was checked on (claims.json's lines)."""
        if not beat.claims:
            return ""
        verdicts = (self.desc.verdicts or {}).get(beat.cue)
        lines = [v.note() for v in verdicts] if verdicts is not None else [
            f"[{c.key}] {c.words} (not checked: a preview cut)" for c in beat.claims]
        return "\n\n" + "\n\n".join(notes(line) for line in lines)

    def words(self, text: str) -> tuple[float, str | None]:
        """How long the beat's words take, and their WAV when a voice speaks them."""
        if self.voice == "none":
            return max(1.0, language.reading_seconds(text)), None
        data = self.speech_service._wrap_generate_from_text(text)
        path = Path(self.speech_service.cache_dir) / data["final_audio"]
        with wave.open(str(path)) as w:
            return w.getnframes() / w.getframerate(), str(path)

    def hold(self, seconds: float) -> None:
        if self.voice == "none":
            self.wait(MIN_SLIDE)  # the deck pauses on this picture; the speaker sets the pace
        else:
            self.wait(seconds)  # the slide lasts its words

    def finish(self) -> None:
        """The last slide stays on its picture."""

    def write_slide_audio(self) -> None:
        """``<folder>/<Scene>.audio.json``: the WAV of each saved slide's words (null when silent). manim-slides
        saves a slide only if it drew an animation: a chunk's skipped slides and the one its end begins are not."""
        ends = self.slide_starts[1:] + [self._current_animation]
        saved = [audio for audio, start, end in zip(self.slide_audio, self.slide_starts, ends) if end > start]
        folder = Path(self._output_folder)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{type(self).__name__}.audio.json").write_text(json.dumps(saved, indent=1))


class LectureTitle(Slide):
    """The lecture deck's first slide: its title and the segments in teaching order."""

    def __init__(self, **kwargs):
        kwargs.setdefault("output_folder", slides_folder())
        super().__init__(**kwargs)

    def construct(self):
        from scenes import language
        from scenes.script import Script
        from scenes.segments import SEGMENTS

        self.camera.background_color = ManimColor(palette.BACKGROUND)
        titles = [Script.of(s.name, title=s.title).title for s in SEGMENTS.values()]  # in the video's language
        head = Text(language.word("lecture"), font_size=60, color=palette.TEXT_COLOR, weight="BOLD")
        items = VGroup(*[Text(f"{i}. {t}", font_size=32, color=palette.TEXT_COLOR)
                         for i, t in enumerate(titles, 1)]).arrange(DOWN, aligned_edge=LEFT)
        card = VGroup(head, items).arrange(DOWN, buff=0.6)
        self.next_slide(notes=notes(language.word("lecture") + ": " + language.join(titles)))
        self.play(FadeIn(card), run_time=0.8)

