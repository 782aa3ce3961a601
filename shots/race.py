"""``optviz race``: a shot from command-line options, the same document a shot file holds.

    optviz race --surface rosenbrock --optimizers sgd,adam --set adam.lr=0.01 --start -1.5 2 --steps 300

The options become the dict a TOML shot file parses to, and go through the same
checks (``shots.schema.from_dict``); ``--save`` writes that document as a shot
file to edit and render later. Values of ``--set`` are read as TOML values
(numbers, true/false, [0.9, 0.999]), never evaluated.
"""

from __future__ import annotations

import json
import math
import re
import tomllib

import optmath
from shots.schema import MOVE_KEYS, ShotError


def _value(raw: str, where: str):
    text = raw.strip()
    if "," in text and not text.startswith(("[", "{", "\"")):
        text = f"[{text}]"  # betas=0.9,0.999
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        raise ShotError(f"{where}: {raw!r} is not a number, true/false or a list like [0.9, 0.999]") from None


def _move(text: str) -> dict:
    kind, sep, raw = text.partition("=")
    kind = kind.strip().replace("-", "_")
    if kind not in MOVE_KEYS:
        raise ShotError(f"--move {text!r}: choose one of {', '.join(MOVE_KEYS)}, e.g. orbit=40, top_down, "
                        "fly_to=1,1, look=70,-100, home")
    value = _value(raw, f"--move {text!r}") if sep else True
    return {kind: value}


def document(surface: str, optimizers: str, sets: list[str], starts: list[list[float]], steps: int,
             title: str | None = None, domain: list[float] | None = None, z_range: list[float] | None = None,
             phi: float | None = None, theta: float | None = None, moves: list[str] | None = None) -> dict:
    """The shot document of a race, before the shared checks."""
    table: dict = {}
    if surface in optmath.SURFACES:
        table["name"] = surface
    elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", surface) and surface not in ("x", "y"):
        raise ShotError(f"--surface {surface!r}: unknown surface; choose one of: {', '.join(optmath.SURFACES)}, "
                        "or write a formula in x and y (with --domain)")
    else:
        table["formula"] = surface
    if domain is not None:
        table["domain"] = [domain[:2], domain[2:]]
    if z_range is not None:
        table["z_range"] = list(z_range)
    keys = [k.strip() for k in optimizers.split(",") if k.strip()]
    if not keys:
        raise ShotError(f"--optimizers {optimizers!r}: name one or more, e.g. sgd,adam; choose from: "
                        + ", ".join(optmath.OPTIMIZERS))
    tables = {k: {"name": k} for k in keys}
    for item in sets:
        name, sep, raw = item.partition("=")
        target, dot, param = name.strip().rpartition(".")
        if not sep or not param:
            raise ShotError(f"--set {item!r} must look like adam.lr=0.01 (or lr=0.01 for every optimizer)")
        if dot and target not in tables:
            raise ShotError(f"--set {item!r}: {target!r} is not in --optimizers {','.join(keys)}")
        value = _value(raw, f"--set {item!r}")
        for k in ([target] if dot else keys):
            tables[k][param] = value
    doc: dict = {"steps": steps, "surface": table, "optimizer": list(tables.values())}
    for p in starts:
        if not all(math.isfinite(v) for v in p):
            raise ShotError(f"--start {p[0]:g} {p[1]:g} must be finite")
    doc["starts"] = [list(p) for p in starts] if starts else [list(_default_start(table))]
    if title:
        doc["title"] = title
    camera: dict = {}
    if phi is not None:
        camera["phi"] = phi
    if theta is not None:
        camera["theta"] = theta
    if moves:
        camera["moves"] = [_move(m) for m in moves]
    if camera:
        doc["camera"] = camera
    return doc


def _default_start(table: dict) -> tuple[float, float]:
    """Without --start: a corner of the domain's middle half, where most surfaces have something to show."""
    if "domain" in table:
        (x0, x1), (y0, y1) = table["domain"]
    elif "name" in table:
        (x0, x1), (y0, y1) = optmath.get_surface(table["name"]).domain
    else:
        raise ShotError("a formula surface needs --start X Y (and --domain XMIN XMAX YMIN YMAX)")
    return (x0 + 0.2 * (x1 - x0), y0 + 0.8 * (y1 - y0))


def to_toml(doc: dict) -> str:
    """The document as a shot file (the subset of TOML a shot uses: text, numbers, lists, tables)."""
    def value(v) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return json.dumps(v, ensure_ascii=False)  # a JSON string is a TOML basic string
        if isinstance(v, (int, float)):
            return repr(v)
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + " }"
        return "[" + ", ".join(value(x) for x in v) + "]"

    lines = ["# written by optviz race --save; render with: optviz render THIS_FILE [--format social|talk]"]
    lines += [f"{k} = {value(v)}" for k, v in doc.items() if not isinstance(v, (dict,)) and k != "optimizer"]
    for k, v in doc.items():
        if isinstance(v, dict):
            lines += ["", f"[{k}]"] + [f"{kk} = {value(vv)}" for kk, vv in v.items()]
    for table in doc.get("optimizer", []):
        lines += ["", "[[optimizer]]"] + [f"{kk} = {value(vv)}" for kk, vv in table.items()]
    return "\n".join(lines) + "\n"
