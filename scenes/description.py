"""The vocabulary a segment is described in: runs, beats, what is shown and how the camera moves.

A segment is described once, as data: the trajectories it races (computed by
optmath), the numbers its narration speaks, and its beats in order. Formats
(the 16:9 lecture, the 9:16 social clip, the talk deck) read the same
description and decide size, layout and pacing; nothing here knows a screen
coordinate or imports Manim, so a description can be built and tested in a
plain Python process.

Angles are in degrees; camera zooms are relative to the framing a format
computes (1 = the surface fills the space the overlays leave free).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

import optmath
from optmath.loss_curves import exit_step  # noqa: F401  (the segments' and claims' name for it)
from scenes import language
from scenes.claims import Checker, Claim, ClaimError, Verdict

LECTURE, SOCIAL, TALK = "lecture", "social", "talk"
FORMATS = (LECTURE, SOCIAL, TALK)
LONG_FORM = frozenset({LECTURE, TALK})  # the default: the full explanation
SHORT_FORM = frozenset({SOCIAL})
EVERY_FORMAT = frozenset(FORMATS)


# -- numbers as they are spoken and shown ---------------------------------------------------------
def fmt(x: float, digits: int = 3) -> str:
    """A number as the narration says it and every place shows it: ``digits`` significant digits, no
    float noise, no trailing zeros; plain decimals from 1e-4 up to 1e6 (``0.0005``, ``12000``), e-form
    outside (``1.47e-5``), which the voice reads as a power of ten and ``language.on_screen`` shows as
    ``1.47×10⁻⁵``. The rule is ``optmath.notation.number``'s, which optimizers' labels use too."""
    from optmath.notation import number

    return number(x, digits)


def point(p) -> str:
    """A point as narrated and captioned: ``(1, 0.25)``."""
    return f"({fmt(p[0])}, {fmt(p[1])})"


def names(keys: list[str]) -> str:
    """Optimizers' display names as a spoken list: ``SGD, Momentum and Adam`` (``SGD、动量法和Adam``)."""
    return language.join([language.display_name(k) for k in keys])


def listing(items) -> str:
    """Any words or numbers as a list in the video's language: ``20 and 21`` / ``20和21``; none: ``none``."""
    return language.join([str(i) for i in items])


def spoken_formula(surface: optmath.Surface) -> str:
    """The surface's formula as the narrator reads it, in the video's language."""
    return language.formula_zh(surface.latex) if language.current() == "zh" else surface.spoken


# -- what is on screen ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Run:
    """A trajectory in a race, with how it is told apart from the others."""

    trajectory: optmath.Trajectory
    variant: int = 0  # 0: the optimizer's own colour; 1, 2...: alternates for a second run of it
    show_start: bool = False  # name the start in the legend, to tell runs of one optimizer apart
    note: str = ""  # a second line in the legend: what makes a comparison fair (``effective lr 0.4``)

    @property
    def optimizer(self) -> str:
        return self.trajectory.optimizer.name

    def label(self, brief: bool = False) -> str:
        """The legend's words: the optimizer's configuration (``SGD (lr=0.1)``), and where it started.

        ``brief``: the name and learning rate only (``Adam lr=0.05``), for a phone screen's large type.
        """
        t = self.trajectory
        text = t.label
        name = language.display_name(t.optimizer.name)
        if language.current() != "en":
            text = text.replace(language.display_name(t.optimizer.name, "en"), name, 1)
        if brief:
            text = name
            if "lr" in t.optimizer.hyper:
                text += f" lr={fmt(t.optimizer.hyper['lr'])}"
        elif t.schedule is not None:
            # the schedule on a line of its own: on one line a row is twice as wide and the legend shrinks
            text = text.replace(" + ", "\n+ ", 1)
        text = language.word("from", name=text, point=point(t.start)) if self.show_start else text
        return f"{text}\n{self.note}" if self.note else text


