#!/usr/bin/env bash
# Benchmarks (not tests): builds what they measure, runs them in headless Chromium, prints
# tables and writes bench-results/*.json. Numbers, never pass/fail: these machines are noisy.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
bash scripts/setup.sh

build() { # $1 = out dir, $2 = extra RUSTFLAGS, $3 = extra wasm-opt flags
  local target="target/bench-build-$(basename "$1")"
  RUSTFLAGS="${2}" CARGO_TARGET_DIR="$target" cargo build -q --release --locked --target wasm32-unknown-unknown -p id360-flow
  wasm-bindgen --target web --out-dir "$1" "$target/wasm32-unknown-unknown/release/id360_flow.wasm"
  # shellcheck disable=SC2086
  wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals --enable-reference-types $3 \
    "$1/id360_flow_bg.wasm" -o "$1/id360_flow_bg.wasm"
}
echo "building the scalar and simd128 builds..."
build target/bench-pkg/scalar "" ""
build target/bench-pkg/simd "-C target-feature=+simd128" "--enable-simd"

node bench/run-quality.mjs
