"""Benchmark: how long one recompute of the studio takes, from request to response.

A teacher drags a slider and the page asks ``POST /api/compute``; the answer must come back well under a
second. This script starts the real server (uvicorn on a free loopback port, ``scenes.studio``), then for
two requests times ``--repeats`` round trips each through HTTP (JSON encoding, schema checks, optmath,
JSON decoding included) and prints the median and the 95th percentile:

* six paths of 1000 steps: six optimizers on a formula surface, the lr of the first changed on every
  request (as a dragged slider does, so no answer is a repeat);
* a 64 x 64 swarm of starts: the first optimizer from 4096 starts (200 steps), with the six paths;
  and the largest swarm a request may ask for, 64 x 64 starts x 1000 steps (fewer repeats).

    .venv/bin/python bench/bench_studio.py [--repeats 40]

Loopback only; the loop is bounded by ``--repeats`` and stops by itself.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
import uvicorn  # noqa: E402

from scenes.studio.app import Studio, create_app  # noqa: E402
from scenes.studio.server import bind  # noqa: E402

FORMULA = "x^4 - 2*x^2 + y^2 + 0.3*x"


def six_paths(steps: int, lr: float) -> dict:
    names = ["sgd", "momentum", "nesterov", "rmsprop", "adam", "adagrad"]
    opts = [{"name": n} for n in names]
    opts[0]["lr"] = lr
    opts[1]["lr"], opts[2]["lr"] = 0.01, 0.01
    opts[3]["lr"], opts[4]["lr"], opts[5]["lr"] = 0.01, 0.05, 0.3
    return {"steps": steps, "start": [0.4, 1.6], "surface": {"formula": FORMULA, "domain": [[-2, 2], [-2, 2]]},
            "optimizer": opts}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def timed(client: httpx.Client, url: str, bodies) -> list[float]:
    out = []
    for body in bodies:
        t0 = time.perf_counter()
        r = client.post(url, json=body)
        r.json()
        out.append(time.perf_counter() - t0)
        if r.status_code != 200:
            raise SystemExit(f"refused: {r.text}")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=40)
    args = ap.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise (Manim's log set-up)
    root = Path(tempfile.mkdtemp(prefix="bench-studio-"))
    sock = bind("127.0.0.1", 0)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/api/compute"
    server = uvicorn.Server(uvicorn.Config(create_app(Studio(root)), log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        with httpx.Client(timeout=60) as client:
            client.post(url, json={"shot": six_paths(1000, 0.01)})  # warm: the formula parsed, the map cached
            lrs = [0.01 + 0.0005 * i for i in range(args.repeats)]
            paths = timed(client, url, ({"seq": i, "shot": six_paths(1000, lr)} for i, lr in enumerate(lrs)))
            swarm = timed(client, url, ({"seq": i, "shot": six_paths(200, lr), "swarm": 64}
                                        for i, lr in enumerate(lrs)))
            most = timed(client, url, ({"seq": i, "shot": six_paths(1000, lr), "swarm": 64}
                                       for i, lr in enumerate(lrs[: max(5, args.repeats // 4)])))
    finally:
        server.should_exit = True
        thread.join(timeout=20)
    print(f"optviz studio, POST /api/compute through uvicorn on loopback, {args.repeats} requests each "
          f"({FORMULA} on [-2, 2]^2):")
    for name, times in (("six paths x 1000 steps", paths), ("64 x 64 swarm (200 steps) + six paths", swarm),
                        ("64 x 64 swarm x 1000 steps (the bound)", most)):
        print(f"  {name:<40} median {1000 * statistics.median(times):6.0f} ms   "
              f"p95 {1000 * percentile(times, 95):6.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
