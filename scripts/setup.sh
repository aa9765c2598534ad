#!/usr/bin/env bash
# Installs, idempotently, what a fresh Debian machine lacks to build and test id360-flow.
# Every step checks first and skips what is already there (see ../shared/TOOLCHAIN.md):
#   - the wasm32-unknown-unknown target, and rust-src: the npm package's wasm is built with its
#     own copy of std whose panics abort at once (scripts/wasm-release.sh; README, Architecture)
#   - wasm-bindgen-cli at exactly the version pinned in Cargo.toml / Cargo.lock
#   - wasm-pack
#   - the three engines every browser test runs in (../shared/research/engines.md):
#     Debian's chromium + chromium-driver; firefox-esr, with geckodriver from crates.io (Mozilla's
#     own crate; Debian does not package it and its npm wrappers download from GitHub, which is
#     unreachable here); WebKitGTK: webkit2gtk-driver (WebKitWebDriver) and libwebkit2gtk-4.1-0
#     (its MiniBrowser), on an xvfb display (MiniBrowser has no headless mode), with a D-Bus
#     session bus of its own (dbus-daemon), and gcc for the errno-keeping wrapper preloaded into
#     its processes (scripts/webkit-errno.c: README, Engines).
#     WebDriver classic for both, rather than puppeteer-core over BiDi for Firefox: one protocol,
#     one small client (www-demo/e2e/webdriver.mjs) for Firefox and WebKit, and the
#     wasm-bindgen-test-runner already speaks it.
#   - the Node packages (npm ci): playwright-core, axe-core (accessibility checks of the demo),
#     and binaryen, whose wasm-opt the scripts put first on PATH (Debian's binaryen 108 cannot
#     read what wasm-bindgen 0.2.130 emits)
#   - a Python venv in target/venv with scripts/testset/requirements.txt (numpy, scikit-image,
#     Pillow: the generator of the capture test set, from PyPI; scikit-image's wheel carries the
#     real photographs the synthetic documents are laid on)
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_PACK_VERSION=0.15.1
GECKODRIVER_VERSION=0.37.1 # >= 0.36 needs Firefox >= 128; Debian 12 has 153 ESR
log() { printf '[setup] %s\n' "$*"; }
export PATH="$HOME/.cargo/bin:$PATH"

# The version wasm-bindgen is pinned to ("=X.Y.Z" in Cargo.toml); the CLI must match it exactly.
WB_VERSION=$(sed -n 's/^wasm-bindgen *= *{[^}]*version *= *"=\([0-9.]*\)".*/\1/p; s/^wasm-bindgen *= *"=\([0-9.]*\)".*/\1/p' Cargo.toml | head -n1)
if [ -z "$WB_VERSION" ]; then echo "[setup] cannot read the pinned wasm-bindgen version from Cargo.toml" >&2; exit 1; fi

if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "wasm32 target: present"
else
  log "wasm32 target: installing"; rustup target add wasm32-unknown-unknown
fi
if rustup component list --installed | grep -qx rust-src; then
  log "rust-src: present"
else
  log "rust-src: installing"; rustup component add rust-src
fi

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
command -v firefox-esr >/dev/null 2>&1 || need_apt+=(firefox-esr)
command -v WebKitWebDriver >/dev/null 2>&1 || need_apt+=(webkit2gtk-driver)
compgen -G '/usr/lib/*/webkit2gtk-4.1/MiniBrowser' >/dev/null || need_apt+=(libwebkit2gtk-4.1-0)
command -v Xvfb >/dev/null 2>&1 || need_apt+=(xvfb)
command -v dbus-daemon >/dev/null 2>&1 || need_apt+=(dbus-daemon)
command -v cc >/dev/null 2>&1 || need_apt+=(gcc)

if [ ${#need_apt[@]} -gt 0 ]; then
  log "apt: installing ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
else
  log "chromium, firefox-esr, WebKitGTK (WebKitWebDriver, MiniBrowser), xvfb: present"
fi

if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" = "$WB_VERSION" ] \
   && command -v wasm-bindgen-test-runner >/dev/null 2>&1; then
  log "wasm-bindgen-cli $WB_VERSION: present"
else
  # No --locked: its lock file wants a crate this registry lacks (TOOLCHAIN.md).
  log "wasm-bindgen-cli $WB_VERSION: installing (about 5 minutes)"
  cargo install -q wasm-bindgen-cli --version "$WB_VERSION" --force
fi

if [ "$(wasm-pack --version 2>/dev/null | awk '{print $2}')" = "$WASM_PACK_VERSION" ]; then
  log "wasm-pack $WASM_PACK_VERSION: present"
else
  log "wasm-pack $WASM_PACK_VERSION: installing (about 3 minutes)"
  cargo install -q wasm-pack --version "$WASM_PACK_VERSION" --force
fi

if [ "$(geckodriver --version 2>/dev/null | awk 'NR==1{print $2}')" = "$GECKODRIVER_VERSION" ]; then
  log "geckodriver $GECKODRIVER_VERSION: present"
else
  log "geckodriver $GECKODRIVER_VERSION: installing (about 2 minutes)"
  cargo install -q geckodriver --version "$GECKODRIVER_VERSION" --locked --force
fi

if [ -f package.json ]; then
  if [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
    log "node packages: present"
  else
    log "node packages: installing"; npm ci --no-audit --no-fund --loglevel=error
  fi
fi
VENV=target/venv
if [ -x "$VENV/bin/python" ] && cmp -s scripts/testset/requirements.txt "$VENV/requirements.txt"; then
  log "python test-set packages: present"
else
  log "python test-set packages: installing (about 1 minute)"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r scripts/testset/requirements.txt
  cp scripts/testset/requirements.txt "$VENV/requirements.txt"
fi
log "done"
