#!/usr/bin/env bash
# The app's wasm, split at its #[lazy] points (Trunk cannot split):
#   1. cargo links the app with relocations kept (-C link-arg=--emit-relocs);
#   2. papi-wasm-split (tools/wasm-split, wasm_split_cli_support) cuts the
#      linked module into the main module and one chunk per split point,
#      with the chunks' loader __wasm_split.js;
#   3. wasm-bindgen on the main module (--keep-lld-exports: the chunks link
#      against its table, memory and stack);
#   4. the first-visit build (src/first_visit.rs: the first-run form alone,
#      for a device that keeps nothing yet): the same crate with the
#      feature first-visit, not split (each split point's body is cut to a
#      trap there: `not_in_first_visit!` in src/main.rs), through wasm-bindgen;
#   5. wasm-opt -Oz on every piece, terser on the JS.
# Output: OUT_DIR/papi-tracker.js, papi-tracker_bg.wasm, __wasm_split.js,
# the chunks (*.wasm), __wasm_split_manifest.json, and papi-first-visit.js
# with papi-first-visit_bg.wasm. scripts/place-wasm.mjs
# puts them into the Trunk build.
#   scripts/build-wasm.sh OUT_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"
out="${1:?usage: scripts/build-wasm.sh OUT_DIR}"
target="${CARGO_TARGET_DIR:-$PWD/target}"
work="$target/wasm-split"
rm -rf "$work" "$out"
mkdir -p "$work" "$out"
# Only what a user can act on: cargo's errors and warnings (not its
# progress), and none of the tools' notes on the name sections the splitter
# leaves (hundreds of "unknown name subsection" lines, harmless).
quiet() { "$@" 2> >(grep -v -e 'unknown name subsection' -e '^\[wasm-validator' >&2); }

cargo rustc -q --release --target wasm32-unknown-unknown --bin papi-tracker -- -C link-arg=--emit-relocs
cargo build -q --release -p papi-wasm-split
"$target/release/papi-wasm-split" "$target/wasm32-unknown-unknown/release/papi-tracker.wasm" "$work" papi-tracker
quiet wasm-bindgen --target web --no-typescript --keep-lld-exports --no-demangle \
  --out-dir "$work" --out-name papi-tracker "$work/papi-tracker_split.wasm"
rm "$work/papi-tracker_split.wasm"
cargo rustc -q --release --target wasm32-unknown-unknown --bin papi-tracker --features first-visit
quiet wasm-bindgen --target web --no-typescript --out-dir "$work" --out-name papi-first-visit \
  "$target/wasm32-unknown-unknown/release/papi-tracker.wasm"
for f in "$work"/*.wasm; do
  quiet wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue "$f" -o "$out/$(basename "$f")"
done
cp "$work/__wasm_split_manifest.json" "$out/"
# The JS on the first visit's path, minified (terser, from package-lock.json):
# the wasm's imports and the modules' exports keep their names.
for js in "$work"/*.js; do
  terser "$js" --module --compress --mangle --output "$out/$(basename "$js")"
done
[ -d "$work/snippets" ] && cp -r "$work/snippets" "$out/"
echo "build: the app's wasm, split into $(ls "$out"/*.wasm | wc -l) pieces, in $out"
