#!/usr/bin/env bash
# Set up what is missing, then run every test:
#   0. the app crate's modules depend on each other one way (no cycle);
#   1. native unit, property and data tests of the core and the server;
#   2. the storage layer in headless Chromium (wasm-bindgen-test);
#   3. end-to-end tests of the release build with Playwright and Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh test
# One clean build per run: incremental caches would only fill the disk.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

echo "== module layering (no cycle in src/, ARCHITECTURE.md)"
node scripts/check-modules.mjs

echo "== native tests (core, server)"
cargo test -p papi-core -p papi-server

echo "== storage layer in Chromium (wasm-bindgen-test)"
CHROMEDRIVER=/usr/bin/chromedriver cargo test -p papi-tracker --target wasm32-unknown-unknown

echo "== end-to-end (Playwright, Chromium)"
scripts/build.sh
# A test that hangs fails after 10 minutes, and a browser or server a failed
# test left behind cannot keep the run alive.
node --test --test-concurrency=1 --test-timeout=600000 --test-force-exit tests/e2e/*.test.mjs
