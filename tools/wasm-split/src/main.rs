//! Splits the linked app wasm (built with `-C link-arg=--emit-relocs`) at its
//! `#[lazy]` split points, as cargo-leptos does, before wasm-bindgen runs on
//! the main module (`--keep-lld-exports`).
//!
//!   papi-wasm-split IN.wasm OUT_DIR OUT_NAME
//!
//! Writes OUT_DIR/OUT_NAME_split.wasm (the main module, for wasm-bindgen),
//! the chunks (*.wasm), their loader `__wasm_split.js` (which imports
//! `./OUT_NAME.js`), and `__wasm_split_manifest.json` (each split point and
//! the chunks it needs).
use std::path::PathBuf;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, out_dir, out_name] = args.as_slice() else {
        eprintln!("usage: papi-wasm-split IN.wasm OUT_DIR OUT_NAME");
        std::process::exit(2);
    };
    let input_wasm = std::fs::read(input).unwrap_or_else(|e| {
        eprintln!("papi-wasm-split: {input}: {e}");
        std::process::exit(1);
    });
    let out_dir = PathBuf::from(out_dir);
    std::fs::create_dir_all(&out_dir).expect("create the output directory");
    let main_out = out_dir.join(format!("{out_name}_split.wasm"));
    let main_module = format!("./{out_name}.js");
    let split = wasm_split_cli_support::transform({
        let mut opts = wasm_split_cli_support::Options::new(&input_wasm);
        opts.output_dir = &out_dir;
        opts.main_out_path = &main_out;
        opts.main_module = &main_module;
        opts.link_name = "./__wasm_split.js";
        opts
    })
    .unwrap_or_else(|e| {
        eprintln!("papi-wasm-split: {e:?}");
        std::process::exit(1);
    });
    let mut points: Vec<_> = split.prefetch_map.into_iter().collect();
    points.sort();
    let mut manifest = String::from("{\n");
    for (i, (point, deps)) in points.iter().enumerate() {
        let deps: Vec<String> = deps.iter().map(|d| format!("\"{d}\"")).collect();
        let comma = if i + 1 < points.len() { "," } else { "" };
        manifest.push_str(&format!("  \"{point}\": [{}]{comma}\n", deps.join(", ")));
    }
    manifest.push_str("}\n");
    std::fs::write(out_dir.join("__wasm_split_manifest.json"), manifest)
        .expect("write the manifest");
    println!(
        "papi-wasm-split: main module and {} chunks, {} split points",
        split.split_modules.len(),
        points.len()
    );
}
