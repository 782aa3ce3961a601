"""What the narration claims, as conditions over optmath's results, checked like its numbers.

A number in a cue is right by construction: a ``{placeholder}`` that optmath fills. The sentence
around it is not: "momentum ends closer than plain descent" can be false while every number in it
is right. So each such sentence declares a claim beside its numbers in the segment's description,

    Beat("momentum", ..., claims=(
        Claim("closer", closer("momentum", "sgd", to=minimum), margin=0.1),
        Claim("calmer", less(flips("momentum", "y"), flips("sgd", "y"))),
    ))

and carries the claim's key as a tag in the narration, in every language: ``... ends {dist_m}
from the minimum, closer than plain descent. [closer]``. ``Description.check()`` evaluates every
claim when the description is built, so a render, a test, or a teacher's edit of a setting that makes
a sentence false stops at once with one line naming the segment, the cue, the claim and the numbers.

A condition reads runs by their keys (the description's ``runs``, or its ``sources``: batches of
paths, a tuning's results) and returns whether it holds and the numbers it compared. ``margin=0.1``
asks for more than the settings shown: the claim must also hold with each run's learning rate moved
by -10% and +10%, every combination, so a knife-edge comparison cannot pass for a property of the
method. ``fragile=True`` is the honest alternative where the words say the result depends on the
exact rate: the claim holds as shown, and some rate within the margin flips it.

No Manim here: a description and its claims are built and checked in a plain Python process.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

import optmath

World = Mapping[str, Any]
NEVER = math.inf  # a step that never comes: the path never leaves, never diverges


class ClaimError(ValueError):
    """A sentence the numbers contradict: one line, naming the segment, the cue, the claim and the numbers."""


def _num(x) -> str:
    if isinstance(x, str):
        return x
    x = float(x)
    if math.isinf(x):
        return "never" if x > 0 else "-inf"
    if math.isnan(x):
        return "nan"
    if x == int(x) and abs(x) < 1e9:
        return str(int(x))
    return f"{x:.4g}"


def _where(p) -> str:
    return f"({_num(p[0])}, {_num(p[1])})"


# -- quantities: one number from some runs -------------------------------------------------------------
@dataclass(frozen=True)
class Quantity:
    """A number computed from the runs named in ``reads`` (in that order), with words for it."""

    words: str
    reads: tuple[str, ...]
    fn: Callable[..., float] = field(repr=False, compare=False)
    named: bool = True  # a value with words of its own is reported beside the measured ones

    def of(self, world: World) -> float:
        return float(self.fn(*(world[k] for k in self.reads)))


def _q(x, words: str | None = None) -> Quantity:
    return x if isinstance(x, Quantity) else number(x, words)


def number(x: float, words: str | None = None) -> Quantity:
    """A fixed value (a closed form, a stated bound): it does not move when learning rates do. With words
    of its own it is reported among the numbers; without, it is only in the condition's words."""
    value = float(x)
    return Quantity(words or _num(value), (), lambda: value, named=words is not None)


def measure(words: str, fn: Callable[..., float], *reads: str) -> Quantity:
    """Any number of the runs ``reads``: ``fn`` receives their trajectories (or batches, or results)."""
    return Quantity(words, tuple(reads), fn)


def _path(t) -> np.ndarray:
    """The real points of a path, up to the last finite one."""
    return t.xy[: t.last_finite + 1]


def dist(key: str, to, where: str | None = None) -> Quantity:
    """How far the run ends from a point (its last real point, if it diverged)."""
    target = np.asarray(to, float)
    return measure(f"{key}'s distance to {where or _where(target)}",
                   lambda t: np.linalg.norm(t.final - target), key)


def loss(key: str) -> Quantity:
    """The loss at the run's last real point."""
    return measure(f"{key}'s final loss", lambda t: t.z[t.last_finite], key)


def exit_step(key: str, surface: optmath.Surface | None = None) -> Quantity:
    """The step at which the path leaves the plotted domain (``NEVER`` if it stays)."""
    def step(t):
        inside = (surface or t.surface).in_domain(t.xy)
        return NEVER if inside.all() else int(np.argmin(inside))

    return measure(f"the step {key} leaves the plot", step, key)


