"""Talk decks work with no network: reveal.js comes from the cache setup.sh fills, and the converted
one-file deck plays in Debian's chromium without a single network request."""

from __future__ import annotations

import re
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from browser import (CHROMIUM, current_notes, offline_page, press, screenshot, slide_index,
                     video_time_advances)
from scenes.talk_assets import (ASSET_PATHS, ASSETS, CACHE_DIR, ONLINE_FONT_THEMES, REVEAL_VERSION,
                                THEMES, converter_env, missing_assets)

ROOT = Path(__file__).resolve().parents[1]
MANIM_SLIDES = ROOT / ".venv" / "bin" / "manim-slides"
DEAD_PROXY = "http://127.0.0.1:9"  # discard port: nothing listens, a download attempt fails at once


def _rendered_templates():
    """(theme, has_notes, html) for every theme and both notes settings, as convert_to renders it."""
    from jinja2 import Template
    from manim_slides.convert import RevealJS

    for theme in THEMES:
        for has_notes in (False, True):
            conv = RevealJS(presentation_configs=[], reveal_theme=theme)
            options = conv.model_dump()
            options["cdn_url"] = options["cdn_url"].format(reveal_version=options["reveal_version"])
            html = Template(conv.load_template(), trim_blocks=True, lstrip_blocks=True).render(
                file_to_data_uri=None, get_duration_ms=None, has_notes=has_notes, env={}, prefix=None,
                **options)
            yield theme, has_notes, options["cdn_url"], html


