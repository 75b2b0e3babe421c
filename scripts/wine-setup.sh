#!/usr/bin/env bash
# Prepares a Wine prefix that runs nstba's Windows build (docs/design.md §16): Wine 8.0
# (Debian bookworm) lacks bcryptprimitives.dll, whose ProcessPrng Rust's std calls since 1.78,
# so a stand-in of a few lines (scripts/wine/bcryptprimitives.c, forwarding to RtlGenRandom)
# is built with mingw-w64 and copied into the prefix's system32.
#
#   WINEPREFIX=/tmp/nstba-wine scripts/wine-setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
: "${WINEPREFIX:=$HOME/.wine-nstba}"
export WINEPREFIX WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
wine=$(command -v wine64 || command -v wine || ls /usr/lib/wine/wine64 2>/dev/null)
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  "$wine" wineboot --init >/dev/null 2>&1
  wineserver -w 2>/dev/null || true
fi
out=$(mktemp -d)
x86_64-w64-mingw32-gcc -shared -O2 -o "$out/bcryptprimitives.dll" \
  scripts/wine/bcryptprimitives.c scripts/wine/bcryptprimitives.def -ladvapi32
# Only where Wine has none of its own (a newer Wine installs the real one there).
sys32="$WINEPREFIX/drive_c/windows/system32"
if [ ! -e "$sys32/bcryptprimitives.dll" ] || cmp -s "$out/bcryptprimitives.dll" "$sys32/bcryptprimitives.dll"; then
  cp "$out/bcryptprimitives.dll" "$sys32/bcryptprimitives.dll"
fi
rm -rf "$out"
echo "$WINEPREFIX"
