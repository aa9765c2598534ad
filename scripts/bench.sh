#!/usr/bin/env bash
# Benchmarks (not tests): builds what they measure, runs them in headless Chromium (and, for
# §9, in Firefox and WebKit too), prints tables and writes bench-results/*.json. Numbers, never
# pass/fail: these machines are noisy.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
bash scripts/setup.sh

# shellcheck source=scripts/wasm-release.sh
. scripts/wasm-release.sh
build() { # $1 = out dir, $2 = extra RUSTFLAGS, $3 = extra wasm-opt flags
  local target="target/bench-build-$(basename "$1")"
  cargo_wasm "$target" "$2"
  wasm-bindgen --target web --out-dir "$1" "$target/wasm32-unknown-unknown/release/id360_flow.wasm"
  # shellcheck disable=SC2086
  wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals --enable-reference-types $3 \
    "$1/id360_flow_bg.wasm" -o "$1/id360_flow_bg.wasm"
}
echo "building the scalar and simd128 builds..."
build target/bench-pkg/scalar "" ""
build target/bench-pkg/simd "-C target-feature=+simd128" "--enable-simd"

node bench/run-quality.mjs

echo; echo "the capture test set (scripts/testset/gen.py), then the capture checks..."
target/venv/bin/python scripts/testset/gen.py target/testset
node bench/run-capture.mjs
echo; echo "accuracy on the test set (native, the same core)..."
cargo run -q --release --locked --example accuracy

echo; echo "building the npm package (6. package size)..."
SKIP_SETUP=1 bash scripts/build-pkg.sh

cargo build -q --release --locked -p id360-sandbox
PORT="${BENCH_SANDBOX_PORT:-8370}"
./target/release/id360-sandbox --bind "127.0.0.1:${PORT}" --quiet --verdict-delay-ms 100 --max-stored-mb 2048 >/dev/null &
SANDBOX_PID=$!
trap 'kill $SANDBOX_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -fsS "http://127.0.0.1:${PORT}/_sandbox/health" >/dev/null 2>&1 && break; sleep 0.2; done
SANDBOX_URL="http://127.0.0.1:${PORT}" node bench/run-flow.mjs

echo; echo "the quality check and the 9 MB upload in Chromium, Firefox and WebKit, side by side..."
PIDS=()
trap 'kill $SANDBOX_PID "${PIDS[@]}" 2>/dev/null || true' EXIT
die() { echo "$*" >&2; exit 1; }
GECKO_PORT=$((PORT + 3)); WEBKIT_PORT=$((PORT + 4))
# shellcheck source=scripts/engines.sh
. scripts/engines.sh
start_firefox
start_webkit
SANDBOX_URL="http://127.0.0.1:${PORT}" FIREFOX_WEBDRIVER="http://127.0.0.1:${GECKO_PORT}" \
  WEBKIT_WEBDRIVER="http://127.0.0.1:${WEBKIT_PORT}" node bench/run-engines.mjs
