"""The numbers a shot's words may use: ``{placeholders}``, each computed by optmath for the shot.

A cue's text is filled by name from this table, never with ``str.format``
(which would let text such as ``{x.__class__}`` reach into Python objects):
``{{`` and ``}}`` are literal braces, anything else in braces must be a name
below, checked when the shot is read.

Shot-wide names are ``SHOT_FIELDS``; per path, ``{adam.loss}`` (the
optimizer's key, then a field of ``RUN_FIELDS``), and with several starts
``{adam@2.loss}`` for the path from the second start (``{adam.loss}`` is the first).
"""

from __future__ import annotations

import re
from typing import Callable

import numpy as np

import optmath
from optmath.optimizers import DISPLAY_NAMES
from scenes.description import fmt, names, point

SHOT_FIELDS = {
    "title": "the shot's title",
    "surface": "the surface's name, or the formula as written",
    "steps": "steps each optimizer takes",
    "count": "how many paths race",
    "names": "the optimizers' names as a list: SGD and Adam",
    "start": "the (first) start point",
    "starts": "how many starts",
    "critical_count": "critical points in the domain",
    "min_count": "minima in the domain",
    "min": "the lowest minimum in the domain (or 'none')",
    "min_loss": "the loss there",
    "saddle": "the lowest saddle point in the domain (or 'none')",
    "stable_lr": "the largest stable learning rate of plain gradient descent at the lowest minimum, 2/lambda_max",
    "winner": "the path that ends lowest (without diverging)",
    "winner_loss": "its final loss",
    "diverged": "the paths that diverged, as a list (or 'none')",
    "result": "a sentence per path: where it ends and at what loss, or when it diverged",
}
RUN_FIELDS = {
    "name": "the optimizer's name",
    "lr": "its learning rate",
    "start": "its start point",
    "start_loss": "the loss at the start",
    "final": "its last point (the escape point if it diverged)",
    "loss": "the loss at its last point",
    "diverged_at": "the step it left the surface (or 'never')",
}
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def _pieces(text: str):
    """Split text into literal parts and placeholder names; ``{{``/``}}`` are literal braces."""
    out, i = [], 0
    while i < len(text):
        if text.startswith("{{", i) or text.startswith("}}", i):
            out.append(("text", text[i]))
            i += 2
        elif text[i] == "{":
            end = text.find("}", i)
            if end < 0:
                raise ValueError(f"an unclosed '{{' at character {i + 1}; write {{{{ for a brace")
            out.append(("name", text[i + 1:end].strip()))
            i = end + 1
        else:
            out.append(("text", text[i]))
            i += 1
    return out


def known_names(shot) -> list[str]:
    runs = [key for key, _, _ in shot.run_keys()]
    keys = sorted(set(runs) | {o.key for o in shot.optimizers})
    return list(SHOT_FIELDS) + [f"{k}.{f}" for k in keys for f in RUN_FIELDS]


def check_placeholders(shot) -> None:
    """Refuse an unknown placeholder when the shot is read, before anything is computed."""
    from shots.schema import ShotError

    known = set(known_names(shot))
    for cue in shot.cues:
        try:
            wanted = [v for kind, v in _pieces(cue.text) if kind == "name"]
        except ValueError as exc:
            raise ShotError(f"{cue.where}: {exc}") from None
        for name in wanted:
            if name not in known:
                keys = ", ".join(o.key for o in shot.optimizers)
                raise ShotError(f"{cue.where}: unknown placeholder {{{name}}}; use one of: {', '.join(SHOT_FIELDS)}, "
                                f"or <optimizer>.<field> with optimizer {keys} and field {', '.join(RUN_FIELDS)}")


