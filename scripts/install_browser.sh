#!/usr/bin/env bash
# Installs Debian's headless Chromium for the dashboard's browser tests when it is missing.
# Playwright's own browser download cannot work on a machine without the internet, so the tests
# drive /usr/bin/chromium-headless-shell. Never fails the build: without the browser the browser
# tests skip and say why.
set -u
BROWSER=/usr/bin/chromium-headless-shell
if [ -x "$BROWSER" ]; then
    exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null; then
    echo "browser: $BROWSER is missing and cannot be installed here (needs root and apt-get);" \
         "the browser tests will be skipped" >&2
    exit 0
fi
echo "browser: installing Debian's chromium-headless-shell for the browser tests" >&2
if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium-headless-shell; } >/tmp/profitlens-browser-install.log 2>&1; then
    echo "browser: apt-get could not install chromium-headless-shell (see /tmp/profitlens-browser-install.log);" \
         "the browser tests will be skipped" >&2
fi
exit 0
