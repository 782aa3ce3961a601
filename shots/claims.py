"""The claims a shot's own ``[[cue]]`` may declare, as data, and the claims behind its generated words.

    [[cue]]
    text = "Adam ends lower than SGD, and SGD never leaves the plot."
    claims = [{ lower = ["adam", "sgd"], margin = 0.1 }, { stays = "sgd" }]

Each claim is one table with one kind from ``KINDS`` naming the paths it reads by their keys (an
optimizer's key for its first start, ``adam@2`` for its second), and optionally ``margin``: the claim
must also hold with each path's learning rate moved by that fraction either way. They are read like
every other value of a shot (``shots.schema``: a bad one is a one-line error with its file and line)
and checked when the shot is built, like a segment's: a render whose words the numbers contradict
stops with one line naming the cue, the claim and the numbers.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

import numpy as np

import optmath
from scenes import claims as c
from scenes.claims import Claim

SETTLE_SHARE = 0.01  # "settles": within this share of the plot's diagonal of a minimum of the surface
MARGIN_MAX = 0.5


@dataclass(frozen=True)
class ClaimSpec:
    kind: str
    args: tuple  # run keys (and a step for leaves_by)
    margin: float = 0.0


# kind -> (how many run keys, takes a step, what it says): the documented vocabulary
KINDS = {
    "lower": (2, False, "the first path ends at a lower loss than the second"),
    "closer": (2, False, "the first path ends closer to the surface's lowest minimum than the second"),
    "diverges": (1, False, "the path diverges (leaves the escape box far outside the plot)"),
    "never_diverges": (1, False, "the path never diverges"),
    "stays": (1, False, "the path never leaves the plot"),
    "leaves_by": (1, True, "the path leaves the plot by the given step: [\"adam\", 50]"),
    "settles": (1, False, "the path ends within 1% of the plot's diagonal of a minimum, and never diverges"),
}


def vocabulary() -> str:
    return "; ".join(f"{k} ({v[2]})" for k, v in KINDS.items())


def build(spec: ClaimSpec, key: str, surface: optmath.Surface) -> Claim:
    """A user's claim as a ``scenes.claims`` Claim over the shot's runs."""
    a = spec.args[0]
    if spec.kind == "lower":
        test = c.less(c.loss(a), c.loss(spec.args[1]), f"{a} ends at a lower loss than {spec.args[1]}")
    elif spec.kind == "closer":
        lows = optmath.minima(surface)
        if not lows:
            raise ValueError("closer needs a minimum of the surface in the plot; this one has none")
        test = c.closer(a, spec.args[1], lows[0].xy, "the lowest minimum")
    elif spec.kind == "diverges":
        test = c.diverges(a)
    elif spec.kind == "never_diverges":
        test = c.never_diverges(a)
    elif spec.kind == "stays":
        test = c.stays(a)
    elif spec.kind == "leaves_by":
        test = c.leaves_by(a, int(spec.args[1]))
    else:
        test = settles(a, surface)
    return Claim(key, test, margin=spec.margin)


def settles(key: str, surface: optmath.Surface) -> c.Condition:
    (x0, x1), (y0, y1) = surface.domain
    tol = SETTLE_SHARE * float(np.hypot(x1 - x0, y1 - y0))
    lows = [p.xy for p in optmath.minima(surface)]

    def fn(t):
        d = min((float(np.linalg.norm(t.final - np.asarray(p))) for p in lows), default=np.inf)
        return t.diverged_at is None and d <= tol, {f"{key}'s distance to the nearest minimum": d}

    return c.check(f"{key} ends within {tol:.3g} of a minimum and never diverges", fn, key)


def keys(n: int) -> list[str]:
    """Tags for a cue's claims: claim_a, claim_b, ... (a shot's words carry no tags: the cue is one sentence)."""
    letters = string.ascii_lowercase
    return [f"claim_{letters[i % 26] * (i // 26 + 1)}" for i in range(n)]


# -- the generated words' claims ------------------------------------------------------------------------
def result_claims(runs: dict[str, optmath.Trajectory]) -> tuple[Claim, ...]:
    """What the generated sentence per path says (where it ends, or when it diverges), as claims: derived
    from the same numbers, so they hold, and claims.json shows each with its evidence."""
    out = []
    for i, (key, t) in enumerate(runs.items()):
        tag = keys(len(runs))[i].replace("claim_", "path_")
        if t.diverged_at is not None:
            out.append(Claim(tag, c.equal(c.diverged_at(key), t.diverged_at, f"{key} diverges at step {t.diverged_at}")))
        elif not np.isfinite(t.z[-1]):
            out.append(Claim(tag, c.check(f"{key} leaves the surface (its loss is no longer a number)",
                                          lambda r: (not np.isfinite(r.z[-1]), {}), key)))
        else:
            out.append(Claim(tag, c.all_of(c.never_diverges(key), c.near(
                c.loss(key), c.number(float(t.z[-1]), "the loss said"), 1e-12, relative=True))))
    return tuple(out)
