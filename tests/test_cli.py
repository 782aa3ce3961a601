"""python -m optmath: what a user types, what lands on disk."""

import csv
import io
import json
import subprocess
import sys

import numpy as np

import optmath
from helpers import normal_mode


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "optmath", *args], capture_output=True, text=True, cwd=cwd)


def test_csv_to_stdout_matches_the_library():
    r = run("run", "saddle", "adam", "--start", "0.2", "1e-8", "--steps", "30", "--set", "lr=0.05", "--format", "csv")
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    t = optmath.trajectory("saddle", "adam", (0.2, 1e-8), 30, lr=0.05)
    assert len(rows) == 31 and list(rows[0])[:4] == ["step", "x", "y", "z"]
    got = np.array([[float(r["x"]), float(r["y"])] for r in rows])
    assert got.tobytes() == t.xy.tobytes()  # repr round-trips floats exactly
    assert float(rows[-1]["m_x"]) == t.state["m"][-1, 0]


def test_json_file_is_written(tmp_path):
    out = tmp_path / "bowl.json"
    r = run("run", "bowl", "sgd", "--start", "-5", "-2", "--steps", "40", "--set", "lr=0.6", "--format", "json", "-o", str(out))
    assert r.returncode == 0 and r.stdout.strip() == str(out)
    doc = json.loads(out.read_text())
    assert doc["optimizer"] == "sgd" and doc["hyper"]["lr"] == 0.6 and doc["diverged_at"] is not None
    assert doc["points"][-1]["x"] is None
    assert [p.name for p in tmp_path.iterdir()] == ["bowl.json"]
    assert out.stat().st_mode & 0o777 == normal_mode()  # the user's normal mode, not a temp file's 0600


def test_bad_input_is_one_line_exit_2_and_no_file(tmp_path):
    out = tmp_path / "x.csv"
    for args in (["run", "saddle", "adamm", "--start", "0", "0"],
                 ["run", "saddle", "adam", "--start", "0", "0", "--set", "lr=-1"],
                 ["run", "saddle", "adam", "--start", "0", "0", "--set", "gamma=1"],
                 ["run", "saddle", "adam", "--start", "0", "0", "--set", "lr"]):
        r = run(*args, "-o", str(out))
        assert r.returncode == 2, args
        assert len(r.stderr.strip().splitlines()) == 1 and r.stderr.startswith("error: ")
        assert not any(tmp_path.iterdir())


def test_list_and_analyse():
    r = run("list")
    assert "fit-sincos" in r.stdout and "nadam" in r.stdout and "momentum_decay=0.004" in r.stdout
    r = run("analyse", "cubic")
    assert "saddle     (0.25, -0.5)" in r.stdout and "GD < 0.666667" in r.stdout
