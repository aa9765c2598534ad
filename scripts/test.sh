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

step "clippy (wasm32, the browser library: scalar and simd128 builds)"
cargo clippy -p id360-flow --target wasm32-unknown-unknown --locked -- -D warnings
RUSTFLAGS="-C target-feature=+simd128" CARGO_TARGET_DIR=target/simd \
  cargo clippy -p id360-flow --target wasm32-unknown-unknown --locked -- -D warnings

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

export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-180}"

step "browser tests (wasm-pack test, headless Chromium)"
wasm-pack test --headless --chrome -- --locked --test browser

step "capture checks on the test set's photographs (headless Chromium)"
wasm-pack test --headless --chrome -- --locked --test capture_checks

step "camera tests (fake camera fed by the test set's card video; then a camera refused)"
mkdir -p target/test-webdriver
python3 - "$PWD" <<'PY'
import json, sys
root = sys.argv[1]
base = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"]
camera = base + ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                 f"--use-file-for-fake-video-capture={root}/target/testset/documents/videos/front.y4m"]
denied = base + ["--use-fake-device-for-media-stream", "--deny-permission-prompts"]
for name, args in (("camera", camera), ("denied", denied)):
    with open(f"{root}/target/test-webdriver/{name}.json", "w") as f:
        json.dump({"goog:chromeOptions": {"args": args}}, f)
PY
WASM_BINDGEN_TEST_WEBDRIVER_JSON="$PWD/target/test-webdriver/camera.json" \
  wasm-pack test --headless --chrome -- --locked --test camera
WASM_BINDGEN_TEST_WEBDRIVER_JSON="$PWD/target/test-webdriver/denied.json" \
  wasm-pack test --headless --chrome -- --locked --test camera_denied

step "node tests (wasm-pack test --node: the fetch path)"
wasm-pack test --node -- --locked --test node

step "quality kernels in wasm: scalar, then simd128 (against a reference implementation)"
wasm-pack test --node -- --locked --test quality_kernels
RUSTFLAGS="-C target-feature=+simd128" CARGO_TARGET_DIR=target/simd \
  wasm-pack test --node -- --locked --test quality_kernels

step "the npm package (scripts/build-pkg.sh: size budget) and its consumers"
SKIP_SETUP=1 bash scripts/build-pkg.sh
SANDBOX_URL="$ID360_SANDBOX_URL" node --test tests/consumers/

step "hardening: 40+ bad inputs in Chromium; a short soak under faults (its own sandbox)"
wasm-pack test --headless --chrome -- --locked --test hardening
FLOWS=30 CONCURRENCY=10 MAX_LATENCY_MS=300 node tests/soak/soak.mjs

step "end-to-end: the demo page in Chromium against the demo server and a sandbox"
cargo build -q -p id360-demo --locked
E2E_SANDBOX_PORT=$((PORT + 1)); E2E_DEMO_PORT=$((PORT + 2))
./target/debug/id360-sandbox --bind "127.0.0.1:${E2E_SANDBOX_PORT}" --verdict-delay-ms 300 --quiet >/dev/null &
E2E_SANDBOX_PID=$!
./target/debug/id360-demo --bind "127.0.0.1:${E2E_DEMO_PORT}" --id360-url "http://127.0.0.1:${E2E_SANDBOX_PORT}" >/dev/null &
E2E_DEMO_PID=$!
trap 'kill $SANDBOX_PID $E2E_SANDBOX_PID $E2E_DEMO_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do
  curl -fsS "http://127.0.0.1:${E2E_DEMO_PORT}/demo/stats" >/dev/null 2>&1 && break
  sleep 0.2
done
DEMO_URL="http://127.0.0.1:${E2E_DEMO_PORT}" SANDBOX_URL="http://127.0.0.1:${E2E_SANDBOX_PORT}" \
  CAMERA_VIDEOS="$PWD/target/testset/documents/videos" SCREENSHOT_DIR="$PWD/target/e2e-screenshots" \
  node --test www-demo/e2e/
