#!/usr/bin/env bash
# Runs the simd128 build (or BUILD=scalar) of the kernel tests many times in WebKit (issue 13:
# once in about 36 runs a wrong sharpness was seen there; README, "Engines"). Builds each test
# once, then starts a fresh browser session per run; counts the runs that fail and keeps their
# logs in target/webkit-loop/.
#
#   RUNS=200 bash scripts/webkit-simd-loop.sh            (needs scripts/setup.sh, a sandbox
#                                                         on $ID360_SANDBOX_URL for capture_checks,
#                                                         and scripts/webkit-driver.mjs on
#                                                         $WEBKIT_REMOTE, on an X display)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-200}"
REMOTE="${WEBKIT_REMOTE:-http://127.0.0.1:4445}"
TESTS="${TESTS:-quality_kernels capture_checks}"
BUILD="${BUILD:-simd}"
OUT=target/webkit-loop; mkdir -p "$OUT"
LOG="$OUT/run-$$.log"
if [ "$BUILD" = simd ]; then
  export RUSTFLAGS="-C target-feature=+simd128" CARGO_TARGET_DIR=target/simd
fi
declare -A WASM
for t in $TESTS; do
  WASM[$t]=$(cargo test --locked --target wasm32-unknown-unknown --test "$t" --no-run --message-format=json 2>/dev/null \
    | python3 -c 'import json,sys
for l in sys.stdin:
    m=json.loads(l)
    if m.get("reason")=="compiler-artifact" and m.get("profile",{}).get("test") and m.get("executable"): print(m["executable"])' | tail -n1)
  [ -n "${WASM[$t]}" ] || { echo "could not build $t"; exit 1; }
done
fails=0
for i in $(seq 1 "$RUNS"); do
  for t in $TESTS; do
    if ! WASM_BINDGEN_USE_BROWSER=1 SAFARIDRIVER_REMOTE="$REMOTE" WASM_BINDGEN_TEST_TIMEOUT=120 \
         wasm-bindgen-test-runner "${WASM[$t]}" >"$LOG" 2>&1; then
      fails=$((fails + 1)); cp "$LOG" "$OUT/fail-$BUILD-$t-$i.log"
      echo "run $i $t: FAILED (log: $OUT/fail-$BUILD-$t-$i.log)"
    fi
  done
  [ $((i % 10)) -eq 0 ] && echo "run $i/$RUNS: $fails failures so far"
done
rm -f "$LOG"
echo "$BUILD build in WebKit: $RUNS runs of [$TESTS], $fails failed"
[ "$fails" -eq 0 ]
