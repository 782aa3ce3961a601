"""The numbers a video shows, beside it: every trajectory on screen as CSV and JSON.

``out/saddle-480p15.mp4`` gets ``out/saddle-480p15-data/saddle-adam.csv`` (and
``.json``) for each path the format shows, written by the same export as
``optmath run`` (``optmath.export``), so a viewer can check every number and
redo the run in a notebook. The folder is built under a temporary name and
renamed into place whole.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from optmath.cli import current_umask, write_atomically
from optmath.export import to_csv, to_json
from scenes.description import Description


def shown_runs(desc: Description, fmt: str) -> list[str]:
    """Keys of the runs a format puts on screen (racing or in the update panel), in order of appearance."""
    keys: list[str] = []
    for beat in desc.beats_for(fmt):
        for key in beat.show.racers + ((beat.show.panel,) if beat.show.panel else ()):
            if key not in keys:
                keys.append(key)
    return keys


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

