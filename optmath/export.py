"""Trajectories as CSV, JSON or an aligned text table, for spreadsheets, notebooks and terminals."""

from __future__ import annotations

import csv
import io
import json

from optmath.trajectory import Trajectory


def to_csv(traj: Trajectory) -> str:
    rows = traj.records()
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("nan" if v is None else (repr(v) if isinstance(v, float) else v)) for k, v in row.items()})
    return buf.getvalue()


def to_json(traj: Trajectory) -> str:
    doc = {
        "surface": traj.surface.name,
        "formula": traj.surface.latex,
        "optimizer": traj.optimizer.name,
        "hyper": {k: (list(v) if isinstance(v, tuple) else v) for k, v in traj.optimizer.hyper.items()},
        **({"schedule": traj.schedule.as_dict()} if traj.schedule is not None else {}),
        "label": traj.label,
        "steps": traj.steps,
        "diverged_at": traj.diverged_at,
        "points": traj.records(),
    }
    return json.dumps(doc, indent=1, allow_nan=False) + "\n"


def to_table(traj: Trajectory, every: int = 1) -> str:
    """A terminal table of step, x, y, f and |g|, plus a closing line on divergence."""
    lines = [f"{traj.label} on {traj.surface.name}: f = {traj.surface.latex}",
             f"{'step':>6} {'x':>14} {'y':>14} {'f(x, y)':>14} {'|grad|':>12}"]
    for row in traj.records()[::max(1, every)]:
        vals = [row["x"], row["y"], row["z"]]
        g = None if row["gx"] is None or row["gy"] is None else (row["gx"] ** 2 + row["gy"] ** 2) ** 0.5
        cells = " ".join(f"{v:>14.6g}" if v is not None else f"{'nan':>14}" for v in vals)
        lines.append(f"{row['step']:>6} {cells} {g:>12.4g}" if g is not None else f"{row['step']:>6} {cells} {'nan':>12}")
    if traj.diverged_at is not None:
        lines.append(f"diverged at step {traj.diverged_at}")
    return "\n".join(lines) + "\n"


FORMATS = {"csv": to_csv, "json": to_json, "table": to_table}
