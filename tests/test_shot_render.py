"""A user's shot rendered for real, from a file and from `optviz race`, in every format (short cut, 480p):
probed, a frame looked at for the paths, and the CSV beside each video held to optmath."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import av
import numpy as np
import pytest

import optmath
from helpers import optviz
from scenes.media import probe, read_srt
from scenes.publish import is_faststart
from scenes.toolkit.palette import optimizer_color

pytestmark = pytest.mark.render

SHORT_STEPS = 12  # what --short runs (scenes.description.steps)

# The cubic written as a formula, with words that use optmath's numbers; SGD at lr 0.9 diverges.
SHOT = """\
title = "The cubic, typed in"
steps = 80
start = [-1.2, 0.8]

[surface]
formula = "x^2 + y^2 + y^3 + x*y"
domain = [[-1.5, 1.5], [-1.5, 1.0]]
z_range = [-1, 4]

[[optimizer]]
name = "sgd"
lr = 0.9

[[optimizer]]
name = "adam"
lr = 0.1

[camera]
moves = [{ orbit = 30 }]

[[cue]]
text = "Two optimizers start at {start}; the minimum is at {min}."
race = false

[[cue]]
text = "Adam ends at a loss of {adam.loss}. SGD diverges at step {sgd.diverged_at}."
camera = [{ top_down = true }]
"""

RACE = ["race", "--surface", "rosenbrock", "--optimizers", "sgd,adam", "--set", "adam.lr=0.01", "--set", "sgd.lr=0.001",
        "--start", "-1.5", "2", "--steps", "300"]


@pytest.fixture(scope="module")
def renders(tmp_path_factory):
    base = tmp_path_factory.mktemp("shots")
    shot = base / "typed_cubic.toml"
    shot.write_text(SHOT)
    out, media = base / "out", base / "media"
    done = {}
    formats = ("lecture", "social", "talk")
    for kind, args in (("file", ["render", shot]), ("race", RACE)):
        # every format in one command: one job graph, both workers drawing
        r = optviz(*args, "--format", ",".join(formats), "--short", "-o", out, "--media-dir", media)
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
        assert "3 product(s)" in r.stdout
        for fmt, line in zip(formats, r.stdout.strip().splitlines()[-3:]):
            done[kind, fmt] = Path(line)
    return done


def _rows(path: Path) -> list[dict]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("kind", ["file", "race"])
@pytest.mark.parametrize("fmt", ["lecture", "social"])
def test_video_is_ready_to_post(renders, kind, fmt):
    mp4 = renders[kind, fmt]
    stem = "typed_cubic" if kind == "file" else "race"
    assert mp4.name == f"{stem}{'-social' if fmt == 'social' else ''}-480p15-short.mp4"
    info = probe(mp4)
    assert (info.width, info.height) == ((854, 480) if fmt == "lecture" else (480, 854))
    assert info.fps == 15 and info.has_audio and 3 < info.duration < 60
    assert is_faststart(mp4)
    subs = read_srt(mp4.with_suffix(".srt"))
    assert subs and subs[-1].end.total_seconds() <= info.duration + 0.1
    if fmt == "social":
        assert mp4.with_suffix(".png").exists()


@pytest.mark.parametrize("fmt", ["lecture", "social", "talk"])
def test_the_csv_beside_a_shot_file_is_optmath(renders, fmt):
    """The formula is the cubic: its paths equal the registry cubic's to 1e-12, and SGD's divergence is in the file."""
    video = renders["file", fmt]
    data = video.with_name(video.stem + "-data")
    assert sorted(p.name for p in data.iterdir()) == ["claims.json", "typed_cubic-adam.csv", "typed_cubic-adam.json",
                                                      "typed_cubic-sgd.csv", "typed_cubic-sgd.json"]
    for name, lr in (("sgd", 0.9), ("adam", 0.1)):
        ref = optmath.trajectory("cubic", name, (-1.2, 0.8), SHORT_STEPS, lr=lr)
        rows = _rows(data / f"typed_cubic-{name}.csv")
        xy = np.array([[float(r["x"]), float(r["y"])] for r in rows])
        assert xy.shape == ref.xy.shape
        finite = np.isfinite(ref.xy)
        assert np.array_equal(finite, np.isfinite(xy)) and np.max(np.abs(xy[finite] - ref.xy[finite])) < 1e-12
        doc = json.loads((data / f"typed_cubic-{name}.json").read_text())
        assert doc["optimizer"] == name and doc["hyper"]["lr"] == lr and doc["diverged_at"] == ref.diverged_at
    assert json.loads((data / "typed_cubic-sgd.json").read_text())["diverged_at"] is not None
    claims = json.loads((data / "claims.json").read_text())
    assert claims["format"] == fmt and isinstance(claims["claims"], list)
    assert all(c["holds"] is True for c in claims["claims"] if "holds" in c)


@pytest.mark.parametrize("fmt", ["lecture", "social", "talk"])
def test_the_csv_beside_a_race_is_optmath_run(renders, fmt):
    from optmath.export import to_csv

    video = renders["race", fmt]
    data = video.with_name(video.stem + "-data")
    for name, lr in (("sgd", 0.001), ("adam", 0.01)):
        ref = optmath.trajectory("rosenbrock", name, (-1.5, 2.0), SHORT_STEPS, lr=lr)
        assert (data / f"race-{name}.csv").read_text() == to_csv(ref)


@pytest.mark.parametrize("kind", ["file", "race"])
def test_talk_deck_has_a_slide_per_beat(renders, kind):
    html = renders[kind, "talk"]
    assert html.suffix == ".html" and html.with_suffix(".pdf").exists()
    text = html.read_text(errors="replace")
    assert "<video" in text or "data:video" in text


def test_the_paths_are_on_screen(renders):
    """Mid-race in the lecture video, SGD's and Adam's colours are both drawn."""
    mp4 = renders["race", "lecture"]
    with av.open(str(mp4)) as c:
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(c.streams.video[0])]
    last = frames[int(len(frames) * 0.8)].astype(int)
    for name in ("sgd", "adam"):
        rgb = np.array([int(optimizer_color(name).to_hex()[i:i + 2], 16) for i in (1, 3, 5)])
        near = np.abs(last - rgb).sum(axis=-1) < 60
        assert near.sum() > 20, name
