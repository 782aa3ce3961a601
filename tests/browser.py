"""Open a converted talk deck in Debian's chromium with the network cut off (a helper, not tests).

Playwright only drives the browser: ``/usr/bin/chromium`` comes from apt (``setup.sh --test``);
``playwright install`` is never run (nothing can be downloaded). Every request whose URL is not
``file:``, ``data:`` or ``blob:`` is aborted and recorded, so a test can assert the deck asked
the network for nothing.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",  # we run as root; chromium refuses its sandbox then
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
    # belt and braces: anything that slipped past the routing would find neither DNS nor a proxy
    "--proxy-server=http://127.0.0.1:9",
    "--host-resolver-rules=MAP * ~NOTFOUND",
]
LOCAL_SCHEMES = ("file:", "data:", "blob:")


@dataclass
class OfflinePage:
    page: object  # playwright.sync_api.Page
    blocked: list[str] = field(default_factory=list)  # URLs the deck tried to fetch from the network


@contextmanager
def offline_page(html_path: Path | str, *, viewport=(1280, 720), timeout_ms: int = 20_000) -> Iterator[OfflinePage]:
    """Chromium (headless, fresh profile) showing ``html_path`` from disk, reveal.js ready."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise FileNotFoundError(f"{CHROMIUM} missing: apt-get install chromium (./setup.sh --test)")
    profile = Path(tempfile.mkdtemp(prefix="optviz-chromium-"))
    result = OfflinePage(page=None)

    def on_route(route):
        url = route.request.url
        if url.startswith(LOCAL_SCHEMES):
            route.continue_()
        else:
            if url not in result.blocked:
                result.blocked.append(url)
            route.abort("internetdisconnected")

    def on_request(request):  # requests the routing does not see (e.g. from workers) still count
        url = request.url
        if not url.startswith(LOCAL_SCHEMES) and url not in result.blocked:
            result.blocked.append(url)

    try:
        with sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
                viewport={"width": viewport[0], "height": viewport[1]}, service_workers="block",
            )
            try:
                context.set_default_timeout(timeout_ms)
                context.route("**/*", on_route)
                context.on("request", on_request)
                page = context.pages[0] if context.pages else context.new_page()
                result.page = page
                page.goto(Path(html_path).resolve().as_uri(), wait_until="load")
                page.wait_for_function("() => window.Reveal && Reveal.isReady()")
                yield result
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


_CURRENT_VIDEO = """() => {
  const slide = Reveal.getCurrentSlide();
  const bg = slide && slide.slideBackgroundContentElement;
  return (bg && bg.querySelector('video')) || (slide && slide.querySelector('video'));
}"""


def current_video_time(page) -> float | None:
    """currentTime of the current slide's <video> (reveal puts it in the slide background)."""
    return page.evaluate(f"() => {{ const v = ({_CURRENT_VIDEO})(); return v ? v.currentTime : null; }}")


def video_time_advances(page, seconds: float = 1.0) -> bool:
    """True if the current slide's <video> plays: its currentTime grows over ``seconds``."""
    page.wait_for_function(f"() => {{ const v = ({_CURRENT_VIDEO})(); return v && v.readyState >= 2; }}")
    t0 = current_video_time(page)
    time.sleep(seconds)
    t1 = current_video_time(page)
    return t0 is not None and t1 is not None and t1 > t0


def press(page, key: str) -> None:
    """Press a key in the deck (``ArrowRight``, ``ArrowLeft``, ``Space``, ``s``...)."""
    page.keyboard.press(key)


def slide_index(page) -> int:
    """Horizontal index of the current slide (``Reveal.getIndices().h``, 0-based)."""
    return page.evaluate("() => Reveal.getIndices().h")


def current_notes(page) -> str:
    """Text of the current slide's ``aside.notes`` ('' when it has none)."""
    return page.evaluate(
        "() => { const n = Reveal.getCurrentSlide().querySelector('aside.notes');"
        " return n ? n.textContent.trim() : ''; }")


def screenshot(page, path: Path | str) -> Path:
    """PNG of the viewport."""
    page.screenshot(path=str(path))
    return Path(path)
