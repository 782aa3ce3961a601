"""reveal.js assets for talk decks converted offline (no Manim import: setup.sh runs this).

``manim-slides convert --to html --one-file --offline`` inlines every ``http`` <link>/<script> of
its template (``manim_slides/templates/revealjs.html``), reading each from
``user_cache_path("manim-slides") / f"revealjs{reveal_version}" / <basename of the URL>`` and
downloading from the CDN only when that file is missing. :func:`converter_env` points that cache
(``XDG_CACHE_HOME``) at :data:`ASSET_ROOT`, inside the venv; :func:`install_assets` fills it from
the ``npm pack reveal.js@6.0.1`` tarball, whose files are the ones the jsDelivr URL
``https://cdn.jsdelivr.net/npm/reveal.js@6.0.1/<path>`` serves.

    python -m scenes.talk_assets missing          # prints missing basenames; exit 1 if any
    python -m scenes.talk_assets version          # the reveal.js version to `npm pack`
    python -m scenes.talk_assets install DIR|TGZ  # DIR holds reveal.js-<version>.tgz
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from scenes import npm_assets

REVEAL_VERSION = "6.0.1"
PROJECT_ROOT = Path(__file__).resolve().parents[1]
ASSET_ROOT = PROJECT_ROOT / ".venv" / "share" / "optviz-xdg-cache"
CACHE_DIR = ASSET_ROOT / "manim-slides" / f"revealjs{REVEAL_VERSION}"

# `dist.integrity` of reveal.js@6.0.1 in the npm registry (`npm view reveal.js@6.0.1 dist.integrity`):
# the tarball we extract is, byte for byte, the published package the CDN's /npm/ path serves.
TARBALL_INTEGRITY = ("sha512-9eacArNIgqO2HGWOK+93gJNn+gvdGDVbSq+i2u3Ja9kjiHps0XNLpgYTZTYjKRH91uXy3clG"
                     "imeGiw4umHG/tg==")

# manim_slides.convert.RevealTheme (manim-slides 5.7.0): `--reveal_theme` picks `dist/theme/<t>.css`.
THEMES = ("black", "white", "league", "beige", "sky", "night", "serif", "simple", "solarized",
          "blood", "moon", "black-contrast", "white-contrast", "dracula")
# Themes whose CSS @imports Google Fonts: a deck with one of these still asks the network when shown.
ONLINE_FONT_THEMES = ("beige", "blood", "league", "moon", "night", "simple", "sky", "solarized")

# basename manim-slides looks up -> path inside the npm package (= the path after `{{ cdn_url }}/`
# in the template). reveal.js 6 ships its built plugins flat in dist/plugin/*.js.
ASSET_PATHS: dict[str, str] = {
    "reveal.css": "dist/reveal.css",
    **{f"{t}.css": f"dist/theme/{t}.css" for t in THEMES},
    "zenburn.css": "dist/plugin/highlight/zenburn.css",
    "reveal.js": "dist/reveal.js",
    "notes.js": "dist/plugin/notes.js",
    "markdown.js": "dist/plugin/markdown.js",  # only referenced when a slide has notes
}
ASSETS: list[str] = list(ASSET_PATHS)


def converter_env(base: dict | None = None) -> dict:
    """Environment for a `manim-slides convert` subprocess that reads reveal.js from ASSET_ROOT."""
    env = dict(os.environ if base is None else base)
    env["XDG_CACHE_HOME"] = str(ASSET_ROOT)
    return env


def missing_assets() -> list[str]:
    """Basenames not (or only as an empty file) in the manim-slides reveal.js cache."""
    return [name for name in ASSETS
            if not (CACHE_DIR / name).is_file() or (CACHE_DIR / name).stat().st_size == 0]


def install_assets(tarball_dir: Path) -> None:
    """Extract the template's assets from the `npm pack reveal.js@REVEAL_VERSION` tarball (or the
    folder holding it) into the cache folder, under the basenames manim-slides asks for."""
    npm_assets.install(tarball_dir, "reveal.js", REVEAL_VERSION, TARBALL_INTEGRITY,
                       {CACHE_DIR / name: inner for name, inner in ASSET_PATHS.items()})


def _install(path: Path) -> str:
    install_assets(path)
    return f"reveal.js {REVEAL_VERSION}: {len(ASSETS)} assets in {CACHE_DIR}"


def main(argv: list[str] | None = None) -> int:
    return npm_assets.main(sys.argv[1:] if argv is None else argv, __doc__, REVEAL_VERSION, missing_assets, _install)


if __name__ == "__main__":
    sys.exit(main())