def diverged_at(key: str) -> Quantity:
    """The step at which the path left the escape box, far outside the plot (``NEVER`` if it did not)."""
    return measure(f"the step {key} diverges", lambda t: NEVER if t.diverged_at is None else t.diverged_at, key)


AXES = {"x": 0, "y": 1}


def flips(key: str, axis: str, about: float = 0.0) -> Quantity:
    """How many steps change the sign of one coordinate (measured from ``about``): a zig-zag flips at
    every step, a path that comes straight in never."""
    i = AXES[axis]

    def count(t):
        c = np.sign(_path(t)[:, i] - about)
        return int(np.sum(c[1:] * c[:-1] < 0))

    return measure(f"{key}'s sign changes in {axis}", count, key)


def coord(key: str, step: int, axis: str) -> Quantity:
    i = AXES[axis]
    return measure(f"{key}'s {axis} after step {step}", lambda t: t.xy[step, i], key)


def step_length(key: str, step: int) -> Quantity:
    """The length of one step (step k moves the point from row k-1 to row k)."""
    return measure(f"the length of {key}'s step {step}", lambda t: np.linalg.norm(t.xy[step] - t.xy[step - 1]), key)


def travel(key: str) -> Quantity:
    """The length of the whole path: the sum of its steps, up to its last real point."""
    return measure(f"the length of {key}'s path",
                   lambda t: np.linalg.norm(np.diff(_path(t), axis=0), axis=-1).sum(), key)


def gap(a: str, b: str) -> Quantity:
    """The largest distance between two paths, step for step."""
    return measure(f"the largest gap between {a} and {b}",
                   lambda s, t: np.max(np.linalg.norm(s.xy - t.xy, axis=-1)), a, b)


# -- conditions: a quantity against another, or a whole path against a rule ---------------------------
@dataclass(frozen=True)
class Condition:
    """Whether the claim holds in a world of runs, and the numbers that decide it."""

    words: str
    reads: tuple[str, ...]
    fn: Callable[[World], tuple[bool, dict]] = field(repr=False, compare=False)

    def test(self, world: World) -> tuple[bool, dict[str, float]]:
        holds, numbers = self.fn(world)
        return bool(holds), numbers


def _reads(*quantities: Quantity) -> tuple[str, ...]:
    return tuple(dict.fromkeys(k for q in quantities for k in q.reads))


def _measured(*pairs) -> dict:
    """The numbers a verdict reports: the measured ones (a fixed value is in the condition's words)."""
    return {q.words: x for q, x in pairs if q.reads or q.named}


def _compare(a, b, op: Callable[[float, float], bool], sign: str, words: str | None) -> Condition:
    a, b = _q(a), _q(b)

    def fn(world):
        x, y = a.of(world), b.of(world)
        return op(x, y), _measured((a, x), (b, y))

    return Condition(words or f"{a.words} {sign} {b.words}", _reads(a, b), fn)


def less(a, b, words: str | None = None) -> Condition:
    return _compare(a, b, lambda x, y: x < y, "<", words)


def greater(a, b, words: str | None = None) -> Condition:
    return _compare(a, b, lambda x, y: x > y, ">", words)


def at_most(a, b, words: str | None = None) -> Condition:
    return _compare(a, b, lambda x, y: x <= y, "<=", words)


def at_least(a, b, words: str | None = None) -> Condition:
    return _compare(a, b, lambda x, y: x >= y, ">=", words)


def equal(a, b, words: str | None = None) -> Condition:
    return _compare(a, b, lambda x, y: x == y, "=", words)


def near(a, b, tol: float, relative: bool = False, words: str | None = None) -> Condition:
    """|a - b| <= tol (or tol times |b|): a measured value agrees with a predicted one."""
    a, b = _q(a), _q(b)

    def fn(world):
        x, y = a.of(world), b.of(world)
        bound = tol * abs(y) if relative else tol
        return abs(x - y) <= bound, _measured((a, x), (b, y))

    return Condition(words or f"{a.words} = {b.words} (to {tol:g}{' relative' if relative else ''})", _reads(a, b), fn)


def between(a, lo, hi, words: str | None = None) -> Condition:
    a, lo, hi = _q(a), _q(lo), _q(hi)

    def fn(world):
        x, low, high = a.of(world), lo.of(world), hi.of(world)
        return low <= x <= high, _measured((a, x), (lo, low), (hi, high))

    return Condition(words or f"{lo.words} <= {a.words} <= {hi.words}", _reads(a, lo, hi), fn)


