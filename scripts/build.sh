#!/usr/bin/env bash
# Release build of the app into dist/ (the app's wasm split at its #[lazy]
# screens by scripts/build-wasm.sh, then Trunk for the rest, the service
# worker and the compressed copies) and of the server. Expects
# scripts/setup.sh to have run. With nothing changed since the last build
# of the same dist/ (the sources, the lock files and the tools' versions),
# the app is not built again.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"
target="${CARGO_TARGET_DIR:-$PWD/target}"
dist="${1:-dist}"
export PAPI_WASM_DIR="$target/wasm-out"

# What the app's build reads: a hash of every source file and of the tools.
inputs() {
  {
    find src core/src xlsx-worker tools public style data scripts -type f \
      -not -path '*/target/*' -print0 | sort -z | xargs -0 sha256sum
    sha256sum index.html Cargo.toml Cargo.lock Trunk.toml package-lock.json \
      core/Cargo.toml xlsx-worker/Cargo.toml
    rustc --version; trunk --version; wasm-bindgen --version; wasm-opt --version
  } | sha256sum | cut -c1-64
}
stamp="$target/build-inputs.$(echo "$dist" | tr '/' '_')"
now="$(inputs)"
if [ -f "$dist/index.html" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$now" ]; then
  echo "build: $dist/ is up to date (nothing changed since its build)"
else
  echo "build: the app, in release mode (a few minutes; longer the first time on a new machine)"
  rm -f "$stamp"
  scripts/build-wasm.sh "$PAPI_WASM_DIR"
  CARGO_TERM_QUIET=true TRUNK_OFFLINE=true TRUNK_SKIP_VERSION_CHECK=true trunk build --quiet --release --dist "$dist"
  mkdir -p "$target"
  echo "$now" > "$stamp"
fi
echo "build: the server"
cargo build -q --release -p papi-server
