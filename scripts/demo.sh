#!/usr/bin/env bash
# The main job: the demo against the local sandbox. Installs what it needs first.
# For now the demo is the sandbox itself (the demo page comes with the www-demo issue).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
bash scripts/setup.sh
exec cargo run --release --locked -p id360-sandbox -- "$@"
