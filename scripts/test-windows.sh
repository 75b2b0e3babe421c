#!/usr/bin/env bash
# The Windows build's tests under Wine (docs/design.md §16): nstba.exe, nstba-emulator.exe and
# the test binaries are built for x86_64-pc-windows-gnu (mingw-w64) and run by Wine, each test
# in its own temporary folder, as on Linux. Tests that need a Unix program inside Windows
# (bash, cargo, git, a pty) are skipped with their reason; the README lists them.
#
#   scripts/test-windows.sh [nextest filters...]
set -euo pipefail
cd "$(dirname "$0")/.."
export WINEPREFIX=${WINEPREFIX:-$HOME/.wine-nstba} WINEDEBUG=-all
scripts/wine-setup.sh >/dev/null
wine=$(command -v wine64 || command -v wine)
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=$wine
# One wineserver for the whole run, so each test's process starts in a fraction of a second.
# Wine's own services (services.exe, winedevice.exe) start with the first Windows program and
# keep its standard streams open: started here with /dev/null, they do not keep nextest
# waiting for the end of a test binary's output.
"${wine%/*}/wineserver" -p 2>/dev/null && true
"$wine" cmd /c exit </dev/null >/dev/null 2>&1
trap 'wineserver -k 2>/dev/null || true' EXIT
# --status-level skip: the tests marked ignored on Windows are listed with their reasons.
cargo nextest run --target x86_64-pc-windows-gnu --profile wine --workspace --status-level skip "$@"
