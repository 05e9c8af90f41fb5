//! Structure-aware fuzzing on stable Rust: valid batches and bundles,
//! mutated field by field (extreme numbers, hostile and huge texts, missing,
//! duplicated or retyped fields) and byte by byte, are driven through
//! `parse_file`, the merge and the report figures. Nothing may panic and no
//! input may take more than 100 ms.
//!
//! A short run is part of `cargo test`; `scripts/fuzz.sh 10m` runs for as
//! long as asked (`PAPI_FUZZ_SECONDS`). A failing case is saved by proptest
//! under `core/tests/fuzz.proptest-regressions` and replayed first on every
//! run: it becomes a regression test.

use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use papi_core::activity::{new_id, Activity, ActivityFields, Author, Status};
use papi_core::batch::{self, Batch, BatchKind, Bundle, Header};
use papi_core::merge::{gaps, Received, Scope, Verdict};
use papi_core::record::Field;
use papi_core::report::{self, Period, Rows};
use papi_core::signature::DeviceKey;
use papi_core::{Plan, Units};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::Value;

struct World {
    plan: Plan,
    units: Units,
}

fn world() -> &'static World {
    static W: std::sync::OnceLock<World> = std::sync::OnceLock::new();
    W.get_or_init(|| {
        let plan = Plan::from_json(papi_core::BAC_KAN_124_2020).unwrap();
        let units = Units::from_json(papi_core::BAC_KAN_UNITS_2020)
            .unwrap()
            .with_bodies(&plan);
        World { plan, units }
    })
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2021, 6, 1, 8, 0, 0).unwrap()
}

fn record(n: u8, unit: &str) -> Activity {
    let by = Author {
        name: "Hà Thị Bình",
        device_id: "dev-a",
        now: Utc.with_ymd_and_hms(2020, 5, 1, 8, 0, 0).unwrap(),
    };
    let fields = ActivityFields::new(
        "2.3-1",
        NaiveDate::from_ymd_opt(2020, 4, 20).unwrap(),
        &format!("Hoạt động {n}"),
        Status::Done,
    )
    .with(Field::DESCRIPTION, "Tại trụ sở UBND xã\nvà các thôn")
    .with(Field::EVIDENCE, "TB 12/TB-UBND");
    Activity::create(new_id([n; 16]), unit, fields, &by)
}

/// The seeds: a numbered batch, a backup, and a district's bundle.
fn seeds() -> Vec<Value> {
    let w = world();
    let signer = key().public_hex();
    let h = |unit| Header {
        plan: &w.plan,
        units: &w.units.id,
        unit_code: unit,
        device_id: "dev-a",
        created_at: Utc.with_ymd_and_hms(2020, 5, 2, 3, 0, 0).unwrap(),
        signer: &signer,
    };
    let recs = vec![record(1, "02194"), record(2, "02194"), record(3, "02137")];
    let changes =
        Batch::seal(&h("02194"), BatchKind::Changes, 3, recs[..2].to_vec()).sign_with(&key());
    let backup = batch::backup(batch::Holding::records(&recs), &h("02137")).sign_with(&key());
    let bundle = Bundle::seal(&h("066"), &recs, &Default::default()).sign_with(&key());
    [changes.to_json(), backup.to_json(), bundle.to_json()]
        .iter()
        .map(|t| serde_json::from_str(t).unwrap())
        .collect()
}

/// A hostile value for any place in the tree.
fn nasty() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::from(u64::MAX)),
        Just(Value::from(i64::MIN)),
        Just(Value::from(1e308)),
        Just(Value::from(0)),
        Just(Value::from(4_294_967_295u64)),
        Just(Value::from(1_000_000_000u64)),
        Just(Value::Null),
        Just(Value::Bool(true)),
        Just(Value::Array(vec![])),
        Just(Value::Object(Default::default())),
        Just(Value::from("x".repeat(40_000))),
        Just(Value::from("")),
        Just(Value::from("\0\u{202E}\u{200F}\t\r\n")),
        Just(Value::from("Nguye\u{302}\u{303}n")),
        Just(Value::from("2020-05-02T03:00:00Z")),
        Just(Value::from("9999-12-31T23:59:59.999Z")),
        Just(Value::from("0000-01-01")),
        Just(Value::from("papi-tracker.bundle")),
        Just(Value::from("02194")),
        Just(Value::from("06")),
        "\\PC{0,20}".prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
    ]
}

