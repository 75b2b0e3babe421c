#!/usr/bin/env bash
# Try nstba without a NetSuite account: builds nstba and the emulator, starts the emulator on a
# free loopback port, and walks through saving a token, a signed request, and listing tokens.
# Everything lives in a temporary folder (its own store); nothing touches ~/.nstba.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --workspace --quiet
bin=target/release
work=$(mktemp -d)
trap 'kill "${emu_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

export NSTBA_STORE="$work/nstba-store.json"
unset NSTBA_TOKEN_ID NSTBA_TOKEN_SECRET NSTBA_ACCOUNT
account=1234567_SB1
ck=try-consumer-key
cs=try-consumer-secret
tid=try-token-id-0001
ts=try-token-secret-0001

"$bin/nstba-emulator" --account "$account" --consumer-key "$ck" --consumer-secret "$cs" \
  --token "$tid:$ts" >"$work/emulator.out" 2>"$work/emulator.err" &
emu_pid=$!
for _ in $(seq 100); do
  grep -q '^listening on ' "$work/emulator.out" 2>/dev/null && break
  sleep 0.05
done
url=$(sed -n 's/^listening on //p' "$work/emulator.out")
export NSTBA_NETSUITE_URL="$url"
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

echo "The emulator plays NetSuite account $account at $url"

step nstba auth add sandbox --account "$account" --token-id "$tid" --consumer-key "$ck"
NSTBA_TOKEN_SECRET=$ts NSTBA_CONSUMER_SECRET=$cs \
  "$bin/nstba" auth add sandbox --account "$account" --token-id "$tid" --consumer-key "$ck"

step nstba auth list
"$bin/nstba" auth list

step nstba sign GET /rest/tokeninfo --explain
"$bin/nstba" sign GET /rest/tokeninfo --explain

step nstba request GET /rest/tokeninfo
"$bin/nstba" request GET /rest/tokeninfo
echo

step nstba request GET /services/rest/record/v1/employee/3 -v
"$bin/nstba" request GET /services/rest/record/v1/employee/3 -v
echo

step nstba auth remove sandbox
"$bin/nstba" auth remove sandbox
