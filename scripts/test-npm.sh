#!/usr/bin/env bash
# The install path of a release (docs/design.md §13), end to end on this machine: archives from
# the binaries built here (scripts/package.sh), their SHA256SUMS, the npm packages generated
# from them (npm/generate.mjs), `npm pack`, an install of the packed tarballs into a temporary
# prefix with no registry, and nstba run through the launcher; then the Windows archive's
# nstba.exe under Wine, when the Windows build and Wine are here.
#
#   scripts/test-npm.sh [PROFILE]     # default quick; CI passes dev, which its tests built
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${1:-quick}
dir=$profile
[ "$profile" != dev ] || dir=debug
: "${WINEPREFIX:=$HOME/.wine-nstba}"
export WINEPREFIX WINEDEBUG=-all
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "test-npm: $*" >&2; exit 1; }

host=$(rustc -vV | sed -n 's/^host: //p')
cargo build --quiet --profile "$profile" -p nstba -p nstba-emulator --bins
NSTBA_HOST_BIN=target/$dir/nstba scripts/package.sh "$host" "target/$dir" "$work/dist" >/dev/null

win=target/x86_64-pc-windows-gnu/$dir
if [ "${NSTBA_TEST_WINDOWS:-auto}" != 0 ] && command -v x86_64-w64-mingw32-gcc >/dev/null &&
  command -v wine >/dev/null; then
  cargo build --quiet --profile "$profile" --target x86_64-pc-windows-gnu -p nstba -p nstba-emulator --bins
  NSTBA_HOST_BIN=target/$dir/nstba scripts/package.sh x86_64-pc-windows-gnu "$win" "$work/dist" >/dev/null
fi
(cd "$work/dist" && sha256sum -c --quiet SHA256SUMS) || fail "SHA256SUMS does not match the archives"
echo "archives: $(cd "$work/dist" && ls nstba-*)"

# What an archive holds.
archive=$(ls "$work/dist"/nstba-*-"$host".tar.gz)
listing=$(tar -tzf "$archive")
for f in nstba nstba-emulator README.md man/nstba.1 man/nstba-deploy.1 completions/nstba.bash \
  completions/_nstba completions/nstba.fish completions/nstba.ps1; do
  grep -qx "nstba-[^/]*/$f" <<<"$listing" || fail "$f is not in $(basename "$archive")"
done

node npm/generate.mjs "$work/dist" "$work/npm" >/dev/null
mkdir "$work/packed"
for pkgdir in "$work/npm"/*/; do
  (cd "$pkgdir" && npm pack --silent --pack-destination "$work/packed" >/dev/null)
done
echo "packed: $(cd "$work/packed" && ls)"

# Install as a user would, from the tarballs alone: no registry (an unreachable one, so a
# package the install does not hold fails the test instead of being fetched).
prefix=$work/prefix
launcher=$(ls "$work/packed"/nstba-[0-9]*.tgz)
platform=$(ls "$work/packed"/nstba-linux-*.tgz)
npm install --global --prefix "$prefix" --registry http://127.0.0.1:9 --no-audit --no-fund \
  --fetch-retries 0 --loglevel error "$platform" "$launcher" >/dev/null 2>"$work/npm.err" ||
  { cat "$work/npm.err" >&2; fail "npm install from the packed tarballs failed"; }

home=$work/home
mkdir -p "$home"
export HOME=$home USERPROFILE=$home NSTBA_CONFIG_DIR=$home/config NSTBA_CACHE_DIR=$home/cache
unset NSTBA_STORE
version=$("$prefix/bin/nstba" --version) || fail "nstba --version through the launcher failed"
[[ $version == "nstba $(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)"* ]] ||
  fail "the launcher ran a different nstba: $version"
echo "launcher: $version"
set +e
"$prefix/bin/nstba" auth list >"$work/list.out" 2>"$work/list.err"
rc=$?
set -e
[ $rc = 0 ] || { cat "$work/list.err" >&2; fail "nstba auth list through the launcher exited $rc"; }
grep -q "No tokens saved in $home/.nstba" "$work/list.err" ||
  fail "auth list did not use the home it was given: $(cat "$work/list.err")"
"$prefix/bin/nstba" auth remove nosuch >/dev/null 2>&1 && fail "the launcher lost a failing exit code"
"$prefix/bin/nstba-emulator" --help >/dev/null || fail "nstba-emulator through the launcher failed"
echo "launcher: auth list, exit codes and nstba-emulator as the binary gives them"

if ls "$work/dist"/nstba-*-x86_64-pc-windows-gnu.zip >/dev/null 2>&1; then
  scripts/wine-setup.sh >/dev/null
  python3 -m zipfile -e "$work/dist"/nstba-*-x86_64-pc-windows-gnu.zip "$work/win"
  exe=$(ls "$work/win"/*/nstba.exe)
  out=$(wine "$exe" --version 2>/dev/null | tr -d '\r')
  [[ $out == "$version" ]] || fail "the Windows archive's nstba.exe says '$out', not '$version'"
  [ -f "$work/npm/nstba-win32-x64/bin/nstba.exe" ] || fail "no @nstba/win32-x64 package"
  echo "windows: the archive's nstba.exe runs under Wine: $out"
fi
echo "test-npm: ok"
