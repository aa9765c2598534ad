#!/usr/bin/env bash
# The full soak: 200 flows through the packed library against a sandbox with 20 % 5xx, 5 %
# dropped connections, latency up to 2 s and bursts of 429 (see tests/soak/soak.mjs). It stops
# by itself; the test command runs a short version.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
bash scripts/setup.sh >/dev/null
SKIP_SETUP=1 bash scripts/build-pkg.sh >/dev/null
cargo build -q --release --locked -p id360-sandbox
SANDBOX_BIN="$PWD/target/release/id360-sandbox" FLOWS="${FLOWS:-200}" CONCURRENCY="${CONCURRENCY:-20}" \
  MAX_LATENCY_MS="${MAX_LATENCY_MS:-2000}" node tests/soak/soak.mjs
