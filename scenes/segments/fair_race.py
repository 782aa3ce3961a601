"""A fair race: every optimizer's learning rate chosen by a tuning declared in advance, then the race.

Races between optimizers usually hand every racer one learning rate, or rates picked by eye, and the
picture then says more about the rates than about the optimizers. On Rosenbrock's valley, at torch's
default rate for Adam, Momentum sweeps down the valley while Adam and RMSprop hardly move; and the rate
that wins from the race's start makes Momentum diverge from other starts.

The fair version is stated before it runs (``optmath.tuning``): for each optimizer, a grid of rates
(1, 2 and 5 per decade from 1e-4 to 1), the centres of an 8 x 8 grid of cells over the plot as starts,
200 steps (the race's length), scored by the mean final loss over the starts, where a diverged start
counts as an infinite loss; ties go to the smaller rate. One batched run per optimizer scores the whole
grid; the table on screen, the number lines and the rates in the race are read from its result, never typed.

Content only; ``manim render scenes/segments/fair_race.py FairRaceSegment`` renders the lecture format.
"""

from __future__ import annotations

import numpy as np

import optmath
from optmath.tuning import StartGrid, TuningConfig, TuningResult, decade_grid, tune
from scenes import claims as c
from scenes import language
from scenes.claims import Claim
from scenes.description import (
    LONG_FORM, SHORT_FORM, Beat, Description, Fate, Home, Mark, NumberLine, Orbit, Run, Show, Swarm, Table,
    TopDown, View, fmt, listing, names, point, steps,
)
from scenes.segments._manim import scene_exports
from scenes.script import Script

NAME = "fair-race"
SURFACE = "rosenbrock"
# the racers and what each holds fixed while its rate is tuned (torch's defaults for the rest)
RACERS = {"sgd": {}, "momentum": {"momentum": 0.9}, "rmsprop": {}, "adam": {}}
DEFAULT_LR = optmath.defaults("adam")["lr"]  # the untuned race: torch's Adam default for everyone
# on the valley's far wall, where every race path stays in the plot: RMSprop's tuned first step leaps 2 per
# coordinate (ten times its rate), and from the classic (-1.2, 1) its second step lands beyond x = 2; a start
# on the floor itself, where the gradient across the valley is exactly zero, makes that first step degenerate
START = (-1.5, 0.5)
STEPS = 200  # the race's length, and the tuning's
# the declared tuning: rates 1, 2, 5 per decade from 10^-4 to 10^0, starts at the cells' centres of an
# n x n grid over the plotted domain, scored by the mean final loss
LR_DECADES = (-4, 0)
SIDE = 8
OBJECTIVE = "mean-final-loss"
# the preview cut: three rates around the default, four starts, a dozen steps
SHORT_LRS = decade_grid(-3, -1, (1,))
SHORT_SIDE = 2
MARGIN = 0.1  # who leads and who wins must hold with each racer's learning rate moved by 10% either way
FLAT_WALLS = 1000.0  # "the floor is almost flat, the walls are steep": the Hessian's eigenvalues this far apart


def configs(short: bool = False) -> dict[str, TuningConfig]:
    """The declared tuning of each racer: everything the table and the race depend on."""
    surf = optmath.get_surface(SURFACE)
    lrs = SHORT_LRS if short else decade_grid(*LR_DECADES)
    starts = StartGrid(surf.domain, SHORT_SIDE if short else SIDE)
    return {k: TuningConfig(SURFACE, k, lrs, starts, steps(STEPS, short), OBJECTIVE, fixed)
            for k, fixed in RACERS.items()}


def tunings(short: bool = False) -> dict[str, TuningResult]:
    """Each racer's tuning, one batched run apiece."""
    return {k: tune(c) for k, c in configs(short).items()}


def rate(lr: float) -> str:
    """A learning rate of the declared grid as both legends write it (``0.0005``): by ``fmt``, like every
    value shown; the grid's rates are round decimals, so this is also their exact form."""
    return fmt(lr)


def travelled(t: optmath.Trajectory) -> float:
    """The length of a path (the sum of its steps), up to its last real point."""
    xy = t.xy[: t.last_finite + 1]
    return float(np.linalg.norm(np.diff(xy, axis=0), axis=-1).sum())


