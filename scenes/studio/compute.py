"""A shot document (the dict a shot file parses to) -> everything the studio page draws.

No Manim and no web stack here: the page's numbers come from optmath exactly as a render's do
(``shots.describe.trajectories`` runs ``optmath.trajectory`` per path; here each optimizer runs all
its starts in one ``optmath.batch_trajectory``, which computes every path element by element, so the
numbers are the same bit for bit). Every value goes through ``shots.schema.from_dict`` first, so the
page can send nothing a shot file could not hold, and a formula is parsed by ``shots.formula``'s own
parser, never evaluated.

What the page may ask for is bounded here: a shot's own bounds (``MAX_STEPS``, ``MAX_RUNS``), and a
swarm of starts of at most ``MAX_SWARM`` x ``MAX_SWARM`` for at most ``MAX_SWARM_WORK`` start-steps.
"""

from __future__ import annotations

import json
import math
import re
from functools import lru_cache
from typing import Any

import numpy as np

import optmath
from optmath.fates import grid as fate_grid, settled_at
from optmath.optimizers import DISPLAY_NAMES
from optmath.schedules import schedule_params
from shots.numbers import RUN_FIELDS, SHOT_FIELDS, Numbers
from shots.numbers import check_placeholders
from shots.schema import MAX_RUNS, MAX_STEPS, Reader, ShotError

MAX_SWARM = 64  # starts per side of a swarm
MAX_SWARM_WORK = 64 * 64 * 1000  # starts x steps of one swarm request (about a second here)
MAP_SIZE = 90  # grid points per side of the contour map and the 3D surface
POSITION = re.compile(r"at position (\d+)")


class StudioError(ValueError):
    """A request the studio refuses: one line naming the bad value, and (for a formula) where it is."""

    def __init__(self, message: str, field: str | None = None, position: int | None = None):
        super().__init__(message)
        self.field, self.position = field, position

    def as_json(self) -> dict:
        return {"error": str(self), "field": self.field, "position": self.position}


def _field_of(message: str) -> str | None:
    """Which part of the page a schema message is about, so the page can show it beside that input."""
    for name in ("formula", "domain", "z_range", "start", "steps", "title", "schedule", "camera", "cue", "optimizer",
                 "surface"):
        if name in message:
            return name
    return None


class _Reader(Reader):
    """``shots.schema``'s reader with its surfaces remembered: parsing a formula takes ~0.1 s (sympy derives
    its gradient), and a slider move sends the same surface table again. Every other check runs each time."""

    surfaces: dict[str, tuple] = {}

    def surface(self, table):
        key = json.dumps(table, sort_keys=True)
        if key not in self.surfaces:
            if len(self.surfaces) >= 64:
                self.surfaces.clear()
            self.surfaces[key] = super().surface(table)  # a ShotError is not remembered
        return self.surfaces[key]


def check(doc: Any, name: str = "studio"):
    """The shot the document describes (``shots.schema.from_dict``'s checks), or a StudioError with its line."""
    if not isinstance(doc, dict):
        raise StudioError(f"the shot must be a JSON object (a shot file's tables), not {type(doc).__name__}")
    try:
        shot = _Reader(None, "studio").shot(doc, name)
        check_placeholders(shot)
        return shot
    except ShotError as exc:
        text = str(exc)
        m = POSITION.search(text) if "formula" in text else None
        raise StudioError(text, _field_of(text.removeprefix("studio: ")), int(m.group(1)) if m else None) from None


# -- what the page offers: ranges from optmath's own checks ----------------------------------------
def _accepts(name: str, param: str, value) -> bool:
    try:
        optmath.get_optimizer(name, **{param: value})
        return True
    except (ValueError, TypeError):
        return False


def _bounds(accepts) -> dict:
    """Lower and upper bound of one number as optmath's checks draw them (probed, not restated):
    ``low`` 0 when negatives are refused, ``high`` 1 (``high_open`` when 1 itself is refused) when
    numbers above 1 are."""
    low = 0.0 if not accepts(-1e-9) and accepts(0.0) else None
    high, high_open = None, False
    if not accepts(1.0 + 1e-9) and not accepts(2.0):
        high, high_open = 1.0, not accepts(1.0)
    return {"low": low, "high": high, "high_open": high_open}


