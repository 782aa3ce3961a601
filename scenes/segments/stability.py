"""Why a step size blows up: on the bowl 0.1x^2 + 2y^2, a fan of learning rates from one start.

Near a minimum each eigenvector of the Hessian is a one-dimensional problem, and along it a step of
gradient descent multiplies the distance to the minimum by ``1 - lr*lambda``. So the steepest
eigenvalue draws two lines on the axis of learning rates: below ``1/lambda_max`` the path comes
straight in, up to ``2/lambda_max`` it zig-zags in, above it every bounce is wider. The segment
shows a fan of rates run as one batch and coloured by what each path did (measured from the path,
not assumed from its rate), the rates on a number line with both lines marked, the predicted factor
beside the measured one, and torch's momentum forms, whose bounds move the line: outward for the
heavy ball, inward for Nesterov (at mu = 0.5 and lr = 0.4 the heavy ball settles, Nesterov diverges).

Content only; ``manim render scenes/segments/stability.py StabilitySegment`` renders the lecture format.
"""

from __future__ import annotations

import numpy as np

import optmath
from optmath import stability
from scenes import claims as c
from scenes.claims import Claim
from scenes.description import (
    LONG_FORM,
    SHORT_FORM,
    Arrows,
    Beat,
    Description,
    Fate,
    FlyTo,
    Home,
    Mark,
    NumberLine,
    Orbit,
    Run,
    Show,
    Swarm,
    Table,
    TopDown,
    View,
    exit_step,
    fmt,
    point,
    spoken_formula,
    steps,
)
from scenes.script import Script
from scenes.segments._manim import scene_exports

NAME = "stability"
SURFACE = "bowl"
START = (-5.0, -2.0)  # bowl.py's start: the same bowl, the same first picture
STEPS = 40
# The fan, as fractions of plain descent's bound 2/lambda_max: from well below 1/lambda_max to a quarter
# above the bound, in even steps that miss both lines (a rate exactly on 1/lambda_max lands on the floor in one
# step, exactly on 2/lambda_max bounces forever: neither shows a fate clearly).
FAN_LO, FAN_HI, FAN_COUNT = 0.04, 1.24, 25
FAN_STEPS_SHORT = 12
TABLE_AT = (0.24, 0.44, 0.64, 0.94, 1.14)  # the table's rates: the fan's nearest to these fractions of the bound
FACTOR_STEPS = 10  # the measured factor: the geometric mean over the first steps (all of them stay in the box)
SPOKEN = (2, 3, 4)  # the table rows the factor beat reads: a zig-zag, a slow zig-zag, a diverging rate
ARROW_LENGTH = 2.0  # domain units: inside the bowl's y range on the steep side
MU, RACE_LR = 0.5, 0.4  # between Nesterov's bound (0.375) and the heavy ball's (0.75); plain descent's is 0.5
RACE_STEPS = 40
ENVELOPE_SKIP, ENVELOPE_WINDOW = 5, 4  # momentum's factor: past the first steps, over its swing's envelope
KIND = {stability.SETTLES: "good", stability.ZIGZAGS: "middle", stability.DIVERGES: "bad"}
AGREE = 0.02  # a measured factor "is" the predicted one within 2%
PROBE = 0.01  # a bound is measured: 1% below it the factor is under one, 1% above over one


def _line_end(values) -> float:
    """The number line's right end: a tenth past the largest value, rounded up to a tenth."""
    return float(np.ceil(max(values) * 11) / 10)


