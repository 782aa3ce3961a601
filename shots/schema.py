"""A shot file (TOML) or the same document built from ``optviz race`` options, checked into a ``Shot``.

Every check happens here, before anything renders, and a refusal is one line
that names the file and line of the bad value and what is allowed:

    my_shot.toml:14: unknown key 'lrr' in [[optimizer]] 2 (adam); allowed: name, key, lr, betas, ...

Values are data: the TOML parser reads them, a formula goes through
``shots.formula``'s own parser, and words with ``{placeholders}`` are filled
by name from a table of numbers (``shots.numbers``), never by ``str.format``.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import optmath
from scenes.description import FORMATS, names, FlyTo, Home, Look, Orbit, TopDown, View

MAX_STEPS = 10_000  # the race draws every step; more is a typo, not a video
MAX_RUNS = 6  # paths in one race: the palette has six colours that stay apart (scenes/toolkit/palette.py)
MAX_TEXT = 2_000  # characters of one cue

TOP_KEYS = ("title", "steps", "start", "starts", "surface", "optimizer", "camera", "cue")
SURFACE_KEYS = ("name", "formula", "domain", "z_range", "title")
CAMERA_KEYS = ("phi", "theta", "moves")
CUE_KEYS = ("text", "race", "panel", "camera", "formats", "to_step", "claims", "loss", "vectors")
MOVE_KEYS = ("orbit", "top_down", "fly_to", "look", "home")
MOVE_OPTIONS = ("zoom", "share")


class ShotError(ValueError):
    """Bad input in a shot: one line, with its file and line when it came from a file."""


@dataclass(frozen=True)
class OptimizerSpec:
    key: str  # how placeholders and the data files name it: the optimizer's name unless given
    name: str
    hyper: dict
    schedule: Any = None  # an optmath learning-rate schedule (torch's semantics), or a constant lr


@dataclass(frozen=True)
class Cue:
    text: str
    race: bool = True
    panel: str | None = None
    camera: tuple = ()
    formats: frozenset = frozenset(FORMATS)
    to_step: int | None = None
    where: str = ""  # "file:line", for errors found later (placeholders)
    claims: tuple = ()  # shots.claims.ClaimSpec: what the words assert, checked against the numbers
    loss: bool | None = None  # loss against step beside the race; None: whenever a race runs without a panel
    vectors: str | None = None  # an optimizer whose step is drawn as arrows at its head


@dataclass(frozen=True)
class Shot:
    name: str
    title: str
    surface: optmath.Surface
    surface_text: str  # the registry name or the formula, as the user wrote it
    optimizers: tuple[OptimizerSpec, ...]
    starts: tuple[tuple[float, float], ...]
    steps: int
    view: View
    moves: tuple
    cues: tuple[Cue, ...]

    def run_keys(self) -> list[tuple[str, OptimizerSpec, int]]:
        """(key, optimizer, start index) of every path: ``adam``, or ``adam@2`` for a second start."""
        many = len(self.starts) > 1
        return [(f"{o.key}@{i + 1}" if many else o.key, o, i) for o in self.optimizers for i in range(len(self.starts))]


# -- where a value sits in the file ---------------------------------------------------------------
_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.-]+)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""^\s*([A-Za-z0-9_-]+|"[^"]*"|'[^']*')\s*=""")


class Locator:
    """File and line of a key path such as ``("optimizer", 1, "lrr")``; tomllib keeps no positions."""

    def __init__(self, text: str, name: str):
        self.name = name
        self.lines: dict[tuple, int] = {}
        table: tuple = ()
        counts: dict[str, int] = {}
        for number, line in enumerate(text.splitlines(), 1):
            m = _HEADER.match(line)
            if m:
                key = m.group(2)
                if m.group(1) == "[[":
                    counts[key] = counts.get(key, -1) + 1
                    table = (key, counts[key])
                else:
                    table = tuple(key.split("."))
                self.lines.setdefault(table, number)
                continue
            m = _KEY.match(line)
            if m:
                self.lines.setdefault(table + (m.group(1).strip("\"'"),), number)

    def at(self, path: tuple) -> str:
        for n in range(len(path), 0, -1):  # a value inside an inline table: the line of its key
            if path[:n] in self.lines:
                return f"{self.name}:{self.lines[path[:n]]}"
        return self.name


