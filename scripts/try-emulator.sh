#!/usr/bin/env bash
# Try nstba without a NetSuite account: builds nstba and the emulator, starts the emulator on a
# free loopback port, and walks through a browser login, verify, a signed request, a deploy, a
# fetch, a SuiteQL query, an OAuth 2.0 login and call, an M2M (client credentials) call, the
# token list, and revoke. Everything lives in a temporary folder with its own store; ~/.nstba is
# never touched. Each command is printed as it can be pasted (with the variables it needs).
#
#   scripts/try-emulator.sh            a stand-in browser clicks Allow on the consent page
#   scripts/try-emulator.sh --browser  your own browser opens the consent page: click Allow
#   scripts/try-emulator.sh --keep     leave the folder, its store and the emulator's log
set -euo pipefail
cd "$(dirname "$0")/.."
here=$PWD
own_browser=false keep=false
for arg in "$@"; do
  case $arg in
    --browser) own_browser=true ;;
    --keep) keep=true ;;
    *) echo "usage: scripts/try-emulator.sh [--browser] [--keep]" >&2; exit 2 ;;
  esac
done

# The `quick` profile (Cargo.toml): optimized, but without the release profile's fat LTO and
# single codegen unit, so a first build takes about a minute instead of four.
echo "Building nstba and nstba-emulator (profile quick; the first build takes a minute or two)..."
cargo build --profile quick -p nstba -p nstba-emulator --bins
bin=$here/target/quick
work=$(mktemp -d)
cleanup() {
  kill "${emu_pid:-}" 2>/dev/null || true
  if $keep; then
    echo
    echo "Kept $work (--keep): the store is $work/nstba-store.json, the emulator's log"
    echo "$work/emulator.err. To look around: export NSTBA_STORE=$work/nstba-store.json"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
cd "$work"

unset NSTBA_TOKEN_ID NSTBA_TOKEN_SECRET NSTBA_ACCOUNT NSTBA_NO_INPUT
export NSTBA_STORE="$work/nstba-store.json"
export NSTBA_CONFIG_DIR="$work/config" NSTBA_CACHE_DIR="$work/cache"
export NSTBA_CONSUMER_KEY=try-consumer-key NSTBA_CONSUMER_SECRET=try-consumer-secret
account=1234567_SB1
if $own_browser; then
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
export PATH="$bin:$PATH"

# A word as it can be pasted into a shell: plain, or in single quotes.
quote() {
  if [[ $1 =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then
    printf '%s' "$1"
  else
    printf "'%s'" "${1//\'/\'\\\'\'}"
  fi
}
bold() {
  if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then printf '\033[1m%s\033[0m' "$1"; else printf '%s' "$1"; fi
}
# Prints a command exactly as it can be pasted, then runs it. Leading VAR=value words are
# passed in the environment.
run() {
  local line="$" word
  for word in "$@"; do line+=" $(quote "$word")"; done
  printf '\n%s\n' "$(bold "$line")"
  local vars=()
  while [[ $# -gt 0 && $1 =~ ^[A-Z_][A-Z0-9_]*= ]]; do vars+=("$1"); shift; done
  env ${vars[@]+"${vars[@]}"} "$@"
}
note() { printf '\n# %s' "$*"; }

echo "The emulator plays NetSuite account $account at $NSTBA_NETSUITE_URL."
echo "Its integration record's consumer key and secret are in NSTBA_CONSUMER_KEY/_SECRET."
if $own_browser; then
  echo "Your browser opens the emulator's consent page at the login: click Allow there."
else
  echo "At each login a stand-in browser (scripts/standin-browser.py) opens the consent page and"
  echo "clicks Allow for you. To click it yourself: scripts/try-emulator.sh --browser"
fi
echo "To paste the commands below in another shell, first:"
echo "  export NSTBA_NETSUITE_URL=$NSTBA_NETSUITE_URL NSTBA_STORE=$NSTBA_STORE \\"
echo "    NSTBA_CONSUMER_KEY=$NSTBA_CONSUMER_KEY NSTBA_CONSUMER_SECRET=$NSTBA_CONSUMER_SECRET PATH=$bin:\$PATH"

run nstba auth login sandbox --account $account

run nstba auth verify sandbox

run nstba request GET /services/rest/record/v1/employee/3
echo

run nstba sign GET /rest/tokeninfo --explain

mkdir -p dist/js dist/css
printf 'define([], () => ({ hello: "world" }));\n' > dist/js/app.js
printf 'body { font-family: sans-serif; }\n' > dist/css/app.css
head -c 4096 /dev/urandom > dist/logo.bin

run nstba deploy dist --target SuiteScripts/try-app

note "again: nothing changed, only a listing checks that"
run nstba deploy dist --target SuiteScripts/try-app

run nstba fetch SuiteScripts/try-app --out fetched && diff -r dist fetched && echo "identical"

run nstba suiteql "SELECT id, entityid, email FROM employee WHERE id <= 3" --format csv

run NSTBA_CLIENT_SECRET=try-client-secret nstba auth login sandbox2 --oauth2 --client-id try-client --account $account

note "OAuth 2.0: the same commands, with Bearer"
run nstba request GET /services/rest/record/v1/employee/3 --to sandbox2
echo

note "A login that lasts: one browser login, then client credentials nstba renews itself"
run NSTBA_CLIENT_SECRET=try-client-secret nstba auth login lasting --oauth2 --client-id try-client --account $account --m2m
run nstba auth rotate lasting
run nstba auth certs lasting

note "M2M, as in CI"
run NSTBA_ACCOUNT=$account NSTBA_CLIENT_ID=try-m2m-client NSTBA_CERTIFICATE_ID=try-cert-id NSTBA_PRIVATE_KEY_FILE=$m2m_key nstba suiteql "SELECT id, entityid FROM employee WHERE id <= 2"

run nstba auth list

run nstba auth revoke sandbox2

run nstba auth revoke sandbox

run nstba auth list

echo
echo "Done. Everything above ran against the emulator; nothing was kept."
