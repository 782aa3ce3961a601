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


def test_run_refuses_a_step_count_that_would_run_away(tmp_path):
    """The issue's case: 1e8 steps used to take minutes and gigabytes; now one line, exit 2, no file."""
    out = tmp_path / "adam.csv"
    r = run("run", "saddle", "adam", "--start", "0.1", "0.2", "--steps", "100000000", "-o", str(out))
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "--steps 100000000" in r.stderr and "0 to 1000000" in r.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_batch_trajectory_refuses_arrays_beyond_its_memory_limit():
    import numpy as np
    import pytest

    from optmath import batch_trajectory

    starts = np.zeros((1000, 2))
    with pytest.raises(ValueError, match=r"steps=100000 for 1000 path\(s\) needs .* GB.*use at most (\d+) steps"):
        batch_trajectory("cubic", "adam", starts, 100_000)
    # the number it proposes does fit, and a limit given by the caller is honoured
    limit = 10_000_000
    with pytest.raises(ValueError) as exc:
        batch_trajectory("cubic", "sgd", starts[:10], 100_000, memory_limit=limit)
    most = int(str(exc.value).split("use at most ")[1].split()[0])
    assert batch_trajectory("cubic", "sgd", starts[:10], most, memory_limit=limit).steps == most
    with pytest.raises(ValueError):
        batch_trajectory("cubic", "sgd", starts[:10], most + 1, memory_limit=limit)