def describe(short: bool = False) -> Description:
    surf = optmath.get_surface(SURFACE)
    (cp,) = optmath.minima(surf)
    bounds = optmath.step_bounds(surf, cp.xy, momentum=MU)
    lam_min, lam_max = bounds.lambda_min, bounds.lambda_max
    evals, evecs = optmath.hessian_eigen(surf, cp.xy)
    # each eigenvector's sign: the larger component positive, so the arrows point up the +x and +y walls
    evecs = evecs * np.where(evecs[np.argmax(np.abs(evecs), 0), [0, 1]] < 0, -1.0, 1.0)
    steep = evecs[:, int(np.argmax(evals))]
    shallow = evecs[:, int(np.argmin(evals))]
    fr = Script.of(NAME).fragments

    # -- the fan: one batch, one row per learning rate ------------------------------------------------------
    n = steps(STEPS, short, FAN_STEPS_SHORT)
    lrs = np.round(bounds.gd * np.linspace(FAN_LO, FAN_HI, FAN_COUNT), 6)
    fan = optmath.batch_trajectory(surf, "sgd", START, n, lr=lrs)
    fate = stability.fates(fan, cp.xy, steep)
    counts = {f: int(np.sum(fate == f)) for f in KIND}
    overshoot = stability.overshoot_lr(lam_max)
    by = {f: lrs[fate == f] for f in KIND}
    swarm = Swarm(fan.xy, fate, (Fate(fr["settles"].format(count=counts[stability.SETTLES]), "good"),
                                 Fate(fr["zigzags"].format(count=counts[stability.ZIGZAGS]), "middle"),
                                 Fate(fr["diverges"].format(count=counts[stability.DIVERGES]), "bad")),
                  trails=True, title=fr["fan_title"].format(count=len(lrs)))

    def mark(lr: float) -> str:
        return fr["bound_mark"].format(limit=fmt(lr * lam_max), value=fmt(lr))

    fan_line = NumberLine(0.0, _line_end(lrs), tuple(float(v) for v in lrs), tuple(KIND[int(f)] for f in fate),
                          (Mark(overshoot, mark(overshoot), "middle"), Mark(bounds.gd, mark(bounds.gd), "bad")),
                          title=fr["fan_line_title"])

    # -- predicted against measured, along the steep eigenvector --------------------------------------------
    n_factor = min(FACTOR_STEPS, n)
    measured = stability.per_step_factors(fan, cp.xy, steep, steps=n_factor)
    predicted = stability.predicted_factor(lrs, lam_max)
    rows = [int(np.argmin(np.abs(lrs - f * bounds.gd))) for f in TABLE_AT]
    fate_word = {stability.SETTLES: fr["fate_settles"], stability.ZIGZAGS: fr["fate_zigzags"],
                 stability.DIVERGES: fr["fate_diverges"]}
    table = Table((fr["col_lr"], fr["col_predicted"], fr["col_measured"], fr["col_fate"]),
                  tuple((fmt(lrs[i]), fmt(predicted[i]), fmt(measured[i]), fate_word[int(fate[i])]) for i in rows),
                  highlight=tuple(k for k, i in enumerate(rows) if fate[i] == stability.DIVERGES),
                  title=fr["table_title"].format(l_max=fmt(lam_max)))
    ra, rb, rc = (rows[k] for k in SPOKEN)

    # -- the Hessian's eigenvectors at the minimum --------------------------------------------------------------
    arrows = Arrows(cp.xy, tuple(tuple(float(x) for x in ARROW_LENGTH * v) for v in (shallow, steep)),
                    (fr["eigen_label"].format(value=fmt(lam_min)), fr["eigen_label"].format(value=fmt(lam_max))))

    # -- momentum: torch's heavy ball and Nesterov at one mu -----------------------------------------------------
    n_race = steps(RACE_STEPS, short)
    runs = {
        "gd": Run(optmath.trajectory(surf, "sgd", START, n_race, lr=RACE_LR)),
        "heavy": Run(optmath.trajectory(surf, "momentum", START, n_race, lr=RACE_LR, momentum=MU)),
        "nesterov": Run(optmath.trajectory(surf, "nesterov", START, n_race, lr=RACE_LR, momentum=MU)),
    }
    t = {k: r.trajectory for k, r in runs.items()}

    def envelope(key: str) -> float:
        """The measured factor of a momentum run across the valley (a short cut measures what it has)."""
        room = n_race > ENVELOPE_SKIP + ENVELOPE_WINDOW
        return stability.per_step_factor(t[key], cp.xy, steep, skip=ENVELOPE_SKIP if room else 0,
                                         window=ENVELOPE_WINDOW if room else 1)

    nes_exit, nes_div = exit_step(t["nesterov"]), t["nesterov"].diverged_at
    # each bound in its racer's colour (palette: SGD vermillion, Momentum sky blue, Nesterov yellow) = the
    # fate kinds bad, good, middle; the race's own rate in white
    momentum_line = NumberLine(
        0.0, _line_end([bounds.heavy_ball]), (),
        (), (Mark(bounds.nesterov, fr["nesterov_mark"].format(value=fmt(bounds.nesterov)), "middle"),
             Mark(RACE_LR, fr["race_mark"].format(value=fmt(RACE_LR)), "other"),
             Mark(bounds.gd, fr["gd_mark"].format(value=fmt(bounds.gd)), "bad"),
             Mark(bounds.heavy_ball, fr["hb_mark"].format(value=fmt(bounds.heavy_ball)), "good")),
        title=fr["momentum_line_title"].format(mu=fmt(MU)))

    # -- what the words claim (measured from the paths, independently of stability.fates) -----------------------
    def along(xy):
        """Each path's distance from the minimum along the steep eigenvector, and its sign changes."""
        d = (xy - np.asarray(cp.xy)) @ steep
        with np.errstate(invalid="ignore"):
            return d, np.sum(d[..., 1:] * d[..., :-1] < 0, axis=-1)

    def partition(fan_run):
        d, crossings = along(fan_run.xy)
        finite = np.isfinite(d)
        last = d.shape[-1] - 1 - np.argmax(finite[..., ::-1], -1)
        end = np.abs(d[np.arange(len(d)), last])
        grew = (end > np.abs(d[:, 0])) | (fan_run.diverged_at >= 0)
        straight = (crossings == 0) & ~grew
        zig = (crossings == d.shape[-1] - 1) & ~grew  # a zig-zag crosses the floor at every step
        rates = fan_run.optimizer.hyper["lr"]
        want = (rates <= overshoot, (rates > overshoot) & (rates <= bounds.gd), rates > bounds.gd)
        ok = np.array_equal(straight, want[0]) and np.array_equal(zig, want[1]) and np.array_equal(grew, want[2])
        return ok, {"straight in": int(straight.sum()), "zig-zag in": int(zig.sum()), "grow": int(grew.sum())}

    parts = Claim("partition", c.check(f"each rate's path does what its place on the line says: straight in below "
                                       f"{fmt(overshoot)}, zig-zag in up to {fmt(bounds.gd)}, growing above", partition,
                                       "fan"))

    def constant_factor(fan_run):
        d, _ = along(fan_run.xy)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = d[:, 1:] / d[:, :-1]
        want = 1 - fan_run.optimizer.hyper["lr"][:, None] * lam_max
        worst = float(np.nanmax(np.abs(ratio - want) / np.abs(want)))
        return worst < 1e-9, {"the largest departure from 1 - lr lambda_max (relative)": worst}

    same_factor = Claim("factor", c.check("every step of every rate multiplies the distance along the steep "
                                          "eigenvector by 1 - lr lambda_max", constant_factor, "fan"))

    def leave(fan_run):
        gone = fan_run.optimizer.hyper["lr"] > bounds.gd
        inside = surf.in_domain(np.where(np.isfinite(fan_run.xy), fan_run.xy, 1e9))
        return bool(np.all(~inside[gone].all(axis=-1))), {"rates above the bound": int(gone.sum())}

    leaves = Claim("leave", c.check("every rate above the bound leaves the picture", leave, "fan"))

    def ends(fan_run):
        lr = fan_run.optimizer.hyper["lr"]
        d, crossings = along(fan_run.xy)
        lo_, hi_ = int(np.argmin(lr)), int(np.argmax(lr))
        return bool(crossings[lo_] == 0 and abs(d[lo_, -1]) < abs(d[lo_, 0]) and fan_run.diverged_at[hi_] >= 0), \
            {"the smallest rate": float(lr[lo_]), "the largest": float(lr[hi_])}

    creeps = Claim("ends", c.check("the smallest rate comes in without overshoot, the largest diverges", ends, "fan"))
    axes = Claim("axes", c.check("the Hessian's eigenvectors at the minimum lie along x and y",
                                 lambda: (bool(np.allclose(np.abs(evecs), np.eye(2))), {})))
    table_claim = Claim("measured", c.check(f"every row's measured factor is its predicted one, within {AGREE:.0%}",
                                            lambda: (bool(np.all(np.abs(measured[rows] - predicted[rows])
                                                                 <= AGREE * predicted[rows])),
                                                     {"the largest gap": float(np.max(np.abs(measured[rows]
                                                                                             - predicted[rows])))})))

    def on_bound():
        t_ = optmath.trajectory(surf, "sgd", START, n, lr=bounds.gd)
        ratio = t_.xy[1:, 1] / t_.xy[:-1, 1]
        return bool(np.allclose(ratio, -1.0, rtol=1e-9, atol=0)), {"steps at exactly the bound": t_.steps}

    unit = Claim("unit", c.check("at exactly the bound every step flips y and keeps its size", on_bound))
    pace = Claim("pace", c.greater(c.number(stability.predicted_factor(lrs[rb], lam_min), "the factor along x"),
                                   c.number(predicted[rb], "across the valley")))

    def measured_bound(bound, nesterov):
        below = float(stability.predicted_factor(bound * (1 - PROBE), lam_max, MU, nesterov=nesterov))
        above = float(stability.predicted_factor(bound * (1 + PROBE), lam_max, MU, nesterov=nesterov))
        return below < 1 < above, (below, above)

    def bounds_hold():
        hb_ok, hb = measured_bound(bounds.heavy_ball, False)
        nes_ok, nes = measured_bound(bounds.nesterov, True)
        return hb_ok and nes_ok and bounds.nesterov < bounds.gd < bounds.heavy_ball, {
            "heavy ball's factor 1% below and above its bound": f"{hb[0]:.4f}, {hb[1]:.4f}",
            "Nesterov's": f"{nes[0]:.4f}, {nes[1]:.4f}"}

    momentum_bounds = Claim("bounds", c.check("each momentum bound is where the spectral radius crosses one, and "
                                              "Nesterov's < plain descent's < the heavy ball's", bounds_hold))
    between = Claim("between", c.check("the race's rate lies between Nesterov's bound and the heavy ball's", lambda: (
        bounds.nesterov < RACE_LR < bounds.heavy_ball, {})))
    gd_in = Claim("gd_in", c.all_of(c.rate("gd", "y", 1 - RACE_LR * lam_max), c.never_diverges("gd")))
    hb_pred = float(stability.predicted_factor(RACE_LR, lam_max, MU))
    nes_pred = float(stability.predicted_factor(RACE_LR, lam_max, MU, nesterov=True))
    hb_in = Claim("hb_in", c.all_of(c.near(c.measure("heavy's measured factor", lambda _: envelope("heavy"), "heavy"),
                                           c.number(hb_pred, "predicted"), AGREE, relative=True),
                                    c.never_diverges("heavy")))
    nes_out = Claim("nes_out", c.all_of(c.near(c.measure("nesterov's measured factor", lambda _: envelope("nesterov"),
                                                         "nesterov"), c.number(nes_pred, "predicted"), AGREE,
                                               relative=True), c.diverges("nesterov")))
    gd_bound = Claim("bound", c.near(c.number(bounds.gd * lam_max, "the bound times lambda_max"), 2.0, 1e-12))

    S = SURFACE
    lines = dict(overshoot=fmt(overshoot), over_limit=fmt(overshoot * lam_max), bound=fmt(bounds.gd),
                 limit=fmt(bounds.gd * lam_max))
    fan_numbers = dict(count=len(lrs), lr_lo=fmt(lrs.min()), lr_hi=fmt(lrs.max()), start=point(START), steps=n)

    def first(f: int) -> str:
        return fmt(by[f].min()) if by[f].size else fr["nothing"]

    def last(f: int) -> str:
        return fmt(by[f].max()) if by[f].size else fr["nothing"]

    beats = [
        Beat("intro", Show(S), dict(formula=spoken_formula(surf), start=point(START)), camera=(Orbit(30),),
             claims=(Claim("order", c.comes_after(NAME, "bowl")), creeps, parts)),
        Beat("eigen", Show(S, arrows="eigen"),
             dict(l_min=fmt(lam_min), l_max=fmt(lam_max), kappa=fmt(lam_max / lam_min)),
             camera=(FlyTo(cp.xy, zoom=1.4),), claims=(axes, same_factor)),
        Beat("fan", Show(S, swarm="fan"), fan_numbers, camera=(TopDown(),), claims=(parts, leaves)),
        Beat("fates", Show(S, swarm="fan", card="fan_line"),
             dict(lines, n_settle=counts[stability.SETTLES], n_zig=counts[stability.ZIGZAGS],
                  n_div=counts[stability.DIVERGES], last_settle=last(stability.SETTLES),
                  first_zig=first(stability.ZIGZAGS), last_zig=last(stability.ZIGZAGS),
                  first_div=first(stability.DIVERGES)), claims=(parts,)),
        Beat("factor", Show(S, swarm="fan", card="factor_table"),
             dict(factor_steps=n_factor, lr_a=fmt(lrs[ra]), signed_a=fmt(1 - lrs[ra] * lam_max),
                  meas_a=fmt(measured[ra]), lr_b=fmt(lrs[rb]), pred_b=fmt(predicted[rb]), meas_b=fmt(measured[rb]),
                  bound=lines["bound"], unit=fmt(stability.predicted_factor(bounds.gd, lam_max)),
                  lr_c=fmt(lrs[rc]), pred_c=fmt(predicted[rc]), meas_c=fmt(measured[rc]),
                  x_factor=fmt(stability.predicted_factor(lrs[rb], lam_min))),
             claims=(table_claim, unit, pace)),
        Beat("momentum_bounds", Show(S, card="momentum_line"),
             dict(mu=fmt(MU), hb_bound=fmt(bounds.heavy_ball), hb_limit=fmt(bounds.heavy_ball * lam_max),
                  nes_bound=fmt(bounds.nesterov), nes_limit=fmt(bounds.nesterov * lam_max), bound=lines["bound"]),
             camera=(Home(),), claims=(momentum_bounds,)),
        Beat("momentum_race", Show(S, ("gd", "heavy", "nesterov"), card="momentum_line"),
             dict(lr=fmt(RACE_LR), gd_factor=fmt(stability.predicted_factor(RACE_LR, lam_max)),
                  hb_pred=fmt(stability.predicted_factor(RACE_LR, lam_max, MU)), hb_meas=fmt(envelope("heavy")),
                  steps=t["heavy"].steps, hb_dist=fmt(np.linalg.norm(t["heavy"].final - np.asarray(cp.xy))),
                  nes_pred=fmt(stability.predicted_factor(RACE_LR, lam_max, MU, nesterov=True)),
                  nes_meas=fmt(envelope("nesterov")),
                  nes_exit=nes_exit if nes_exit is not None else t["nesterov"].steps,
                  nes_diverged=nes_div if nes_div is not None else fr["never"]),
             camera=(TopDown(),), claims=(between, gd_in, hb_in, nes_out)),
        Beat("outro", Show(S, swarm="fan", arrows="eigen"), dict(overshoot=lines["overshoot"], bound=lines["bound"]),
             camera=(Home(share=0.4), Orbit(30, share=0.6)), formats=LONG_FORM, claims=(parts, momentum_bounds)),
        # the social clip: the fan flowing, the line of rates beside it
        Beat("social_hook", Show(S), formats=SHORT_FORM),
        Beat("social_race", Show(S, swarm="fan", card="fan_line"),
             dict(count=len(lrs), overshoot=lines["overshoot"], bound=lines["bound"], limit=lines["limit"]),
             camera=(TopDown(),), formats=SHORT_FORM, claims=(parts, gd_bound)),
        Beat("social_end", Show(S), camera=(Home(),), formats=SHORT_FORM, claims=(parts,)),
    ]
    # the bowl's steep walls: its higher camera and flatter drawing (see bowl.py)
    return Description(NAME, {S: surf}, runs, beats, View(phi=40, theta=-75, height=1.2),
                       swarms={"fan": swarm}, cards={"fan_line": fan_line, "factor_table": table,
                                                     "momentum_line": momentum_line},
                       arrows={"eigen": arrows}, sources={"fan": fan}, preview=short).check()


__getattr__, __dir__ = scene_exports(__name__, NAME)
