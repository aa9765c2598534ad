#!/usr/bin/env bash
# Shows the WebKitGTK crash that scripts/webkit-errno.c works around (README, "Engines"), and
# that the workaround holds: runs WebKit's camera suite with and without the errno-keeping
# wrapper while gdb watches every web process, stopping briefly at each getauxval(AT_SECURE)
# (GLib's g_check_setuid). The stop widens the window in which JavaScriptCore's thread-suspend
# signal (SIGUSR1) clobbers errno, so without the wrapper the suite crashes every time:
#
#   ID360_SANDBOX_URL=http://127.0.0.1:8361 bash scripts/webkit-errno-repro.sh
#   shim=0: browser tests: FAILED ...; crashed web processes 2; AT_SECURE calls 25; SIGUSR1 to main 388
#   shim=1: browser tests: all passed; crashed web processes 0; AT_SECURE calls 103; SIGUSR1 to main 1894
#
# x86-64 only (the breakpoint reads getauxval's argument from %rdi). Needs gdb (not installed
# by scripts/setup.sh: apt-get install gdb), the engines
# (scripts/setup.sh) and a sandbox serving the test set (scripts/test.sh starts one: --files
# target/testset).
set -uo pipefail
cd "$(dirname "$0")/.."
: "${ID360_SANDBOX_URL:?start a sandbox first (see scripts/test.sh)}"
command -v gdb >/dev/null || { echo "needs gdb (apt-get install gdb)"; exit 1; }
OUT=target/webkit-errno; mkdir -p "$OUT"
cat >"$OUT/gdb.cmd" <<'EOF'
set pagination off
set confirm off
handle SIGSEGV nostop noprint pass
handle SIGBUS nostop noprint pass
handle SIGUSR1 nostop noprint pass
handle SIGPIPE nostop noprint pass
set $u = 0
break getauxval if $rdi == 23
commands
silent
printf "getauxval(AT_SECURE) thread %d\n", $_thread
continue
end
catch signal SIGUSR1
commands
silent
if $_thread == 1
printf "SIGUSR1 to main thread\n"
end
continue
end
continue
EOF
# attaches gdb to each web process as it starts, for 120 s at most
watch() {
  local seen=" " end=$((SECONDS + 120)) p
  while [ $SECONDS -lt $end ]; do
    for p in $(pgrep -f '^/usr/lib/.*/WebKitWebProcess'); do
      case "$seen" in *" $p "*) continue ;; esac
      seen="$seen$p "
      timeout 110 gdb -q -p "$p" -batch -x "$OUT/gdb.cmd" >"$OUT/gdb.$p.log" 2>&1 &
    done
    sleep 0.05
  done
}
for shim in 0 1; do
  rm -f "$OUT"/gdb.*.log
  watch &
  watcher=$!
  WEBKIT_ERRNO_SHIM=$shim ENGINES=webkit SUITES_ONLY=camera bash scripts/browser-tests.sh >"$OUT/suite-$shim.log" 2>&1
  result=$(tail -n 1 "$OUT/suite-$shim.log")
  kill "$watcher" 2>/dev/null
  sleep 2
  calls=$(cat "$OUT"/gdb.*.log 2>/dev/null | grep -c 'getauxval(AT_SECURE)')
  usr1=$(cat "$OUT"/gdb.*.log 2>/dev/null | grep -c 'SIGUSR1 to main')
  crashes=$(grep -c 'WebProcess CRASHED' target/webkit-driver.log)
  echo "shim=$shim: $result; crashed web processes $crashes; AT_SECURE calls $calls; SIGUSR1 to main $usr1"
done
