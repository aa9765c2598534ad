# Starts the drivers of Firefox (geckodriver) and WebKit (Xvfb, scripts/webkit-driver.mjs in
# front of WebKitWebDriver), and checks that each can open a browser: sourced by
# scripts/browser-tests.sh and scripts/bench.sh, which set GECKO_PORT, WEBKIT_PORT, and PIDS (the
# processes to stop at exit), and define die().
start_firefox() {
  command -v firefox-esr >/dev/null || die "Firefox cannot start: no firefox-esr (scripts/setup.sh installs it)"
  command -v geckodriver >/dev/null || die "Firefox cannot start: no geckodriver (scripts/setup.sh installs it)"
  geckodriver --port "$GECKO_PORT" >target/geckodriver.log 2>&1 &
  PIDS+=($!)
  wait_ready "http://127.0.0.1:${GECKO_PORT}" Firefox target/geckodriver.log \
    '{"capabilities":{"alwaysMatch":{"browserName":"firefox","moz:firefoxOptions":{"binary":"/usr/bin/firefox-esr","args":["-headless"]}}}}'
}
start_webkit() {
  command -v WebKitWebDriver >/dev/null || die "WebKit cannot start: no WebKitWebDriver (scripts/setup.sh installs webkit2gtk-driver)"
  command -v Xvfb >/dev/null || die "WebKit cannot start: no Xvfb (scripts/setup.sh installs xvfb)"
  # MiniBrowser has no headless mode: a display of its own (Xvfb picks a free number)
  rm -f target/xvfb.display
  # (-noreset: by default the server resets when its last client leaves, and a browser starting
  # at that moment cannot open the display)
  Xvfb -displayfd 9 -screen 0 1280x1024x24 -nolisten tcp -noreset 9>target/xvfb.display 2>target/xvfb.log &
  PIDS+=($!)
  for _ in $(seq 1 50); do [ -s target/xvfb.display ] && break; sleep 0.1; done
  [ -s target/xvfb.display ] || die "WebKit cannot start: Xvfb gave no display (target/xvfb.log)"
  command -v dbus-daemon >/dev/null || die "WebKit cannot start: no dbus-daemon (scripts/setup.sh installs it)"
  # A session bus of its own: without one, each web process spawns dbus-launch, which is not
  # there, and the child's exit signal can land inside GLib 2.74's getauxval check, which then
  # aborts the web process ("getauxval () failed: Interrupted system call": README, Engines)
  local bus
  bus=$(dbus-daemon --session --fork --print-address=1 --print-pid=1 2>>target/xvfb.log) \
    || die "WebKit cannot start: dbus-daemon failed (target/xvfb.log)"
  local bus_pid
  bus_pid=$(printf '%s\n' "$bus" | sed -n 2p)
  [[ "$bus_pid" =~ ^[0-9]+$ ]] || die "WebKit cannot start: dbus-daemon gave no pid ($bus)"
  PIDS+=("$bus_pid")
  # JavaScriptCore's thread-suspend signal (SIGUSR1) handler leaves errno at EINTR, and GLib
  # aborts a web process when it lands inside g_check_setuid: a preloaded wrapper keeps errno
  # (scripts/webkit-errno.c; WEBKIT_ERRNO_SHIM=0 leaves it out: scripts/webkit-errno-repro.sh)
  local preload=""
  if [ "${WEBKIT_ERRNO_SHIM:-1}" = 1 ]; then
    command -v cc >/dev/null || die "WebKit cannot start: no C compiler for scripts/webkit-errno.c (scripts/setup.sh installs gcc)"
    cc -shared -fPIC -O2 -o target/webkit-errno.so scripts/webkit-errno.c -ldl \
      || die "WebKit cannot start: scripts/webkit-errno.c does not build"
    preload="$PWD/target/webkit-errno.so"
  fi
  DBUS_SESSION_BUS_ADDRESS="$(printf '%s\n' "$bus" | sed -n 1p)" DISPLAY=":$(cat target/xvfb.display)" \
    LD_PRELOAD="$preload" node scripts/webkit-driver.mjs "$WEBKIT_PORT" $((WEBKIT_PORT + 1)) >target/webkit-driver.log 2>&1 &
  PIDS+=($!)
  wait_ready "http://127.0.0.1:${WEBKIT_PORT}" WebKit target/webkit-driver.log '{"capabilities":{}}'
  # (the loader only warns when it cannot preload, and the browser would run without it)
  if grep -q "cannot be preloaded" target/webkit-driver.log; then
    die "WebKit: scripts/webkit-errno.c was not preloaded (target/webkit-driver.log)"
  fi
}
# Waits for a driver, then opens and closes one session: an engine that cannot start fails here,
# with its reason, instead of skipping.
wait_ready() {
  local url=$1 engine=$2 log=$3 caps=$4 answer
  for _ in $(seq 1 100); do curl -fsS "$url/status" >/dev/null 2>&1 && break; sleep 0.1; done
  answer=$(curl -sS --max-time 90 -X POST -H 'content-type: application/json' -d "$caps" "$url/session" 2>&1) || true
  local id
  id=$(printf '%s' "$answer" | python3 -c 'import json,sys
try: print(json.load(sys.stdin)["value"]["sessionId"])
except Exception: pass')
  [ -n "$id" ] || die "$engine cannot start a browser: ${answer:-no driver on $url} (log: $log)"
  curl -fsS -X DELETE "$url/session/$id" >/dev/null
}

