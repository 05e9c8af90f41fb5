#!/usr/bin/env bash
# Release build of the app into dist/ (the app's wasm split at its #[lazy]
# screens by scripts/build-wasm.sh, then Trunk for the rest, the service
# worker and the compressed copies) and of the server. Expects
# scripts/setup.sh to have run.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"
export PAPI_WASM_DIR="${CARGO_TARGET_DIR:-$PWD/target}/wasm-out"
scripts/build-wasm.sh "$PAPI_WASM_DIR"
TRUNK_OFFLINE=true TRUNK_SKIP_VERSION_CHECK=true trunk build --release --dist "${1:-dist}"
cargo build --release -p papi-server
