#!/usr/bin/env bash
# Start-up cost: `nstba auth list --json` over a store of 200 tokens, timed with hyperfine
# (apt-get install hyperfine). Prints hyperfine's figures.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work/store" <<'PY'
import json, sys
entries = {f"tok{i:03}": {"token": "t" * 64, "secret": "s" * 64, "account": "1234567_SB1",
           "consumerKey": "c" * 64, "consumerSecret": "x" * 64, "role": "3",
           "createdAt": "2026-11-22T10:00:00Z"} for i in range(200)}
open(sys.argv[1], "w").write(json.dumps(entries))
PY
chmod 600 "$work/store"
cd "$work"
NSTBA_STORE="$work/store" hyperfine -N --warmup 10 "$OLDPWD/target/release/nstba auth list --json"
