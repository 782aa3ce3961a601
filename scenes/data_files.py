"""The numbers a video shows, beside it: every trajectory on screen as CSV and JSON.

``out/saddle-480p15.mp4`` gets ``out/saddle-480p15-data/saddle-adam.csv`` (and
``.json``) for each path the format shows, written by the same export as
``optmath run`` (``optmath.export``), so a viewer can check every number and
redo the run in a notebook. A swarm (thousands of paths) is written as one row per
path: where it started, where it ended, and its fate, ``basins-sgd.csv``, with the
fates' words and counts in ``basins-sgd.json``. The folder is built under a temporary
name and renamed into place whole. ``claims.json`` holds every claim the
video speaks: the cue, the sentence as spoken, the condition, the numbers it
was checked on and whether it held (within its learning-rate margin, where it
declares one), so a viewer who doubts a sentence can check it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import csv
import io
import json

import numpy as np

from optmath.cli import current_umask, write_atomically
from optmath.export import to_csv, to_json
from scenes.description import Description, Swarm


def shown_runs(desc: Description, fmt: str) -> list[str]:
    """Keys of the runs a format puts on screen (racing or in the update panel), in order of appearance."""
    keys: list[str] = []
    for beat in desc.beats_for(fmt):
        for key in beat.show.racers + ((beat.show.panel,) if beat.show.panel else ()):
            if key not in keys:
                keys.append(key)
    return keys


def shown_swarms(desc: Description, fmt: str) -> list[str]:
    keys: list[str] = []
    for beat in desc.beats_for(fmt):
        if beat.show.swarm and beat.show.swarm not in keys:
            keys.append(beat.show.swarm)
    return keys


def swarm_csv(swarm: Swarm) -> str:
    """One row per path: its start, its last point drawn (before it left the plot or diverged: the
    last finite one), that step, and its fate (index into the JSON's ``fates``)."""
    xy = swarm.xy
    finite = np.isfinite(xy).all(axis=-1)
    last = np.where(finite.any(axis=1), finite.shape[1] - 1 - np.argmax(finite[:, ::-1], axis=1), 0)
    end = xy[np.arange(len(xy)), last]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["start_x", "start_y", "end_x", "end_y", "end_step", "fate"])
    for (x0, y0), (x1, y1), k, f in zip(xy[:, 0].tolist(), end.tolist(), last.tolist(), swarm.fate.tolist()):
        writer.writerow([repr(x0), repr(y0), repr(x1), repr(y1), k, f])
    return out.getvalue()


def swarm_json(swarm: Swarm) -> str:
    counts = np.bincount(swarm.fate, minlength=len(swarm.fates)).tolist()
    return json.dumps({"title": swarm.title, "paths": int(len(swarm.xy)), "steps": swarm.steps,
                       "fates": [{"words": f.words, "kind": f.kind, "count": c} for f, c in zip(swarm.fates, counts)]},
                      ensure_ascii=False, indent=1) + "\n"


PREVIEW_NOTE = ("a preview cut (--short): a dozen steps and the first words of each cue, so its claims are not "
                "checked; the full render checks every one")


def claims_json(parts: list[tuple[str, Description]], fmt: str) -> str:
    """Every claim the format speaks, segment by segment, with the numbers that make it true."""
    from scenes import language
    from scenes.script import Script

    out = []
    for segment, desc in parts:
        script = Script.of(segment, title=desc.title)
        for beat in desc.beats_for(fmt):
            if not beat.claims:
                continue
            sentences = script.claimed(beat)
            said = script.say(beat)
            verdicts = {v.claim.key: v for v in (desc.verdicts or {}).get(beat.cue, [])}
            for claim in beat.claims:
                entry = {"segment": segment, "cue": beat.cue, "sentence": sentences.get(claim.key, said)}
                if claim.key in verdicts:
                    entry.update(verdicts[claim.key].to_json())
                else:
                    entry.update(claim=claim.key, condition=claim.words, checked=False)
                out.append(entry)
    doc = {"language": language.current(), "format": fmt, "claims": out,
           "checked": all(desc.verdicts is not None for _, desc in parts)}
    if not doc["checked"]:
        doc["note"] = PREVIEW_NOTE
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


def data_dir(video: Path) -> Path:
    return video.with_name(video.stem + "-data")


def write_data(parts: list[tuple[str, Description]], fmt: str, dest: Path) -> list[Path]:
    """``<segment>-<run>.csv`` and ``.json`` for every run each part shows in ``fmt``, into ``dest``."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=dest.parent, prefix=".data-"))
    try:
        os.chmod(work, 0o777 & ~current_umask())  # a folder's normal mode, not mkdtemp's 0700
        names = []
        for segment, desc in parts:
            for key in shown_runs(desc, fmt):
                traj = desc.runs[key].trajectory
                for ext, export in (("csv", to_csv), ("json", to_json)):
                    name = f"{segment}-{key}.{ext}"
                    write_atomically(str(work / name), export(traj))
                    names.append(dest / name)
            for key in shown_swarms(desc, fmt):
                for ext, export in (("csv", swarm_csv), ("json", swarm_json)):
                    name = f"{segment}-{key}.{ext}"
                    write_atomically(str(work / name), export(desc.swarms[key]))
                    names.append(dest / name)
        write_atomically(str(work / "claims.json"), claims_json(parts, fmt))
        names.append(dest / "claims.json")
        old = None
        if dest.exists():
            old = Path(tempfile.mkdtemp(dir=dest.parent, prefix=".old-data-"))
            os.replace(dest, old / "data")
        os.replace(work, dest)
        if old is not None:
            shutil.rmtree(old)
        return names
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise

