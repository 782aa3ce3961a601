"""Shot files and `optviz race`: what a user writes, what is refused (one line, exit 2, nothing
written), and that every number a shot says comes from optmath. Rendering is in test_shot_render.py."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import optmath
from helpers import ROOT, normal_mode, optviz
from optmath.export import to_csv
from scenes.description import fmt, point
from scenes.segments import SEGMENTS
from shots.describe import describe, trajectories
from shots.numbers import Numbers
from shots.race import document, to_toml
from shots.schema import MAX_RUNS, ShotError, from_dict, load, loads

TEMPLATE = ROOT / "shots" / "template.toml"

GOOD = """\
title = "Two optimizers"
steps = 40
start = [-1.2, 0.8]

[surface]
name = "cubic"

[[optimizer]]
name = "sgd"
lr = 0.1

[[optimizer]]
name = "adam"
lr = 0.05
"""


def refused(text: str, *expected: str) -> str:
    with pytest.raises(ShotError) as exc:
        loads(text, "my_shot.toml", "my_shot")
    message = str(exc.value)
    assert "\n" not in message
    for part in expected:
        assert part in message, message
    return message


# -- what a user writes ---------------------------------------------------------------------------
def test_the_template_is_a_shot_that_renders_in_every_format():
    shot = load(TEMPLATE)
    desc = describe(shot)
    for fmt_name in ("lecture", "social", "talk"):
        beats = desc.beats_for(fmt_name)
        assert beats and any(b.show.racers for b in beats)
    social = desc.beats_for("social")
    assert not social[-1].show.racers and social[-1].camera  # the clip ends on its opening picture: it loops
    assert [b.text for b in desc.beats if b.text and "{" in b.text.replace("{{", "")] == []


def test_a_shot_without_cues_says_who_starts_where_and_where_each_ends():
    shot = loads(GOOD)
    desc = describe(shot)
    runs = trajectories(shot)
    assert [b.cue for b in desc.beats_for("lecture")] == ["intro", "race"]
    race = desc.beats_for("lecture")[1].text
    sgd, adam = runs["sgd"], runs["adam"]
    assert f"SGD ends at {point(sgd.final)}, with a loss of {fmt(sgd.z[-1])}." in race
    assert f"Adam ends at {point(adam.final)}, with a loss of {fmt(adam.z[-1])}." in race
    assert desc.title == "Two optimizers"


def test_trajectories_are_optmath_with_the_files_settings():
    shot = loads(GOOD)
    t = trajectories(shot)
    ref = optmath.trajectory("cubic", "adam", (-1.2, 0.8), 40, lr=0.05)
    np.testing.assert_array_equal(t["adam"].xy, ref.xy)
    assert to_csv(t["sgd"]) == to_csv(optmath.trajectory("cubic", "sgd", (-1.2, 0.8), 40, lr=0.1))


def test_placeholders_are_filled_from_optmath():
    text = GOOD + """
[[cue]]
text = "min {min} at {min_loss}; stable below {stable_lr}; saddle {saddle}; {critical_count} points; \
adam {adam.loss} from {adam.start_loss}; sgd ends {sgd.final}, diverged {sgd.diverged_at}; \
winner {winner}; literal {{braces}}"
"""
    shot = loads(text)
    runs = trajectories(shot)
    said = describe(shot).beats[0].text.replace("{{", "{").replace("}}", "}")
    points = optmath.critical_points("cubic")
    lo = [c for c in points if c.kind == "min"][0]
    sad = [c for c in points if c.kind == "saddle"][0]
    lam = np.linalg.eigvalsh(optmath.get_surface("cubic").hessian(np.array(lo.xy)))[-1]
    assert f"min {point(lo.xy)} at {fmt(lo.value)}" in said
    assert f"stable below {fmt(2 / lam)}" in said
    assert f"saddle {point(sad.xy)}; {len(points)} points" in said
    assert f"adam {fmt(runs['adam'].z[-1])} from {fmt(runs['adam'].z[0])}" in said
    assert f"sgd ends {point(runs['sgd'].final)}, diverged never" in said
    best = min(runs, key=lambda k: runs[k].z[-1])
    assert f"winner {'Adam' if best == 'adam' else 'SGD'}" in said
    assert said.endswith("literal {braces}")


def test_a_diverging_optimizer_is_content():
    shot = loads(GOOD.replace("lr = 0.1", "lr = 2.0"))
    runs = trajectories(shot)
    assert runs["sgd"].diverged_at is not None
    numbers = Numbers(shot, runs)
    assert numbers["sgd.diverged_at"] == str(runs["sgd"].diverged_at)
    assert f"SGD diverges at step {runs['sgd'].diverged_at}." in numbers["result"]
    assert "SGD" in numbers["diverged"] and numbers["winner"] == "Adam"


def test_several_starts_make_one_path_per_optimizer_and_start():
    shot = loads(GOOD.replace("start = [-1.2, 0.8]", "starts = [[-1.2, 0.8], [0.5, -0.4]]"))
    assert [k for k, _, _ in shot.run_keys()] == ["sgd@1", "sgd@2", "adam@1", "adam@2"]
    numbers = Numbers(shot, trajectories(shot))
    assert numbers["adam.loss"] == numbers["adam@1.loss"] != numbers["adam@2.loss"]


def test_a_formula_surface_and_its_domain():
    shot = loads(GOOD.replace('name = "cubic"', 'formula = "x^2 + y^2 + y^3 + x*y"\ndomain = [[-1.5, 1.5], [-1.5, 1]]'))
    t = trajectories(shot)["adam"]
    ref = optmath.trajectory("cubic", "adam", (-1.2, 0.8), 40, lr=0.05)
    assert np.max(np.abs(t.xy - ref.xy)) < 1e-12


# -- bad input: one line naming the value, where it is, and what is allowed ------------------------------
def test_unknown_key_names_file_and_line():
    refused(GOOD.replace("lr = 0.05", "lrr = 0.05"), "my_shot.toml:14:", "'lrr'", "[[optimizer]] 2 (adam)",
            "allowed: name, key, lr, betas")
    refused(GOOD.replace("steps = 40", "step = 40"), "my_shot.toml:2:", "'step'", "allowed: title, steps")
    refused(GOOD + "\n[camera]\nphi = 30\nzoom = 2\n", "my_shot.toml:18:", "'zoom'", "[camera]")


@pytest.mark.parametrize("change, expected", [
    (('name = "adam"', 'name = "adan"'), ["my_shot.toml:13:", "unknown optimizer 'adan'", "sgd, momentum"]),
    (('name = "cubic"', 'name = "cubik"'), ["my_shot.toml:6:", "unknown surface 'cubik'", "rosenbrock"]),
    (("start = [-1.2, 0.8]", "start = [5, 0]"), ["my_shot.toml:3:", "start [5, 0] is outside the domain", "x -1.5 to 1.5"]),
    (("start = [-1.2, 0.8]", "start = [nan, 0]"), ["my_shot.toml:3:", "must be finite"]),
    (("start = [-1.2, 0.8]", "start = [inf, 0]"), ["must be finite"]),
    (("start = [-1.2, 0.8]", "start = [1]"), ["must be two numbers"]),
    (("steps = 40", "steps = 0"), ["my_shot.toml:2:", "steps = 0", "1 to 10000"]),
    (("steps = 40", "steps = 100000000"), ["steps = 100000000", "1 to 10000"]),
    (("steps = 40", "steps = 2.5"), ["steps = 2.5", "whole number"]),
    (('name = "cubic"', 'name = "cubic"\ndomain = [[1, 1], [0, 1]]'), ["domain", "is empty"]),
    (('name = "cubic"', 'formula = "x^2"\ndomain = [[2, -2], [-1, 1]]'), ["is empty"]),
    (('name = "cubic"', 'formula = "x^2 + y^2"'), ["needs its domain"]),
    (('name = "cubic"', 'name = "cubic"\nformula = "x^2"'), ["either name", "not both"]),
    (('name = "cubic"', 'formula = "x^2 + z"\ndomain = [[-2, 2], [-1, 1]]'), ["my_shot.toml:6:", "'z'"]),
    (('name = "cubic"', 'formula = "__import__(\'os\').system(\'ls\')"\ndomain = [[-2, 2], [-1, 1]]'),
     ["my_shot.toml:6:", "formula"]),
    (("lr = 0.1", "lr = -0.1"), ["lr"]),
    (("lr = 0.1", 'lr = "fast"'), ["lr = 'fast' must be a number"]),
    (("lr = 0.05", "lr = 0.05\nbetas = [0.9]"), ["betas", "two numbers"]),
    (("lr = 0.05", "lr = 0.05\namsgrad = 1"), ["amsgrad = 1 must be true or false"]),
    (('name = "adam"', 'name = "sgd"'), ["two optimizers are called 'sgd'"]),
])
def test_bad_values_are_refused(change, expected):
    refused(GOOD.replace(*change), *expected)


def test_too_many_paths_and_bad_cues_are_refused():
    many = GOOD.replace("start = [-1.2, 0.8]", "starts = [[-1.2, 0.8], [0, 0], [0.5, 0.5], [1, -1]]")
    refused(many, f"8 paths; at most {MAX_RUNS}")
    refused(GOOD + '\n[[cue]]\ntext = "loss {adam.los}"\n', "my_shot.toml:17:", "unknown placeholder {adam.los}",
            "field name, lr")
    # str.format's attribute and index access are not placeholders: nothing reaches a Python object
    refused(GOOD + '\n[[cue]]\ntext = "{adam.__class__}"\n', "unknown placeholder {adam.__class__}")
    refused(GOOD + '\n[[cue]]\ntext = "{title.__class__.__init__.__globals__}"\n', "unknown placeholder")
    refused(GOOD + '\n[[cue]]\ntext = "{0}"\n', "unknown placeholder {0}")
    refused(GOOD + '\n[[cue]]\ntext = "an { open brace"\n', "unclosed")
    refused(GOOD + '\n[[cue]]\ntext = "x"\npanel = "rmsprop"\n', "panel = 'rmsprop'", "sgd, adam")
    refused(GOOD + '\n[[cue]]\ntext = "x"\nformats = ["tiktok"]\n', "formats", "lecture, social, talk")
    refused(GOOD + '\n[[cue]]\ntext = "x"\nloss = "yes"\n', "loss = 'yes' must be true or false")
    refused(GOOD + '\n[[cue]]\ntext = "x"\nloss = true\npanel = "adam"\n', "loss = true needs", "no panel")
    refused(GOOD + '\n[[cue]]\ntext = "x"\nvectors = "rmsprop"\n', "vectors = 'rmsprop'", "sgd, adam")


def test_a_cue_s_race_comes_with_its_loss_plot_and_the_step_s_vectors_where_asked():
    from shots.describe import describe

    shot = loads(GOOD + '\n[[cue]]\ntext = "race"\nvectors = "adam"\n\n[[cue]]\ntext = "rule"\npanel = "adam"\n'
                 '\n[[cue]]\ntext = "still"\nrace = false\n\n[[cue]]\ntext = "no plot"\nloss = false\n',
                 "my_shot.toml", "my_shot")
    shows = [b.show for b in describe(shot, short=True).beats if b.cue.startswith("cue")]
    assert [s.loss for s in shows] == [True, False, False, False]
    assert shows[0].vectors == "adam" and shows[1].vectors is None
    refused(GOOD + '\n[camera]\nmoves = [{ spin = 3 }]\n', "'spin'", "orbit, top_down, fly_to, look, home")
    refused(GOOD + '\n[camera]\nmoves = [{ fly_to = [9, 9] }]\n', "outside the domain")
    refused("title = \n", "my_shot.toml: not valid TOML")


def test_race_options_make_the_same_shot_as_a_file(tmp_path):
    doc = document("cubic", "sgd,adam", ["sgd.lr=0.1", "adam.lr=0.05"], [[-1.2, 0.8]], 40, title="Two optimizers")
    saved = tmp_path / "race.toml"
    saved.write_text(to_toml(doc))
    a, b, c = from_dict(doc, "race"), load(saved), loads(GOOD)
    for key in ("sgd", "adam"):
        np.testing.assert_array_equal(trajectories(a)[key].xy, trajectories(c)[key].xy)
        np.testing.assert_array_equal(trajectories(b)[key].xy, trajectories(c)[key].xy)
    everyone = document("cubic", "sgd,adam", ["lr=0.01", "adam.betas=0.8,0.99"], [[-1.2, 0.8]], 10)
    assert [o["lr"] for o in everyone["optimizer"]] == [0.01, 0.01]
    assert from_dict(everyone, "r").optimizers[1].hyper["betas"] == (0.8, 0.99)
    for bad, words in ((("cubik", "sgd", [], [[0, 0]], 10), "unknown surface"),
                       (("cubic", "sgd", ["adam.lr=1"], [[0, 0]], 10), "'adam' is not in --optimizers"),
                       (("cubic", "sgd", ["lr=fast"], [[0, 0]], 10), "not a number"),
                       (("cubic", "", [], [[0, 0]], 10), "name one or more")):
        with pytest.raises(ShotError, match=words):
            from_dict(document(*bad), "r")


# -- the command line ------------------------------------------------------------------------------
def test_optviz_new_writes_the_template_once(tmp_path):
    dest = tmp_path / "my_shot.toml"
    r = optviz("new", dest)
    assert r.returncode == 0, r.stderr
    assert dest.read_text() == TEMPLATE.read_text() and dest.stat().st_mode & 0o777 == normal_mode()
    again = optviz("new", dest)
    assert again.returncode == 2 and "exists" in again.stderr and again.stderr.count("\n") == 1
    assert optviz("new", tmp_path / "shot.txt").returncode == 2


@pytest.mark.parametrize("args, words", [
    (["render", "{bad}"], "my_shot.toml:14: unknown key 'lrr'"),
    (["race", "--surface", "rosenbrock", "--optimizers", "sgd,adan", "--start", "-1.5", "2"], "unknown optimizer 'adan'"),
    (["race", "--surface", "x^2 + 3*y^2 + os", "--domain", "-2", "2", "-2", "2", "--optimizers", "sgd", "--start", "1", "1"],
     "unknown name 'os'"),
    (["race", "--surface", "rosenbrock", "--optimizers", "adam", "--set", "adam.lrr=0.1", "--start", "0", "0"], "'lrr'"),
    (["race", "--surface", "rosenbrock", "--optimizers", "sgd", "--start", "9", "9"], "outside the domain"),
    (["race", "--surface", "rosenbrock", "--optimizers", "sgd", "--start", "nan", "0"], "must be finite"),
    (["race", "--surface", "rosenbrock", "--optimizers", "sgd", "--steps", "0"], "steps = 0"),
    (["race", "--surface", "rosenbrock", "--optimizers", "sgd", "--steps", "100000000"], "1 to 10000"),
    (["race", "--surface", "rosenbrock", "--optimizers", "sgd", "--start", "a", "1"], "invalid float value: 'a'"),
])
def test_bad_input_on_the_command_line_is_one_line_exit_2_and_nothing_written(tmp_path, args, words):
    bad = tmp_path / "my_shot.toml"
    bad.write_text(GOOD.replace("lr = 0.05", "lrr = 0.05"))
    out, media = tmp_path / "out", tmp_path / "media"
    r = optviz(*[str(bad) if a == "{bad}" else a for a in args], "-o", out, "--media-dir", media, "--voice", "none")
    assert r.returncode == 2, r.stdout + r.stderr
    assert r.stderr.count("\n") == 1 and words in r.stderr, r.stderr
    assert not out.exists() or list(out.iterdir()) == []


RACE = ["race", "--surface", "rosenbrock", "--optimizers", "sgd", "--start", "-1.5", "2", "--steps", "20"]


@pytest.mark.parametrize("extra, words", [
    (["--format", "lecture,tiktok"], "unknown format 'tiktok'"),
    (["-q", "x"], "unknown quality 'x'"),
    (["-j", "0"], "-j 0: use at least one worker"),
    (["--scheduler", "tcp://127.0.0.1:9"], "--scheduler tcp://127.0.0.1:9: no Dask scheduler answers there"),
])
def test_a_race_with_a_bad_render_option_writes_nothing(tmp_path, extra, words):
    """The shot is fine, the render's options are not: no shot document, no folders, and no --save file for
    a bad option. (The race's JSON used to land in media/shots/ before the options, or the scheduler, were
    checked.) A scheduler is only found not to answer when the build connects: the shot, already checked,
    has been saved as asked by then."""
    out, media, save = tmp_path / "out", tmp_path / "media", tmp_path / "keep.toml"
    r = optviz(*RACE, *extra, "--save", save, "-o", out, "--media-dir", media, "--voice", "none", timeout=120)
    assert r.returncode == 2 and words in r.stderr and r.stderr.count("\n") == 1, r.stderr
    assert not out.exists() and not media.exists()
    assert save.exists() == ("--scheduler" in extra)
    assert sorted(p.name for p in tmp_path.iterdir()) == (["keep.toml"] if save.exists() else [])


def test_the_optmath_run_limit_is_the_issue_case():
    r = subprocess.run([sys.executable, "-m", "optmath", "run", "saddle", "adam", "--start", "0.1", "0.2", "--steps",
                        "100000000"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and r.stderr.count("\n") == 1


# -- the numbers beside every video ----------------------------------------------------------------------
@pytest.mark.parametrize("name", SEGMENTS)
def test_segment_data_files_equal_optmath_run(tmp_path, name):
    """What lands beside a built-in segment's video is what `optmath run` prints for the same settings."""
    from scenes.data_files import shown_runs, shown_swarms, write_data

    desc = SEGMENTS[name].describe()
    written = write_data([(name, desc)], "lecture", tmp_path / "v-data")
    keys = shown_runs(desc, "lecture")
    swarms = shown_swarms(desc, "lecture")
    assert sorted(p.name for p in written) == sorted(
        [f"{name}-{k}.{e}" for k in keys + swarms for e in ("csv", "json")] + ["claims.json"])
    assert all(p.stat().st_mode & 0o777 == normal_mode() for p in written)
    # every claim the lecture speaks, with the numbers it was checked on, true
    claims = json.loads((tmp_path / "v-data" / "claims.json").read_text())
    spoken = [(b.cue, cl.key) for b in desc.beats_for("lecture") for cl in b.claims]
    assert [(e["cue"], e["claim"]) for e in claims["claims"]] == spoken and claims["checked"]
    assert all(e["holds"] and e["sentence"] and e["condition"] for e in claims["claims"])
    for key in swarms:  # one row per path: its start and fate, as the swarm has them
        rows = (tmp_path / "v-data" / f"{name}-{key}.csv").read_text().splitlines()
        swarm = desc.swarms[key]
        assert rows[0] == "start_x,start_y,end_x,end_y,end_step,fate" and len(rows) == len(swarm.xy) + 1
        x0, y0, *_, fate = rows[1].split(",")
        assert (float(x0), float(y0)) == tuple(swarm.xy[0, 0]) and int(fate) == swarm.fate[0]
        summary = json.loads((tmp_path / "v-data" / f"{name}-{key}.json").read_text())
        assert [f["count"] for f in summary["fates"]] == [int((swarm.fate == i).sum()) for i in range(len(swarm.fates))]
    if not keys:
        return
    key = next(k for k in keys if desc.runs[k].trajectory.schedule is None)  # optmath run has no --schedule
    t = desc.runs[key].trajectory
    hyper = {k: v for k, v in t.optimizer.hyper.items() if k in optmath.defaults(t.optimizer.name)}
    sets = [f"{k}={','.join(map(repr, v)) if isinstance(v, tuple) else repr(v)}" for k, v in hyper.items()]
    cmd = [sys.executable, "-m", "optmath", "run", t.surface.name, t.optimizer.name, "--start", repr(float(t.start[0])),
           repr(float(t.start[1])), "--steps", str(t.steps), "--format", "csv"] + [a for s in sets for a in ("--set", s)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "v-data" / f"{name}-{key}.csv").read_text() == r.stdout
    assert all(p.stat().st_mode & 0o777 == normal_mode() for p in written)


