#!/usr/bin/env bash
# Check what `make dist` made: the .desktop file and the AppStream metainfo pass their
# validators, and the frozen app in dist/cutout runs one sample job end to end
# (`cutout --smoke-test`, under Xvfb where there is no display) and leaves a screenshot.
#
# Usage: bash packaging/check.sh        (from anywhere; exit 0 only when every check passed)
# A missing validator is skipped with a note, or fails when CI=true.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

APP_ID=io.github.cutout.Cutout
SCREENSHOT=build/smoke.png
MIN_SCREENSHOT_BYTES=10000
SMOKE_TIMEOUT_S=120

now() {  # seconds, with a fraction where the shell can tell (bash 5)
    if [[ -n "${EPOCHREALTIME:-}" ]]; then echo "${EPOCHREALTIME/,/.}"; else date +%s; fi
}
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
fail() { echo "check.sh: $*" >&2; exit 1; }

missing_tool() {
    if [[ "${CI:-}" == "true" ]]; then fail "$1 not found (install $2)"; fi
    echo "skipped: $1 not found (install $2)"
}

total_start=$(now)

echo "== desktop-file-validate"
start=$(now)
if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate "packaging/$APP_ID.desktop" || fail "the .desktop file is not valid"
    echo "ok: packaging/$APP_ID.desktop ($(elapsed "$start"))"
else
    missing_tool desktop-file-validate desktop-file-utils
fi

echo "== appstreamcli validate"
start=$(now)
if command -v appstreamcli >/dev/null; then
    appstreamcli validate --no-net "packaging/$APP_ID.metainfo.xml" \
        || fail "the AppStream metainfo is not valid"
    echo "ok: packaging/$APP_ID.metainfo.xml ($(elapsed "$start"))"
else
    missing_tool appstreamcli appstream
fi

echo "== smoke test of the frozen app"
binary=dist/cutout/cutout
[[ -x "$binary" ]] || binary=dist/cutout/cutout.exe
[[ -x "$binary" ]] || fail "no built app in dist/cutout: run 'make dist' first"

runner=()
if command -v timeout >/dev/null; then runner+=(timeout "$SMOKE_TIMEOUT_S"); fi
if command -v xvfb-run >/dev/null; then
    runner+=(xvfb-run -a -s "-screen 0 1280x1024x24")  # 24-bit, not xvfb-run's 8-bit default
elif [[ "$(uname -s)" == Linux && -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]]; then
    fail "xvfb-run not found and no display to run the app on (install xvfb xauth)"
fi

rm -f "$SCREENSHOT"
mkdir -p "$(dirname "$SCREENSHOT")"
start=$(now)
status=0
"${runner[@]}" "$binary" --smoke-test "$SCREENSHOT" || status=$?
echo "smoke test took $(elapsed "$start")"
if (( status == 124 )); then
    fail "the smoke test did not finish within $SMOKE_TIMEOUT_S s"
fi
(( status == 0 )) || fail "the frozen app's smoke test failed (exit $status)"
[[ -f "$SCREENSHOT" ]] || fail "the smoke test passed but wrote no $SCREENSHOT"
size=$(wc -c < "$SCREENSHOT" | tr -d ' ')
(( size > MIN_SCREENSHOT_BYTES )) \
    || fail "$SCREENSHOT is only $size bytes: the window was probably blank"
echo "ok: $SCREENSHOT ($size bytes)"

echo "== every check passed in $(elapsed "$total_start")"