class Reader:
    """Checks one document and raises ``ShotError`` with the place of the first bad value."""

    def __init__(self, locate: Locator | None = None, origin: str = "shot"):
        self.locate = locate
        self.origin = origin

    def fail(self, path: tuple, message: str) -> ShotError:
        where = self.locate.at(path) if self.locate else self.origin
        return ShotError(f"{where}: {message}")

    def keys(self, table: dict, allowed, path: tuple, label: str) -> None:
        for key in table:
            if key not in allowed:
                raise self.fail(path + (key,), f"unknown key {key!r} in {label}; allowed: {', '.join(allowed)}")

    def number(self, value, path: tuple, what: str, *, integer=False, low=None, high=None) -> float:
        ok = isinstance(value, int) if integer else isinstance(value, (int, float))
        if isinstance(value, bool) or not ok:
            raise self.fail(path, f"{what} = {value!r} must be {'a whole number' if integer else 'a number'}")
        if not math.isfinite(value):
            raise self.fail(path, f"{what} = {value!r} must be finite")
        if (low is not None and value < low) or (high is not None and value > high):
            raise self.fail(path, f"{what} = {value!r} is out of range; allowed: {low} to {high}")
        return value

    def pair(self, value, path: tuple, what: str) -> tuple[float, float]:
        if not isinstance(value, list) or len(value) != 2:
            raise self.fail(path, f"{what} = {value!r} must be two numbers, e.g. [-1.5, 2.0]")
        return tuple(float(self.number(v, path, what)) for v in value)

    # -- the document -------------------------------------------------------------------------------
    def shot(self, doc: dict, name: str) -> Shot:
        self.keys(doc, TOP_KEYS, (), "the shot (top level)")
        surface, surface_text = self.surface(doc.get("surface"))
        optimizers = self.optimizers(doc.get("optimizer"))
        starts = self.starts(doc, surface)
        steps = doc.get("steps", 200)
        self.number(steps, ("steps",), "steps", integer=True, low=1, high=MAX_STEPS)
        if len(optimizers) * len(starts) > MAX_RUNS:
            raise self.fail(("optimizer",), f"{len(optimizers)} optimizers x {len(starts)} starts = "
                            f"{len(optimizers) * len(starts)} paths; at most {MAX_RUNS} race at once")
        title = doc.get("title", f"{names([o.name for o in optimizers])} on {surface.title or 'f = ' + surface_text}")
        if not isinstance(title, str) or not title.strip() or len(title) > 80:
            raise self.fail(("title",), f"title = {title!r} must be text of 1 to 80 characters")
        view, moves = self.camera(doc.get("camera", {}), surface)
        keys = [o.key for o in optimizers]
        paths = [k for k, _, _ in Shot(name, "", surface, "", optimizers, starts, 1, View(), (), ()).run_keys()]
        cues = tuple(self.cue(c, i, keys, surface, paths, int(steps))
                     for i, c in enumerate(self.table_list(doc.get("cue", []), "cue")))
        return Shot(name, title.strip(), surface, surface_text, optimizers, starts, int(steps), view, moves, cues)

    def table_list(self, value, key: str) -> list[dict]:
        if isinstance(value, dict):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail((key,), f"{key} must be tables written [[{key}]]")
        return value

    def surface(self, table) -> tuple[optmath.Surface, str]:
        path = ("surface",)
        if not isinstance(table, dict):
            raise self.fail(path, "a [surface] table with a name (optviz list) or a formula is required")
        self.keys(table, SURFACE_KEYS, path, "[surface]")
        has_name, has_formula = "name" in table, "formula" in table
        if has_name == has_formula:
            raise self.fail(path, "[surface] takes either name = (a registry surface: "
                            f"{', '.join(optmath.SURFACES)}) or formula = (in x and y), not "
                            + ("both" if has_name else "neither"))
        domain = self.domain(table["domain"], path + ("domain",)) if "domain" in table else None
        z_range = self.pair(table["z_range"], path + ("z_range",), "z_range") if "z_range" in table else None
        if z_range is not None and not z_range[0] < z_range[1]:
            raise self.fail(path + ("z_range",), f"z_range = {list(z_range)} is empty; the first must be below the second")
        title = table.get("title")
        if title is not None and (not isinstance(title, str) or len(title) > 60):
            raise self.fail(path + ("title",), f"title = {title!r} must be text of at most 60 characters")
        if has_name:
            name = table["name"]
            if name not in optmath.SURFACES:
                raise self.fail(path + ("name",), f"unknown surface {name!r}; choose one of: {', '.join(optmath.SURFACES)}"
                                " (or write formula = ...)")
            surf = optmath.get_surface(name)
            changes = {k: v for k, v in (("domain", domain), ("z_range", z_range), ("title", title)) if v is not None}
            return (replace(surf, **changes) if changes else surf), name
        formula = table["formula"]
        if not isinstance(formula, str):
            raise self.fail(path + ("formula",), f"formula = {formula!r} must be text, e.g. \"x^2 + 3*y^2\"")
        if domain is None:
            raise self.fail(path, "a formula needs its domain: --domain XMIN XMAX YMIN YMAX, e.g. --domain -2 2 -2 2"
                            if self.locate is None else "a formula needs its domain = [[xmin, xmax], [ymin, ymax]]")
        from shots.formula import FormulaError, formula_surface

        try:
            surf = formula_surface(formula, domain, z_range, title=title)
        except (FormulaError, ValueError) as exc:
            raise self.fail(path + ("formula",), str(exc)) from None
        return surf, formula

    def domain(self, value, path: tuple):
        if not isinstance(value, list) or len(value) != 2:
            raise self.fail(path, f"domain = {value!r} must be [[xmin, xmax], [ymin, ymax]]")
        (x0, x1), (y0, y1) = (self.pair(v, path, "domain") for v in value)
        if not (x0 < x1 and y0 < y1):
            raise self.fail(path, f"domain = {value!r} is empty; each range must go from low to high")
        return (x0, x1), (y0, y1)

    def optimizers(self, value) -> tuple[OptimizerSpec, ...]:
        if value is None:
            raise self.fail((), "at least one [[optimizer]] with a name is required; choose from: "
                            + ", ".join(optmath.OPTIMIZERS))
        specs = []
        for i, table in enumerate(self.table_list(value, "optimizer")):
            path = ("optimizer", i)
            name = table.get("name")
            if name not in optmath.OPTIMIZERS:
                raise self.fail(path + ("name",), f"unknown optimizer {name!r} in [[optimizer]] {i + 1}; "
                                f"choose one of: {', '.join(optmath.OPTIMIZERS)}")
            defaults = optmath.defaults(name)
            allowed = ("name", "key", *defaults, "schedule")
            self.keys(table, allowed, path, f"[[optimizer]] {i + 1} ({name})")
            key = table.get("key", name)
            if not isinstance(key, str) or not re.fullmatch(r"[a-z][a-z0-9_-]{0,30}", key):
                raise self.fail(path + ("key",), f"key = {key!r} must be lower-case letters, digits, - or _")
            if key in [s.key for s in specs]:
                raise self.fail(path + ("key",), f"two optimizers are called {key!r}: give one a key = \"...\"")
            hyper = {}
            schedule = self.schedule(table["schedule"], path + ("schedule",)) if "schedule" in table else None
            for k, v in table.items():
                if k in ("name", "key", "schedule"):
                    continue
                default = defaults[k]
                if isinstance(default, bool):
                    if not isinstance(v, bool):
                        raise self.fail(path + (k,), f"{k} = {v!r} must be true or false")
                elif isinstance(default, tuple):
                    v = self.pair(v, path + (k,), k)
                else:
                    self.number(v, path + (k,), k)
                hyper[k] = v
            try:
                optmath.get_optimizer(name, **hyper)
            except (ValueError, TypeError) as exc:
                raise self.fail(path, f"[[optimizer]] {i + 1} ({name}): {exc}") from None
            specs.append(OptimizerSpec(key, name, hyper, schedule))
        if not specs:
            raise self.fail(("optimizer",), "at least one [[optimizer]] is required")
        return tuple(specs)

    def schedule(self, table, path: tuple):
        """``{ name = "step", step_size = 30, gamma = 0.1 }``: any optmath schedule, torch's parameter names."""
        example = '{ name = "step", step_size = 30, gamma = 0.1 }'
        if not isinstance(table, dict) or "name" not in table:
            raise self.fail(path, f"schedule = {table!r} must be a table such as {example}; names: "
                            + ", ".join(optmath.SCHEDULES))
        kwargs = {k: v for k, v in table.items() if k != "name"}
        for k, v in kwargs.items():
            values = v if isinstance(v, list) else [v]
            for x in values:
                self.number(x, path, f"schedule {k}")
        try:
            return optmath.get_schedule(table["name"], **kwargs)
        except (ValueError, TypeError) as exc:
            raise self.fail(path, f"schedule: {exc}") from None

    def starts(self, doc: dict, surface: optmath.Surface) -> tuple[tuple[float, float], ...]:
        if "start" in doc and "starts" in doc:
            raise self.fail(("starts",), "give start = [x, y] or starts = [[x, y], ...], not both")
        if "start" in doc:
            raw, key = [doc["start"]], "start"
        elif "starts" in doc:
            raw, key = doc["starts"], "starts"
            if not isinstance(raw, list) or not raw:
                raise self.fail((key,), f"starts = {raw!r} must be a list of points, e.g. [[-1.5, 2.0], [1, 1]]")
        else:
            raise self.fail((), "a start = [x, y] is required (or starts = [[x, y], ...])")
        points = []
        for p in raw:
            x, y = self.pair(p, (key,), "start")
            (x0, x1), (y0, y1) = surface.domain
            if not (x0 <= x <= x1 and y0 <= y <= y1):
                raise self.fail((key,), f"start [{x:g}, {y:g}] is outside the domain x {x0:g} to {x1:g}, "
                                f"y {y0:g} to {y1:g}")
            points.append((x, y))
        return tuple(points)

    def camera(self, table, surface) -> tuple[View, tuple]:
        path = ("camera",)
        if not isinstance(table, dict):
            raise self.fail(path, "[camera] must be a table")
        self.keys(table, CAMERA_KEYS, path, "[camera]")
        base = View()
        phi = self.number(table.get("phi", base.phi), path + ("phi",), "phi", low=0, high=90)
        theta = self.number(table.get("theta", base.theta), path + ("theta",), "theta", low=-360, high=360)
        moves = self.moves(table.get("moves", [{"orbit": 40}]), path + ("moves",), surface)
        return View(float(phi), float(theta), base.height), moves

    def moves(self, value, path: tuple, surface) -> tuple:
        if not isinstance(value, list):
            raise self.fail(path, f"moves = {value!r} must be a list such as [{{ orbit = 40 }}, {{ top_down = true }}]")
        out = []
        for move in value:
            if not isinstance(move, dict):
                raise self.fail(path, f"a move {move!r} must be a table such as {{ orbit = 40 }}")
            kinds = [k for k in move if k in MOVE_KEYS]
            extra = [k for k in move if k not in MOVE_KEYS + MOVE_OPTIONS]
            if extra or len(kinds) != 1:
                bad = extra[0] if extra else (", ".join(kinds) or "nothing")
                raise self.fail(path, f"a move has {bad!r}; each move is one of {', '.join(MOVE_KEYS)} "
                                f"(with zoom, share), e.g. {{ fly_to = [1, 1], zoom = 2 }}")
            kind = kinds[0]
            share = self.number(move.get("share", 1.0), path, "share", low=0.01, high=100)
            zoom = self.number(move.get("zoom", 1.0), path, "zoom", low=0.2, high=10)
            v = move[kind]
            if kind == "orbit":
                out.append(Orbit(float(self.number(v, path, "orbit", low=-720, high=720)), share))
            elif kind == "top_down":
                if v is not True:
                    raise self.fail(path, f"top_down = {v!r}: write top_down = true (and zoom = ... to zoom)")
                out.append(TopDown(float(zoom), share))
            elif kind == "home":
                if v is not True:
                    raise self.fail(path, f"home = {v!r}: write home = true")
                out.append(Home(share))
            elif kind == "fly_to":
                xy = self.pair(v, path, "fly_to")
                if not surface.in_domain(xy):
                    raise self.fail(path, f"fly_to = {list(xy)} is outside the domain {surface.domain}")
                out.append(FlyTo(xy, float(move.get("zoom", 1.7)), share))
            else:
                phi, theta = self.pair(v, path, "look")
                self.number(phi, path, "look's phi", low=0, high=90)
                out.append(Look(phi, theta, float(zoom), share))
        return tuple(out)

    def cue(self, table: dict, i: int, keys: list[str], surface, paths: list[str] = (), steps: int = 0) -> Cue:
        path = ("cue", i)
        self.keys(table, CUE_KEYS, path, f"[[cue]] {i + 1}")
        text = table.get("text")
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
            raise self.fail(path + ("text",), f"[[cue]] {i + 1} needs text = \"...\" (1 to {MAX_TEXT} characters)")
        race = table.get("race", True)
        if not isinstance(race, bool):
            raise self.fail(path + ("race",), f"race = {race!r} must be true or false")
        panel = table.get("panel")
        if panel is not None and panel not in keys:
            raise self.fail(path + ("panel",), f"panel = {panel!r} is not an optimizer of this shot; choose one of: "
                            + ", ".join(keys))
        loss = table.get("loss")
        if loss is not None and not isinstance(loss, bool):
            raise self.fail(path + ("loss",), f"loss = {loss!r} must be true or false")
        if loss and (not race or panel is not None):
            raise self.fail(path + ("loss",), "loss = true needs the race (race = true) and no panel: "
                            "the loss plot takes the panel's place")
        vectors = table.get("vectors")
        if vectors is not None and (vectors not in keys or not race):
            raise self.fail(path + ("vectors",), f"vectors = {vectors!r} must name an optimizer of this shot that "
                            "races; choose one of: " + ", ".join(keys))
        formats = table.get("formats", list(FORMATS))
        if not isinstance(formats, list) or not formats or any(f not in FORMATS for f in formats):
            raise self.fail(path + ("formats",), f"formats = {formats!r}; choose from: {', '.join(FORMATS)}")
        to_step = table.get("to_step")
        if to_step is not None:
            self.number(to_step, path + ("to_step",), "to_step", integer=True, low=0, high=MAX_STEPS)
        camera = self.moves(table.get("camera", []), path + ("camera",), surface)
        where = self.locate.at(path + ("text",)) if self.locate else self.origin
        claims = self.claims(table.get("claims", []), path + ("claims",), keys, paths, steps)
        return Cue(" ".join(text.split()), race, panel, camera, frozenset(formats), to_step, where, claims, loss,
                   vectors)

    def claims(self, value, path: tuple, keys: list[str], paths: list[str], steps: int) -> tuple:
        """``claims = [{ lower = ["adam", "sgd"] }, { stays = "sgd", margin = 0.1 }]``: the vocabulary of
        ``shots.claims``, each naming paths by key."""
        from shots.claims import KINDS, ClaimSpec, vocabulary

        example = '[{ lower = ["adam", "sgd"] }, { stays = "sgd" }]'
        if not isinstance(value, list):
            raise self.fail(path, f"claims = {value!r} must be a list of tables, e.g. {example}")
        names = list(dict.fromkeys([*keys, *paths]))
        out = []
        for item in value:
            if not isinstance(item, dict):
                raise self.fail(path, f"a claim {item!r} must be a table, e.g. {{ stays = \"sgd\" }}")
            kinds = [k for k in item if k in KINDS]
            extra = [k for k in item if k not in KINDS and k != "margin"]
            if extra or len(kinds) != 1:
                bad = extra[0] if extra else (", ".join(kinds) or "nothing")
                raise self.fail(path, f"a claim has {bad!r}; each claim is one of: {vocabulary()}; with margin = 0.1 "
                                      "to hold with the rates moved by 10%")
            kind = kinds[0]
            n_keys, with_step, _ = KINDS[kind]
            raw = item[kind]
            args = list(raw) if isinstance(raw, list) else [raw]
            if len(args) != n_keys + with_step:
                shape = ", ".join(["\"key\""] * n_keys + (["step"] if with_step else []))
                raise self.fail(path, f"{kind} = {raw!r} takes {'[' + shape + ']' if len(shape) > 5 else shape}")
            for a in args[:n_keys]:
                if a not in names:
                    raise self.fail(path, f"{kind} names {a!r}, not a path of this shot; choose one of: "
                                          + ", ".join(names))
            if with_step:
                self.number(args[-1], path, f"{kind}'s step", integer=True, low=1, high=max(steps, 1))
            margin = self.number(item.get("margin", 0.0), path, "margin", low=0.0, high=0.5)
            out.append(ClaimSpec(kind, tuple(args), float(margin)))
        return tuple(out)


# -- entry points --------------------------------------------------------------------------------------
def load(path: "str | Path") -> Shot:
    """Read and check a shot file; any problem is a one-line ``ShotError``."""
    path = Path(path)
    if path.suffix != ".toml":
        raise ShotError(f"{path}: a shot file ends in .toml")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ShotError(f"{path}: cannot read it ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ShotError(f"{path}: not UTF-8 text") from None
    return loads(text, path.name, name=path.stem)


def loads(text: str, filename: str = "shot.toml", name: str = "shot") -> Shot:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ShotError(f"{filename}: not valid TOML: {exc}") from None
    shot = Reader(Locator(text, filename)).shot(doc, name)
    from shots.numbers import check_placeholders

    check_placeholders(shot)
    return shot


def from_dict(doc: dict[str, Any], name: str, origin: str = "optviz race") -> Shot:
    """The same checks for a document built in code (``optviz race``'s options)."""
    shot = Reader(None, origin).shot(doc, name)
    from shots.numbers import check_placeholders

    check_placeholders(shot)
    return shot
