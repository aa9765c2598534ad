#!/usr/bin/env bash
# Every browser test in three engines: Chromium, Firefox ESR and WebKitGTK (issue 13), then one
# summary table engine × suite. Called by scripts/test.sh, which installs the engines
# (scripts/setup.sh), builds the package and starts the sandbox the wasm tests talk to
# (ID360_SANDBOX_URL). To run one engine alone, with the same sandbox running:
#   ENGINES=webkit ID360_SANDBOX_URL=http://127.0.0.1:8361 bash scripts/browser-tests.sh
# and SUITES_ONLY="camera e2e" runs only those suites (names as in the summary table).
#
# Each command gets its driver through its own environment: the runner prefers GECKODRIVER,
# SAFARIDRIVER and *_REMOTE to CHROMEDRIVER, so none of them is ever exported here, and any the
# caller has set is removed for every command (`env -u`).
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
: "${ID360_SANDBOX_URL:?start the sandbox first (scripts/test.sh does)}"
PORT="${ID360_TEST_PORT:-8361}"
ENGINES="${ENGINES:-chromium firefox webkit}"
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-180}"
SIMD=(RUSTFLAGS="-C target-feature=+simd128" CARGO_TARGET_DIR=target/simd)
CLEAN=(env -u GECKODRIVER -u GECKODRIVER_REMOTE -u SAFARIDRIVER -u SAFARIDRIVER_REMOTE -u CHROMEDRIVER_REMOTE
  -u WASM_BINDGEN_TEST_WEBDRIVER_JSON -u WASM_BINDGEN_USE_BROWSER -u RUSTFLAGS -u CARGO_TARGET_DIR)
WD=target/test-webdriver
mkdir -p "$WD"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
step() { printf '\n==> %s\n' "$*"; }
die() { printf '\n!! %s\n' "$*" >&2; exit 1; }

# ---- the engines' drivers and options -----------------------------------------------------------

python3 - "$WD" <<'PY'
import json, sys
wd = sys.argv[1]
base = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"]
fake = ["--use-fake-device-for-media-stream"]
files = {
    # Chromium: its fake camera without a prompt; or a refused one
    "chromium-camera.json": {"goog:chromeOptions": {"args": base + fake + ["--use-fake-ui-for-media-stream"]}},
    "chromium-denied.json": {"goog:chromeOptions": {"args": base + fake + ["--deny-permission-prompts"]}},
    # Firefox: Debian's ESR, its fake camera without a prompt; or a refused one
    "firefox-camera.json": {"moz:firefoxOptions": {"binary": "/usr/bin/firefox-esr", "prefs": {
        "media.navigator.streams.fake": True, "media.navigator.permission.disabled": True}}},
    "firefox-denied.json": {"moz:firefoxOptions": {"binary": "/usr/bin/firefox-esr", "prefs": {
        "media.navigator.streams.fake": True, "permissions.default.camera": 2}}},
}
for name, caps in files.items():
    with open(f"{wd}/{name}", "w") as f:
        json.dump(caps, f)
PY

GECKO_PORT=$((PORT + 3)); WEBKIT_PORT=$((PORT + 4))
# shellcheck source=scripts/engines.sh
. scripts/engines.sh