def score(x: float, words: dict[str, str]) -> str:
    """An objective's value as shown and said: a number, or the word for a rate ruled out by divergence."""
    return fmt(x) if np.isfinite(x) else words["ruled_out"]


def table(results: dict[str, TuningResult], words: dict[str, str]) -> Table:
    """The tuning table, every cell read from the results: how many of the rates diverged from some start,
    the rate chosen and its score; the row of the lowest score highlighted. The rates tried, the same for
    every optimizer, are in the title (a column of them made the table too wide to read in its place)."""
    none = language.word("none")
    rows = tuple(
        (language.display_name(k),
         str(int(np.sum(r.diverged > 0))),
         rate(r.best_lr) if r.best_lr is not None else none,
         score(r.best_score, words) if r.best_lr is not None else none)
        for k, r in results.items()
    )
    objective = next(iter(results.values())).config.objective
    header = (words["h_optimizer"], words["h_diverged"], words["h_best"], words[objective.replace("-", "_")])
    ranked = sorted((r.best_score, i) for i, r in enumerate(results.values()) if r.best_lr is not None)
    first = next(iter(results.values())).config
    title = words["table_title"].format(starts=first.starts.count, steps=first.steps,
                                        rates=words["lr_range"].format(lo=rate(min(first.lrs)), hi=rate(max(first.lrs)),
                                                                       count=len(first.lrs)))
    return Table(header, rows, highlight=(ranked[0][1],) if ranked else (), title=title)


