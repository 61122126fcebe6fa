#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian machine: Chromium, and a venv with the test extras.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Playwright cannot download its own browser on machines that reach only package registries; Debian's Chromium works.
if [ ! -x /usr/bin/chromium ]; then
  as_root apt-get update -q
  as_root apt-get install -y -q chromium
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q -e '.[test]'
