"""Where a start ends: thousands of starts flow over the cubic at once, coloured by where they end.

A race from one start shows one ending. A grid of starts shows the map behind it: on the cubic
x^2 + y^2 + y^3 + xy every start either reaches the minimum or goes over the edge past the saddle,
and which starts do depends on the optimizer: gradient descent, momentum and Adam (at the cubic
race's settings) draw three different basins over the same surface. Then the model-fitting
landscape sin(b cos(ax)): which starts find the global fit, which a local one.

Each swarm is one batched optmath run (``record_state=False``); every share is counted by
``optmath.fates``. Content only; ``manim render scenes/segments/basins.py BasinsSegment`` renders the lecture.
"""

from __future__ import annotations

import numpy as np

import optmath
from optmath import fates as fate
from scenes import language
from scenes.description import (
    LONG_FORM, SHORT_FORM, Beat, Description, Fate, FateMaps, FlyTo, Home, Orbit, Show, Swarm, TopDown, fmt,
    point, spoken_formula, steps,
)
from scenes.segments._manim import scene_exports
from scenes.segments.cubic import RACERS
from scenes.script import Script

NAME = "basins"
CUBIC, FIT = "cubic", "fit-sincos"
OPTIMIZERS = ("sgd", "momentum", "adam")
SETTINGS = {k: RACERS[k] for k in OPTIMIZERS}  # the cubic race's learning rates: its racers, from everywhere
GRID, GRID_SHORT = 64, 12  # 64 x 64 = 4096 starts over the cubic's plot
STEPS = 150  # all but a handful of paths have ended by then (Adam's, about lr a step, are the last to leave)
TOL = fate.TOL  # "reached": within this distance of the minimum after the last step
SOCIAL_SWARM = "momentum"  # the clip's one swarm: the optimizer that loses most starts
# the fit: gradient descent at a rate that settles most starts in few steps, yet is stable at every minimum
# (2/lambda_max there runs from 0.78 to 3.2), from a grid over a >= 0 (cos is even: -a fits as well as a)
FIT_OPTIMIZER, FIT_LR = "sgd", 0.5
FIT_GRID, FIT_STEPS = 16, 80  # each step evaluates the model at 200 data points per start: 256 starts, not 4096
FIT_A_FROM = 0.0
FIT_TOL = 0.05  # a fit this close in (a, b) draws the same curve; the fits themselves lie a unit or more apart
FIT_VIEW_ZOOM = 1.6
# the swarms' fates, in the legend's order: optmath's outcome -> the row it is counted in
CUBIC_ROWS = {fate.REACHED: 0, fate.OVER_EDGE: 1, fate.MOVING: 2}
CUBIC_WORDS = (("minimum", "good"), ("over_edge", "bad"), ("moving", "other"))
FIT_ROWS = {fate.GLOBAL: 0, fate.LOCAL: 1, fate.UNSETTLED: 2}
FIT_WORDS = (("global_fit", "good"), ("local_fit", "middle"), ("unsettled", "other"))


def rows(fates: fate.Fates, table: dict) -> np.ndarray:
    """Each path's legend row, from optmath's outcome; an outcome the legend has no row for is an error."""
    missing = set(np.unique(fates.labels).tolist()) - set(table)
    if missing:
        raise ValueError(f"{NAME}: outcomes {sorted(fates.names[k] for k in missing)} have no legend row")
    lookup = np.full(max(table) + 1, -1)
    for label, row in table.items():
        lookup[label] = row
    return lookup[fates.labels.reshape(-1)]


def legend(fates: fate.Fates, table: dict, words: tuple, fragments: dict) -> tuple[Fate, ...]:
    """The legend's rows with each share in per cent (``minimum 61.5%``), in the order of ``table``'s rows."""
    by_row = {row: label for label, row in table.items()}
    return tuple(Fate(fragments["fate"].format(words=fragments[key], pct=fmt(fates.share(by_row[i]))), kind)
                 for i, (key, kind) in enumerate(words))