@dataclass(frozen=True)
class Show:
    """The state of the picture while a beat is spoken; a format animates from one state to the next.

    Args:
        surface: key of the surface on screen (a description may show several, one at a time).
        racers: keys of the runs racing; the same keys in the next beat continue the same race.
        panel: key of the run whose update rule (and live numbers) is shown.
        highlight: line of that rule to box while it is being talked about.
        plot: show the data-and-fit plot of a model-fitting surface, one curve per racer.
        to_step: where the race (and the swarm) is when the beat ends (None: its last step).
        swarm: key of a swarm of paths (a fan of learning rates, a grid of starts), coloured by fate; its
            legend takes the legend's place, so a beat shows racers or a swarm, not both.
        card: key of a card (number line, table, fate maps) shown in the update panel's place.
        arrows: key of arrows drawn on the surface (the Hessian's eigenvectors at a point).
        loss: a plot of loss against step beside the race, one curve per racer growing with its head
            (the seed tutorials' cost-against-iteration figure); it takes the update panel's place.
        vectors: key of a racer whose step is drawn as arrows (``optmath.step_parts``): the gradient step,
            momentum's share, the step taken; an adaptive method's stretch between them.
        vectors_at: the update drawn (1 = the first step); None: the update the head is making, live.
    """

    surface: str
    racers: tuple[str, ...] = ()
    panel: str | None = None
    highlight: int | None = None
    plot: bool = False
    to_step: float | None = None
    swarm: str | None = None
    card: str | None = None
    arrows: str | None = None
    loss: bool = False
    vectors: str | None = None
    vectors_at: int | None = None


# -- many paths, cards and arrows -----------------------------------------------------------------
FATE_KINDS = ("good", "middle", "bad", "other")  # a fate's colour: settles / a second outcome / leaves / the rest


@dataclass(frozen=True)
class Fate:
    """What became of some paths, as the legend says it (``settles (18)``, ``minimum 62.4%``).

    ``kind`` picks the colour (the palette's, not the content's): good settles or reaches the best
    minimum, middle is a second outcome (zig-zags in, a local fit), bad leaves or diverges.
    """

    words: str
    kind: str = "good"

    def __post_init__(self):
        if self.kind not in FATE_KINDS:
            raise ValueError(f"unknown fate kind {self.kind!r}; choose one of: {', '.join(FATE_KINDS)}")


@dataclass(frozen=True, eq=False)
class Swarm:
    """Many paths of one batched optmath run, each coloured by its fate, drawn in one pass.

    Args:
        xy: (N, steps + 1, 2) paths, NaN from where a path has left (``BatchTrajectory.xy``).
        fate: (N,) each path's index into ``fates``.
        fates: the legend's rows.
        trails: draw each path's trail (a fan of a few dozen); False: moving dots only (thousands).
        title: the legend's heading (``SGD, 25 learning rates``).
    """

    xy: np.ndarray
    fate: np.ndarray
    fates: tuple[Fate, ...]
    trails: bool = True
    title: str = ""

    def __post_init__(self):
        xy, fate = np.asarray(self.xy, float), np.asarray(self.fate, int)
        if xy.ndim != 3 or xy.shape[-1] != 2 or fate.shape != xy.shape[:1]:
            raise ValueError(f"a swarm needs xy (N, steps+1, 2) and fate (N,); got {xy.shape} and {fate.shape}")
        if fate.size and (fate.min() < 0 or fate.max() >= len(self.fates)):
            raise ValueError(f"fate indices run 0..{len(self.fates) - 1}; got {fate.min()}..{fate.max()}")
        object.__setattr__(self, "xy", xy)
        object.__setattr__(self, "fate", fate)

    @property
    def steps(self) -> int:
        return self.xy.shape[1] - 1


@dataclass(frozen=True)
class Mark:
    """A marked value on a number line: a bound (``2/λmax = 0.5``) or a chosen rate."""

    value: float
    words: str
    kind: str = "bad"  # FATE_KINDS: the colour of the mark


