#!/usr/bin/env bash
# Benchmarks (not tests): builds what they measure, runs them in headless Chromium (and, for
# §9, in Firefox and WebKit too), prints tables and writes bench-results/*.json. Numbers, never
# pass/fail: these machines are noisy.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
bash scripts/setup.sh

# The builds measured are the package's own (scripts/build-pkg.sh, which also prints §6's sizes),
# copied where the benchmark pages load them (so that another build can be put in their place).
echo "building the npm package: the scalar and simd128 builds measured below (6. package size)..."
SKIP_SETUP=1 bash scripts/build-pkg.sh
rm -rf target/bench-pkg && mkdir -p target/bench-pkg
cp -r target/pkg-build/out-scalar target/bench-pkg/scalar
cp -r target/pkg-build/out-simd target/bench-pkg/simd

node bench/run-quality.mjs

echo; echo "the capture test set (scripts/testset/gen.py), then the capture checks..."
target/venv/bin/python scripts/testset/gen.py target/testset
node bench/run-capture.mjs
echo; echo "accuracy on the test set (native, the same core)..."
cargo run -q --release --locked --example accuracy

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