def describe(short: bool = False) -> Description:
    surf = optmath.get_surface(SURFACE)
    (cp,) = optmath.minima(surf)
    l_min, l_max = cp.eigenvalues
    bounds = optmath.step_bounds(surf, cp.xy)
    words = Script.of(NAME).fragments
    results = tunings(short)
    tuned = {}
    for k, r in results.items():
        if r.best_lr is None:
            raise ValueError(f"{NAME}: every rate of {k}'s grid diverged from some start; widen the grid")
        tuned[k] = r.best_lr
    declared = results["sgd"].config  # the grid, starts, steps and objective every racer shares
    n = steps(STEPS, short)
    starts, count = declared.starts.count, len(declared.lrs)
    lo, hi = min(declared.lrs), max(declared.lrs)
    objective = words[OBJECTIVE.replace("-", "_")]
    name = language.display_name

    def race(k, lr):
        return optmath.trajectory(surf, k, START, n, lr=lr, **RACERS[k])

    runs = {**{f"{k}_untuned": Run(race(k, DEFAULT_LR)) for k in RACERS},
            **{k: Run(race(k, tuned[k])) for k in RACERS}}
    t = {k: r.trajectory for k, r in runs.items()}

    def dist(key):
        return float(np.linalg.norm(t[key].final - np.asarray(cp.xy)))

    def loss(key):
        return float(t[key].z[t[key].last_finite])

    # -- the untuned race: its leader, and the leader's rate from every start of the tuning ------------------
    leader = min(RACERS, key=lambda k: dist(f"{k}_untuned"))
    at_default = results[leader].index(DEFAULT_LR)
    leader_diverged = int(results[leader].diverged[at_default])
    fate = (results[leader].diverged_at[at_default] >= 0).astype(int)  # 0: no divergence, 1: diverged
    swarm = Swarm(
        results[leader].run.xy[at_default], fate,
        (Fate(words["fate_survives"].format(count=int(np.sum(fate == 0))), "good"),
         Fate(words["fate_diverges"].format(count=int(np.sum(fate == 1))), "bad")),
        title=words["swarm_title"].format(name=name(leader), lr=rate(DEFAULT_LR), starts=starts))

    # -- the grid, plain and as SGD's tuning saw it, against gradient descent's bound at the minimum ----------
    sgd = results["sgd"]
    grid_line = NumberLine(lo, hi, values=declared.lrs, kinds=("other",) * count, log=True,
                           title=words["grid_title"].format(count=count, lo=rate(lo), hi=rate(hi)))
    sgd_kinds = tuple("good" if i == sgd.best_index else "bad" if d > 0 else "middle"
                      for i, d in enumerate(sgd.diverged))
    bad = [lr for lr, d in zip(sgd.config.lrs, sgd.diverged) if d > 0]
    bound = fmt(bounds.gd, 4)  # four digits: 0.001997, just below the grid's 0.002
    sgd_line = NumberLine(
        lo, hi, values=sgd.config.lrs, kinds=sgd_kinds, log=True,
        # the best rate is its green tick and the title's: a mark of its own would sit on the bound's label
        marks=(Mark(bounds.gd, words["mark_bound"].format(bound=bound), "bad"),),
        title=words["line_title"].format(name=name("sgd"), count=count, lr=rate(sgd.best_lr)))

    # -- the table and the tuned race -------------------------------------------------------------------------
    best = min(RACERS, key=lambda k: (results[k].best_score, list(RACERS).index(k)))
    winner = min(RACERS, key=dist)
    rates = listing([words["at_rate"].format(name=name(k), lr=rate(tuned[k])) for k in RACERS])
    rms = t["rmsprop"]

    # -- what the words claim -------------------------------------------------------------------------------
    untuned_keys = [f"{k}_untuned" for k in RACERS]
    minimum = tuple(cp.xy)
    kappa = Claim("kappa", c.greater(c.number(l_max / l_min, "lambda_max / lambda_min"), FLAT_WALLS))
    pick = Claim("pick", c.check("the untuned race's leader is not the tuned race's winner", lambda: (
        leader != winner, {})))
    leads = Claim("leads", c.all_of(*(c.closer(f"{leader}_untuned", k, minimum, "the minimum")
                                      for k in untuned_keys if k != f"{leader}_untuned")), margin=MARGIN)
    hardly = Claim("hardly", c.all_of(*(c.less(c.travel("adam_untuned"), c.travel(k))
                                        for k in untuned_keys if k != "adam_untuned")), margin=MARGIN)
    rate_matters = Claim("rate_matters", c.closer("adam", "adam_untuned", minimum, "the minimum"), margin=MARGIN)

    def some_diverge():
        r = results[leader]
        return int(r.diverged[at_default]) > 0, {"starts that diverge": int(r.diverged[at_default])}

    sample = Claim("sample", c.check(f"{leader} at {rate(DEFAULT_LR)} diverges from some of the starts",
                                     some_diverge))

    def ruled_out():
        bad_rates = [(k, i) for k, r in results.items() for i, d in enumerate(r.diverged) if d > 0]
        ok = all(not np.isfinite(results[k].scores[i]) for k, i in bad_rates)
        ok &= all(r.best_index is None or r.best_index == min(
            (i for i, v in enumerate(r.scores) if v == r.best_score), default=None) for r in results.values())
        return ok, {"rates ruled out by a diverged start": len(bad_rates)}

    rule = Claim("rule", c.check("a rate with a diverged start scores inf, and ties go to the smaller rate",
                                 ruled_out))

    def edge():
        r = results["sgd"]
        above = [d > 0 for lr, d in zip(r.config.lrs, r.diverged) if bad and lr >= min(bad)]
        return bool(bad) and all(above), {"rates from the first bad one up": len(above)}

    edge_claim = Claim("edge", c.check("every rate of SGD's grid from the first that diverges up diverges", edge))
    predicts = Claim("predicts", c.check("2/lambda_max lies between SGD's best rate and its first diverging one",
                                         lambda: (sgd.best_lr < bounds.gd < min(bad), {"2/lambda_max": bounds.gd})))
    lowest = Claim("lowest", c.check(f"{best}'s score is the lowest of the four", lambda: (
        all(results[best].best_score <= r.best_score for r in results.values()), {})))

    def tuned_down():
        r = results[leader]
        return tuned[leader] < DEFAULT_LR and int(r.diverged[at_default]) > 0, {}

    down = Claim("down", c.check(f"{leader}'s tuned rate is below the default, where it diverged from some starts",
                                 tuned_down))
    wins = Claim("winner", c.all_of(*(c.closer(winner, k, minimum, "the minimum") for k in RACERS if k != winner)),
                 margin=MARGIN)

    def across(r):
        floor = lambda p: p[1] - p[0] ** 2  # noqa: E731  above (+) or below (-) the valley floor y = x^2
        return floor(r.xy[0]) * floor(r.xy[1]) < 0, {"first step's length": float(np.linalg.norm(r.xy[1] - r.xy[0]))}

    leap = Claim("across", c.check("rmsprop's first step crosses the valley floor", across, "rmsprop"))
    safer = Claim("safer", c.all_of(c.less(c.number(tuned[leader], "its tuned rate"), c.number(DEFAULT_LR, "the default")),
                                    c.closer(f"{leader}_untuned", leader, minimum, "the minimum"),
                                    c.never_diverges(f"{leader}_untuned")))

    S = SURFACE
    untuned = tuple(f"{k}_untuned" for k in RACERS)
    racers = tuple(RACERS)
    beats = [
        Beat("intro", Show(S), dict(minimum=point(cp.xy), f_min=fmt(cp.value), l_min=fmt(l_min), l_max=fmt(l_max, 4)),
             camera=(Orbit(30),), claims=(pick, kappa)),
        Beat("untuned", Show(S, untuned, loss=True),
             dict(names=names(list(RACERS)), start=point(START), steps=n, lr=rate(DEFAULT_LR),
                  leader=name(leader), d_leader=fmt(dist(f"{leader}_untuned")),
                  adam_travel=fmt(travelled(t["adam_untuned"])), d_adam=fmt(dist("adam_untuned"))),
             camera=(TopDown(),), claims=(leads, hardly, rate_matters)),
        Beat("sample", Show(S, swarm="default"), dict(leader=name(leader), starts=starts, diverged=leader_diverged),
             claims=(sample,)),
        Beat("declare", Show(S, card="grid"),
             dict(count=count, lo=rate(lo), hi=rate(hi), starts=starts, side=declared.starts.n, steps=declared.steps,
                  objective=objective, runs=count * starts),
             camera=(Home(),), claims=(rule,)),
        Beat("sgd_line", Show(S, card="sgd"),
             dict(first_bad=rate(min(bad)) if bad else language.word("none"), best=rate(sgd.best_lr),
                  l_max=fmt(l_max, 4), bound=bound), claims=(edge_claim, predicts)),
        Beat("table", Show(S, card="table"),
             dict(best=name(best), objective=objective, best_score=score(results[best].best_score, words),
                  best_lr=rate(tuned[best]), lr=rate(DEFAULT_LR),
                  best_default=score(results[best].score(DEFAULT_LR), words),
                  leader=name(leader), leader_lr=rate(tuned[leader]), leader_diverged=leader_diverged,
                  starts=starts), claims=(lowest, down)),
        Beat("tuned", Show(S, racers, loss=True), dict(start=point(START), steps=n, rates=rates), camera=(TopDown(),)),
        Beat("results", Show(S, racers, loss=True),
             dict(winner=name(winner), d_winner=fmt(dist(winner)), f_winner=fmt(loss(winner)),
                  rms_jump=fmt(np.linalg.norm(rms.xy[1] - rms.xy[0])),
                  leader=name(leader), d_leader=fmt(dist(leader)), d_leader_untuned=fmt(dist(f"{leader}_untuned")),
                  starts=starts),
             camera=(), claims=(wins, leap, safer, rule)),  # held from above, where the valley and every ending read best (and the surface is pasted)
        Beat("outro", Show(S, racers, loss=True), camera=(Home(share=0.5), Orbit(30, share=0.5)), formats=LONG_FORM,
             claims=(pick,)),
        # the social clip: the question, the declared race (the legend's brief labels carry each rate), the loop
        Beat("social_hook", Show(S), formats=SHORT_FORM),
        Beat("social_race", Show(S, racers, loss=True),
             dict(count=count, starts=starts, steps=n, objective=objective, adam_lr=rate(tuned["adam"]),
                  lr=rate(DEFAULT_LR), d_adam=fmt(dist("adam"))),
             camera=(TopDown(),), formats=SHORT_FORM, claims=(rule, rate_matters)),
        Beat("social_end", Show(S), camera=(Home(),), formats=SHORT_FORM),
    ]
    return Description(NAME, {S: surf}, runs, beats, View(), swarms={"default": swarm},
                       cards={"grid": grid_line, "sgd": sgd_line, "table": table(results, words)},
                       preview=short).check()


__getattr__, __dir__ = scene_exports(__name__, NAME)