# One wasm test file in one engine. $1 engine, $2 test, then optional: simd, and a WebDriver json.
wasm_test() {
  local engine=$1 test=$2 build=() json="" use_browser=()
  shift 2
  for a in "$@"; do
    case $a in simd) build=("${SIMD[@]}") ;; *.json) json="$PWD/$WD/$a" ;; esac
  done
  # quality_kernels is configured for Node (and Node runs it in scripts/test.sh): here, a browser
  [ "$test" = quality_kernels ] && use_browser=(WASM_BINDGEN_USE_BROWSER=1)
  case $engine in
    chromium)
      "${CLEAN[@]}" "${build[@]}" "${use_browser[@]}" CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}" \
        ${json:+WASM_BINDGEN_TEST_WEBDRIVER_JSON="$json"} \
        wasm-pack test --headless --chrome -- --locked --test "$test" ;;
    firefox)
      "${CLEAN[@]}" "${build[@]}" "${use_browser[@]}" GECKODRIVER="$(command -v geckodriver)" \
        ${json:+WASM_BINDGEN_TEST_WEBDRIVER_JSON="$json"} \
        wasm-pack test --headless --firefox -- --locked --test "$test" ;;
    webkit)
      # (wasm-pack wants safaridriver; the runner itself, through the WebKit proxy)
      "${CLEAN[@]}" "${build[@]}" "${use_browser[@]}" SAFARIDRIVER_REMOTE="http://127.0.0.1:${WEBKIT_PORT}" \
        CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
        cargo test --locked --target wasm32-unknown-unknown --test "$test" ;;
  esac
}

# The demo end to end (its own sandbox and demo server, started once for every engine).
E2E_SANDBOX_PORT=$((PORT + 1)); E2E_DEMO_PORT=$((PORT + 2))
start_demo() {
  cargo build -q -p id360-demo --locked || die "the demo server does not build"
  ./target/debug/id360-sandbox --bind "127.0.0.1:${E2E_SANDBOX_PORT}" --verdict-delay-ms 300 --quiet >/dev/null &
  PIDS+=($!)
  ./target/debug/id360-demo --bind "127.0.0.1:${E2E_DEMO_PORT}" --id360-url "http://127.0.0.1:${E2E_SANDBOX_PORT}" >/dev/null &
  PIDS+=($!)
  for _ in $(seq 1 50); do
    curl -fsS "http://127.0.0.1:${E2E_DEMO_PORT}/demo/stats" >/dev/null 2>&1 && return
    sleep 0.2
  done
  die "the demo server did not start on port ${E2E_DEMO_PORT}"
}
e2e() {
  local engine=$1 driver=""
  case $engine in
    firefox) driver="http://127.0.0.1:${GECKO_PORT}" ;;
    webkit) driver="http://127.0.0.1:${WEBKIT_PORT}" ;;
  esac
  E2E_ENGINE=$engine E2E_WEBDRIVER=$driver \
    DEMO_URL="http://127.0.0.1:${E2E_DEMO_PORT}" SANDBOX_URL="http://127.0.0.1:${E2E_SANDBOX_PORT}" \
    CAMERA_VIDEOS="$PWD/target/testset/documents/videos" SCREENSHOT_DIR="$PWD/target/e2e-screenshots" \
    "${CLEAN[@]}" node --test www-demo/e2e/
}

# ---- the matrix ---------------------------------------------------------------------------------

SUITES=(flow hardening kernels capture kernels-simd capture-simd camera camera-device camera-refused e2e)
ONLY=" ${SUITES_ONLY:-${SUITES[*]}} "
for s in $ONLY; do
  [[ " ${SUITES[*]} " == *" $s "* ]] || die "SUITES_ONLY: no suite named $s (${SUITES[*]})"