def test_the_readme_shows_the_template_as_it_is():
    readme = (ROOT / "README.md").read_text()
    assert "```toml\n" + TEMPLATE.read_text() + "```" in readme


def test_an_lr_schedule_is_torchs():
    shot = loads(GOOD.replace("lr = 0.1", 'lr = 0.1\nschedule = { name = "step", step_size = 10, gamma = 0.5 }'))
    t = trajectories(shot)["sgd"]
    ref = optmath.trajectory("cubic", "sgd", (-1.2, 0.8), 40, lr=0.1, schedule=optmath.StepLR(step_size=10, gamma=0.5))
    np.testing.assert_array_equal(t.xy, ref.xy)
    assert "lr" in to_csv(t).splitlines()[0].split(",")
    refused(GOOD.replace("lr = 0.1", 'lr = 0.1\nschedule = { name = "stepp" }'), "my_shot.toml:11:", "unknown schedule 'stepp'")
    refused(GOOD.replace("lr = 0.1", 'lr = 0.1\nschedule = { name = "step", stepsize = 3 }'), "'stepsize'", "step_size, gamma")
    refused(GOOD.replace("lr = 0.1", 'lr = 0.1\nschedule = { name = "step", step_size = 0 }'), "step_size=0")
    refused(GOOD.replace("lr = 0.1", 'lr = 0.1\nschedule = "step"'), "must be a table")
    doc = document("cubic", "sgd", ["sgd.lr=0.1", 'sgd.schedule={ name = "exponential", gamma = 0.9 }'], [[-1.2, 0.8]], 20)
    assert from_dict(doc, "r").optimizers[0].schedule == optmath.ExponentialLR(gamma=0.9)