def all_of(*conditions: Condition, words: str | None = None) -> Condition:
    """Every part holds; the numbers of all parts are reported."""
    def fn(world):
        ok, numbers = True, {}
        for c in conditions:
            holds, n = c.test(world)
            ok &= holds
            numbers.update(n)
        return ok, numbers

    return Condition(words or " and ".join(c.words for c in conditions),
                     tuple(dict.fromkeys(k for c in conditions for k in c.reads)), fn)


def any_of(*conditions: Condition, words: str | None = None) -> Condition:
    def fn(world):
        ok, numbers = False, {}
        for c in conditions:
            holds, n = c.test(world)
            ok |= holds
            numbers.update(n)
        return ok, numbers

    return Condition(words or " or ".join(c.words for c in conditions),
                     tuple(dict.fromkeys(k for c in conditions for k in c.reads)), fn)


def check(words: str, fn: Callable[..., Any], *reads: str) -> Condition:
    """Any condition of the runs ``reads``: ``fn`` gets their objects and returns a bool, or
    ``(bool, numbers)`` with the numbers it decided on."""
    def test(world):
        out = fn(*(world[k] for k in reads))
        return out if isinstance(out, tuple) else (out, {})

    return Condition(words, tuple(reads), test)


# -- the claims narration makes most -----------------------------------------------------------------------
def closer(a: str, b: str, to, where: str | None = None) -> Condition:
    """Run ``a`` ends closer to ``to`` than run ``b``."""
    da, db = dist(a, to, where), dist(b, to, where)
    return less(da, db, f"{a} ends closer to {where or _where(to)} than {b}")


def reaches(key: str, at, tol: float, where: str | None = None) -> Condition:
    """The run ends within ``tol`` of a point and never diverged: it settles there."""
    d, k = dist(key, at, where), diverged_at(key)
    return all_of(at_most(d, tol), equal(k, NEVER), words=f"{key} ends within {_num(tol)} of {where or _where(at)}")


def diverges(key: str, by: int | None = None) -> Condition:
    k = diverged_at(key)
    return less(k, NEVER if by is None else by + 1, f"{key} diverges" + ("" if by is None else f" by step {by}"))


def never_diverges(key: str) -> Condition:
    return equal(diverged_at(key), NEVER, f"{key} never diverges")


def stays(key: str, surface: optmath.Surface | None = None) -> Condition:
    return equal(exit_step(key, surface), NEVER, f"{key} never leaves the plot")


def leaves_by(key: str, step: int, surface: optmath.Surface | None = None) -> Condition:
    return at_most(exit_step(key, surface), step, f"{key} leaves the plot by step {step}")


def rate(key: str, axis: str, factor: float, about: float = 0.0, steps: int | None = None,
         tol: float = 1e-9, in_plot: bool = True) -> Condition:
    """The stated rate holds for every step it is said to hold: each step multiplies the coordinate's
    distance from ``about`` by ``factor`` (to ``tol``, relative), from the first step to ``steps`` (default:
    every step the path has while it stays in the plot, or, ``in_plot=False``, every real step)."""
    i = AXES[axis]

    def fn(world):
        t = world[key]
        last = t.last_finite
        inside = t.surface.in_domain(t.xy[: last + 1])
        end = last if inside.all() or not in_plot else int(np.argmin(inside))
        end = min(end, steps) if steps is not None else end
        c = t.xy[: end + 1, i] - about
        ratios = c[1:] / c[:-1]
        worst = float(np.max(np.abs(ratios - factor))) if ratios.size else math.inf
        return ratios.size > 0 and worst <= tol * abs(factor), \
            {f"{key}'s steps checked": int(ratios.size), f"the largest departure from {_num(factor)}": worst}

    span = f"steps 1 to {steps}" if steps is not None else "every step in the plot" if in_plot else "every step"
    return Condition(f"each step multiplies {key}'s {axis}{'' if about == 0 else f' - {_num(about)}'} by "
                     f"{_num(factor)} ({span})", (key,), fn)