@dataclass(frozen=True)
class NumberLine:
    """A number line (of learning rates): ticks coloured by fate, and marked bounds.

    Args:
        lo, hi: the line's ends.
        values, fate: the ticks, each with its kind (FATE_KINDS) for the colour.
        marks: labelled values (bounds) drawn across the line.
        title: the words above the line.
        log: a logarithmic line (rates a decade apart).
    """

    lo: float
    hi: float
    values: tuple[float, ...] = ()
    kinds: tuple[str, ...] = ()
    marks: tuple[Mark, ...] = ()
    title: str = ""
    log: bool = False


@dataclass(frozen=True)
class Table:
    """A table of words and numbers (every number formatted from optmath), with rows to highlight."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    highlight: tuple[int, ...] = ()
    title: str = ""


@dataclass(frozen=True, eq=False)
class FateMaps:
    """Small maps side by side, one per optimizer: each start of a grid coloured by where it ended.

    ``maps``: (heading, labels) pairs; labels is an (ny, nx) array of indices into ``fates``, row 0 at the
    domain's lowest y (``BasinMap.labels``' orientation).
    """

    maps: tuple[tuple[str, np.ndarray], ...]
    fates: tuple[Fate, ...]
    title: str = ""


Card = NumberLine | Table | FateMaps


@dataclass(frozen=True)
class Arrows:
    """Arrows on the surface from one point of the domain: directions (domain units, their drawn length)
    and their labels, e.g. the Hessian's eigenvectors at the minimum with their eigenvalues."""

    at: tuple[float, float]
    vectors: tuple[tuple[float, float], ...]
    labels: tuple[str, ...] = ()


# -- camera moves (a format frames them into its own layout) ----------------------------------------
@dataclass(frozen=True)
class Orbit:
    degrees: float
    share: float = 1.0  # this move's share of the beat's time, among the beat's moves


@dataclass(frozen=True)
class FlyTo:
    """Centre on a point of the domain and zoom in (relative to the framed view)."""

    xy: tuple[float, float]
    zoom: float = 1.7
    share: float = 1.0


@dataclass(frozen=True)
class TopDown:
    """Look straight down: the contour-map view the matplotlib seeds use."""

    zoom: float = 1.0
    share: float = 1.0


@dataclass(frozen=True)
class Look:
    """Turn to given angles (degrees): a view chosen so a key moment is not hidden by the surface."""

    phi: float
    theta: float
    zoom: float = 1.0
    share: float = 1.0


@dataclass(frozen=True)
class Home:
    """Back to the segment's own three-quarter view."""

    share: float = 1.0


CameraMove = Orbit | FlyTo | TopDown | Look | Home


@dataclass(frozen=True)
class View:
    """A segment's home camera and how tall its surface is drawn."""

    phi: float = 62.0
    theta: float = -55.0
    height: float = 2.6  # scene units of the z-range; a steep bowl is drawn flatter to keep its floor in sight


@dataclass(frozen=True)
class Beat:
    """One narration cue: what it says, what is shown while it is said, and how the camera moves.

    Args:
        cue: key of the words in the segment's narration file.
        show: the picture during the cue.
        numbers: the cue's placeholders, every one computed from optmath.
        camera: moves made one after another while the cue is spoken.
        formats: the formats that include this beat.
        pause: a talk deck pauses after it (a result, a new optimizer); formats may ignore it.
        text: the words themselves, for a shot without a narration file (placeholders allowed).
        claims: what the words assert, as conditions over optmath's results (``scenes.claims``); each is
            tagged in the narration (``[key]``) after the sentence that says it, in every language.
    """

    cue: str
    show: Show
    numbers: dict = field(default_factory=dict)
    camera: tuple[CameraMove, ...] = ()
    formats: frozenset = LONG_FORM
    pause: bool = True
    text: str | None = None
    claims: tuple[Claim, ...] = ()


