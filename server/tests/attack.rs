//! The mixed attack of issue 26, scaled to CI's time, on the real server
//! process: one leaked commune token posting large junk from many clients,
//! tokenless uploads, idle and slowloris connections, while honest
//! communes post. The server's memory stays bounded, health answers, and
//! the honest communes are served in turn (not behind the junk).
//! BENCHMARKS.md has the full-size figures (examples/abuse.rs).

mod common;

use std::time::Duration;

use common::attack::{self, Attack, Honest};
use common::*;

fn honest(units: &[String], tokens: &[String], first_seq: u64, n: u64) -> Vec<Honest> {
    units
        .iter()
        .zip(tokens)
        .enumerate()
        .map(|(c, (unit, token))| Honest {
            unit: unit.clone(),
            token: token.clone(),
            bodies: (first_seq..first_seq + n)
                .map(|s| batch(unit, &format!("honest-{c}"), s, 50).to_json())
                .collect(),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_leaked_token_cannot_starve_the_province() {
    let bin = env!("CARGO_BIN_EXE_papi-server");
    let dir = temp_dir("attack");
    let db = dir.join("papi.sqlite3");
    let all = communes(5);
    let tokens: Vec<String> = all.iter().map(|u| unit_add_with(bin, &db, u)).collect();
    let (leaked_unit, leaked) = (&all[4], &tokens[4]);
    let (units, toks) = (&all[..4], &tokens[..4]);
    let (mut server, base) = spawn_server(bin, &dir, &db).await;
    let pid = server.id();

    // Unloaded: the honest communes alone.
    let (quiet, failed) = attack::honest_posts(
        &base,
        honest(units, toks, 1, 40),
        Duration::from_millis(50),
        None,
    )
    .await;
    assert!(failed.is_empty(), "{failed:?}");
    let (_, quiet_p99) = attack::p50_p99_ms(&quiet);

    let scaled = Attack {
        seconds: 12,
        junk_clients: 8,
        junk_bytes: 6_000_000,
        tokenless: 40,
        idle: 200,
        slowloris: 10,
    };
    let junk = attack::junk_batch(leaked_unit, scaled.junk_bytes);
    let out = attack::run(
        &base,
        pid,
        &scaled,
        leaked,
        junk,
        honest(units, toks, 41, 300),
    )
    .await;
    let (p50, p99) = attack::p50_p99_ms(&out.honest_latencies);
    eprintln!(
        "unloaded p99 {quiet_p99} ms; under attack p50 {p50} ms, p99 {p99} ms over {} posts; peak RSS {} MB; health max {:.0} ms; junk {:?}; tokenless {:?}",
        out.honest_latencies.len(),
        out.peak_rss_kb / 1024,
        out.health_max_ms,
        out.junk,
        out.tokenless
    );
    // Nothing honest was refused or lost, and health kept answering.
    assert!(out.honest_failed.is_empty(), "{:?}", out.honest_failed);
    assert!(
        out.honest_latencies.len() >= 40,
        "{}",
        out.honest_latencies.len()
    );
    assert_eq!(out.health_failed, 0);
    // The leaked token had one upload at a time: the rest were told to wait.
    assert!(
        out.junk.get(&429).copied().unwrap_or(0) > 0,
        "{:?}",
        out.junk
    );
    assert!(
        out.junk.get(&400).copied().unwrap_or(0) > 0,
        "{:?}",
        out.junk
    );
    // Memory bounded by design (the budget: < 300 MB).
    assert!(
        out.peak_rss_kb < 300 * 1024,
        "peak RSS {} MB",
        out.peak_rss_kb / 1024
    );
    // Fair: an honest batch waits for at most the one junk batch being
    // checked, never behind a queue of them (the issue's ≤ 3× in release
    // is in BENCHMARKS.md; a debug build on 2 shared cores gets room).
    let bound = (3.0 * quiet_p99).max(quiet_p99 + 250.0);
    assert!(
        p99 <= bound,
        "honest p99 {p99} ms under attack, over {bound} ms (unloaded {quiet_p99} ms)"
    );
    server.kill().ok();
    server.wait().ok();
}