def grows(key: str, to=(0.0, 0.0), where: str | None = None, upto: int | None = None) -> Condition:
    """Every step takes the path farther from a point (a divergence, bounce after bounce)."""
    target = np.asarray(to, float)

    def fn(world):
        t = world[key]
        d = np.linalg.norm(_path(t)[: None if upto is None else upto + 1] - target, axis=-1)
        shrank = int(np.sum(np.diff(d) <= 0))
        return d.size > 1 and shrank == 0, {f"steps of {key} that did not move it farther": shrank,
                                              f"{key}'s steps checked": int(d.size - 1)}

    return Condition(f"every step takes {key} farther from {where or _where(target)}", (key,), fn)


def comes_after(segment: str, earlier: str, right_after: bool = False) -> Condition:
    """Words about the lecture's order ("Next, ...", "Back on the bowl") against the order it has."""
    def fn(_world):
        from scenes.segments import SEGMENTS

        order = list(SEGMENTS)
        i, j = order.index(segment), order.index(earlier)
        return (i == j + 1) if right_after else (i > j), {}

    return Condition(f"{segment} comes {'right ' if right_after else ''}after {earlier} in the lecture", (), fn)


# -- a claim, and its verdict ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Claim:
    """A sentence's condition. ``key`` is its tag in the narration (``[closer]``): letters and ``_``.

    Args:
        key: the tag the sentence carries in every language's narration file.
        test: the condition over optmath's results.
        margin: it must also hold with each run's learning rate scaled by 1 - margin and 1 + margin,
            every combination (0: as shown only).
        fragile: the words say the result depends on the exact settings: it holds as shown, and some
            rate within the margin flips it (a margin is required).
    """

    key: str
    test: Condition
    margin: float = 0.0
    fragile: bool = False

    def __post_init__(self):
        if not re.fullmatch(r"[a-z][a-z_]*", self.key):
            raise ValueError(f"claim key {self.key!r} must be lower-case letters and _ (it is a tag in the narration)")
        if not 0 <= self.margin < 1:
            raise ValueError(f"claim {self.key!r}: margin={self.margin!r} must be at least 0 and below 1")
        if self.fragile and not self.margin:
            raise ValueError(f"claim {self.key!r}: fragile=True needs the margin it is fragile within")

    @property
    def words(self) -> str:
        return self.test.words


@dataclass(frozen=True)
class Variant:
    """The claim re-checked with some learning rates scaled."""

    scales: dict
    holds: bool
    numbers: dict


@dataclass(frozen=True)
class Verdict:
    claim: Claim
    holds: bool
    numbers: dict
    variants: tuple[Variant, ...] = ()

    @property
    def ok(self) -> bool:
        """True as shown; within its margin robust, or, if said to be fragile, flipped by some rate."""
        if not self.holds:
            return False
        if self.claim.fragile:
            return any(not v.holds for v in self.variants)
        return all(v.holds for v in self.variants)

    @property
    def broken(self) -> Variant | None:
        return next((v for v in self.variants if not v.holds), None)

    def problem(self) -> str:
        """Why it is not ok, in words with its numbers ('' when it is)."""
        c = self.claim
        if not self.holds:
            return f"is false: {c.words} -- {numbers_line(self.numbers)}"
        if c.fragile and not self.ok:
            return (f"is said to be fragile, but holds at every learning rate within +/-{c.margin:.0%}: {c.words} -- "
                    f"{numbers_line(self.numbers)}")
        if not self.ok:
            v = self.broken
            scales = ", ".join(f"x{f:g} for {k}" for k, f in v.scales.items())
            return (f"does not hold within +/-{c.margin:.0%} of the learning rates: at lr {scales}, "
                    f"not ({c.words}) -- {numbers_line(v.numbers)}")
        return ""

    def to_json(self) -> dict:
        def clean(numbers):
            return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in numbers.items()}

        out = {"claim": self.claim.key, "condition": self.claim.words, "numbers": clean(self.numbers),
               "holds": self.holds}
        if self.claim.margin:
            out["margin"] = self.claim.margin
            out["fragile"] = self.claim.fragile
            out["variants"] = [{"lr_scale": v.scales, "holds": v.holds, "numbers": clean(v.numbers)}
                               for v in self.variants]
        return out

    def note(self) -> str:
        """One line for a talk deck's notes or ``optviz claims``: the condition and its numbers."""
        extra = ""
        if self.claim.margin:
            extra = (f"; fragile: flips within +/-{self.claim.margin:.0%} of the rates" if self.claim.fragile
                     else f"; holds within +/-{self.claim.margin:.0%} of the rates")
        inside = (numbers_line(self.numbers) + extra).lstrip("; ")
        return f"{'✓' if self.ok else '✗'} {self.claim.words}" + (f" ({inside})" if inside else "")


