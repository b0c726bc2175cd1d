#!/usr/bin/env bash
# Set up a fresh machine for crossmusim: the Debian packages its tests and demo use (Chromium, FluidSynth,
# redis-server, PostgreSQL), a virtual environment in .venv, and crossmusim with its development extras.
set -euo pipefail
cd "$(dirname "$0")/.."

# apt_install "PACKAGES" "what needs them" "what is skipped without them": as root on Debian, install;
# elsewhere, say which packages to install.
apt_install() {
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian's $1 ($2)"
    # shellcheck disable=SC2086  # the package list is meant to split
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $1 >/dev/null) \
      || echo "setup: warning: $1 could not be installed; $3 will be skipped"
  else
    echo "setup: note: install $1 (Debian packages) for $2"
  fi
}

command -v chromium >/dev/null 2>&1 \
  || apt_install chromium "crawl --render js and the browser tests" "JS-rendering tests"
if ! command -v fluidsynth >/dev/null 2>&1 || [ ! -f /usr/share/sounds/sf2/FluidR3_GM.sf2 ]; then
  apt_install "fluidsynth fluid-soundfont-gm" "the demo renders its music with them" "rendering tests"
fi
command -v redis-server >/dev/null 2>&1 \
  || apt_install redis-server "the shared crawl's tests start one on loopback" "shared-crawl tests"
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  apt_install postgresql "serve's events in PostgreSQL; its tests start one on loopback" "its events tests"
fi

PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
# torch first, pinned to the CPU wheel this machine keeps on disk (a newer release would be a CUDA build).
.venv/bin/python -m pip install -q --disable-pip-version-check "torch==2.13.0"
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[dev]"
# The pretrained musicnn taggers: --no-deps, since the wheel's metadata pins an ancient numpy.
.venv/bin/python -m pip install -q --disable-pip-version-check --no-deps "musicnn==0.1.0"
echo "setup: done. Activate with: source .venv/bin/activate"