def _remote_links(html: str) -> list[str]:
    """The http(s) <link href>/<script src> that convert --offline inlines (same rule as convert_to)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    return [item[attr] for tag, attr in (("link", "href"), ("script", "src"))
            for item in soup.find_all(tag) if item.has_attr(attr) and item[attr].startswith("http")]


def test_asset_list_matches_manim_slides():
    from manim_slides.convert import RevealJS, RevealTheme

    assert RevealJS.model_fields["reveal_version"].default == REVEAL_VERSION
    assert set(THEMES) == {t.value for t in RevealTheme}
    assert set(ONLINE_FONT_THEMES) <= set(THEMES)
    seen = {}
    for theme, has_notes, cdn_url, html in _rendered_templates():
        for link in _remote_links(html):
            assert link.startswith(cdn_url + "/"), link
            name = link.rsplit("/", 1)[1]
            # the path the CDN serves (inside the npm package) is the one we extract for that name
            assert ASSET_PATHS.get(name) == link[len(cdn_url) + 1:], (theme, has_notes, link)
            seen[name] = link
    assert set(seen) == set(ASSETS), "ASSETS has names the template never asks for, or misses some"


def test_assets_installed():
    assert missing_assets() == [], f"run ./setup.sh: reveal.js assets missing from {CACHE_DIR}"
    for _theme, _has_notes, _cdn, html in _rendered_templates():
        for link in _remote_links(html):
            assert (CACHE_DIR / link.rsplit("/", 1)[1]).stat().st_size > 0


def test_cached_assets_are_the_npm_package_files(tmp_path):
    """Byte for byte against the package (from npm's local cache: no network needed after setup)."""
    if shutil.which("npm") is None:
        pytest.skip("npm not installed")
    proc = subprocess.run(["npm", "pack", "--offline", "--silent", f"reveal.js@{REVEAL_VERSION}"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    tgz = tmp_path / f"reveal.js-{REVEAL_VERSION}.tgz"
    if proc.returncode != 0 or not tgz.is_file():
        pytest.skip(f"reveal.js@{REVEAL_VERSION} not in npm's cache: {proc.stderr.strip()[-200:]}")
    with tarfile.open(tgz, "r:gz") as tar:
        for name, inner in ASSET_PATHS.items():
            assert (CACHE_DIR / name).read_bytes() == tar.extractfile(f"package/{inner}").read(), name


# ---------------------------------------------------------------- a real deck, converted offline

DECK = '''
from manim import Circle, Create, Square, Transform
from manim_slides import Slide


class TinyDeck(Slide):
    def construct(self):
        square = Square()
        self.play(Create(square), run_time=3)  # long enough to still be playing when the test looks
        self.next_slide(notes="second slide notes")
        self.play(Transform(square, Circle()))
'''


def _no_network_prefix() -> list[str]:
    """`unshare -n` (a network namespace with only a downed loopback) when we may make one."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"], capture_output=True).returncode == 0:
        return [unshare, "-n"]
    return []


def _offline_env(**extra) -> dict:
    env = converter_env()
    for var in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy", "all_proxy"):
        env[var] = DEAD_PROXY
    env.pop("NO_PROXY", None)
    env.pop("no_proxy", None)
    env.update(extra)
    return env


def _convert(workdir: Path, out: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([*_no_network_prefix(), str(MANIM_SLIDES), "convert", "--to", "html", "--one-file",
                           "--offline", "TinyDeck", out],
                          cwd=workdir, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def deck_dir(tmp_path_factory):
    work = tmp_path_factory.mktemp("deck")
    (work / "deck.py").write_text(DECK)
    proc = subprocess.run([str(MANIM_SLIDES), "render", "-ql", "deck.py", "TinyDeck"], cwd=work,
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert (work / "slides" / "TinyDeck.json").is_file()
    return work


@pytest.fixture(scope="module")
def deck_html(deck_dir):
    proc = _convert(deck_dir, "out.html", _offline_env())
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return deck_dir / "out.html"


def test_convert_needs_the_cache_when_offline(deck_dir, tmp_path):
    """Control: the same offline conversion with an empty cache fails, so the network is really cut
    and the deck below was built from our cache."""
    proc = _convert(deck_dir, str(tmp_path / "nocache.html"), _offline_env(XDG_CACHE_HOME=str(tmp_path)))
    assert proc.returncode != 0
    assert "Missing Reveal.js asset" in proc.stdout + proc.stderr


def test_converted_deck_is_self_contained(deck_html):
    html = deck_html.read_text(encoding="utf-8")
    assert not re.search(r"""(?:src|href)\s*=\s*["']?https?:""", html, re.I)
    reveal_js = (CACHE_DIR / "reveal.js").read_text(encoding="utf-8")
    assert reveal_js.strip() in html  # reveal.js inlined verbatim
    for name in ("reveal.css", "black.css", "notes.js", "markdown.js"):
        assert (CACHE_DIR / name).read_text(encoding="utf-8").strip()[-300:] in html, name
    assert 'data-background-video="data:video/mp4;base64,' in html
    assert "second slide notes" in html


def _non_background_pixels(png: Path) -> int:
    import numpy as np
    from PIL import Image

    img = np.asarray(Image.open(png).convert("RGB"), dtype=np.int16)
    return int((np.abs(img - img[0, 0]).max(axis=2) > 40).sum())  # pixels unlike the corner's


def test_deck_plays_offline_in_chromium(deck_html, tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: run ./setup.sh --test")
    with offline_page(deck_html) as deck:
        page = deck.page
        assert slide_index(page) == 0
        assert video_time_advances(page, 1.0), "first slide's video does not play"
        shot0 = screenshot(page, tmp_path / "slide0.png")
        press(page, "ArrowRight")
        assert slide_index(page) == 1
        assert "second slide notes" in current_notes(page)
        assert video_time_advances(page, 0.3), "second slide's video does not play"
        page.wait_for_timeout(1000)  # let the Transform finish: the circle is drawn
        shot1 = screenshot(page, tmp_path / "slide1.png")
        assert deck.blocked == []
    assert _non_background_pixels(shot0) > 200  # part of the square is drawn
    assert _non_background_pixels(shot1) > 500  # the circle


def test_harness_blocks_and_records_network(tmp_path):
    """Control for offline_page: a page that does ask the network is caught."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: run ./setup.sh --test")
    page_html = tmp_path / "online.html"
    page_html.write_text('<!doctype html><html><head><script>window.Reveal = {isReady: () => true};</script>'
                         '<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/reveal.js@6.0.1/dist/reveal.css">'
                         '</head><body><img src="http://example.com/x.png"></body></html>')
    with offline_page(page_html) as deck:
        deck.page.wait_for_timeout(300)
    assert any("cdn.jsdelivr.net" in url for url in deck.blocked), deck.blocked
    assert any("example.com" in url for url in deck.blocked), deck.blocked
