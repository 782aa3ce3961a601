"""The render pipeline's plan, without rendering: chunk plans, digests, the course file, the build's options."""

from __future__ import annotations

import tomllib

import pytest

from helpers import optviz
from scenes.pipeline import chunks, course
from scenes.pipeline.build import Request, plan
from scenes.pipeline.jobs import Job, Settings
from scenes.segments import SEGMENTS

SHOT = """
title = "Three cues"
steps = 40
start = [-1.2, 0.8]
[surface]
name = "cubic"
[[optimizer]]
name = "adam"
lr = 0.1
[[cue]]
text = "Adam starts from {start}."
[[cue]]
text = "It moves."
[[cue]]
text = "It ends at {adam.final}."
"""


def test_a_chunk_plan_covers_every_beat_once_in_order():
    seconds = [3.0, 10.0, 2.0, 8.0, 5.0, 12.0, 4.0]
    for split in (1, 2, 3, 7, 20):
        runs = chunks.plan(seconds, workers=2, quality="l", split=split)
        assert runs[0][0] == (0, 0) and runs[-1][1] == (len(seconds), 0)
        assert all(a < b for a, b in runs) and all(b == c for (_, b), (c, _) in zip(runs, runs[1:]))
        assert all(p == 0 for run in runs for _, p in run)  # nothing measured: cut where beats start
        assert len(runs) == min(split, len(seconds))


def test_a_chunk_plan_balances_spoken_time():
    seconds = [5.0] * 12
    runs = chunks.plan(seconds, workers=3, quality="h", split=3)
    assert [b[0] - a[0] for a, b in runs] == [4, 4, 4]


def test_by_default_short_segments_and_one_worker_are_not_split():
    assert chunks.plan([5.0] * 4, workers=8, quality="l") == [((0, 0), (4, 0))]  # 20 s: not worth a second process
    assert chunks.plan([30.0] * 10, workers=1, quality="l") == [((0, 0), (10, 0))]
    assert len(chunks.plan([30.0] * 10, workers=4, quality="h")) == 4


def _shot(tmp_path, text=SHOT):
    from scenes.cli import shot_target

    path = tmp_path / "three.toml"
    path.write_text(text)
    return shot_target(path)


def test_editing_one_cue_changes_only_the_chunk_that_says_it(tmp_path):
    """The digests behind resume: a cue's words are hashed into its own chunk, not the others."""
    s = Settings("l", "none", False, "en")

    def keys(target):
        n = len(target.describe().beats_for("lecture"))
        cuts = [((0, 0), (1, 0)), ((1, 0), (2, 0)), ((2, 0), (n, 0))]
        return [Job(target, "lecture", s, chunk=c, chunks=3, index=i).key for i, c in enumerate(cuts)]

    before = keys(_shot(tmp_path))
    after = keys(_shot(tmp_path, SHOT.replace("It moves.", "It moves downhill.")))
    assert [b == a for b, a in zip(before, after)] == [True, False, True]
    moved = keys(_shot(tmp_path, SHOT.replace("lr = 0.1", "lr = 0.05")))  # a number: every chunk's picture
    assert not any(b == m for b, m in zip(before, moved))


def test_the_same_job_has_the_same_key_and_a_setting_changes_it(tmp_path):
    t = _shot(tmp_path)
    a = Job(t, "lecture", Settings("l", "none", False, "en")).key
    assert a == Job(t, "lecture", Settings("l", "none", False, "en")).key
    assert a != Job(t, "lecture", Settings("h", "none", False, "en")).key
    assert a != Job(t, "social", Settings("l", "none", False, "en")).key


def test_a_plan_splits_every_format_a_deck_where_slides_start(tmp_path):
    req = Request([SEGMENTS["saddle"]], "saddle", formats=("lecture", "social", "talk"), langs=("en",), short=True,
                  split=2, media_dir=tmp_path)
    lecture, social, talk = plan(req, workers=2)
    assert len(lecture.parts[0].chunks) == 2 and len(social.parts[0].chunks) == 2
    deck = talk.parts[0].chunks
    assert [j.kind for j in deck] == ["slides", "slides"] and deck[1].chunk[0][1] == 0  # at a beat's start
    assert deck[0].scene == talk.parts[0].whole.scene and len({j.key for j in deck + [talk.parts[0].whole]}) == 3
    titled = plan(Request([SEGMENTS["saddle"]], "lecture", lecture=True, formats=("talk",), split=2,
                          media_dir=tmp_path), 2)
    assert [len(p.chunks) for p in titled[0].parts] == [0, 2]  # the lecture deck's title slide is one job
    # by default a 1080p60 clip (28 s) is worth two processes, a 480p one is not
    full = dict(targets=[SEGMENTS["saddle"]], stem="saddle", formats=("social",), media_dir=tmp_path)
    assert len(plan(Request(**full, quality="h"), workers=2)[0].parts[0].chunks) == 2
    assert plan(Request(**full, quality="l"), workers=2)[0].parts[0].chunks == []


def test_the_course_template_is_a_valid_course(tmp_path):
    r = optviz("new", tmp_path / "course.toml")
    assert r.returncode == 0, r.stderr
    c = course.read(tmp_path / "course.toml")
    assert c.targets == ("lecture",) and c.formats == ("lecture", "social", "talk") and c.langs == ("en", "zh")
    tomllib.loads((tmp_path / "course.toml").read_text())  # commented TOML, as written


@pytest.mark.parametrize("text, message", [
    ('formats = ["lecture", "tiktok"]', "formats: unknown 'tiktok'; choose from: lecture, social, talk"),
    ('langs = ["fr"]', "langs: unknown 'fr'; choose from: en, zh"),
    ('quality = "x"', "quality 'x'; choose one of: l, m, h, p, k"),
    ('targets = ["saddel"]', "targets: unknown 'saddel'"),
    ('colour = "red"', "unknown key 'colour'"),
    ('short = "yes"', "short must be true or false"),
])
def test_a_bad_course_file_is_one_line_and_exit_2(tmp_path, text, message):
    path = tmp_path / "course.toml"
    path.write_text(text + "\n")
    r = optviz("build", path, "-o", tmp_path / "out")
    assert r.returncode == 2 and message in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.parametrize("args, message", [
    (["--formats", "lecture,vlog"], "formats: unknown 'vlog'"),
    (["-j", "0"], "-j 0: use at least one worker"),
    (["--split", "0"], "--split 0: give 1 or more chunks per segment"),
    (["-j", "2", "--scheduler", "tcp://127.0.0.1:1"], "-j sizes the local cluster"),
])
def test_bad_build_options_are_one_line_and_exit_2(tmp_path, args, message):
    r = optviz("build", *args, "-o", tmp_path / "out")
    assert r.returncode == 2 and message in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_no_scheduler_at_the_address_is_one_line(tmp_path):
    r = optviz("render", "saddle", "--short", "--voice", "none", "--scheduler", "tcp://127.0.0.1:9",
               "-o", tmp_path / "out", "--media-dir", tmp_path / "media", timeout=120)
    assert r.returncode == 2 and "--scheduler tcp://127.0.0.1:9: no Dask scheduler answers there" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "out").exists() and not (tmp_path / "media").exists()  # nothing written, not even folders


def test_a_chunk_plan_balances_measured_drawing_cost():
    """Spoken time cut the saddle where its camera turns (costly frames) all fell in the second chunk."""
    seconds = [10.0] * 6
    assert chunks.plan(seconds, workers=2, quality="l", split=2) == [((0, 0), (3, 0)), ((3, 0), (6, 0))]
    costs = [((b, 0), 2.0) for b in range(5)] + [((5, 0), 30.0)]  # the last beat turns the camera all the time
    assert chunks.plan(seconds, workers=2, quality="l", split=2, costs=costs) == [((0, 0), (5, 0)), ((5, 0), (6, 0))]


def test_measured_animations_cut_a_costly_beat_in_two():
    """The saddle's Adam beat drew 33 of its 110 s: cut between beats, two chunks took 55 and 74 s. Measured
    animation by animation, the cut falls inside the beat, where the cost is halved."""
    seconds = [10.0] * 4
    costs = [((0, 0), 10.0), ((1, 0), 10.0)] + [((2, p), 5.0) for p in range(8)] + [((3, 0), 20.0)]
    runs = chunks.plan(seconds, workers=2, quality="l", split=2, costs=costs)
    assert runs == [((0, 0), (2, 4)), ((2, 4), (4, 0))]  # 40 s either side
    assert chunks.share(costs, runs[0]) == 0.5


def _put_costs(path, plays, mtime):
    import json
    import os

    path.write_text(json.dumps({"plays": [dict(cue=c, beat=0, play=p, video=v, wall=w) for c, p, v, w in plays]}))
    os.utime(path, (mtime, mtime))


def test_measured_costs_come_from_the_newest_renders_of_the_same_settings(tmp_path):
    root = tmp_path / "segments"
    (root / "chunks").mkdir(parents=True)
    stem = "saddle-lecture-480p15-none-en"
    assert chunks.measured_costs(root, stem, ["a", "b", "c"], [1.0, 1.0, 1.0]) is None
    _put_costs(root / f"{stem}-{'0' * 16}.costs.json", [("a", 0, 10, 5), ("b", 0, 5, 20), ("b", 1, 5, 20)], 1000)
    _put_costs(root / "chunks" / f"{stem}-c2of2-{'1' * 16}.costs.json", [("b", 1, 5, 10)], 2000)  # newer: wins
    _put_costs(root / f"{stem}-short-{'2' * 16}.costs.json", [("c", 0, 1, 99)], 3000)  # other settings: ignored
    costs = chunks.measured_costs(root, stem, ["a", "b", "c"], [10.0, 10.0, 4.0])
    # c was never measured: one piece, its spoken time at the median rate of the measured plays (0.5, 4, 4, 2 -> 4)
    assert costs == [((0, 0), 5.0), ((1, 0), 20.0), ((1, 1), 10.0), ((2, 0), 16.0)]


def test_a_stored_cut_is_found_again(tmp_path):
    """An unchanged rebuild reuses the chunks it finds, whatever newer measures would cut."""
    import json

    root = tmp_path / "segments"
    (root / "chunks").mkdir(parents=True)
    stem = "saddle-lecture-480p15-none-en"
    for i, (first, stop) in enumerate([((0, 0), (3, 5)), ((3, 5), (7, 0))]):
        (root / "chunks" / f"{stem}-c{i + 1}of2-{str(i) * 16}.chunk.json").write_text(
            json.dumps({"first": first, "stop": stop, "beats": 7, "start": 0, "end": 1}))
    (root / "chunks" / f"{stem}-c1of2-{'9' * 16}.chunk.json").write_text(  # a chain that never ends
        json.dumps({"first": [0, 0], "stop": [2, 0], "beats": 7, "start": 0, "end": 1}))
    assert chunks.stored_plans(root, stem, 7) == [[((0, 0), (3, 5)), ((3, 5), (7, 0))]]
    assert chunks.stored_plans(root, stem, 8) == []


def test_the_cut_that_leaves_least_to_render_is_chosen():
    units = [((b, 0), 1.0) for b in range(10)]  # ten beats of equal cost
    even = [((0, 0), (5, 0)), ((5, 0), (10, 0))]
    lopsided = [((0, 0), (1, 0)), ((1, 0), (10, 0))]
    assert chunks.remaining(units, even, [True, True], 2) == (0.0, 0.0)  # all stored: nothing to render
    assert chunks.remaining(units, even, [False, False], 2) == (0.5, 1.0)  # two halves at once
    # reusing a tenth leaves nine tenths on one worker: worse than rendering an even cut anew
    assert chunks.remaining(units, lopsided, [True, False], 2) > chunks.remaining(units, even, [False, False], 2)
    thirds = [((0, 0), (3, 0)), ((3, 0), (7, 0)), ((7, 0), (10, 0))]
    # one cue edited in the middle third: one run to render, not three
    assert chunks.remaining(units, thirds, [True, False, True], 2) == (0.4, 0.4)
    assert chunks.remaining(units, thirds, [False] * 3, 2) == (0.6, 1.0)
