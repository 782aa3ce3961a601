"""The studio page in Debian's chromium (Playwright drives it; never `playwright install`).

Only http://127.0.0.1:<port> of the studio is allowed; every other request is aborted and recorded,
and each test asserts nothing was. The numbers on the page are checked against optmath itself.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
import tomllib
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

import optmath
from tests.browser import CHROMIUM, CHROMIUM_ARGS

pytest.importorskip("playwright")
pytest.importorskip("uvicorn")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (setup.sh --test)")

from scenes.studio import assets  # noqa: E402

if assets.missing_assets():
    pytest.skip("plotly.js for the studio is missing (./setup.sh)", allow_module_level=True)

SHOT = """\
title = "Two wells"
steps = 120
start = [0.4, 1.6]

[surface]
formula = "x^4 - 2*x^2 + y^2 + 0.3*x"
domain = [[-2, 2], [-2, 2]]

[[optimizer]]
name = "sgd"
lr = 0.05

[[optimizer]]
name = "momentum"
lr = 0.02
momentum = 0.9

[[cue]]
text = "They start from {start}. {result}"
"""


@contextmanager
def studio_server(root: Path, shot: Path | None):
    import uvicorn

    from scenes.studio.app import Studio, create_app
    from scenes.studio.server import bind

    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(Studio(root, shot)), log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


@contextmanager
def studio_page(shot_text: str = SHOT, viewport=(1400, 950)):
    from playwright.sync_api import sync_playwright

    root = Path(tempfile.mkdtemp(prefix="optviz-studio-"))
    (root / "two_wells.toml").write_text(shot_text)
    profile = Path(tempfile.mkdtemp(prefix="optviz-chromium-"))
    blocked: list[str] = []
    try:
        with studio_server(root, root / "two_wells.toml") as base, sync_playwright() as pw:
            def on_route(route):
                url = route.request.url
                if url == base or url.startswith(base + "/"):
                    route.continue_()
                else:
                    blocked.append(url)
                    route.abort("internetdisconnected")

            # the project's offline flags, less the dead proxy (the studio is on loopback) and with the studio's
            # address let through the resolver; WebGL on SwiftShader for the 3D view
            args = [a for a in CHROMIUM_ARGS if a != "--disable-gpu" and not a.startswith(("--host-resolver-rules",
                                                                                             "--proxy-server"))]
            args += ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                     "--use-angle=swiftshader", "--enable-unsafe-swiftshader"]
            context = pw.chromium.launch_persistent_context(
                str(profile), executable_path=CHROMIUM, headless=True, args=args,
                viewport={"width": viewport[0], "height": viewport[1]}, service_workers="block")
            try:
                context.set_default_timeout(30_000)
                context.route("**/*", on_route)
                context.on("request", lambda r: None if r.url.startswith((base, "data:", "blob:")) else blocked.append(r.url))
                page = context.pages[0] if context.pages else context.new_page()
                page.goto(base + "/", wait_until="load")
                wait_drawn(page, 1)
                yield page, root, blocked
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
        shutil.rmtree(root, ignore_errors=True)


def wait_drawn(page, after: int) -> int:
    """Wait until the page has drawn (or refused) an answer newer than request ``after - 1``."""
    page.wait_for_function(f"() => Number(document.body.dataset.drawnSeq || 0) >= {after}")
    return int(page.evaluate("() => Number(document.body.dataset.drawnSeq)"))


def drawn_path(page, key: str) -> np.ndarray:
    xy = page.evaluate("""(key) => { const t = document.getElementById('map').data.find(d => d.meta === key);
                                    return [t.x, t.y]; }""", key)
    return np.array(xy, dtype=float).T


def seq(page) -> int:
    return int(page.evaluate("() => window.studio.seq"))


def test_slider_redraws_the_path_optmath_computes():
    with studio_page() as (page, _root, blocked):
        slider = page.locator(".opt[data-index='0'] input[type=range][data-param='lr']")
        field = page.locator(".opt[data-index='0'] input[type=number][data-param='lr']")
        before = float(field.input_value())
        n = seq(page)
        slider.focus()
        for _ in range(40):
            page.keyboard.press("ArrowRight")
        wait_drawn(page, n + 1)
        page.wait_for_function("() => window.studio.drawn === window.studio.seq")
        lr = float(field.input_value())
        assert lr != before and lr == page.evaluate("() => window.studio.doc.optimizer[0].lr")
        want = optmath.trajectory(
            _surface(), "sgd", (0.4, 1.6), 120, lr=lr)
        got = drawn_path(page, "sgd")
        finite = np.isfinite(want.xy)
        assert np.array_equal(np.isfinite(got), finite)
        assert np.array_equal(got[finite], want.xy[finite])  # bit for bit
        # the other path did not move
        mom = optmath.trajectory(_surface(), "momentum", (0.4, 1.6), 120, lr=0.02, momentum=0.9)
        assert np.array_equal(drawn_path(page, "momentum"), mom.xy)
        assert blocked == []


def test_a_late_answer_is_dropped():
    """Two changes in a row whose first answer comes back last: the page keeps the second."""
    with studio_page() as (page, _root, blocked):
        n = seq(page)
        page.evaluate("""(slow) => { const orig = window.fetch;
            window.fetch = async (url, opts) => { const res = await orig(url, opts);
                const body = opts && opts.body ? JSON.parse(opts.body) : {};
                if (body.seq === slow) await new Promise(r => setTimeout(r, 1500));
                return res; }; }""", n + 1)
        field = page.locator(".opt[data-index='0'] input[type=number][data-param='lr']")
        field.fill("0.01")
        page.wait_for_function(f"() => window.studio.seq === {n + 1}")
        field.fill("0.07")
        wait_drawn(page, n + 2)
        time.sleep(2.0)  # the first answer has arrived by now, and was not drawn
        assert page.evaluate("() => window.studio.drawn") == n + 2
        want = optmath.trajectory(_surface(), "sgd", (0.4, 1.6), 120, lr=0.07)
        assert np.array_equal(drawn_path(page, "sgd"), want.xy, equal_nan=True)
        assert blocked == []


def _surface():
    from shots.formula import formula_surface

    return formula_surface("x^4 - 2*x^2 + y^2 + 0.3*x", ((-2, 2), (-2, 2)))


def test_click_on_the_map_sets_the_start_and_invalid_formula_shows_inline():
    with studio_page() as (page, _root, blocked):
        px, py = page.evaluate("""() => { const gd = document.getElementById('map'), fl = gd._fullLayout,
            r = gd.getBoundingClientRect();
            return [r.left + fl.xaxis._offset + fl.xaxis.l2p(-1), r.top + fl.yaxis._offset + fl.yaxis.l2p(-1)]; }""")
        n = seq(page)
        page.mouse.click(px, py)  # where the axes draw (-1, -1)
        wait_drawn(page, n + 1)
        start = page.evaluate("() => window.studio.doc.start")
        assert abs(start[0] + 1) < 0.05 and abs(start[1] + 1) < 0.05, start
        drawn = drawn_path(page, "sgd")
        assert np.array_equal(drawn[0], np.array(start))
        want = optmath.trajectory(_surface(), "sgd", tuple(start), 120, lr=0.05)
        assert np.array_equal(drawn, want.xy)

        n = seq(page)
        page.fill("#formula", "x^2 + * y")
        wait_drawn(page, n + 1)
        page.wait_for_selector("#formula-error:not([hidden])")
        text = page.inner_text("#formula-error")
        lines = text.split("\n")
        assert lines[0] == "x^2 + * y" and lines[1] == " " * 6 + "^", text
        assert "unexpected '*' at position 6" in text
        assert blocked == []


def test_save_writes_the_shot_file_that_loads_back():
    from shots.schema import load

    with studio_page() as (page, root, blocked):
        slider = page.locator(".opt[data-index='1'] input[type=range][data-param='momentum']")
        n = seq(page)
        slider.focus()
        page.keyboard.press("ArrowLeft")
        wait_drawn(page, n + 1)
        page.fill("#path", "tuned.toml")
        page.click("#save")
        page.wait_for_function("() => document.body.dataset.saved")
        doc = page.evaluate("() => window.studio.doc")
        saved = (root / "tuned.toml").read_text()
        assert tomllib.loads(saved) == doc
        shot = load(root / "tuned.toml")
        momentum = doc["optimizer"][1]["momentum"]
        assert momentum != 0.9 and shot.optimizers[1].hyper["momentum"] == momentum
        assert shot.starts == ((0.4, 1.6),) and shot.steps == 120 and shot.surface_text == "x^4 - 2*x^2 + y^2 + 0.3*x"
        assert shot.cues[0].text == "They start from {start}. {result}"
        # and Load opens it again
        page.click("#load")
        page.wait_for_function("() => document.getElementById('path').value === 'tuned.toml'")
        assert page.evaluate("() => window.studio.doc") == doc
        assert blocked == []


@pytest.mark.render
def test_render_a_short_clip_plays_in_the_page():
    with studio_page() as (page, root, blocked):
        page.select_option("#format", "social")
        page.select_option("#quality", "l")
        page.select_option("#voice", "none")
        page.check("#short")
        page.fill("#name", "studio_clip")
        page.click("#render")
        page.wait_for_function("() => ['done', 'failed'].includes(document.body.dataset.render)", timeout=300_000)
        assert page.evaluate("() => document.body.dataset.render") == "done", page.inner_text("#render-log")
        page.wait_for_function("() => document.getElementById('video').readyState >= 2", timeout=30_000)
        t0 = page.evaluate("() => document.getElementById('video').currentTime")
        time.sleep(1.0)
        t1 = page.evaluate("() => document.getElementById('video').currentTime")
        assert t1 > t0
        links = page.eval_on_selector_all("#files a", "els => els.map(a => a.textContent)")
        assert any(l.endswith(".mp4") for l in links)
        assert (root / "out" / links[0].removeprefix("out/")).exists()
        assert blocked == []
