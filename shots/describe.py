"""A checked shot as a ``Description``: its trajectories from optmath and its beats, for every format.

Without ``[[cue]]`` tables a shot gets generated words (who starts where, then
where each path ends), every number filled from optmath. A social clip loops,
so when its last beat still shows the race, one more beat returns to the
opening picture while the title is said.
"""

from __future__ import annotations

import optmath
from scenes.description import (
    EVERY_FORMAT, SHORT_FORM, Beat, Description, Home, Run, Show, steps,
)
from shots import claims as shot_claims
from shots.numbers import Numbers
from shots.schema import Shot, ShotError

SURFACE = "surface"


def trajectories(shot: Shot, short: bool = False) -> dict[str, optmath.Trajectory]:
    """Every path of the shot, keyed as its placeholders and data files name it."""
    n = steps(shot.steps, short)
    return {key: optmath.trajectory(shot.surface, o.name, shot.starts[i], n, schedule=o.schedule, **o.hyper)
            for key, o, i in shot.run_keys()}


def _literal(text: str) -> str:
    """Filled words as a Beat's text: the player formats it once more, so braces are doubled."""
    return text.replace("{", "{{").replace("}", "}}")


def describe(shot: Shot, short: bool = False) -> Description:
    paths = trajectories(shot, short)
    numbers = Numbers(shot, paths)
    runs, seen = {}, {}
    for key, t in paths.items():
        variant = seen.get(t.optimizer.name, 0)
        seen[t.optimizer.name] = variant + 1
        runs[key] = Run(t, variant=variant, show_start=len(shot.starts) > 1)
    racers = tuple(runs)
    first = {o.key: next(k for k, spec, _ in shot.run_keys() if spec.key == o.key) for o in shot.optimizers}

    def declared(cue) -> tuple:
        """A cue's own claims, reading paths by their keys (an optimizer's key is its first start's path)."""
        out = []
        for key, spec in zip(shot_claims.keys(len(cue.claims)), cue.claims):
            n = shot_claims.KINDS[spec.kind][0]
            args = tuple(first.get(a, a) for a in spec.args[:n]) + spec.args[n:]
            try:
                out.append(shot_claims.build(shot_claims.ClaimSpec(spec.kind, args, spec.margin), key, shot.surface))
            except ValueError as exc:
                raise ShotError(f"{cue.where}: {exc}") from None
        return tuple(out)

    if shot.cues:
        beats = [Beat(f"cue{i + 1}", Show(SURFACE, racers if c.race else (), first[c.panel] if c.panel else None,
                                          to_step=c.to_step,
                                          loss=c.loss if c.loss is not None else (c.race and c.panel is None),
                                          vectors=first[c.vectors] if c.vectors else None),
                      text=_literal(numbers.fill(c.text)), camera=c.camera, formats=c.formats,
                      claims=declared(c) + (shot_claims.result_claims(paths) if "{result}" in c.text else ()))
                 for i, c in enumerate(shot.cues)]
    else:
        intro = "{names} start from {start}." if len(shot.starts) == 1 else \
            "{names} start from {starts} points each."
        beats = [
            Beat("intro", Show(SURFACE), text=_literal(numbers.fill(intro)), formats=EVERY_FORMAT),
            Beat("race", Show(SURFACE, racers, loss=True), text=_literal(numbers.fill("Each takes {steps} steps. {result}")),
                 camera=shot.moves, formats=EVERY_FORMAT, claims=shot_claims.result_claims(paths)),
        ]
    social = [b for b in beats if "social" in b.formats]
    if social and (social[-1].show.racers or social[-1].camera):
        beats.append(Beat("social_end", Show(SURFACE), text=_literal(shot.title), camera=(Home(),),
                          formats=SHORT_FORM))
    return Description(shot.name, {SURFACE: shot.surface}, runs, beats, view=shot.view, title=shot.title,
                       preview=short).check()
