#!/usr/bin/env bash
# Start-up cost: `nstba auth list --json` over a store of 200 tokens, timed with hyperfine
# (apt-get install hyperfine). Prints hyperfine's figures.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 benches/make_store.py "$work/store" 200
chmod 600 "$work/store"
cd "$work"
NSTBA_STORE="$work/store" hyperfine -N --warmup 10 "$OLDPWD/target/release/nstba auth list --json"
