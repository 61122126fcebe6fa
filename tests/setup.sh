#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian machine: Chromium, Firefox ESR, WebKitGTK's WebDriver,
# Xvfb, and a venv with the test extras.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Playwright cannot download its own browser on machines that reach only package registries; Debian's Chromium works.
# benchmarks/testkit/engines.py drives Debian's Firefox ESR (over WebDriver BiDi) and WebKitGTK (WebKitWebDriver,
# under Xvfb).
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/firefox-esr ] || missing+=(firefox-esr)
[ -x /usr/bin/WebKitWebDriver ] || missing+=(webkit2gtk-driver)
[ -x /usr/bin/Xvfb ] || missing+=(xvfb)
[ -x /usr/bin/sqlite3 ] || missing+=(sqlite3)  # tests/test_dump.py loads the app's dump with the sqlite3 shell
if [ ${#missing[@]} -gt 0 ]; then
  as_root apt-get update -q
  as_root apt-get install -y -q "${missing[@]}"
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q -e '.[test]'
# puppeteer-core (Firefox's driver, a dev dependency that never downloads a browser) comes with build.py's npm ci.
