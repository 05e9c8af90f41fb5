#!/usr/bin/env bash
# Set up what is missing, build the app in release mode and serve it.
#   scripts/run.sh                 # http://127.0.0.1:8080
#   PAPI_ADDR=0.0.0.0:8080 scripts/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh app
scripts/build.sh
exec target/release/papi-server --dist dist --addr "${PAPI_ADDR:-127.0.0.1:8080}"
