"""The studio's JSON API through Starlette's TestClient: the numbers are optmath's, every bad input is a 4xx
with one line naming the value and the choices, and every request is bounded."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import numpy as np
import pytest

import optmath
from shots.numbers import Numbers
from shots.schema import MAX_STEPS, from_dict, load

pytest.importorskip("starlette")
pytest.importorskip("httpx")
from starlette.testclient import TestClient  # noqa: E402

from scenes.studio import compute  # noqa: E402
from scenes.studio.app import MAX_BODY, Studio, create_app  # noqa: E402
from scenes.studio.render_queue import RenderQueue  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def shot(**changes) -> dict:
    doc = {
        "title": "Two wells", "steps": 150, "start": [0.4, 1.6],
        "surface": {"formula": "x^4 - 2*x^2 + y^2 + 0.3*x", "domain": [[-2, 2], [-2, 2]]},
        "optimizer": [{"name": "sgd", "lr": 0.05}, {"name": "adam", "lr": 0.1, "betas": [0.9, 0.99]},
                      {"name": "sgd", "key": "fast", "lr": 0.6}],
        "cue": [{"text": "{names} start from {start}. {result}"}],
    }
    doc.update(changes)
    return doc


@pytest.fixture
def client(tmp_path):
    with TestClient(create_app(Studio(tmp_path)), raise_server_exceptions=True) as c:
        c.root = tmp_path
        yield c


def refused(response, *words, status=400) -> str:
    assert response.status_code == status, response.text
    message = response.json()["error"]
    assert "\n" not in message
    for w in words:
        assert w in message, message
    return message


# -- the numbers ------------------------------------------------------------------------------------------
def test_compute_paths_fates_and_placeholders_are_optmaths(client):
    doc = shot()
    r = client.post("/api/compute", json={"seq": 7, "shot": doc})
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["seq"] == 7
    checked = from_dict(doc, "studio")
    runs = {k: optmath.trajectory(checked.surface, o.name, checked.starts[i], checked.steps, **o.hyper)
            for k, o, i in checked.run_keys()}
    assert [p["key"] for p in got["paths"]] == list(runs)
    for p in got["paths"]:
        t = runs[p["key"]]
        xy = np.array([p["x"], p["y"]], dtype=float).T  # null (a path that left) -> nan
        assert np.array_equal(xy, t.xy, equal_nan=True)
        assert p["diverged_at"] == t.diverged_at
    fast = next(p for p in got["paths"] if p["key"] == "fast")
    assert runs["fast"].diverged_at is not None  # lr 0.6 on the quartic wells leaves
    assert fast["fate"] == {"kind": "diverges", "step": runs["fast"].diverged_at,
                            "text": f"diverges at step {runs['fast'].diverged_at}"}
    numbers = Numbers(checked, runs)
    assert got["placeholders"]["result"] == numbers["result"]
    assert got["placeholders"]["adam.loss"] == numbers["adam.loss"]
    assert got["cues"] == [numbers.fill(checked.cues[0].text)]


def test_same_shot_same_numbers_bit_for_bit(client):
    a = client.post("/api/compute", json={"seq": 1, "shot": shot()}).json()
    b = client.post("/api/compute", json={"seq": 1, "shot": shot()}).json()
    assert json.dumps(a) == json.dumps(b)


def test_schedule_and_several_starts(client):
    doc = shot(start=None, starts=[[0.4, 1.6], [-1.5, -1.0]],
               optimizer=[{"name": "momentum", "lr": 0.02, "schedule": {"name": "step", "step_size": 30, "gamma": 0.5}}])
    del doc["start"]
    got = client.post("/api/compute", json={"shot": doc}).json()
    assert [p["key"] for p in got["paths"]] == ["momentum@1", "momentum@2"]
    t = optmath.trajectory(from_dict(doc, "s").surface, "momentum", (-1.5, -1.0), 150, lr=0.02,
                           schedule=optmath.get_schedule("step", step_size=30, gamma=0.5))
    assert np.array_equal(np.array([got["paths"][1]["x"], got["paths"][1]["y"]], float).T, t.xy)


def test_swarm_fates_match_single_runs(client):
    got = client.post("/api/compute", json={"shot": shot(steps=100), "swarm": 8}).json()["swarm"]
    assert got["n"] == 8 and len(got["final"]) == 64
    surface = from_dict(shot(), "s").surface
    for k in (0, 27, 63):
        t = optmath.trajectory(surface, "sgd", tuple(got["starts"][k]), 100, lr=0.05)
        assert np.array_equal(np.array(got["final"][k], float), t.final)


# -- ranges come from optmath's own checks ------------------------------------------------------------------
def test_meta_ranges_are_what_optmath_accepts(client):
    meta = client.get("/api/meta").json()
    assert set(meta["optimizers"]) == set(optmath.OPTIMIZERS)
    for name, spec in meta["optimizers"].items():
        assert {k: v["default"] if v["kind"] != "pair" else tuple(v["default"]) for k, v in spec["hyper"].items()} \
            == optmath.defaults(name)
        for param, p in spec["hyper"].items():
            if p["kind"] != "number":
                continue
            if p["low"] is not None:
                optmath.get_optimizer(name, **{param: p["low"]})
                with pytest.raises(ValueError):
                    optmath.get_optimizer(name, **{param: p["low"] - 1e-6})
            if p["high"] is not None:
                with pytest.raises(ValueError):
                    optmath.get_optimizer(name, **{param: p["high"] + 1e-6})
                if p["high_open"]:
                    with pytest.raises(ValueError):
                        optmath.get_optimizer(name, **{param: p["high"]})
                else:
                    optmath.get_optimizer(name, **{param: p["high"]})
            else:
                optmath.get_optimizer(name, **{param: 1e6})
    adam = meta["optimizers"]["adam"]["hyper"]
    assert adam["betas"]["parts"][0]["high"] == 1.0 and adam["betas"]["parts"][0]["high_open"] is True
    assert meta["optimizers"]["sgd"]["hyper"]["momentum"]["high_open"] is False
    assert meta["limits"]["paths"] == 6 and meta["limits"]["steps"] == MAX_STEPS


# -- every bad input -----------------------------------------------------------------------------------------
BAD_SHOTS = [
    (dict(surface={"name": "bowll"}), ["'bowll'", "rosenbrock"]),
    (dict(surface={"formula": "x^2 + * y", "domain": [[-1, 1], [-1, 1]]}), ["position 6"]),
    (dict(surface={"formula": "__import__('os')", "domain": [[-1, 1], [-1, 1]]}), ["formula"]),
    (dict(surface={"formula": "x^2"}), ["domain"]),
    (dict(surface={"formula": "x^2", "domain": [[1, -1], [-1, 1]]}), ["domain", "empty"]),
    (dict(optimizer=[{"name": "adamm"}]), ["'adamm'", "sgd", "nadam"]),
    (dict(optimizer=[{"name": "adam", "lrr": 0.1}]), ["'lrr'", "betas"]),
    (dict(optimizer=[{"name": "adam", "lr": -0.1}]), ["lr=-0.1", ">= 0"]),
    (dict(optimizer=[{"name": "adam", "betas": [0.9, 1.5]}]), ["beta2", "[0, 1)"]),
    (dict(optimizer=[{"name": "momentum", "momentum": 1.5}]), ["momentum=1.5", "[0, 1]"]),
    (dict(optimizer=[{"name": "adam", "amsgrad": 1}]), ["amsgrad = 1", "true or false"]),
    (dict(optimizer=[{"name": "sgd", "schedule": {"name": "stepp"}}]), ["'stepp'", "cosine"]),
    (dict(optimizer=[]), ["optimizer"]),
    (dict(optimizer=[{"name": n} for n in ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "nadam"]]),
     ["7 paths", "at most 6"]),
    (dict(starts=[[0, 0], [1, 1], [-1, -1]], start=None), ["9 paths", "at most 6"]),
    (dict(steps=0), ["steps = 0", "1 to 10000"]),
    (dict(steps=MAX_STEPS + 1), ["steps = 10001", "1 to 10000"]),
    (dict(steps="many"), ["steps = 'many'", "whole number"]),
    (dict(start=[5, 0]), ["outside the domain"]),
    (dict(start=["a", 0]), ["start = 'a'", "number"]),
    (dict(title=""), ["title", "1 to 80"]),
    (dict(camera={"phi": 120}), ["phi = 120", "0 to 90"]),
    (dict(camera={"moves": [{"spin": 3}]}), ["'spin'", "orbit"]),
    (dict(cue=[{"text": "{winnr} wins"}]), ["{winnr}", "winner"]),
    (dict(cue=[{"text": "{x.__class__}"}]), ["placeholder"]),
    (dict(cue=[{"text": "ok", "panel": "lbfgs"}]), ["'lbfgs'", "sgd"]),
    (dict(bogus=1), ["'bogus'", "allowed"]),
]


@pytest.mark.parametrize("changes,words", BAD_SHOTS, ids=[f"bad{i}" for i in range(len(BAD_SHOTS))])
def test_bad_shot_is_one_line_naming_the_value(client, changes, words):
    doc = shot(**changes)
    for k in [k for k, v in doc.items() if v is None]:
        del doc[k]
    refused(client.post("/api/compute", json={"seq": 1, "shot": doc}), *words)


def test_formula_error_carries_its_position(client):
    got = client.post("/api/compute", json={"shot": shot(surface={"formula": "x^2 + * y", "domain": [[-1, 1], [-1, 1]]})})
    assert got.json()["field"] == "formula" and got.json()["position"] == 6


def test_bad_requests(client):
    refused(client.post("/api/compute", content=b"{not json"), "not JSON")
    refused(client.post("/api/compute", json=[1, 2]), "JSON object")
    refused(client.post("/api/compute", json={"shot": "title = 'x'"}), "JSON object")
    r = client.post("/api/compute", content=b" " * (MAX_BODY + 1), headers={"content-type": "application/json"})
    assert r.status_code in (400, 413)
    assert client.get("/api/shot", headers={"host": "evil.example"}).status_code == 400  # DNS rebinding


@pytest.mark.parametrize("swarm,words", [(65, ["swarm = 65", "2 to 64"]), (1, ["swarm = 1"]), (True, ["swarm = True"]),
                                         ("8", ["swarm = '8'"])])
def test_swarm_is_bounded(client, swarm, words):
    refused(client.post("/api/compute", json={"shot": shot(), "swarm": swarm}), *words)


def test_swarm_work_is_bounded(client):
    refused(client.post("/api/compute", json={"shot": shot(steps=1001), "swarm": 64}), "at most 1000 steps")
    assert client.post("/api/compute", json={"shot": shot(steps=1000), "swarm": 64}).status_code == 200


# -- save and load ---------------------------------------------------------------------------------------------
def test_save_round_trip(client):
    doc = shot(camera={"phi": 50, "theta": -30, "moves": [{"orbit": 30}, {"top_down": True, "zoom": 1.5}]},
               cue=[{"text": "{names} start from {start}.", "race": False},
                    {"text": "{result}", "claims": [{"diverges": "fast"}], "formats": ["lecture", "social"]}])
    r = client.post("/api/save", json={"shot": doc, "path": "tuned.toml"})
    assert r.status_code == 200, r.text
    path = client.root / "tuned.toml"
    assert tomllib.loads(path.read_text()) == doc
    a, b = load(path), from_dict(doc, "tuned")
    for field in ("title", "surface_text", "optimizers", "starts", "steps", "view", "moves"):
        assert getattr(a, field) == getattr(b, field), field
    assert [(c.text, c.race, c.formats, c.claims) for c in a.cues] == [(c.text, c.race, c.formats, c.claims) for c in b.cues]
    assert sorted(p.name for p in client.root.iterdir()) == ["out", "tuned.toml"]  # no temporary file left
    back = client.post("/api/load", json={"path": "tuned.toml"}).json()
    assert back["shot"] == doc and back["name"] == "tuned"


def test_save_refuses_and_writes_nothing(client):
    refused(client.post("/api/save", json={"shot": shot(), "path": "../escape.toml"}), "outside the studio's folder")
    refused(client.post("/api/save", json={"shot": shot(), "path": "shot.txt"}), "ends in .toml")
    refused(client.post("/api/save", json={"shot": shot(), "path": 3}), "path = 3")
    refused(client.post("/api/save", json={"shot": shot(steps=-1), "path": "a.toml"}), "steps = -1")
    refused(client.post("/api/save", json={"shot": shot(), "path": "nowhere/a.toml"}), "does not exist")
    assert [p.name for p in client.root.iterdir()] == ["out"]


def test_load_refuses(client):
    refused(client.post("/api/load", json={"path": "missing.toml"}), "no such file")
    refused(client.post("/api/load", json={"text": "steps = 'x'\n"}), "shot.toml")
    refused(client.post("/api/load", json={"text": "[[["}), "not valid TOML")
    r = client.post("/api/load", json={"text": (ROOT / "shots" / "template.toml").read_text(), "name": "t.toml"})
    assert r.status_code == 200 and r.json()["shot"]["surface"]["formula"].startswith("(x^2")


# -- renders ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("changes,words", [
    ({"format": "gif"}, ["format = 'gif'", "lecture, social, talk"]),
    ({"lang": "fr"}, ["lang = 'fr'", "en, zh"]),
    ({"quality": "z"}, ["quality = 'z'", "l, m, h"]),
    ({"voice": "robot"}, ["voice = 'robot'", "piper"]),
    ({"name": "../x"}, ["name = '../x'", "letters"]),
    ({"short": "yes"}, ["short = 'yes'", "true or false"]),
    ({"shot": shot(steps=0)}, ["steps = 0"]),
])
def test_render_refuses_bad_input_and_queues_nothing(client, changes, words):
    body = {"shot": shot(), "name": "clip", "format": "social", "lang": "en", "quality": "l", "short": True,
            "voice": "none", **changes}
    refused(client.post("/api/render", json=body), *words)
    assert client.app.state.studio.renders.jobs == {}


class FakeQueue(RenderQueue):
    """The queue with a stand-in for `optviz render` that records when it ran."""

    def command(self, job):
        code = ("import sys, time; print('start', time.time(), flush=True); time.sleep(0.4); "
                f"p = r'{self.out_dir}/' + sys.argv[1] + '.mp4'; open(p, 'w').close(); print('end', time.time()); print(p)")
        return [sys.executable, "-c", code, job.name]


def test_one_render_at_a_time(tmp_path):
    q = FakeQueue(tmp_path / "out", tmp_path / "media")
    (tmp_path / "out").mkdir()
    jobs = [q.submit(f"j{i}", tmp_path / "s.toml", []) for i in range(3)]
    assert [q.position(j) for j in jobs] == [0, 1, 2]
    deadline = time.time() + 20
    while any(j.state != "done" for j in jobs) and time.time() < deadline:
        time.sleep(0.05)
    assert [j.state for j in jobs] == ["done"] * 3
    spans = [(float(j.lines[1].split()[1]), float(j.lines[2].split()[1])) for j in jobs]
    assert all(spans[i][1] <= spans[i + 1][0] for i in range(2)), spans  # never two at once
    assert jobs[0].files == [tmp_path / "out" / "j0.mp4"]
    q.stop()


def test_render_job_streams_its_lines(client):
    studio = client.app.state.studio
    studio.renders.__class__ = FakeQueue
    r = client.post("/api/render", json={"shot": shot(), "name": "clip", "format": "social", "voice": "none",
                                         "short": True})
    assert r.status_code == 202, r.text
    job = r.json()
    with client.stream("GET", f"/api/render/{job['id']}/events") as events:
        states = [json.loads(line[6:])["state"] for line in events.iter_lines() if line.startswith("data: ")]
    assert states[-1] == "done"
    done = client.get(f"/api/render/{job['id']}").json()
    assert done["product"] == "/out/clip.mp4" and client.get(done["product"]).status_code == 200
    written = (studio.media_dir / "studio" / "clip.toml").read_text()
    assert tomllib.loads(written) == shot()


# -- the command --------------------------------------------------------------------------------------------
def optviz(*args, **kw):
    return subprocess.run([sys.executable, "-m", "scenes.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=60, **kw)


def test_cli_refuses_bad_input_with_exit_2(tmp_path):
    r = optviz("studio", str(tmp_path / "missing.toml"), "--no-browser")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "missing.toml" in r.stderr
    r = optviz("studio", "--host", "0.0.0.0", "--no-browser")
    assert r.returncode == 2 and "loopback" in r.stderr


def test_cli_serves_and_stops_on_ctrl_c(tmp_path):
    import httpx

    env = {**os.environ, "BROWSER": "true"}  # a browser that opens nothing: webbrowser honours BROWSER
    child = subprocess.Popen([sys.executable, "-m", "scenes.cli", "studio"], cwd=tmp_path, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline()
        assert line.startswith("optviz studio: http://127.0.0.1:"), line
        url = line.split()[2]
        assert httpx.get(url, timeout=10).status_code == 200
        assert "plotly" in httpx.get(url + "vendor/plotly.min.js", timeout=10).text[:2000].lower()
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=20)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode in (0, 130)
    assert err.strip() == "optviz studio: stopped" and "Traceback" not in err


def test_progress_streams_end_when_the_studio_closes(client):
    studio = client.app.state.studio
    studio.renders.__class__ = FakeQueue
    job = client.post("/api/render", json={"shot": shot(), "name": "clip", "voice": "none"}).json()
    studio.closing = True  # what Ctrl-C sets (scenes.studio.server) before uvicorn waits for open requests
    t0 = time.time()
    with client.stream("GET", f"/api/render/{job['id']}/events") as events:
        assert list(events.iter_lines()) == []
    assert time.time() - t0 < 2
