#!/usr/bin/env bash
# Set up a fresh machine for crossmusim: Debian's Chromium (for `crawl --render js`), a virtual
# environment in .venv, and crossmusim with its development extras.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian's chromium (used by crawl --render js)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "setup: warning: chromium could not be installed; JS-rendering tests will be skipped"
  else
    echo "setup: note: install chromium (Debian package) to use crawl --render js"
  fi
fi

if ! command -v fluidsynth >/dev/null 2>&1 || [ ! -f /usr/share/sounds/sf2/FluidR3_GM.sf2 ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian's fluidsynth and fluid-soundfont-gm (the demo renders its music with them)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fluidsynth fluid-soundfont-gm >/dev/null) \
      || echo "setup: warning: fluidsynth could not be installed; rendering tests will be skipped"
  else
    echo "setup: note: install fluidsynth and fluid-soundfont-gm (Debian packages) to render the demo's music"
  fi
fi

if ! command -v redis-server >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian's redis-server (the shared crawl's tests start one on loopback)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null) \
      || echo "setup: warning: redis-server could not be installed; shared-crawl tests will be skipped"
  else
    echo "setup: note: install redis-server (Debian package) to run a shared crawl (crawl --redis-url)"
  fi
fi

if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian's postgresql (the service's events tests start one on loopback)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) \
      || echo "setup: warning: postgresql could not be installed; its events tests will be skipped"
  else
    echo "setup: note: install postgresql (Debian package) to store serve's events in PostgreSQL"
  fi
fi

PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
# torch first, pinned to the CPU wheel this machine keeps on disk (a newer release would be a CUDA build).
.venv/bin/python -m pip install -q --disable-pip-version-check "torch==2.13.0"
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[dev]"
# The pretrained musicnn taggers: --no-deps, since the wheel's metadata pins an ancient numpy.
.venv/bin/python -m pip install -q --disable-pip-version-check --no-deps "musicnn==0.1.0"
echo "setup: done. Activate with: source .venv/bin/activate"
