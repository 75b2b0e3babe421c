#!/usr/bin/env bash
# nstba side by side with the tools people use today, on this machine. Installs the peers
# itself (Python oauthlib into a venv, Node oauth-1.0a with npm, hyperfine and GNU time from
# Debian when missing) under target/bench-peers, then prints one markdown table:
#   - signing: signatures per second for a typical RESTlet request (nstba, a bare HMAC-SHA256
#     over the same base string, oauthlib, oauth-1.0a), one core each;
#   - start-up: `nstba auth list --json` over 200 tokens against starting Python and Node;
#   - peak memory (max RSS) of one signature from each;
#   - the File Cabinet figures against design §11's model (cargo bench --bench filecabinet, its
#     own table: scenarios A to E, the lower bound, the ratio, the peers).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
peers=$root/target/bench-peers
mkdir -p "$peers"

need() { command -v "$1" >/dev/null || { sudo_=""; [ "$(id -u)" -eq 0 ] || sudo_=sudo;
  $sudo_ apt-get update -qq; DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq "$2" >/dev/null; }; }
need hyperfine hyperfine
[ -x /usr/bin/time ] || need gnutime time

echo "Installing the peers (oauthlib, oauth-1.0a)..." >&2
[ -x "$peers/venv/bin/python" ] || python3 -m venv "$peers/venv"
"$peers/venv/bin/pip" install -q oauthlib >&2
(cd "$peers" && [ -f package.json ] || echo '{"private":true}' > package.json)
(cd "$peers" && npm install --silent --no-audit --no-fund oauth-1.0a >&2)
py="$peers/venv/bin/python"
pyver=$("$py" -c 'import oauthlib; print(oauthlib.__version__)')
jsver=$(node -p "require('$peers/node_modules/oauth-1.0a/package.json').version")

echo "Building and running the signing bench (criterion)..." >&2
cargo bench --quiet --bench signing >&2
rate() { python3 -c "import json,sys; print(1e9/json.load(open(sys.argv[1]))['mean']['point_estimate'])" "$1"; }
nstba_rate=$(rate target/criterion/sign/nstba/new/estimates.json)
hmac_rate=$(rate target/criterion/sign/bare_hmac_sha256/new/estimates.json)
py_rate=$("$py" benches/peers/sign_oauthlib.py)
js_rate=$(NODE_PATH="$peers/node_modules" node benches/peers/sign_oauth1a.js)

echo "Timing start-up (hyperfine)..." >&2
cargo build --release --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 benches/make_store.py "$work/store" 200
chmod 600 "$work/store"
(cd "$work" && NSTBA_STORE="$work/store" hyperfine -N --warmup 10 --export-json "$work/start.json" \
  "$root/target/release/nstba auth list --json" "python3 -c pass" "node -e 0" >&2)
mean() { python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][int(sys.argv[2])]; print(f\"{r['mean']*1000:.1f} ms ± {r['stddev']*1000:.1f}\")" "$work/start.json" "$1"; }

rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }
nstba_rss=$(NSTBA_STORE="$work/store" NSTBA_ACCOUNT=1234567_SB1 NSTBA_CONSUMER_KEY=k NSTBA_CONSUMER_SECRET=s \
  NSTBA_TOKEN_ID=t NSTBA_TOKEN_SECRET=s rss target/release/nstba sign POST "https://1234567-sb1.restlets.api.netsuite.com/app/site/hosting/restlet.nl?script=1&deploy=1")
py_rss=$(rss "$py" benches/peers/sign_oauthlib.py --once)
js_rss=$(NODE_PATH="$peers/node_modules" rss node benches/peers/sign_oauth1a.js --once)

echo "Running the File Cabinet bench..." >&2
fc=$(cargo bench --quiet --bench filecabinet 2>/dev/null | grep -E "^(\||nstba File)")

fmt() { python3 -c "import sys; print(f'{float(sys.argv[1]):,.0f}')" "$1"; }
ratio() { python3 -c "import sys; print(f'{float(sys.argv[1])/float(sys.argv[2]):.1f}x')" "$1" "$2"; }
cat <<TABLE
Machine: $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%d). Peers: oauthlib $pyver (Python $("$py" -c 'import platform; print(platform.python_version())')), oauth-1.0a $jsver (Node $(node --version)).

| measure | nstba | reference |
|---|---|---|
| signatures/s, typical RESTlet request | $(fmt "$nstba_rate") | bare HMAC-SHA256: $(fmt "$hmac_rate") (nstba takes $(ratio "$hmac_rate" "$nstba_rate") its time) |
| signatures/s vs Python oauthlib | $(fmt "$nstba_rate") | $(fmt "$py_rate") (nstba $(ratio "$nstba_rate" "$py_rate") faster) |
| signatures/s vs Node oauth-1.0a | $(fmt "$nstba_rate") | $(fmt "$js_rate") (nstba $(ratio "$nstba_rate" "$js_rate") faster) |
| start-up: \`nstba auth list --json\`, 200 tokens | $(mean 0) | \`python3 -c pass\`: $(mean 1); \`node -e 0\`: $(mean 2) |
| peak RSS, one signature | $nstba_rss KB | oauthlib: $py_rss KB; oauth-1.0a: $js_rss KB |

$fc
TABLE
