#!/usr/bin/env bash
# Longer fuzzing (property tests with many more cases, release build), bounded in time: the
# core's parsers and state machine, then random requests against the sandbox. The test command
# runs the same properties with fewer cases. FUZZ_CASES and FUZZ_SECONDS change the bounds.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
SECONDS_EACH="${FUZZ_SECONDS:-300}"
export FUZZ_CASES="${FUZZ_CASES:-50000}"
echo "fuzzing the core ($FUZZ_CASES cases per property, at most ${SECONDS_EACH}s)"
timeout "$SECONDS_EACH" cargo test -q --release --locked -p id360-flow --test fuzz_core
echo "fuzzing the sandbox's request handling ($FUZZ_CASES random requests, at most ${SECONDS_EACH}s)"
timeout "$SECONDS_EACH" cargo test -q --release --locked -p id360-sandbox --test fuzz_requests
