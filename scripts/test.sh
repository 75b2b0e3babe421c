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
# The size-tuned release build (fat LTO, one codegen unit) takes minutes on 2 cores: CI runs
# it (CI set), and so does `scripts/test.sh --release`; a local run does not unless asked.
if [ -z "${CI:-}" ] && [ "${1:-}" != "--release" ]; then
  echo "== Release binary size: skipped (CI checks it; scripts/test.sh --release to run it here)"
  exit 0
fi
echo "== Release binary size (under 8 MB)"
cargo build --release --quiet --bin nstba
# wc -c, not stat -c: GNU and BSD (macOS) stat take different flags.
size=$(wc -c < target/release/nstba | tr -d ' ')
echo "target/release/nstba: $size bytes"
if [ "$size" -ge $((8 * 1024 * 1024)) ]; then
  echo "the release binary is over 8 MB: check [profile.release] and what was added" >&2
  exit 1
fi