#[derive(Debug, Clone)]
enum Mutation {
    /// Replace the value at a path (picked by index) with a hostile one.
    Replace(prop::sample::Index, Value),
    /// Remove the key at a path.
    Remove(prop::sample::Index),
    /// Duplicate an array element (a record, a batch).
    Duplicate(prop::sample::Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (any::<prop::sample::Index>(), nasty()).prop_map(|(i, v)| Mutation::Replace(i, v)),
        1 => any::<prop::sample::Index>().prop_map(Mutation::Remove),
        1 => any::<prop::sample::Index>().prop_map(Mutation::Duplicate),
    ]
}

/// Every place in the tree, as a path of keys and indices.
fn places(v: &Value, path: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
    out.push(path.clone());
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                path.push(Value::from(k.as_str()));
                places(c, path, out);
                path.pop();
            }
        }
        Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                path.push(Value::from(i));
                places(c, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

fn at<'a>(v: &'a mut Value, path: &[Value]) -> Option<&'a mut Value> {
    path.iter().try_fold(v, |v, k| match k {
        Value::String(k) => v.get_mut(k.as_str()),
        _ => v.get_mut(k.as_u64()? as usize),
    })
}

fn apply(v: &mut Value, m: &Mutation) {
    let mut all = Vec::new();
    places(v, &mut Vec::new(), &mut all);
    let pick = |i: &prop::sample::Index| all[i.index(all.len())].clone();
    match m {
        Mutation::Replace(i, new) => {
            if let Some(slot) = at(v, &pick(i)) {
                *slot = new.clone();
            }
        }
        Mutation::Remove(i) => {
            let path = pick(i);
            if let Some((Value::String(k), parent)) = path.split_last() {
                if let Some(Value::Object(m)) = at(v, parent) {
                    m.remove(k);
                }
            }
        }
        Mutation::Duplicate(i) => {
            if let Some(Value::Array(a)) = at(v, &pick(i)) {
                if let Some(first) = a.first().cloned() {
                    a.push(first);
                }
            }
        }
    }
}

/// Seal again what still reads as a batch, so the mutated content gets
/// past the hash and reaches the deeper checks.
/// The seeds' device key: resealing signs again, so that mutations reach
/// the checks behind the signature.
fn key() -> DeviceKey {
    DeviceKey::from_secret([0x42; 32])
}

fn reseal(v: &mut Value) {
    let fix = |b: &mut Value| {
        if let Ok(mut parsed) = serde_json::from_value::<Batch>(b.clone()) {
            parsed.sha256 = parsed.content_hash();
            let parsed = parsed.sign_with(&key());
            if let Ok(again) = serde_json::to_value(&parsed) {
                *b = again;
            }
        }
    };
    if let Some(Value::Array(batches)) = v.get_mut("batches") {
        batches.iter_mut().for_each(fix);
        if let Ok(mut bundle) = serde_json::from_value::<Bundle>(v.clone()) {
            bundle.signature = Some(key().sign(&bundle.canonical()));
            if let Ok(again) = serde_json::to_value(&bundle) {
                *v = again;
            }
        }
    } else {
        fix(v);
    }
}

#[derive(Debug, Clone)]
struct Case {
    seed: usize,
    mutations: Vec<Mutation>,
    reseal: bool,
    /// Byte-level damage after the tree: cut at, and a byte to flip.
    cut: Option<prop::sample::Index>,
    flip: Option<(prop::sample::Index, u8)>,
    bom: bool,
}

fn case() -> impl Strategy<Value = Case> {
    (
        0usize..3,
        prop::collection::vec(mutation(), 0..6),
        any::<bool>(),
        prop::option::weighted(0.1, any::<prop::sample::Index>()),
        prop::option::weighted(0.1, (any::<prop::sample::Index>(), any::<u8>())),
        prop::bool::weighted(0.1),
    )
        .prop_map(|(seed, mutations, reseal, cut, flip, bom)| Case {
            seed,
            mutations,
            reseal,
            cut,
            flip,
            bom,
        })
}

