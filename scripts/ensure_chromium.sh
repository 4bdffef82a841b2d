#!/usr/bin/env bash
# Debian's chromium (and chromium-driver) for the browser test (tests/live/test_ui_browser.py), which drives it
# through Playwright's `executable_path`: Playwright's own browser download (`playwright install`) is never used.
# Installs the packages with apt-get when /usr/bin/chromium is missing and we are root; otherwise it says what to
# install and exits 0, and the browser test skips with that reason (fails under CI=true).
set -euo pipefail

CHROMIUM="${GRIDCARBON_CHROMIUM:-/usr/bin/chromium}"

if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure_chromium: $CHROMIUM missing; installing Debian's chromium and chromium-driver with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q chromium chromium-driver >&2
  if [ -x "$CHROMIUM" ]; then
    "$CHROMIUM" --version 2>/dev/null | grep -i chromium >&2 || true
    exit 0
  fi
  echo "ensure_chromium: apt-get installed chromium, but $CHROMIUM is still missing" >&2
  exit 1
fi
cat >&2 <<EOF
ensure_chromium: $CHROMIUM is missing and this shell cannot install it (not root, or no apt-get).
The browser test (tests/live/test_ui_browser.py) needs Debian's chromium; install it with
    sudo apt-get update && sudo apt-get install -y chromium chromium-driver
or point GRIDCARBON_CHROMIUM at another Chromium/Chrome binary. Playwright's own browser download is not used.
Until then the browser test is skipped (it fails under CI=true).
EOF
exit 0
