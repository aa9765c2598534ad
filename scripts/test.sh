#!/usr/bin/env bash
# The one command that runs every test (README, .ci/run). Installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"

bash scripts/setup.sh

step() { printf '\n==> %s\n' "$*"; }

step "format"
cargo fmt --all -- --check

step "clippy (native, all targets)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "clippy (wasm32, the browser library and its browser tests: scalar and simd128 builds)"
cargo clippy -p id360-flow --target wasm32-unknown-unknown --lib --tests --locked -- -D warnings
RUSTFLAGS="-C target-feature=+simd128" CARGO_TARGET_DIR=target/simd \
  cargo clippy -p id360-flow --target wasm32-unknown-unknown --lib --tests --locked -- -D warnings

step "capture test set (scripts/testset/gen.py: fixed seeds; skipped when up to date)"
target/venv/bin/python scripts/testset/gen.py target/testset

step "native tests (library core with the detectors' accuracy on the test set, sandbox over HTTP)"
ID360_REQUIRE_TESTSET=1 cargo test --workspace --locked

# The wasm tests talk to a sandbox started here (port baked into the test build).
PORT="${ID360_TEST_PORT:-8361}"
export ID360_SANDBOX_URL="http://127.0.0.1:${PORT}"
step "sandbox for the wasm tests on ${ID360_SANDBOX_URL}"
cargo build -q -p id360-sandbox --locked
./target/debug/id360-sandbox --bind "127.0.0.1:${PORT}" --verdict-delay-ms 50 --callback-retry-ms 20 --quiet \
  --files target/testset &
SANDBOX_PID=$!
trap 'kill $SANDBOX_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do
  curl -fsS "${ID360_SANDBOX_URL}/_sandbox/health" >/dev/null 2>&1 && break
  kill -0 $SANDBOX_PID 2>/dev/null || { echo "the sandbox did not start (port ${PORT} busy? set ID360_TEST_PORT)"; exit 1; }
  sleep 0.2
done

step "node tests (wasm-pack test --node: the fetch path)"
wasm-pack test --node -- --locked --test node

step "quality kernels in wasm: scalar, then simd128 (against a reference implementation)"
wasm-pack test --node -- --locked --test quality_kernels
RUSTFLAGS="-C target-feature=+simd128" CARGO_TARGET_DIR=target/simd \
  wasm-pack test --node -- --locked --test quality_kernels

step "the npm package (scripts/build-pkg.sh: size budget) and its consumers"
SKIP_SETUP=1 bash scripts/build-pkg.sh
SANDBOX_URL="$ID360_SANDBOX_URL" node --test tests/consumers/
# the package's JS boundary under some 13 000 hostile calls, seeded (tests/fuzz/boundary.test.mjs)
SANDBOX_URL="$ID360_SANDBOX_URL" node --test tests/fuzz/


step "a short soak under faults (its own sandbox)"
FLOWS=30 CONCURRENCY=10 MAX_LATENCY_MS=300 node tests/soak/soak.mjs

step "every browser test in Chromium, Firefox and WebKit (scripts/browser-tests.sh)"
bash scripts/browser-tests.sh
