#!/usr/bin/env bash
# Try nstba without a NetSuite account: builds nstba and the emulator, starts the emulator on a
# free loopback port, and walks through a browser login, verify, a signed request, a deploy, a
# fetch, a SuiteQL query, an OAuth 2.0 login and call, an M2M (client credentials) call, the
# token list, and revoke. Everything lives in a temporary folder with its own store; ~/.nstba is
# never touched.
#
#   scripts/try-emulator.sh            a stand-in browser clicks Allow on the consent page
#   scripts/try-emulator.sh --browser  your own browser opens the consent page: click Allow
set -euo pipefail
cd "$(dirname "$0")/.."
here=$PWD

echo "Building nstba and nstba-emulator (release)..."
cargo build --release --workspace --quiet
bin=$here/target/release
work=$(mktemp -d)
trap 'kill "${emu_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"

unset NSTBA_TOKEN_ID NSTBA_TOKEN_SECRET NSTBA_ACCOUNT NSTBA_NO_INPUT
export NSTBA_STORE="$work/nstba-store.json"
export NSTBA_CONFIG_DIR="$work/config" NSTBA_CACHE_DIR="$work/cache"
export NSTBA_CONSUMER_KEY=try-consumer-key NSTBA_CONSUMER_SECRET=try-consumer-secret
export NSTBA_CALLBACK_URL=http://localhost:0/tba
account=1234567_SB1
if [ "${1:-}" = "--browser" ]; then
  unset NSTBA_BROWSER
else
  export NSTBA_BROWSER="python3 $here/scripts/standin-browser.py"
fi

# A key pair and certificate for OAuth 2.0 client credentials (M2M), "uploaded" to the emulator.
keys=$("$bin/nstba" auth keygen --algorithm ES256 --out "$work/keys" 2>/dev/null)
m2m_key=$(echo "$keys" | sed -n 1p)
m2m_cert=$(echo "$keys" | sed -n 2p)

"$bin/nstba-emulator" --account "$account" --consumer-key "$NSTBA_CONSUMER_KEY" \
  --consumer-secret "$NSTBA_CONSUMER_SECRET" \
  --client-id try-client:try-client-secret --client-id try-m2m-client \
  --m2m-cert "try-cert-id:$m2m_cert" >emulator.out 2>emulator.err &
emu_pid=$!
for _ in $(seq 100); do
  grep -q '^listening on ' emulator.out 2>/dev/null && break
  sleep 0.05
done
export NSTBA_NETSUITE_URL=$(sed -n 's/^listening on //p' emulator.out)
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
nstba() { "$bin/nstba" "$@"; }

echo "The emulator plays NetSuite account $account at $NSTBA_NETSUITE_URL."
echo "Its integration record's consumer key and secret are in NSTBA_CONSUMER_KEY/_SECRET."

step nstba auth login sandbox --account $account
nstba auth login sandbox --account $account

step nstba auth verify sandbox
nstba auth verify sandbox

step nstba request GET /services/rest/record/v1/employee/3
nstba request GET /services/rest/record/v1/employee/3
echo

step nstba sign GET /rest/tokeninfo --explain
nstba sign GET /rest/tokeninfo --explain

mkdir -p dist/js dist/css
printf 'define([], () => ({ hello: "world" }));\n' > dist/js/app.js
printf 'body { font-family: sans-serif; }\n' > dist/css/app.css
head -c 4096 /dev/urandom > dist/logo.bin

step nstba deploy dist --target SuiteScripts/try-app
nstba deploy dist --target SuiteScripts/try-app

step nstba deploy dist --target SuiteScripts/try-app   "# again: nothing changed, only a listing checks that"
nstba deploy dist --target SuiteScripts/try-app

step nstba fetch SuiteScripts/try-app --out fetched "&& diff -r dist fetched"
nstba fetch SuiteScripts/try-app --out fetched && diff -r dist fetched && echo "identical"

step nstba suiteql "SELECT id, entityid, email FROM employee WHERE id <= 3" --format csv
nstba suiteql "SELECT id, entityid, email FROM employee WHERE id <= 3" --format csv

step NSTBA_CLIENT_SECRET=try-client-secret nstba auth login sandbox2 --oauth2 --client-id try-client --account $account
NSTBA_CLIENT_SECRET=try-client-secret nstba auth login sandbox2 --oauth2 --client-id try-client --account $account

step nstba request GET /services/rest/record/v1/employee/3 --to sandbox2 "# OAuth 2.0: the same commands, with Bearer"
nstba request GET /services/rest/record/v1/employee/3 --to sandbox2
echo

step NSTBA_ACCOUNT=$account NSTBA_CLIENT_ID=try-m2m-client NSTBA_CERTIFICATE_ID=try-cert-id NSTBA_PRIVATE_KEY_FILE=$m2m_key nstba suiteql "SELECT id, entityid FROM employee WHERE id <= 2" "# M2M, as in CI"
NSTBA_ACCOUNT=$account NSTBA_CLIENT_ID=try-m2m-client NSTBA_CERTIFICATE_ID=try-cert-id NSTBA_PRIVATE_KEY_FILE=$m2m_key \
  nstba suiteql "SELECT id, entityid FROM employee WHERE id <= 2"

step nstba auth list
nstba auth list

step nstba auth revoke sandbox2
nstba auth revoke sandbox2

step nstba auth revoke sandbox
nstba auth revoke sandbox

step nstba auth list
nstba auth list

echo
echo "Done. Everything above ran against the emulator; nothing was kept."
