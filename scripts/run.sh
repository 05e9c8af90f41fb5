#!/usr/bin/env bash
# Set up what is missing, build the app in release mode, and run the server:
# the app, and the sync API with its SQLite database.
#   scripts/run.sh                                   # http://127.0.0.1:8080
#   PAPI_ADDR=0.0.0.0:8443 PAPI_TLS_CERT=cert.pem PAPI_TLS_KEY=key.pem scripts/run.sh
#   PAPI_DB=/srv/papi/papi.sqlite3 scripts/run.sh    # default: var/papi-server.sqlite3
# Tokens for units: target/release/papi-server unit add <code> --db <same file>
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh app
scripts/build.sh
db="${PAPI_DB:-var/papi-server.sqlite3}"
mkdir -p "$(dirname "$db")"
tls=()
if [[ -n "${PAPI_TLS_CERT:-}" ]]; then
  tls=(--tls-cert "$PAPI_TLS_CERT" --tls-key "${PAPI_TLS_KEY:?PAPI_TLS_KEY goes with PAPI_TLS_CERT}")
fi
exec target/release/papi-server serve --dist dist --addr "${PAPI_ADDR:-127.0.0.1:8080}" --db "$db" "${tls[@]}"
