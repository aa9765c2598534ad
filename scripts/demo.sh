#!/usr/bin/env bash
# The main job: the demo page against the local sandbox (or ID360 preproduction, see README).
# Installs what it needs, builds the wasm package, starts the sandbox and the demo server,
# prints the URL; Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
bash scripts/setup.sh

DEMO_PORT="${DEMO_PORT:-8080}"
SANDBOX_PORT="${SANDBOX_PORT:-8360}"
echo "building the npm package and the servers..."
SKIP_SETUP=1 bash scripts/build-pkg.sh
cargo build -q --release --locked -p id360-sandbox -p id360-demo

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

if [ -z "${ID360_BASE_URL:-}" ]; then
  ./target/release/id360-sandbox --bind "127.0.0.1:${SANDBOX_PORT}" --quiet &
  pids+=($!)
  export ID360_BASE_URL="http://127.0.0.1:${SANDBOX_PORT}"
  echo "sandbox (local ID360) on ${ID360_BASE_URL}"
fi
./target/release/id360-demo --bind "127.0.0.1:${DEMO_PORT}" &
pids+=($!)
sleep 1
echo
echo "  Open http://127.0.0.1:${DEMO_PORT}/ in a browser (Ctrl-C stops everything)."
echo
wait -n "${pids[@]}"