done
declare -A RESULT SECS
RETRIED=()
FAILED=0
# What the engine's driver and browser logged during a failed suite (a crashed web process
# shows only there). $1 engine, $2 suite, $3 log ("" for none), $4 its line count before.
driver_said() {
  [ -n "$3" ] || return 0
  echo "--- $3 during $1/$2 (last 40 lines) ---"
  tail -n +"$(($4 + 1))" "$3" | tail -n 40
}
run() { # engine suite command...
  local engine=$1 suite=$2 t0=$SECONDS
  shift 2
  [[ "$ONLY" == *" $suite "* ]] || return 0
  step "$engine: $suite"
  local log="" from=0
  case $engine in firefox) log=target/geckodriver.log ;; webkit) log=target/webkit-driver.log ;; esac
  [ -n "$log" ] && from=$(wc -l <"$log")
  if "$@"; then RESULT[$engine/$suite]=pass; else
    driver_said "$engine" "$suite" "$log" "$from"
    # (grep -c reads all its input: under pipefail, grep -q could leave tail a SIGPIPE)
    if [ "$engine" = webkit ] && tail -n +"$((from + 1))" "$log" | grep -c "WebProcess CRASHED" >/dev/null; then
      # A WebKitGTK web process that crashed under a test (an engine bug, README, Engines) gets
      # the suite one more run, and the table says so; a second failure is a failure.
      step "$engine: $suite again: its web process crashed"
      from=$(wc -l <"$log")
      if "$@"; then RESULT[$engine/$suite]="pass*"; RETRIED+=("$engine/$suite"); else
        driver_said "$engine" "$suite" "$log" "$from"
        RESULT[$engine/$suite]=FAIL; FAILED=1
      fi
    else
      RESULT[$engine/$suite]=FAIL; FAILED=1
    fi
  fi
  SECS[$engine/$suite]=$((SECONDS - t0))
}
skip() { RESULT[$1/$2]="n/a"; printf '\n==> %s: %s skipped: %s\n' "$1" "$2" "$3"; }

start_demo
declare -A ENGINE_SECS
for engine in $ENGINES; do
  t_engine=$SECONDS
  case $engine in
    chromium) cam=chromium-camera.json; denied=chromium-denied.json ;;
    firefox) start_firefox; cam=firefox-camera.json; denied=firefox-denied.json ;;
    webkit) start_webkit; cam=""; denied="" ;;
    *) die "unknown engine $engine (chromium, firefox, webkit)" ;;
  esac
  run "$engine" flow wasm_test "$engine" browser $cam
  run "$engine" hardening wasm_test "$engine" hardening $cam
  run "$engine" kernels wasm_test "$engine" quality_kernels $cam
  run "$engine" capture wasm_test "$engine" capture_checks $cam
  if [ "$engine" != webkit ]; then
    run "$engine" kernels-simd wasm_test "$engine" quality_kernels simd $cam
    run "$engine" capture-simd wasm_test "$engine" capture_checks simd $cam
  else
    # the package gives JavaScriptCore the scalar build; scripts/webkit-simd-loop.sh is the hunt
    for s in kernels-simd capture-simd; do
      skip "$engine" $s "WebKit gets the scalar build: its simd128 build gave wrong answers (README, Engines)"
    done
  fi
  run "$engine" camera wasm_test "$engine" camera $cam
  run "$engine" camera-device wasm_test "$engine" camera_device $cam
  if [ -n "$denied" ]; then
    run "$engine" camera-refused wasm_test "$engine" camera_denied $denied
  else
    skip "$engine" camera-refused "WebKitGTK cannot be made to refuse the camera under automation"
  fi
  run "$engine" e2e e2e "$engine"
  ENGINE_SECS[$engine]=$((SECONDS - t_engine))
done

printf '\n%-16s' "suite"
for engine in $ENGINES; do printf '%-16s' "$engine"; done
printf '\n'
for suite in "${SUITES[@]}"; do
  printf '%-16s' "$suite"
  for engine in $ENGINES; do
    r=${RESULT[$engine/$suite]:-"-"}
    [ -n "${SECS[$engine/$suite]:-}" ] && r="$r ${SECS[$engine/$suite]}s"
    printf '%-16s' "$r"
  done
  printf '\n'
done
printf '%-16s' "total"
for engine in $ENGINES; do printf '%-16s' "$((ENGINE_SECS[$engine] / 60))m$((ENGINE_SECS[$engine] % 60))s"; done
printf '\n'
[ ${#RETRIED[@]} -eq 0 ] || echo "* passed on its second run, the first ended by a crashed WebKit web process: ${RETRIED[*]}"
[ "$FAILED" -eq 0 ] || { echo "browser tests: FAILED (see the table above)"; exit 1; }
echo "browser tests: all passed"
