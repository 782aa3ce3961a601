"""plotly.js for the studio page, from npm, served from disk (no Manim import: setup.sh runs this).

The studio's page draws with plotly.js and must work with the network cut off, so the library is
never fetched from a CDN: setup.sh runs ``npm pack plotly.js-dist-min@<version>``, and
:func:`install_assets` checks the tarball against the npm registry's ``dist.integrity`` (sha512) and
copies its one file, ``plotly.min.js``, into the venv (:data:`ASSET_DIR`), where ``optviz studio``
serves it (``scenes.studio.app``). The same pattern as the talk decks' reveal.js (scenes/talk_assets.py).

    python -m scenes.studio.assets missing          # prints the missing file; exit 1 if missing
    python -m scenes.studio.assets version          # the plotly.js-dist-min version to `npm pack`
    python -m scenes.studio.assets install DIR|TGZ  # DIR holds plotly.js-dist-min-<version>.tgz
"""

from __future__ import annotations

import sys
from pathlib import Path

from scenes import npm_assets

PACKAGE = "plotly.js-dist-min"
PLOTLY_VERSION = "4.1.2"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
ASSET_DIR = PROJECT_ROOT / ".venv" / "share" / "optviz-studio"
PLOTLY_FILE = ASSET_DIR / f"plotly-{PLOTLY_VERSION}.min.js"

# `npm view plotly.js-dist-min@4.1.2 dist.integrity`: the tarball we extract is the published package.
TARBALL_INTEGRITY = ("sha512-VSmS9KVNun16S8qFYYp9LlL/XBby4ueeGqB+K9AqRCVsup8dSpGULap4UyR1f2mz4pV3qjWp1sR5chwLgIKPoQ"
                     "==")
INNER_PATH = "plotly.min.js"


def missing_assets() -> list[str]:
    """The files the page needs that are not (or only as an empty file) in ASSET_DIR."""
    ok = PLOTLY_FILE.is_file() and PLOTLY_FILE.stat().st_size > 0
    return [] if ok else [PLOTLY_FILE.name]


def install_assets(where: Path) -> Path:
    """Check the `npm pack` tarball (or the folder holding it) and copy plotly.min.js into ASSET_DIR."""
    npm_assets.install(where, PACKAGE, PLOTLY_VERSION, TARBALL_INTEGRITY, {PLOTLY_FILE: INNER_PATH})
    return PLOTLY_FILE


def main(argv: list[str] | None = None) -> int:
    return npm_assets.main(sys.argv[1:] if argv is None else argv, __doc__, PLOTLY_VERSION, missing_assets,
                           lambda path: f"{PACKAGE} {PLOTLY_VERSION}: {install_assets(path)}")


if __name__ == "__main__":
    sys.exit(main())
