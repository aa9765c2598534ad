#!/usr/bin/env bash
# The one command that runs every test (README, .ci/run). Installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

bash scripts/setup.sh

step() { printf '\n==> %s\n' "$*"; }

step "format"
cargo fmt --all -- --check

step "clippy (native, all targets)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "clippy (wasm32, the browser library)"
cargo clippy -p id360-flow --target wasm32-unknown-unknown --locked -- -D warnings

step "native tests (library core, sandbox over HTTP)"
cargo test --workspace --locked

# The wasm tests talk to a sandbox started here (port baked into the test build).
PORT="${ID360_TEST_PORT:-8361}"
export ID360_SANDBOX_URL="http://127.0.0.1:${PORT}"
step "sandbox for the wasm tests on ${ID360_SANDBOX_URL}"
cargo build -q -p id360-sandbox --locked
./target/debug/id360-sandbox --bind "127.0.0.1:${PORT}" --verdict-delay-ms 50 --callback-retry-ms 20 --quiet &
SANDBOX_PID=$!
trap 'kill $SANDBOX_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do
  curl -fsS "${ID360_SANDBOX_URL}/_sandbox/health" >/dev/null 2>&1 && break
  kill -0 $SANDBOX_PID 2>/dev/null || { echo "the sandbox did not start (port ${PORT} busy? set ID360_TEST_PORT)"; exit 1; }
  sleep 0.2
done

export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-180}"

step "browser tests (wasm-pack test, headless Chromium)"
wasm-pack test --headless --chrome -- --locked --test browser

step "node tests (wasm-pack test --node: the fetch path)"
wasm-pack test --node -- --locked --test node
