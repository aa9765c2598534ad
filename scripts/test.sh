#!/usr/bin/env bash
# The one command that runs every test (README, .ci/run). Installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

bash scripts/setup.sh

step() { printf '\n==> %s\n' "$*"; }

step "format"
cargo fmt --all -- --check

step "clippy (native, all targets)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "clippy (wasm32, the browser library)"
cargo clippy -p id360-flow --target wasm32-unknown-unknown --locked -- -D warnings

step "native tests (library core, sandbox over HTTP)"
cargo test --workspace --locked
