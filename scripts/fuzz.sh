#!/usr/bin/env bash
# The long fuzz run: structure-aware mutations of valid batches and bundles
# driven through parse, merge and the report figures (core/tests/fuzz.rs),
# in an optimised build, for as long as asked:
#
#   scripts/fuzz.sh 10m      # or 90s, 2h
#
# A short run of the same test is part of scripts/test.sh. A failing case is
# saved in core/tests/fuzz.proptest-regressions (commit it: every later run
# replays it first) and the run stops with the shrunk input.
set -euo pipefail
cd "$(dirname "$0")/.."
span="${1:-10m}"
case "$span" in
  *h) seconds=$(( ${span%h} * 3600 )) ;;
  *m) seconds=$(( ${span%m} * 60 )) ;;
  *s) seconds=${span%s} ;;
  *[!0-9]*|'') echo "fuzz.sh: give a duration such as 90s, 10m or 2h (got '$span')" >&2; exit 2 ;;
  *) seconds=$span ;;
esac
echo "fuzz: $seconds s"
PAPI_FUZZ_SECONDS="$seconds" cargo test --release -p papi-core --test fuzz -- --nocapture