@dataclass
class Description:
    """Everything a format needs to render a segment, computed without Manim."""

    name: str
    surfaces: dict[str, optmath.Surface]
    runs: dict[str, Run]
    beats: list[Beat]
    view: View = View()
    title: str | None = None  # on screen when the segment has no narration file to take it from
    swarms: dict[str, Swarm] = field(default_factory=dict)
    cards: dict[str, Card] = field(default_factory=dict)
    arrows: dict[str, Arrows] = field(default_factory=dict)
    # what claims read besides the runs: batches of paths, a tuning's results (any object by key)
    sources: dict = field(default_factory=dict)
    # the preview cut (--short): a dozen steps and the first words of each cue, so its claims are not checked
    preview: bool = False
    verdicts: dict[str, list[Verdict]] | None = field(default=None, repr=False)

    def world(self) -> dict:
        """Everything a claim may read, by key: each run's trajectory, then the sources."""
        both = set(self.runs) & set(self.sources)
        if both:
            raise KeyError(f"{self.name}: {sorted(both)} name both a run and a source")
        return {**{k: r.trajectory for k, r in self.runs.items()}, **self.sources}

    def beats_for(self, fmt_name: str) -> list[Beat]:
        if fmt_name not in FORMATS:
            raise ValueError(f"unknown format {fmt_name!r}; choose one of: {', '.join(FORMATS)}")
        return [b for b in self.beats if fmt_name in b.formats]

    def check(self) -> Description:
        """Fail early on a description that refers to something it does not have."""
        for b in self.beats:
            if b.show.surface not in self.surfaces:
                raise KeyError(f"{self.name}.{b.cue}: no surface {b.show.surface!r}")
            for key in b.show.racers + ((b.show.panel,) if b.show.panel else ()):
                if key not in self.runs:
                    raise KeyError(f"{self.name}.{b.cue}: no run {key!r}")
            for key, table in ((b.show.swarm, self.swarms), (b.show.card, self.cards), (b.show.arrows, self.arrows)):
                if key is not None and key not in table:
                    raise KeyError(f"{self.name}.{b.cue}: no swarm, card or arrows {key!r}")
            if b.show.swarm and b.show.racers:
                raise ValueError(f"{self.name}.{b.cue}: a beat shows racers or a swarm, not both")
            if b.show.vectors is not None and b.show.vectors not in b.show.racers:
                raise ValueError(f"{self.name}.{b.cue}: step vectors of {b.show.vectors!r}, which is not racing")
            if b.show.vectors_at is not None and not 1 <= b.show.vectors_at <= self.runs[b.show.vectors].trajectory.last_finite:
                raise ValueError(f"{self.name}.{b.cue}: vectors_at={b.show.vectors_at} is not a step of {b.show.vectors!r}")
            if b.show.loss and not b.show.racers:
                raise ValueError(f"{self.name}.{b.cue}: a loss plot needs racers")
            if b.show.loss and (b.show.panel or b.show.plot or b.show.card):
                raise ValueError(f"{self.name}.{b.cue}: a loss plot takes the panel's place: no panel, plot or card with it")
            keys = [c.key for c in b.claims]
            if len(set(keys)) != len(keys):
                raise ValueError(f"{self.name}.{b.cue}: two claims share a key in {keys}")
        if not self.preview:
            self.check_claims()
        return self

    def check_claims(self) -> dict[str, list[Verdict]]:
        """Evaluate every claim; the first one the numbers contradict is a ``ClaimError``, one line."""
        checker = Checker(self.world())
        verdicts: dict[str, list[Verdict]] = {}
        bad = []
        for b in self.beats:
            if b.cue in verdicts:
                raise ValueError(f"{self.name}: two beats are called {b.cue!r}")
            verdicts[b.cue] = [checker.verdict(c) for c in b.claims]
            bad += [(b.cue, v) for v in verdicts[b.cue] if not v.ok]
        if bad:
            cue, v = bad[0]
            more = f" (and {len(bad) - 1} more claim{'s' * (len(bad) > 2)} of this segment)" if len(bad) > 1 else ""
            raise ClaimError(f"{self.name}.{cue}: claim [{v.claim.key}] {v.problem()}{more}")
        self.verdicts = verdicts
        return verdicts

    def claim_count(self) -> int:
        return sum(len(b.claims) for b in self.beats)


def steps(n: int, short: bool, short_steps: int = 12) -> int:
    """A run's length: the description's number, or a few steps in the preview/test cut."""
    return min(n, short_steps) if short else n
