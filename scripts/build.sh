#!/usr/bin/env bash
# Release build of the app into dist/ (Trunk, wasm-opt, service worker) and
# of the server. Expects scripts/setup.sh to have run.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"
TRUNK_OFFLINE=true TRUNK_SKIP_VERSION_CHECK=true trunk build --release --dist "${1:-dist}"
cargo build --release -p papi-server
