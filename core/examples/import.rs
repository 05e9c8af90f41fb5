//! Native twin of the browser's district import (BENCHMARKS.md): read every
//! batch file in a folder, parse and check it, dry-run it, then apply it, as
//! `src/inbox.rs` does in the browser. Prints JSON timings (milliseconds).
//!
//!     cargo run --release -p papi-core --example import -- DIR DISTRICT_CODE

use std::time::Instant;

use papi_core::batch::parse_signed_file;
use papi_core::merge::{Overlay, Received, Scope, Verdict};
use papi_core::trust::{KeySource, Keyring};
use papi_core::{Plan, Units};

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().expect("a folder of batch files");
    let district = args.next().expect("a district code");
    let plan = Plan::from_json(papi_core::BAC_KAN_124_2020).unwrap();
    let units = Units::from_json(papi_core::BAC_KAN_UNITS_2020).unwrap();
    let scope = Scope::District(district);
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    let files: Vec<Vec<u8>> = paths.iter().map(|p| std::fs::read(p).unwrap()).collect();
    let now = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
    // The district knows every sending device, as the browser run's does.
    let mut keyring = Keyring::new();
    for f in &files {
        let origin = parse_signed_file(f, &plan, &units, now).unwrap().origin;
        if origin.signer.is_some() {
            keyring.trust(&origin, now, KeySource::Officer).unwrap();
        }
    }
    let mut runs = vec![];
    for _ in 0..5 {
        let mut held = Received::default();
        let t0 = Instant::now();
        let mut plans = vec![];
        {
            let mut overlay = Overlay::new(&held);
            for f in &files {
                let parsed = parse_signed_file(f, &plan, &units, now).unwrap();
                assert!(keyring.judge(&parsed.origin).may_apply(false));
                for b in parsed.batches {
                    let v = overlay.plan(&b, &scope, &units, now);
                    plans.push((b, v));
                }
            }
        }
        let dry = t0.elapsed();
        let mut records = 0;
        for (b, v) in &plans {
            if let Verdict::Accepted(c) = v {
                held.apply(b, c, now);
                records += b.records.len();
            }
        }
        let total = t0.elapsed();
        runs.push((
            dry.as_secs_f64() * 1e3,
            total.as_secs_f64() * 1e3,
            records,
            held.records.len(),
        ));
    }
    runs.sort_by(|a, b| a.1.total_cmp(&b.1));
    let (dry, total, records, held) = runs[runs.len() / 2];
    println!(
        "{{\"files\":{},\"records\":{records},\"held\":{held},\"dry_run_ms\":{dry:.1},\"total_ms\":{total:.1}}}",
        files.len()
    );
}