def describe(short: bool = False) -> Description:
    cubic, fit = optmath.get_surface(CUBIC), optmath.get_surface(FIT)
    frag = Script.of(NAME).fragments
    points = optmath.critical_points(cubic)
    (lo,) = [c for c in points if c.kind == "min"]
    (sad,) = [c for c in points if c.kind == "saddle"]

    # -- the cubic: one batch per optimizer, from every cell of a grid ---------------------------------------
    n, nsteps = steps(GRID, short, GRID_SHORT), steps(STEPS, short)
    starts = fate.grid(cubic, n).reshape(-1, 2)  # row-major: start i is cell (i // n, i % n), row 0 lowest y
    runs = {k: optmath.batch_trajectory(cubic, k, starts, nsteps, record_state=False, **SETTINGS[k])
            for k in OPTIMIZERS}
    ends = {k: fate.fates(r, lo, TOL, others=()) for k, r in runs.items()}  # the cubic's only minimum
    cubic_rows = {k: rows(f, CUBIC_ROWS) for k, f in ends.items()}
    swarms = {k: Swarm(runs[k].xy, cubic_rows[k], legend(ends[k], CUBIC_ROWS, CUBIC_WORDS, frag), trails=False,
                       title=frag["swarm_title"].format(name=language.display_name(k), lr=fmt(SETTINGS[k]["lr"]),
                                                        count=len(starts)))
              for k in OPTIMIZERS}
    pct = {k: {key: fmt(ends[k].share(label)) for key, label in
               (("min", fate.REACHED), ("edge", fate.OVER_EDGE), ("moving", fate.MOVING))} for k in OPTIMIZERS}
    home = {k: ends[k].labels == fate.REACHED for k in OPTIMIZERS}
    share = lambda mask: fmt(100.0 * np.count_nonzero(mask) / mask.size)  # noqa: E731  per cent of all starts
    above = starts[:, 1] > lo.xy[1]  # the starts on the far wall, above the minimum
    lost_above = fmt(100.0 * np.count_nonzero(above & ~home["momentum"]) / max(np.count_nonzero(above), 1))
    maps = FateMaps(tuple((frag["heading"].format(name=language.display_name(k), pct=pct[k]["min"]),
                           cubic_rows[k].reshape(n, n)) for k in OPTIMIZERS),
                    tuple(Fate(frag[key], kind) for key, kind in CUBIC_WORDS), title=frag["maps_title"])

    # -- the fit: one gradient descent batch over a >= 0 ------------------------------------------------------
    minima = sorted(optmath.minima(fit), key=lambda c: c.value)
    best, flat = minima[0], min(minima[1:], key=lambda c: c.eigenvalues[0])  # the global fit; the flattest local
    (a0, a1), (b0, b1) = (FIT_A_FROM, fit.domain[0][1]), fit.domain[1]
    m = steps(FIT_GRID, short, GRID_SHORT)
    fit_starts = fate.grid(fit, m, window=((a0, a1), (b0, b1))).reshape(-1, 2)
    fit_run = optmath.batch_trajectory(fit, FIT_OPTIMIZER, fit_starts, steps(FIT_STEPS, short), record_state=False,
                                       lr=FIT_LR)
    fit_ends = fate.fit_fates(fit_run, FIT_TOL, points=minima)
    swarms["fit"] = Swarm(fit_run.xy, rows(fit_ends, FIT_ROWS), legend(fit_ends, FIT_ROWS, FIT_WORDS, frag),
                          trails=False, title=frag["swarm_title"].format(name=language.display_name(FIT_OPTIMIZER),
                                                                        lr=fmt(FIT_LR), count=len(fit_starts)))
    found = fit_ends.labels == fate.GLOBAL
    dist = np.linalg.norm(fit_starts - np.asarray(best.xy), axis=-1)
    near = dist[~found].min() if (~found).any() else dist.max()  # every start closer than this finds it
    far = dist[found].max() if found.any() else 0.0
    fit_final, _ = fate.endpoints(fit_run)
    unsettled = fit_ends.labels == fate.UNSETTLED
    left = unsettled & ~fit.in_domain(fit_final)  # off the plot, toward fits beyond its edge
    local_counts = np.bincount(fit_ends.at[fit_ends.labels == fate.LOCAL], minlength=len(minima))
    top = int(np.argmax(local_counts[1:])) + 1  # the most common local fit
    true_a, true_b = fit.data.true_params

    C, F = CUBIC, FIT
    beats = [
        Beat("intro", Show(C), dict(formula=spoken_formula(cubic), saddle=point(sad.xy), grid=n, count=len(starts)),
             camera=(Orbit(30),)),
        Beat("sgd", Show(C, swarm="sgd"), dict(lr=fmt(SETTINGS["sgd"]["lr"]), steps=nsteps, pct_min=pct["sgd"]["min"],
                                                pct_edge=pct["sgd"]["edge"]),
             camera=(TopDown(),)),
        Beat("momentum", Show(C, swarm="momentum"),
             dict(lr=fmt(SETTINGS["momentum"]["lr"]), mu=fmt(SETTINGS["momentum"]["momentum"]),
                  pct_min=pct["momentum"]["min"], pct_edge=pct["momentum"]["edge"],
                  lost=share(home["sgd"] & ~home["momentum"]), gained=share(home["momentum"] & ~home["sgd"]),
                  lost_above=lost_above),
             camera=(TopDown(),)),
        Beat("adam", Show(C, swarm="adam"),
             dict(lr=fmt(SETTINGS["adam"]["lr"]), pct_min=pct["adam"]["min"], pct_edge=pct["adam"]["edge"],
                  lost=share(home["sgd"] & ~home["adam"]), saved=share(home["adam"] & ~home["sgd"]),
                  moving=ends["adam"].count(fate.MOVING), steps=nsteps),
             camera=(TopDown(),)),
        Beat("maps", Show(C, card="maps"), {f"pct_{k}": pct[k]["min"] for k in OPTIMIZERS}, camera=(TopDown(),)),
        Beat("fit_intro", Show(F), dict(a_best=fmt(best.xy[0]), b_best=fmt(best.xy[1]), f_best=fmt(best.value),
                                        a_true=fmt(true_a), b_true=fmt(true_b), n_local=len(minima) - 1),
             camera=(Home(share=0.3), Orbit(-30, share=0.7))),
        Beat("fit_swarm", Show(F, swarm="fit"),
             dict(lr=fmt(FIT_LR), grid=m, a_lo=fmt(a0), a_hi=fmt(a1), b_lo=fmt(b0), b_hi=fmt(b1),
                  steps=fit_run.steps, pct_global=fmt(fit_ends.share(fate.GLOBAL)),
                  pct_local=fmt(fit_ends.share(fate.LOCAL)), pct_unsettled=fmt(fit_ends.share(fate.UNSETTLED)),
                  pct_left=share(left), pct_crawl=share(unsettled & ~left),
                  a_flat=fmt(flat.xy[0]), b_flat=fmt(flat.xy[1]), curv=fmt(flat.eigenvalues[0])),
             camera=(TopDown(),)),
        Beat("fit_where", Show(F, swarm="fit"),
             dict(near=fmt(near), far=fmt(far), a_top=fmt(minima[top].xy[0]), b_top=fmt(minima[top].xy[1]),
                  f_top=fmt(minima[top].value), pct_top=fmt(100.0 * local_counts[top] / fit_ends.total)),
             camera=(FlyTo(best.xy, zoom=FIT_VIEW_ZOOM),)),
        Beat("outro", Show(C, card="maps"), camera=(Home(),), formats=LONG_FORM),
        # the social clip: one swarm, the one that loses most
        Beat("social_hook", Show(C), dict(count=len(starts)), formats=SHORT_FORM),
        Beat("social_race", Show(C, swarm=SOCIAL_SWARM),
             dict(pct_min=pct[SOCIAL_SWARM]["min"], pct_edge=pct[SOCIAL_SWARM]["edge"], sgd_min=pct["sgd"]["min"]),
             camera=(TopDown(),), formats=SHORT_FORM),
        Beat("social_end", Show(C), camera=(Home(),), formats=SHORT_FORM),
    ]
    return Description(NAME, {C: cubic, F: fit}, {}, beats, swarms=swarms, cards={"maps": maps}).check()


__getattr__, __dir__ = scene_exports(__name__, NAME)
