#!/usr/bin/env bash
# Makes a release archive (docs/design.md §13) of one target's binaries:
#
#   scripts/package.sh TARGET BINDIR [OUTDIR]
#
# TARGET is a Rust target triple (x86_64-unknown-linux-musl, aarch64-apple-darwin,
# x86_64-pc-windows-gnu, ...); BINDIR holds its nstba and nstba-emulator (.exe on Windows).
# OUTDIR (default dist/) gets nstba-VERSION-TARGET.tar.gz (.zip for Windows), holding
# nstba-VERSION-TARGET/ with both binaries, README.md, man/ and completions/, and SHA256SUMS
# is rewritten over every archive there. Man pages and completions come from this machine's
# build (xtask, and NSTBA_HOST_BIN or a quick build of nstba): they are the same for every
# target. Runs on Linux and macOS; python3 makes the zip.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: scripts/package.sh TARGET BINDIR [OUTDIR]" >&2; exit 2; }
target=$1 bindir=$2 out=${3:-dist}
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
ext=""
case "$target" in *windows*) ext=".exe" ;; esac
for bin in nstba nstba-emulator; do
  [ -f "$bindir/$bin$ext" ] || { echo "no $bin$ext in $bindir: build it for $target first" >&2; exit 1; }
done

host=${NSTBA_HOST_BIN:-}
if [ -z "$host" ]; then
  cargo build --quiet --profile quick --bin nstba
  host=target/quick/nstba
fi

name="nstba-$version-$target"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
dir="$stage/$name"
mkdir -p "$dir/completions" "$out"
cp "$bindir/nstba$ext" "$bindir/nstba-emulator$ext" README.md "$dir/"
cargo run --quiet -p xtask -- man "$dir/man" 2>"$stage/man.log" || { cat "$stage/man.log" >&2; exit 1; }
"$host" completions bash >"$dir/completions/nstba.bash"
"$host" completions zsh >"$dir/completions/_nstba"
"$host" completions fish >"$dir/completions/nstba.fish"
"$host" completions powershell >"$dir/completions/nstba.ps1"
"$host" completions elvish >"$dir/completions/nstba.elv"

out=$(cd "$out" && pwd)
if [ -n "$ext" ]; then
  archive="$name.zip"
  rm -f "$out/$archive"
  (cd "$stage" && python3 -m zipfile -c "$out/$archive" "$name")
else
  archive="$name.tar.gz"
  chmod 755 "$dir/nstba" "$dir/nstba-emulator"
  tar -C "$stage" -czf "$out/$archive" "$name"
fi
# One checksum file for every archive in OUTDIR, in the format `sha256sum -c` reads.
(cd "$out" && for f in nstba-*.tar.gz nstba-*.zip; do
  [ -e "$f" ] || continue
  if command -v sha256sum >/dev/null; then sha256sum "$f"; else shasum -a 256 "$f"; fi
done >SHA256SUMS)
echo "$out/$archive"