fn bytes_of(c: &Case) -> Vec<u8> {
    let mut v = seeds().swap_remove(c.seed);
    for m in &c.mutations {
        apply(&mut v, m);
    }
    if c.reseal {
        reseal(&mut v);
    }
    let mut bytes = serde_json::to_vec(&v).unwrap();
    if let Some((i, b)) = &c.flip {
        let i = i.index(bytes.len());
        bytes[i] = *b;
    }
    if let Some(i) = &c.cut {
        bytes.truncate(i.index(bytes.len()));
    }
    if c.bom {
        bytes.splice(0..0, *b"\xEF\xBB\xBF");
    }
    bytes
}

/// Everything a receiver does with a file: parse, merge at a district and
/// at the province, and every figure of the dashboards and the report.
fn drive(bytes: &[u8]) -> bool {
    let w = world();
    let Ok(batches) = batch::parse_file(bytes, &w.plan, &w.units, now()) else {
        return false;
    };
    for scope in [Scope::District("066".into()), Scope::Province] {
        let mut held = Received::default();
        for b in batches.iter().chain(&batches) {
            let v = held.import(b, &scope, &w.units, now());
            if let Verdict::Refused(r) = v {
                assert!(!r.message_vi(&w.units).is_empty());
            }
        }
        for g in gaps(held.receipts.values()) {
            g.message_vi(&w.units);
        }
        let rows = Rows::new(&scope, &w.units);
        let receipts: Vec<_> = held.receipts.values().collect();
        for period in [Period::Year(2020), Period::Quarter(2020, 2)] {
            let m = report::matrix(held.records.values(), &w.plan, &rows, period);
            report::unit_statuses(
                held.records.values(),
                &receipts,
                &held.delivered,
                &w.units,
                &scope,
                period,
                now().date_naive(),
            );
            report::report(held.records.values(), &w.plan, &w.units, &rows, period);
            report::workbook(held.records.values(), &m, &w.plan, &w.units, &rows, period);
        }
    }
    true
}

/// Run `cases` cases, or rounds of them for `PAPI_FUZZ_SECONDS` when set
/// (each round with a fresh random seed).
fn fuzz(cases: u32) {
    let seconds: Option<u64> = std::env::var("PAPI_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok());
    let deadline = seconds.map(|s| Instant::now() + Duration::from_secs(s));
    let mut tally = Tally::default();
    loop {
        round(cases, &mut tally);
        if deadline.is_none_or(|d| Instant::now() > d) {
            break;
        }
    }
    eprintln!(
        "fuzz: {} cases, {} accepted and merged; slowest {:.1} ms of CPU",
        tally.ran,
        tally.accepted,
        tally.slowest.as_secs_f64() * 1000.0
    );
    // Mutations that always break the file would test only the parser's
    // front door: enough cases must reach the merge and the figures.
    assert!(
        tally.accepted * 10 >= tally.ran,
        "only {} of {} cases got past parsing",
        tally.accepted,
        tally.ran
    );
}

#[derive(Default)]
struct Tally {
    ran: u64,
    accepted: u64,
    slowest: Duration,
}

/// One proptest run of `cases` cases; a failure is saved and panics.
fn round(cases: u32, tally: &mut Tally) {
    let config = Config {
        cases,
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::Direct(
                "tests/fuzz.proptest-regressions",
            ),
        )),
        ..Config::default()
    };
    let tally = std::cell::RefCell::new(tally);
    let result = TestRunner::new(config).run(&case(), |c| {
        let bytes = bytes_of(&c);
        // CPU time of this thread: what the input costs, whatever else the
        // machine is doing.
        let started = cpu_time::ThreadTime::now();
        let accepted = drive(&bytes);
        let took = started.elapsed();
        {
            let mut t = tally.borrow_mut();
            t.ran += 1;
            t.accepted += accepted as u64;
            t.slowest = t.slowest.max(took);
        }
        // Unoptimised test builds are slower than what ships: the budget
        // holds for release builds (scripts/fuzz.sh), 5× for debug ones.
        let budget = if cfg!(debug_assertions) { 500 } else { 100 };
        prop_assert!(
            took < Duration::from_millis(budget),
            "{} bytes took {took:?}",
            bytes.len()
        );
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn mutated_batches_and_bundles_never_panic_or_stall() {
    fuzz(300);
}
