#!/usr/bin/env bash
# Every test: the companion RESTlet's under Node's test runner and its type check, then the
# Rust workspace's (unit tests, the integration binary against the emulator, the real-browser
# login).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== RESTlet tests (node --test)"
node --test restlet/test/
echo "== RESTlet type check (TypeScript checkJs against @hitc/netsuite-types)"
(cd restlet && npm ci --no-audit --no-fund --loglevel=error && npm run -s typecheck)
echo "== Rust tests (cargo nextest)"
if ! cargo nextest --version >/dev/null 2>&1; then
  cargo install cargo-nextest --locked
fi
cargo nextest run --workspace
echo "== Library docs (cargo doc, warnings are errors) and the doc test"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --quiet -p nstba
cargo test --doc --quiet -p nstba
echo "== Release binary size (under 8 MB)"
cargo build --release --quiet --bin nstba
size=$(stat -c %s target/release/nstba)
echo "target/release/nstba: $size bytes"
if [ "$size" -ge $((8 * 1024 * 1024)) ]; then
  echo "the release binary is over 8 MB: check [profile.release] and what was added" >&2
  exit 1
fi
