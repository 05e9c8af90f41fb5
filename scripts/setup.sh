#!/usr/bin/env bash
# Idempotent set-up for a fresh machine: installs only what is missing, and
# nothing from outside the package registries (crates.io, npm, Debian).
#
#   scripts/setup.sh app    # what building and serving the app needs
#   scripts/setup.sh test   # that, plus Chromium, ChromeDriver and test deps
#
# Source it (". scripts/setup.sh app") to keep the PATH it sets.
set -euo pipefail

_papi_setup() {
  local want="${1:-app}"
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  cd "$root"
  export PATH="$HOME/.cargo/bin:$root/node_modules/.bin:$PATH"
  say() { echo "setup: $*" >&2; }

  command -v rustup >/dev/null || { say "rustup not found: install Rust with rustup (https://rustup.rs) first"; return 1; }
  command -v npm >/dev/null || { say "npm not found: install Node.js 20 or later and npm first"; return 1; }
  local node_major
  node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
  if [ "$node_major" -lt 20 ]; then
    say "Node.js $(node --version 2>/dev/null || echo missing) is too old: Playwright and the test runner need 20 or later"
    return 1
  fi

  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi

  if ! trunk --version 2>/dev/null | grep -qx 'trunk 0.21.14'; then
    say "installing Trunk 0.21.14 (about 14 minutes on 2 cores, once)"
    cargo install trunk --version 0.21.14 --locked
  fi

  # wasm-bindgen CLI at exactly the library version in Cargo.lock, which
  # Trunk.toml pins too: Trunk must not try to download it.
  local wbg pinned
  wbg="$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
  pinned="$(sed -n 's/^wasm_bindgen = "\(.*\)"/\1/p' Trunk.toml)"
  if [ "$wbg" != "$pinned" ]; then
    say "Cargo.lock has wasm-bindgen $wbg but Trunk.toml pins $pinned: make them agree"
    return 1
  fi
  if ! wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $wbg"; then
    say "installing wasm-bindgen-cli $wbg (about 6 minutes, once)"
    cargo install wasm-bindgen-cli --version "$wbg"
  fi

  # wasm-opt 132 from npm (Debian's binaryen 108 builds a wasm that fails at
  # start), plus Playwright and axe-core for the tests: package-lock.json.
  if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -f node_modules/.package-lock.json ] \
     || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "installing Node packages (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error
  fi
  if ! wasm-opt --version | grep -q 'version 132'; then
    say "wasm-opt on PATH is not version 132: $(command -v wasm-opt)"
    return 1
  fi

  if [ "$want" = test ]; then
    # Chromium and its driver for the browser tests; systemd-analyze to
    # verify the service units in deploy/.
    local debs=()
    command -v chromium >/dev/null || debs+=(chromium)
    command -v chromedriver >/dev/null || debs+=(chromium-driver)
    command -v systemd-analyze >/dev/null || debs+=(systemd)
    if [ "${#debs[@]}" -gt 0 ]; then
      say "installing Debian's ${debs[*]}"
      if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${debs[@]}" >/dev/null
      elif command -v sudo >/dev/null; then
        sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${debs[@]}" >/dev/null
      else
        say "${debs[*]} missing: install them as root (apt-get install ${debs[*]})"
        return 1
      fi
    fi
  fi
  say "ready ($want)"
}

_papi_setup "$@"