def numbers_line(numbers: dict) -> str:
    return ", ".join(f"{k} {_num(v)}" for k, v in numbers.items())


def _perturbable(obj) -> bool:
    return isinstance(obj, (optmath.Trajectory, optmath.BatchTrajectory)) and "lr" in obj.optimizer.hyper


class Checker:
    """Evaluates claims over one world of runs, re-running a run at a scaled rate once for all claims."""

    def __init__(self, world: World):
        self.world = dict(world)
        self._reruns: dict[tuple[str, float], Any] = {}
        self._verdicts: dict[int, tuple[Claim, Verdict]] = {}  # by id; the claim is kept so the id stays its own

    def rerun(self, key: str, factor: float):
        if (key, factor) not in self._reruns:
            self._reruns[(key, factor)] = optmath.rerun(self.world[key], lr_scale=factor)
        return self._reruns[(key, factor)]

    def verdict(self, claim: Claim) -> Verdict:
        """The claim's verdict; a claim spoken in several cues is evaluated once."""
        if id(claim) not in self._verdicts:
            self._verdicts[id(claim)] = (claim, self._verdict(claim))
        return self._verdicts[id(claim)][1]

    def _verdict(self, claim: Claim) -> Verdict:
        missing = [k for k in claim.test.reads if k not in self.world]
        if missing:
            raise KeyError(f"claim [{claim.key}] reads {missing}, which the description does not have")
        holds, numbers = claim.test.test(self.world)
        variants = []
        if claim.margin:
            keys = [k for k in claim.test.reads if _perturbable(self.world[k])]
            if not keys:
                raise ValueError(f"claim [{claim.key}] declares a margin but reads no run with a learning rate")
            factors = (round(1 - claim.margin, 12), round(1 + claim.margin, 12))
            for combo in itertools.product(factors, repeat=len(keys)):
                world = dict(self.world)
                for k, f in zip(keys, combo):
                    world[k] = self.rerun(k, f)
                ok, n = claim.test.test(world)
                variants.append(Variant(dict(zip(keys, combo)), ok, n))
        return Verdict(claim, holds, numbers, tuple(variants))


# -- sentences that sound like claims -------------------------------------------------------------------
# Words of comparison and of fate: a sentence with one of them says something the numbers can contradict,
# so it carries a claim's tag (tests hold every cue of every language to this; ``optviz claims`` lists the
# sentences that do not). Questions are not claims.
CLAIM_WORDS = {
    "en": r"\b(than|only|never|always|forever|best|worst|most|least|fastest|slowest|faster|slower|closer|closest|"
          r"farther|further|win|wins|winner|beats?|escapes?|escaped|stalls?|stalled|stuck|settles?|settled|"
          r"diverge[sd]?|diverging|converge[sd]?|blows? up|leaves?|stays?|global|globally|identical|exactly|none|"
          r"fewer|wider|cancel|crawls?|hardly|reach(es|ed)?|falls? (off|away)|runs? (off|away)|over the edge|"
          r"without bound|no bottom|every step|each step|per step|at once|all but|same path|single path|still)\b",
    "zh": r"(比(?!赛|法)|只|从不|从没|永远|总是|最(?!小值|大值|大特征值|小化|终)|更(?!新)|逃|停|卡住|收敛|发散|离开|全局|完全|正好|恰好|赢|胜出|冲出|掉下|掉了|"
          r"到达|找到|留住|丢掉|救回|每一步|每步|立刻|一下子|几乎|还在|仍然|没有底|没有尽头|差不多|重合)",
}


def sounds_like_claim(sentence: str, lang: str) -> bool:
    sentence = sentence.strip()
    if sentence.endswith(("?", "？")):
        return False
    return re.search(CLAIM_WORDS[lang], sentence, re.I) is not None
