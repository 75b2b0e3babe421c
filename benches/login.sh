#!/usr/bin/env bash
# The login's last leg: time from the callback reaching nstba's listener to the token being
# saved (step 3 over HTTP plus the locked, fsynced store write), over N logins against the
# emulator, and the whole login's wall time. Prints min / median / max.
#   benches/login.sh [N]            TBA (three steps)
#   benches/login.sh [N] --oauth2   OAuth 2.0 (authorization code with PKCE)
set -euo pipefail
cd "$(dirname "$0")/.."
here=$PWD
n=${1:-20}
mode=${2:-}
login_args=()
if [ "$mode" = "--oauth2" ]; then
  login_args=(--oauth2 --client-id bench)
  export NSTBA_CLIENT_SECRET=bench-secret
fi
cargo build --release --workspace --quiet
work=$(mktemp -d)
trap 'kill "${emu_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
target/release/nstba-emulator --auto-approve --consumer-key ck --consumer-secret cs \
  --client-id bench:bench-secret \
  >"$work/emu.out" 2>/dev/null &
emu_pid=$!
for _ in $(seq 100); do grep -q '^listening on ' "$work/emu.out" 2>/dev/null && break; sleep 0.05; done
export NSTBA_NETSUITE_URL=$(sed -n 's/^listening on //p' "$work/emu.out")
export NSTBA_STORE="$work/store" NSTBA_CONSUMER_KEY=ck NSTBA_CONSUMER_SECRET=cs
export NSTBA_CALLBACK_URL=http://localhost:0/tba
export NSTBA_BROWSER="python3 $here/scripts/standin-browser.py"
for i in $(seq "$n"); do
  start=$(date +%s%N)
  target/release/nstba auth login "t$i" --account 1234567 "${login_args[@]}" -v </dev/null 2>"$work/err"
  end=$(date +%s%N)
  saved=$(sed -n 's/^token saved \([0-9.]*\) ms.*/\1/p' "$work/err")
  echo "$saved $(( (end - start) / 1000000 ))"
done | python3 -c '
import sys, statistics
rows = [tuple(map(float, l.split())) for l in sys.stdin if l.strip()]
for name, col in (("callback -> token saved (ms)", 0), ("whole login, browser stand-in included (ms)", 1)):
    v = sorted(r[col] for r in rows)
    print(f"{name}: min {v[0]:.1f}  median {statistics.median(v):.1f}  max {v[-1]:.1f}  (n={len(v)})")
'