def _slider(param: str, default: float, bounds: dict) -> dict:
    """The slider's span (the number field beside it takes any value the checks accept)."""
    if param == "lr":
        return {"min": 1e-4, "max": 10.0, "log": True}
    if param == "eps":
        return {"min": 1e-12, "max": 1e-1, "log": True}
    if bounds["high"] is not None:
        return {"min": 0.0, "max": 0.999 if bounds["high_open"] else 1.0, "log": False}
    return {"min": 0.0, "max": max(1.0, 10 * abs(default)), "log": False}


@lru_cache(maxsize=None)
def hyperparameters(name: str) -> dict:
    """Every hyperparameter of optimizer ``name``: torch's name, default, kind, valid range, slider span."""
    out = {}
    for param, default in optmath.defaults(name).items():
        if isinstance(default, bool):
            out[param] = {"kind": "bool", "default": default}
        elif isinstance(default, tuple):
            parts = []
            for i, d in enumerate(default):
                def accepts(v, i=i):
                    pair = list(default)
                    pair[i] = v
                    return _accepts(name, param, tuple(pair))
                b = _bounds(accepts)
                parts.append({**b, "default": d, "slider": _slider(f"{param}[{i}]", d, b)})
            out[param] = {"kind": "pair", "default": list(default), "parts": parts}
        else:
            b = _bounds(lambda v: _accepts(name, param, v))
            out[param] = {"kind": "number", "default": default, **b, "slider": _slider(param, default, b)}
    return out


def meta() -> dict:
    """What the page's menus hold: surfaces, optimizers with their hyperparameters, schedules, placeholders."""
    from scenes.description import FORMATS
    from scenes.language import LANGS
    from scenes.pipeline.jobs import QUALITIES
    from scenes.settings import VOICES
    from shots.schema import MOVE_KEYS

    def plain(v):
        return None if v is None or "MISSING" in repr(type(v)) or repr(v).endswith("MISSING") else v

    return {
        "surfaces": {k: {"title": s.title, "domain": [list(s.domain[0]), list(s.domain[1])]}
                     for k, s in optmath.SURFACES.items()},
        "optimizers": {k: {"display": DISPLAY_NAMES.get(k, k), "hyper": hyperparameters(k)} for k in optmath.OPTIMIZERS},
        "schedules": {k: {p: plain(d) for p, d in schedule_params(k).items()} for k in optmath.SCHEDULES},
        "placeholders": {"shot": SHOT_FIELDS, "run": RUN_FIELDS},
        "moves": list(MOVE_KEYS),
        "formats": list(FORMATS), "langs": list(LANGS), "qualities": list(QUALITIES), "voices": list(VOICES),
        "limits": {"steps": MAX_STEPS, "paths": MAX_RUNS, "swarm": MAX_SWARM, "swarm_work": MAX_SWARM_WORK},
    }


# -- the numbers -------------------------------------------------------------------------------------
def _floats(a) -> list:
    """An array as JSON-ready nested lists; NaN and infinities (a path that left) become null."""
    a = np.asarray(a, float)
    return np.where(np.isfinite(a), a, None).tolist()


@lru_cache(maxsize=16)
def _surface_view(key: str) -> dict:
    """The surface on a grid (map and 3D view) and its minima: the same for every slider move, so cached."""
    surface = _SURFACES[key]
    (x0, x1), (y0, y1) = surface.domain
    xs, ys = np.linspace(x0, x1, MAP_SIZE), np.linspace(y0, y1, MAP_SIZE)
    X, Y = np.meshgrid(xs, ys)
    with np.errstate(all="ignore"):
        Z = surface.value(np.stack([X, Y], -1))
    z0, z1 = surface.z_range
    shown = np.clip(Z, z0, z1)
    critical = optmath.critical_points(surface)
    lows = sorted((c for c in critical if c.kind == "min"), key=lambda c: c.value)
    return {
        "x": xs.tolist(), "y": ys.tolist(), "z": _floats(shown), "z_range": [z0, z1],
        "domain": [[x0, x1], [y0, y1]], "title": surface.title,
        "minima": [{"xy": list(c.xy), "value": c.value} for c in lows],
        "_points": lows, "_critical": critical,
    }


_SURFACES: dict[str, Any] = {}  # the surface table as JSON -> the checked Surface (the key of _surface_view)


def _surface_key(doc: dict, shot) -> str:
    key = json.dumps(doc.get("surface"), sort_keys=True)
    if key not in _SURFACES and len(_SURFACES) >= 64:
        _SURFACES.clear()
        _surface_view.cache_clear()
    _SURFACES.setdefault(key, shot.surface)
    return key