class Numbers:
    """The placeholders' values for one shot's trajectories, computed when first asked for."""

    def __init__(self, shot, runs: dict[str, optmath.Trajectory]):
        self.shot, self.runs = shot, runs
        self.cache: dict[str, str] = {}

    def fill(self, text: str) -> str:
        return "".join(v if kind == "text" else self[v] for kind, v in _pieces(text))

    def __getitem__(self, name: str) -> str:
        if name not in self.cache:
            self.cache[name] = self._compute(name)
        return self.cache[name]

    # -- the values ------------------------------------------------------------------------------------
    def _critical(self):
        if not hasattr(self, "_points"):
            self._points = optmath.critical_points(self.shot.surface)
        return self._points

    def _kind(self, kind: str):
        found = [c for c in self._critical() if c.kind == kind]
        return found[0] if found else None  # sorted by value: the lowest

    def _label(self, key: str) -> str:
        t = self.runs[key]
        name = DISPLAY_NAMES.get(t.optimizer.name, t.optimizer.name)
        same = [k for k, r in self.runs.items() if r.optimizer.name == t.optimizer.name]
        if len(same) > 1 and len(self.shot.starts) > 1 and "@" in key:
            name += f" from {point(t.start)}"
        elif len(same) > 1:
            name += f" at learning rate {fmt(t.optimizer.hyper.get('lr', 0))}"
        return name

    def _finished(self):
        return {k: t for k, t in self.runs.items() if t.diverged_at is None}

    def _compute(self, name: str) -> str:
        shot, runs = self.shot, self.runs
        if "." in name:
            key, field = name.split(".", 1)
            key = key if key in runs else f"{key}@1"
            return self._run_field(key, field)
        values: dict[str, Callable[[], str]] = {
            "title": lambda: shot.title,
            "surface": lambda: shot.surface.title if shot.surface_text in optmath.SURFACES else shot.surface_text,
            "steps": lambda: str(shot.steps),
            "count": lambda: str(len(runs)),
            "names": lambda: names([o.name for o in shot.optimizers]),
            "start": lambda: point(shot.starts[0]),
            "starts": lambda: str(len(shot.starts)),
            "critical_count": lambda: str(len(self._critical())),
            "min_count": lambda: str(sum(c.kind == "min" for c in self._critical())),
            "min": lambda: point(self._kind("min").xy) if self._kind("min") else "none",
            "min_loss": lambda: fmt(self._kind("min").value) if self._kind("min") else "none",
            "saddle": lambda: point(self._kind("saddle").xy) if self._kind("saddle") else "none",
            "stable_lr": lambda: fmt(optmath.max_stable_lr(shot.surface, self._kind("min").xy))
            if self._kind("min") else "none",
            "winner": lambda: self._label(self._winner()) if self._winner() else "none",
            "winner_loss": lambda: fmt(runs[self._winner()].z[-1]) if self._winner() else "none",
            "diverged": lambda: (", ".join(self._label(k) for k, t in runs.items() if t.diverged_at is not None)
                                 or "none"),
            "result": self._result,
        }
        return values[name]()

    def _winner(self) -> str | None:
        done = self._finished()
        return min(done, key=lambda k: float(done[k].z[-1])) if done else None

    def _run_field(self, key: str, field: str) -> str:
        t = self.runs[key]
        return {
            "name": lambda: self._label(key),
            "lr": lambda: fmt(t.optimizer.hyper["lr"]) if "lr" in t.optimizer.hyper else "none",
            "start": lambda: point(t.start),
            "start_loss": lambda: fmt(t.z[0]),
            "final": lambda: point(t.final),
            "loss": lambda: fmt(t.z[t.last_finite]),
            "diverged_at": lambda: "never" if t.diverged_at is None else str(t.diverged_at),
        }[field]()

    def _result(self) -> str:
        parts = []
        for key, t in self.runs.items():
            if t.diverged_at is not None:
                parts.append(f"{self._label(key)} diverges at step {t.diverged_at}.")
            elif not np.isfinite(t.z[-1]):
                parts.append(f"{self._label(key)} leaves the surface.")
            else:
                parts.append(f"{self._label(key)} ends at {point(t.final)}, with a loss of {fmt(t.z[-1])}.")
        return " ".join(parts)
