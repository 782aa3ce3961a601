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
from scenes import claims as c
from scenes import language
from scenes.claims import Claim
from scenes.description import (
    LONG_FORM, SHORT_FORM, Beat, Description, Fate, FateMaps, FlyTo, Home, Orbit, Show, Swarm, TopDown, fmt,
    point, spoken_formula, steps,
)
from scenes.segments._manim import scene_exports
from scenes.segments.cubic import BASIN_LR, MOMENTUM, NUDGE, RACERS
from scenes.script import Script

NAME = "basins"
CUBIC, FIT = "cubic", "fit-sincos"
OPTIMIZERS = ("sgd", "momentum", "adam")
# plain descent at 0.1 (the cubic's own basin map), momentum and Adam at the cubic race's settings; and plain
# descent once more at momentum's effective rate, lr / (1 - momentum), so momentum's losses compare fairly
SETTINGS = {"sgd": dict(lr=BASIN_LR), "momentum": RACERS["momentum"], "adam": RACERS["adam"]}
FAIR = "sgd_fair"
FAIR_SETTINGS = dict(lr=round(MOMENTUM["lr"] / (1 - MOMENTUM["momentum"]), 12))
MAPS = ("sgd", FAIR, "momentum", "adam")  # the maps card, in its order
MARGIN = 0.1  # comparisons of shares must hold with each learning rate moved by 10% either way
CLOSE = 5.0  # percentage points: "close to gradient descent"
TRUE_CLOSE = 0.05  # the best fit's distance to the true (a, b): "close to the true values"
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
    runs[FAIR] = optmath.batch_trajectory(cubic, "sgd", starts, nsteps, record_state=False, **FAIR_SETTINGS)
    lr_of = {**{k: SETTINGS[k]["lr"] for k in OPTIMIZERS}, FAIR: FAIR_SETTINGS["lr"]}
    name_of = {**{k: language.display_name(k) for k in OPTIMIZERS}, FAIR: language.display_name("sgd")}
    ends = {k: fate.fates(r, lo, TOL, others=()) for k, r in runs.items()}  # the cubic's only minimum
    cubic_rows = {k: rows(f, CUBIC_ROWS) for k, f in ends.items()}
    swarms = {k: Swarm(runs[k].xy, cubic_rows[k], legend(ends[k], CUBIC_ROWS, CUBIC_WORDS, frag), trails=False,
                       title=frag["swarm_title"].format(name=name_of[k], lr=fmt(lr_of[k]), count=len(starts)))
              for k in OPTIMIZERS}
    pct = {k: {key: fmt(ends[k].share(label)) for key, label in
               (("min", fate.REACHED), ("edge", fate.OVER_EDGE), ("moving", fate.MOVING))} for k in runs}
    home = {k: ends[k].labels == fate.REACHED for k in runs}
    share = lambda mask: fmt(100.0 * np.count_nonzero(mask) / mask.size)  # noqa: E731  per cent of all starts
    above = starts[:, 1] > lo.xy[1]  # the starts on the far wall, above the minimum
    lost_above = fmt(100.0 * np.count_nonzero(above & ~home["momentum"]) / max(np.count_nonzero(above), 1))

    def fate_map(keys):
        return FateMaps(tuple((frag["heading"].format(name=name_of[k], lr=fmt(lr_of[k]), pct=pct[k]["min"]),
                               cubic_rows[k].reshape(n, n)) for k in keys),
                        tuple(Fate(frag[key], kind) for key, kind in CUBIC_WORDS), title=frag["maps_title"])

    maps, fair_maps = fate_map(MAPS), fate_map((FAIR, "momentum"))

    # -- the fit: one gradient descent batch over a >= 0 ------------------------------------------------------
    minima = sorted(optmath.minima(fit), key=lambda c: c.value)
    best, flat = minima[0], min(minima[1:], key=lambda c: c.eigenvalues[0])  # the best fit; the flattest local
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

    # -- what the words claim -------------------------------------------------------------------------------
    memo: dict = {}

    def cubic_fates(r) -> fate.Fates:
        """A run's fates, once per run (claims read the same run, or its rerun, many times)."""
        if id(r) not in memo:
            memo[id(r)] = (r, fate.fates(r, lo, TOL, others=()))
        return memo[id(r)][1]

    def reached(key):
        return c.measure(f"{key}'s share reaching the minimum (%)",
                         lambda r: cubic_fates(r).share(fate.REACHED), key)

    def lost_to(a, b):
        """Per cent of all starts that ``a`` brings to the minimum and ``b`` does not."""
        def fn(ra, rb):
            ha = cubic_fates(ra).labels == fate.REACHED
            hb = cubic_fates(rb).labels == fate.REACHED
            return 100.0 * np.count_nonzero(ha & ~hb) / ha.size

        return c.measure(f"% of starts {a} keeps and {b} loses", fn, a, b)

    def no_moving(key):
        return c.equal(c.measure(f"{key}'s starts still moving", lambda r: cubic_fates(r).count(
            fate.MOVING), key), 0)

    sgd_shares = Claim("shares", c.all_of(no_moving("sgd")), margin=MARGIN)

    def border():
        _, evecs = optmath.hessian_eigen(cubic, sad.xy)
        ends_ = [optmath.trajectory(cubic, "sgd", tuple(np.asarray(sad.xy) + s_ * NUDGE * evecs[:, 0]), nsteps,
                                    lr=SETTINGS["sgd"]["lr"]) for s_ in (1, -1)]
        at_home = [e.diverged_at is None and np.linalg.norm(e.final - lo.xy) < TOL for e in ends_]
        return at_home[0] != at_home[1], {}

    sgd_border = Claim("border", c.check(f"starts {NUDGE:g} either side of the saddle, along the pass, end apart",
                                         border))
    eff = Claim("eff", c.near(c.number(MOMENTUM["lr"] / (1 - MOMENTUM["momentum"]), "momentum's lr / (1 - momentum)"),
                              c.number(lr_of[FAIR], f"{FAIR}'s lr"), 1e-12, relative=True))
    fewer = Claim("fewer", c.less(reached("momentum"), reached(FAIR)), margin=MARGIN)
    step_too = Claim("step_too", c.less(reached(FAIR), reached("sgd")), margin=MARGIN)

    def far_wall(r):
        hm = cubic_fates(r).labels == fate.REACHED
        lost = 100.0 * np.count_nonzero(above & ~hm) / max(np.count_nonzero(above), 1)
        return lost > 50.0, {"% of the starts above the minimum momentum loses": lost}

    wall = Claim("far_wall", c.check("momentum loses most of the starts above the minimum", far_wall, "momentum"),
                 margin=MARGIN)
    lost = Claim("lost", c.greater(lost_to(FAIR, "momentum"), lost_to("momentum", FAIR)), margin=MARGIN)
    close = Claim("close", c.at_most(c.measure("|adam's share - sgd's| (points)", lambda ra, rs: abs(
        cubic_fates(ra).share(fate.REACHED) - cubic_fates(rs).share(
            fate.REACHED)), "adam", "sgd"), CLOSE), margin=MARGIN)
    not_same = Claim("not_same", c.all_of(c.greater(lost_to("sgd", "adam"), 0), c.greater(lost_to("adam", "sgd"), 0)),
                     margin=MARGIN)

    def on_their_way(r):
        f = cubic_fates(r)
        moving = f.labels == fate.MOVING
        final, _ = fate.endpoints(r)
        ok = bool(np.all(cubic.in_domain(final[moving])) and np.all(np.linalg.norm(final[moving] - lo.xy, axis=-1) > TOL))
        return ok, {"adam's starts still moving": f.count(fate.MOVING)}

    moving = Claim("moving", c.check("adam's moving dots end inside the plot, away from the minimum", on_their_way,
                                     "adam"))
    lr_too = Claim("lr_too", c.greater(c.measure(f"sgd's share at {fmt(lr_of['sgd'])} minus at {fmt(lr_of[FAIR])} "
                                                 "(points)", lambda a_, b_: (cubic_fates(a_).share(
        fate.REACHED) - cubic_fates(b_).share(fate.REACHED)), "sgd", FAIR), CLOSE), margin=MARGIN)
    different = Claim("different", c.all_of(*(c.greater(lost_to(a, b), 0) for a, b in (
        ("sgd", "momentum"), ("sgd", "adam"), ("adam", "momentum")))))

    def lowest():
        low, _ = optmath.grid_minimum(fit)
        return low >= best.value - 1e-12, {"lowest error on a fine grid": low, "the best fit's error": best.value}

    best_claim = Claim("best", c.check("no point of the plot, on a fine grid, is lower than the best fit", lowest))
    true_close = Claim("true_close", c.at_most(c.number(float(np.hypot(best.xy[0] - true_a, best.xy[1] - true_b)),
                                                        "the best fit's distance to the true values"), TRUE_CLOSE))
    worse = Claim("worse", c.check("every other minimum has a larger error", lambda: (
        all(p.value > best.value for p in minima[1:]), {})))

    def even():
        a_, b_ = np.meshgrid(np.linspace(0.1, a1, 9), np.linspace(b0, b1, 9))
        plus, minus = fit.value(np.stack([a_, b_], -1)), fit.value(np.stack([-a_, b_], -1))
        return bool(np.allclose(plus, minus, rtol=1e-12, atol=0)), {}

    even_claim = Claim("even", c.check("the error at -a equals the error at a", even))

    def fit_shares(r):
        e = fate.fit_fates(r, FIT_TOL, points=minima)
        return e.share(fate.GLOBAL) > 0 and e.share(fate.LOCAL) > 0, {"best fit (%)": e.share(fate.GLOBAL),
                                                                        "local fits (%)": e.share(fate.LOCAL)}

    swarm_shares = Claim("shares", c.check("some starts find the best fit and some a local one", fit_shares, "fit"),
                         margin=MARGIN)

    def crawl_toward_flat(r):
        e = fate.fit_fates(r, FIT_TOL, points=minima)
        final, _ = fate.endpoints(r)
        crawl = (e.labels == fate.UNSETTLED) & fit.in_domain(final)
        d = np.linalg.norm(final[crawl][:, None, :] - np.array([p.xy for p in minima])[None], axis=-1)
        share_flat = float(np.mean(np.argmin(d, axis=1) == minima.index(flat))) if crawl.any() else 0.0
        return share_flat > 0.5, {"of the crawling starts, the share nearest the flat fit": share_flat}

    toward_flat = Claim("toward_flat", c.check("most crawling starts are nearest the flat fit", crawl_toward_flat,
                                               "fit"), margin=MARGIN)
    flattest = Claim("flattest", c.check("the flat fit's valley curves least of all the minima", lambda: (
        all(flat.eigenvalues[0] <= p.eigenvalues[0] for p in minima), {"its curvature": flat.eigenvalues[0]})))

    def near_far(r):
        e = fate.fit_fates(r, FIT_TOL, points=minima)
        got = (e.labels == fate.GLOBAL).reshape(-1)
        d = np.linalg.norm(r.xy[:, 0] - np.asarray(best.xy), axis=-1)
        return bool(np.all(got[d < near]) and got[np.argmax(np.where(got, d, -1))]), {
            "starts closer than that": int(np.sum(d < near))}

    near_claim = Claim("near", c.check("every start closer than that finds the best fit", near_far, "fit"))

    def most_common(r):
        e = fate.fit_fates(r, FIT_TOL, points=minima)
        counts = np.bincount(e.at[e.labels == fate.LOCAL], minlength=len(minima))
        return bool(int(np.argmax(counts[1:])) + 1 == top and counts[top] > e.count(fate.GLOBAL)), {
            "starts ending at that fit": int(counts[top]), "at the best fit": e.count(fate.GLOBAL)}

    common = Claim("common", c.check("no fit, the best included, is reached from more starts", most_common, "fit"),
                   margin=MARGIN)
    depends = Claim("depends", c.all_of(different.test, lr_too.test))

    C, F = CUBIC, FIT
    beats = [
        Beat("intro", Show(C), dict(formula=spoken_formula(cubic), saddle=point(sad.xy), grid=n, count=len(starts)),
             camera=(Orbit(30),), claims=(Claim("order", c.comes_after(NAME, "cubic")),)),
        Beat("sgd", Show(C, swarm="sgd"), dict(lr=fmt(SETTINGS["sgd"]["lr"]), steps=nsteps, pct_min=pct["sgd"]["min"],
                                                pct_edge=pct["sgd"]["edge"]),
             camera=(TopDown(),), claims=(sgd_shares, sgd_border)),
        Beat("momentum", Show(C, swarm="momentum", card="fair"),
             dict(lr=fmt(SETTINGS["momentum"]["lr"]), mu=fmt(SETTINGS["momentum"]["momentum"]), eff=fmt(lr_of[FAIR]),
                  pct_min=pct["momentum"]["min"], pct_edge=pct["momentum"]["edge"], pct_fair=pct[FAIR]["min"],
                  lost=share(home[FAIR] & ~home["momentum"]), gained=share(home["momentum"] & ~home[FAIR]),
                  lost_above=lost_above),
             camera=(TopDown(),), claims=(eff, fewer, wall, lost)),
        Beat("adam", Show(C, swarm="adam"),
             dict(lr=fmt(SETTINGS["adam"]["lr"]), pct_min=pct["adam"]["min"], pct_edge=pct["adam"]["edge"],
                  lost=share(home["sgd"] & ~home["adam"]), saved=share(home["adam"] & ~home["sgd"]),
                  moving=ends["adam"].count(fate.MOVING), steps=nsteps),
             camera=(TopDown(),), claims=(close, not_same, moving)),
        Beat("maps", Show(C, card="maps"), {**{f"pct_{k}": pct[k]["min"] for k in MAPS},
                                           "lr": fmt(lr_of["sgd"]), "lr_fair": fmt(lr_of[FAIR])},
             camera=(TopDown(),), claims=(step_too, different, lr_too)),
        Beat("fit_intro", Show(F), dict(a_best=fmt(best.xy[0]), b_best=fmt(best.xy[1]), f_best=fmt(best.value),
                                        a_true=fmt(true_a), b_true=fmt(true_b), n_local=len(minima) - 1),
             camera=(Home(share=0.3), Orbit(-30, share=0.7)), claims=(best_claim, true_close, worse)),
        Beat("fit_swarm", Show(F, swarm="fit"),
             dict(lr=fmt(FIT_LR), grid=m, a_lo=fmt(a0), a_hi=fmt(a1), b_lo=fmt(b0), b_hi=fmt(b1),
                  steps=fit_run.steps, pct_global=fmt(fit_ends.share(fate.GLOBAL)),
                  pct_local=fmt(fit_ends.share(fate.LOCAL)), pct_unsettled=fmt(fit_ends.share(fate.UNSETTLED)),
                  pct_left=share(left), pct_crawl=share(unsettled & ~left),
                  a_flat=fmt(flat.xy[0]), b_flat=fmt(flat.xy[1]), curv=fmt(flat.eigenvalues[0])),
             camera=(TopDown(),), claims=(even_claim, swarm_shares, toward_flat, flattest)),
        Beat("fit_where", Show(F, swarm="fit"),
             dict(near=fmt(near), far=fmt(far), a_top=fmt(minima[top].xy[0]), b_top=fmt(minima[top].xy[1]),
                  f_top=fmt(minima[top].value), pct_top=fmt(100.0 * local_counts[top] / fit_ends.total)),
             camera=(FlyTo(best.xy, zoom=FIT_VIEW_ZOOM),), claims=(near_claim, common)),
        Beat("outro", Show(C, card="maps"), camera=(Home(),), formats=LONG_FORM, claims=(depends,)),
        # the social clip: one swarm, the one that loses most
        Beat("social_hook", Show(C), dict(count=len(starts)), formats=SHORT_FORM),
        Beat("social_race", Show(C, swarm=SOCIAL_SWARM),
             dict(pct_min=pct[SOCIAL_SWARM]["min"], pct_edge=pct[SOCIAL_SWARM]["edge"], fair_min=pct[FAIR]["min"],
                  eff=fmt(lr_of[FAIR])),
             camera=(TopDown(),), formats=SHORT_FORM, claims=(fewer, eff)),
        Beat("social_end", Show(C), camera=(Home(),), formats=SHORT_FORM, claims=(depends,)),
    ]
    return Description(NAME, {C: cubic, F: fit}, {}, beats, swarms=swarms, cards={"maps": maps, "fair": fair_maps},
                       sources={**runs, "fit": fit_run}, preview=short).check()


__getattr__, __dir__ = scene_exports(__name__, NAME)