def _fate(t: optmath.Trajectory, surface, lows) -> dict:
    """Settles (at which minimum), diverges at step k, leaves the plot, or still moving: optmath.fates' piles."""
    if t.diverged_at is not None:
        return {"kind": "diverges", "step": int(t.diverged_at), "text": f"diverges at step {t.diverged_at}"}
    final = np.asarray(t.final, float)
    if not bool(surface.in_domain(final)):
        return {"kind": "leaves", "text": "leaves the plot"}
    at = int(settled_at(final, lows))
    if at >= 0:
        which = "the lowest minimum" if at == 0 else "a minimum"
        x, y = lows[at].xy
        return {"kind": "settles", "minimum": at, "text": f"settles at {which} ({x:.3g}, {y:.3g})"}
    return {"kind": "moving", "text": "still moving"}


def runs(shot) -> dict[str, optmath.Trajectory]:
    """Every path of the shot, keyed like its placeholders: one batched run per optimizer over its starts."""
    starts = np.array(shot.starts, float)
    out: dict[str, optmath.Trajectory] = {}
    by_key = {}
    for o in shot.optimizers:
        by_key[o.key] = optmath.batch_trajectory(shot.surface, o.name, starts, shot.steps, record_state=False,
                                                 schedule=o.schedule, **o.hyper)
    for key, o, i in shot.run_keys():
        out[key] = by_key[o.key][i]
    return out


def swarm(shot, n: int, lows=None) -> dict:
    """The first optimizer from an n x n grid of starts over the domain: where each ends, and its fate."""
    if isinstance(n, bool) or not isinstance(n, int) or not 2 <= n <= MAX_SWARM:
        raise StudioError(f"swarm = {n!r} is out of range; allowed: 2 to {MAX_SWARM} starts per side", "swarm")
    if n * n * shot.steps > MAX_SWARM_WORK:
        most = MAX_SWARM_WORK // (n * n)
        raise StudioError(f"swarm = {n} with steps = {shot.steps} is {n * n * shot.steps} start-steps; the limit is "
                          f"{MAX_SWARM_WORK}: use at most {most} steps or a smaller swarm", "swarm")
    o = shot.optimizers[0]
    starts = fate_grid(shot.surface, n)
    run = optmath.batch_trajectory(shot.surface, o.name, starts, shot.steps, record_state=False,
                                   schedule=o.schedule, **o.hyper)
    from optmath.fates import endpoints, fit_fates

    final, _ = endpoints(run)
    fates = fit_fates(run, points=lows)
    return {"key": o.key, "n": n, "starts": _floats(starts.reshape(-1, 2)), "final": _floats(final.reshape(-1, 2)),
            "fate": fates.labels.reshape(-1).tolist(), "names": list(fates.names),
            "diverged_at": np.asarray(run.diverged_at).reshape(-1).tolist()}


def compute(doc: Any, swarm_n: int | None = None) -> dict:
    """Everything the page draws for one shot document (checked first; a StudioError if it is refused)."""
    shot = check(doc)
    key = _surface_key(doc, shot)
    view = _surface_view(key)
    paths = runs(shot)
    numbers = Numbers(shot, paths)
    numbers._points = view["_critical"]  # Numbers' own cache of critical_points, filled from the surface's
    placeholders = {name: numbers[name] for name in SHOT_FIELDS}
    for k in paths:
        for f in RUN_FIELDS:
            placeholders[f"{k}.{f}"] = numbers[f"{k}.{f}"]
    cues = [numbers.fill(c.text) for c in shot.cues]
    out = {
        "title": shot.title,
        "surface": {k: v for k, v in view.items() if not k.startswith("_")},
        "paths": [{
            "key": k, "optimizer": t.optimizer.name, "label": t.optimizer.label(),
            "x": _floats(t.xy[:, 0]), "y": _floats(t.xy[:, 1]), "z": _floats(t.z),
            "final": _floats(t.final), "final_loss": None if not math.isfinite(float(t.z[t.last_finite]))
            else float(t.z[t.last_finite]),
            "diverged_at": t.diverged_at, "fate": _fate(t, shot.surface, view["_points"]),
        } for k, t in paths.items()],
        "placeholders": placeholders,
        "cues": cues,
    }
    if swarm_n is not None:
        out["swarm"] = swarm(shot, swarm_n, view["_points"])
    return out
