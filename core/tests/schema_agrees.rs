//! The JSON Schema (docs/batch.schema.json) and the core's `batch::parse`
//! judge the same example files (docs/examples/) the same way: a file named
//! `valid-*` passes both, `invalid-*` fails both. The examples are made here
//! from the shipped plan and units; `PAPI_WRITE_EXAMPLES=1 cargo test -p
//! papi-core --test schema_agrees` writes them anew after a format change.
//!
//! The schema and docs/batch-format.md are also held to the declaration of
//! the record's fields (`papi_core::record::FIELDS`), field by field: each
//! version's fields, each text's limit, emptiness and line-break rule; and
//! to the declarations of the unit's other entries (`assessment::FIELDS`,
//! `submission::FIELDS`, `comment::FIELDS`) the same way.

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use papi_core::activity::{new_id, Activity, ActivityFields, Author, Status, MAX_REVISION};
use papi_core::assessment::Assessment;
use papi_core::batch::{self, Batch, BatchKind, Header, BATCH_VERSION, MAX_SEQ};
use papi_core::comment::Comment;
use papi_core::declared::{self, Spec};
use papi_core::evidence::FileRef;
use papi_core::record::Field;
use papi_core::record::{Kind, FIELDS};
use papi_core::signature::DeviceKey;
use papi_core::submission::Submission;
use papi_core::{Plan, Units};
use serde_json::{json, Value};

fn plan() -> Plan {
    Plan::from_json(papi_core::BAC_KAN_124_2020).unwrap()
}

fn units() -> Units {
    Units::from_json(papi_core::BAC_KAN_UNITS_2020).unwrap()
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2021, 6, 1, 8, 0, 0).unwrap()
}

fn record(n: u8) -> Activity {
    let by = Author {
        name: "Hà Thị Bình",
        device_id: "0b5c8f9e-7a53-4d2b-9b1e-3f6a2c1d4e5f",
        now: Utc.with_ymd_and_hms(2020, 5, 1, 8, 0, 0).unwrap(),
    };
    let fields = ActivityFields::new(
        "2.3-1",
        NaiveDate::from_ymd_opt(2020, 4, 20).unwrap(),
        &format!("Niêm yết công khai ngân sách xã, đợt {n}"),
        Status::Done,
    )
    .with(
        Field::DESCRIPTION,
        "Tại trụ sở UBND xã và nhà văn hóa các thôn",
    )
    .with(Field::PARTICIPANTS, "Cán bộ văn phòng, trưởng thôn")
    .with(Field::EVIDENCE, "TB 12/TB-UBND");
    Activity::create(new_id([n; 16]), "02194", fields, &by)
}

/// An evidence reference whose hash is the byte `n` 32 times; its
/// thumbnail's is `thumb` 32 times, if any.
fn file(n: u8, media_type: &str, size: u64, caption: &str, thumb: Option<u8>) -> FileRef {
    FileRef {
        sha256: format!("{n:02x}").repeat(32),
        media_type: media_type.into(),
        size,
        caption: caption.into(),
        thumb: thumb
            .map(|t| format!("{t:02x}").repeat(32))
            .unwrap_or_default(),
    }
}

/// Version 3's content on the example batch: files on the first record, an
/// assessment of 2020, a submission of its first half and a comment on the
/// first record.
fn with_version_3_content(b: &mut Batch) {
    b.records[0].fields.files = vec![
        file(
            0x3a,
            "image/jpeg",
            412_345,
            "Ảnh bảng tin nhà văn hóa thôn",
            Some(0xb3),
        ),
        file(
            0x7c,
            "application/pdf",
            1_234_567,
            "Biên bản niêm yết",
            None,
        ),
    ];
    let at = Utc.with_ymd_and_hms(2020, 5, 2, 2, 0, 0).unwrap();
    b.assessments = vec![Assessment {
        period: "2020".parse().unwrap(),
        results: "Niêm yết công khai ngân sách đúng hạn.\nNgười dân được biết.".into(),
        shortcomings: "Một số thôn chưa có bảng tin.".into(),
        direction: String::new(),
        proposals: "Đề nghị hỗ trợ kinh phí làm bảng tin.".into(),
        author: "Hà Thị Bình".into(),
        device_id: b.device_id.clone(),
        updated_at: at,
        revision: 1,
        deleted: false,
    }];
    b.submissions = vec![Submission {
        period: "2020-H1".parse().unwrap(),
        note: "Gửi báo cáo 6 tháng đầu năm.".into(),
        at,
        revision: 1,
        author: "Hà Thị Bình".into(),
        device_id: b.device_id.clone(),
    }];
    b.comments = vec![Comment {
        id: new_id([0x5c; 16]),
        record: b.records[0].id,
        text: "Đã bổ sung ảnh bảng tin theo ý kiến của Sở Nội vụ.".into(),
        author: "Hà Thị Bình".into(),
        device_id: b.device_id.clone(),
        updated_at: at,
        revision: 1,
        deleted: false,
    }];
}

/// The examples' device key (secret bytes 0x42 × 32: published, so never
/// a real device's).
fn example_key() -> DeviceKey {
    DeviceKey::from_secret([0x42; 32])
}

fn unsigned(change: impl FnOnce(&mut Batch)) -> Batch {
    let (plan, units) = (plan(), units());
    let signer = example_key().public_hex();
    let h = Header {
        plan: &plan,
        units: &units.id,
        unit_code: "02194",
        device_id: "0b5c8f9e-7a53-4d2b-9b1e-3f6a2c1d4e5f",
        created_at: Utc.with_ymd_and_hms(2020, 5, 2, 3, 0, 0).unwrap(),
        signer: &signer,
    };
    let mut b = Batch::seal(&h, BatchKind::Changes, 1, vec![record(1), record(2)]);
    change(&mut b);
    b.sha256 = b.content_hash();
    b
}

/// Sealed and signed after `change`, so the check under test is the one
/// that fires.
fn sealed(change: impl FnOnce(&mut Batch)) -> String {
    unsigned(change).sign_with(&example_key()).to_json()
}

/// Each example: its file name and its text.
fn examples() -> Vec<(&'static str, String)> {
    let canonical = "2020-05-02T03:00:00.000Z";
    vec![
        ("valid-changes.json", sealed(|_| {})),
        ("valid-version-2.json", sealed(|b| b.format_version = 2)),
        ("valid-version-3.json", sealed(with_version_3_content)),
        (
            "invalid-version-2-with-files.json",
            sealed(|b| b.format_version = 2).replacen(
                "\"deleted\": false",
                "\"deleted\": false,\n      \"files\": []",
                1,
            ),
        ),
        (
            "invalid-version-2-with-assessments.json",
            sealed(|b| b.format_version = 2).replacen(
                "\"sha256\":",
                "\"assessments\": [],\n  \"sha256\":",
                1,
            ),
        ),
        (
            "invalid-version-3-without-submissions.json",
            sealed(|_| {}).replacen("\"submissions\": [],", "", 1),
        ),
        (
            "invalid-file-hash-upper-case.json",
            sealed(|b| {
                with_version_3_content(b);
                b.records[0].fields.files[0].sha256 = "3A".repeat(32);
            }),
        ),
        (
            "invalid-file-type.json",
            sealed(|b| {
                with_version_3_content(b);
                b.records[0].fields.files[0].media_type = "image/gif".into();
            }),
        ),
        (
            "invalid-image-too-big.json",
            sealed(|b| {
                with_version_3_content(b);
                b.records[0].fields.files[0].size = 4_000_001;
            }),
        ),
        (
            "invalid-too-many-files.json",
            sealed(|b| {
                b.records[0].fields.files = (1..=21)
                    .map(|n| file(n, "image/webp", 90_000, "", None))
                    .collect();
            }),
        ),
        (
            "invalid-period.json",
            sealed(with_version_3_content).replacen("\"2020-H1\"", "\"2020-H3\"", 1),
        ),
        (
            "invalid-section-too-long.json",
            sealed(|b| {
                with_version_3_content(b);
                b.assessments[0].results = "ạ".repeat(4001);
            }),
        ),
        (
            "invalid-submission-revision-0.json",
            sealed(|b| {
                with_version_3_content(b);
                b.submissions[0].revision = 0;
            }),
        ),
        (
            "invalid-comment-empty.json",
            sealed(|b| {
                with_version_3_content(b);
                b.comments[0].text = String::new();
            }),
        ),
        (
            "invalid-thumb-hash.json",
            sealed(|b| {
                with_version_3_content(b);
                b.records[0].fields.files[0].thumb = "b3".repeat(31);
            }),
        ),
        (
            "invalid-version-3-without-comments.json",
            sealed(|_| {}).replacen("\"comments\": [],", "", 1),
        ),
        (
            "valid-version-1.json",
            unsigned(|b| {
                b.format_version = 1;
                b.units = None;
                b.signer = None;
            })
            .to_json(),
        ),
        ("invalid-missing-signature.json", unsigned(|_| {}).to_json()),
        (
            "invalid-version-1-with-signer.json",
            unsigned(|b| b.format_version = 1)
                .sign_with(&example_key())
                .to_json(),
        ),
        (
            "invalid-signature-not-hex.json",
            unsigned(|_| {})
                .sign_with(&example_key())
                .to_json()
                .replacen("\"signature\": \"", "\"signature\": \"ZZ", 1),
        ),
        (
            "invalid-signer-upper-case.json",
            unsigned(|b| b.signer = b.signer.as_ref().map(|k| k.to_uppercase()))
                .sign_with(&example_key())
                .to_json(),
        ),
        (
            "valid-backup.json",
            sealed(|b| {
                b.kind = BatchKind::Backup;
                b.seq = 0;
            }),
        ),
        (
            "valid-largest-numbers.json",
            sealed(|b| {
                b.seq = MAX_SEQ;
                b.records[0].revision = MAX_REVISION;
            }),
        ),
        (
            "valid-longest-texts.json",
            sealed(|b| {
                let r = &mut b.records[0];
                r.author = "Ạ".repeat(100);
                r.fields.texts.set(Field::TITLE, "Ễ".repeat(200));
                r.fields.texts.set(
                    Field::DESCRIPTION,
                    format!("{}\n{}", "ạ".repeat(1999), "ố".repeat(2000)),
                );
                r.fields.texts.set(Field::PARTICIPANTS, "ư".repeat(1000));
                r.fields.texts.set(Field::EVIDENCE, "đ".repeat(500));
            }),
        ),
        (
            "invalid-seq-too-large.json",
            sealed(|b| b.seq = 1_000_000_000),
        ),
        (
            "invalid-revision-too-large.json",
            sealed(|b| b.records[0].revision = u32::MAX),
        ),
        (
            "invalid-author-too-long.json",
            sealed(|b| b.records[0].author = "A".repeat(40_000)),
        ),
        (
            "invalid-record-device-id-too-long.json",
            sealed(|b| b.records[0].device_id = "d".repeat(1_000)),
        ),
        (
            "invalid-device-id-too-long.json",
            sealed(|b| b.device_id = "d".repeat(65)),
        ),
        (
            "invalid-plan-version-too-long.json",
            sealed(|b| b.plan.version = "v".repeat(1_000)),
        ),
        (
            "invalid-nul-in-title.json",
            sealed(|b| b.records[0].fields.texts.set(Field::TITLE, "Họp\0dân")),
        ),
        (
            "invalid-line-break-in-title.json",
            sealed(|b| b.records[0].fields.texts.set(Field::TITLE, "Họp\ndân")),
        ),
        (
            "invalid-tab-in-description.json",
            sealed(|b| {
                b.records[0]
                    .fields
                    .texts
                    .set(Field::DESCRIPTION, "Họp\tdân")
            }),
        ),
        (
            "invalid-bidi-override-in-evidence.json",
            sealed(|b| {
                b.records[0]
                    .fields
                    .texts
                    .set(Field::EVIDENCE, "TB \u{202E}21")
            }),
        ),
        (
            "invalid-bidi-mark-in-author.json",
            sealed(|b| b.records[0].author = "Hà\u{200F}Bình".into()),
        ),
        (
            "invalid-not-nfc-title.json",
            sealed(|b| {
                b.records[0]
                    .fields
                    .texts
                    .set(Field::TITLE, "Nguye\u{302}\u{303}n")
            }),
        ),
        (
            "invalid-time-without-milliseconds.json",
            sealed(|_| {}).replacen(canonical, "2020-05-02T03:00:00Z", 1),
        ),
        (
            "invalid-time-with-offset.json",
            sealed(|_| {}).replacen(canonical, "2020-05-02T03:00:00.000+00:00", 1),
        ),
        (
            "invalid-unknown-record-field.json",
            sealed(|_| {}).replacen("\"revision\":", "\"extra\": 1,\n      \"revision\":", 1),
        ),
        (
            "invalid-unknown-field.json",
            sealed(|_| {}).replacen("\"records\":", "\"extra\": 1,\n  \"records\":", 1),
        ),
        (
            "invalid-negative-seq.json",
            sealed(|_| {}).replacen("\"seq\": 1,", "\"seq\": -1,", 1),
        ),
        (
            "invalid-fractional-seq.json",
            sealed(|_| {}).replacen("\"seq\": 1,", "\"seq\": 1.5,", 1),
        ),
    ]
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/examples")
}

#[test]
fn the_example_files_are_current() {
    let write = std::env::var_os("PAPI_WRITE_EXAMPLES").is_some();
    for (name, text) in examples() {
        let path = dir().join(name);
        if write {
            std::fs::write(&path, &text).unwrap();
        }
        let on_disk = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!("{}: {e} (PAPI_WRITE_EXAMPLES=1 writes it)", path.display())
        });
        assert_eq!(
            on_disk, text,
            "{name} is stale: PAPI_WRITE_EXAMPLES=1 writes it anew"
        );
    }
}

fn schema() -> Value {
    serde_json::from_str(include_str!("../../docs/batch.schema.json")).unwrap()
}

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::options()
        .with_format("nfc", papi_core::text::is_nfc)
        .should_validate_formats(true)
        .build(schema)
        .unwrap()
}

#[test]
fn schema_and_core_agree_on_every_example() {
    let schema = schema();
    let validator = validator(&schema);
    let (plan, units) = (plan(), units());
    let mut seen = 0;
    for entry in std::fs::read_dir(dir()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let expected = name.starts_with("valid-");
        let by_schema = serde_json::from_str(&text).is_ok_and(|v| validator.is_valid(&v));
        let by_core = batch::parse(text.as_bytes(), &plan, &units, now());
        assert_eq!(by_schema, expected, "{name}: the schema says {by_schema}");
        assert_eq!(
            by_core.is_ok(),
            expected,
            "{name}: the core says {by_core:?}"
        );
        if let Err(e) = by_core {
            assert!(!e.message_vi().is_empty());
        }
        seen += 1;
    }
    assert_eq!(
        seen,
        examples().len(),
        "every example file is one this test makes"
    );
}

/// The example of a valid batch (of `BATCH_VERSION`) as JSON.
fn valid_changes() -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir().join("valid-changes.json")).unwrap())
        .unwrap()
}

/// `valid_changes()` as a batch of `version` would carry it: the record
/// fields of that version only, and for version 1 no signature.
fn of_version(version: u32) -> Value {
    let mut b = valid_changes();
    b["format_version"] = json!(version);
    if version == 1 {
        let head = b.as_object_mut().unwrap();
        for k in ["units", "signer", "signature"] {
            head.remove(k);
        }
    }
    if version < 3 {
        let head = b.as_object_mut().unwrap();
        for k in batch::ENTRY_LISTS {
            head.remove(k);
        }
    }
    for r in b["records"].as_array_mut().unwrap() {
        for f in FIELDS.iter().filter(|f| f.since > version) {
            r.as_object_mut().unwrap().remove(f.wire);
        }
    }
    b
}

#[test]
fn the_schema_states_every_field_of_the_declaration() {
    let schema = schema();
    let v = validator(&schema);
    let record = &schema["$defs"]["record"];
    let mut props: Vec<&str> = record["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut declared: Vec<&str> = FIELDS.iter().map(|f| f.wire).collect();
    props.sort();
    declared.sort();
    assert_eq!(
        props, declared,
        "the schema's record fields are the declared ones"
    );
    let required: Vec<&str> = FIELDS
        .iter()
        .filter(|f| f.since <= 1)
        .map(|f| f.wire)
        .collect();
    assert_eq!(
        record["required"],
        json!(required),
        "version 1's fields, in the canonical order"
    );
    assert_eq!(
        schema["properties"]["format_version"]["enum"],
        json!((1..=BATCH_VERSION).collect::<Vec<_>>()),
        "the schema states every format version this build reads"
    );
    // Each version's records carry exactly its fields: each one is
    // required, a later version's is refused.
    for version in 1..=BATCH_VERSION {
        let b = of_version(version);
        assert!(v.is_valid(&b), "a version {version} batch");
        for f in FIELDS {
            let mut changed = b.clone();
            let r = changed["records"][0].as_object_mut().unwrap();
            if f.since <= version {
                r.remove(f.wire);
            } else {
                r.insert(f.wire.into(), json!(""));
            }
            assert!(
                !v.is_valid(&changed),
                "version {version}: the schema must {} `{}`",
                if f.since <= version {
                    "require"
                } else {
                    "refuse"
                },
                f.wire
            );
        }
    }
    // Each text's limit, whether it may be empty, and its line-break rule.
    let with = |wire: &str, value: String| {
        let mut b = valid_changes();
        b["records"][0][wire] = json!(value);
        v.is_valid(&b)
    };
    for f in FIELDS.iter().filter(|f| f.max > 0) {
        let w = f.wire;
        assert_eq!(
            record["properties"][w]["maxLength"],
            json!(f.max),
            "`{w}`'s limit"
        );
        assert!(!with(w, "ạ".repeat(f.max + 1)), "`{w}` past its limit");
        if f.kind != Kind::UnitCode {
            // (A unit code is also a pattern.)
            assert!(with(w, "ạ".repeat(f.max)), "`{w}` at its limit");
        }
        assert_eq!(with(w, String::new()), f.optional, "`{w}` empty");
        assert_eq!(
            with(w, "a\nb".into()),
            f.multiline,
            "`{w}` with a line break"
        );
    }
}

const DOC: &str = include_str!("../../docs/batch-format.md");

fn backticked(s: &'static str) -> Vec<&'static str> {
    s.split('`').skip(1).step_by(2).collect()
}

/// The declared names the document lists after `intro` ("A record
/// carries:"), in its order, up to the paragraph's end.
fn listed_after(intro: &str, declared: &[&str]) -> Vec<&'static str> {
    let list = DOC
        .split(intro)
        .nth(1)
        .and_then(|s| s.split("\n\n").next())
        .unwrap_or_else(|| panic!("docs/batch-format.md lists what follows {intro:?}"));
    backticked(list)
        .into_iter()
        .filter(|n| declared.contains(n))
        .collect()
}

/// The limits table's rows: the names in the first cell, the limit.
fn limit_rows() -> Vec<(Vec<&'static str>, &'static str)> {
    let limits = DOC.split("## Limits").nth(1).unwrap();
    limits
        .lines()
        .take_while(|l| !l.starts_with("## "))
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<&str> = l.split(" | ").collect();
            (backticked(cells[0]), cells[1])
        })
        .collect()
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A text's row in the limits table states its limit, whether it may be
/// empty and its line-break rule: the first row that names the field and
/// mentions `within`.
fn assert_limit_row(wire: &str, max: usize, optional: bool, multiline: bool, within: &str) {
    let rows = limit_rows();
    let (_, limit) = rows
        .iter()
        .filter(|(names, _)| names.contains(&wire))
        .find(|(_, limit)| limit.contains(within))
        .unwrap_or_else(|| panic!("`{wire}` has a row in the limits table ({within:?})"));
    let n = thousands(max);
    let stated = match optional {
        true => format!("at most {n} characters"),
        false => format!("1–{n} characters"),
    };
    assert!(
        limit.contains(&stated),
        "`{wire}`: {limit:?} should say {stated:?}"
    );
    assert_eq!(
        limit.contains("line breaks"),
        multiline,
        "`{wire}`: {limit:?}"
    );
}

#[test]
fn the_format_document_states_every_field_of_the_declaration() {
    let wires: Vec<&str> = FIELDS.iter().map(|f| f.wire).collect();
    assert_eq!(
        listed_after("A record carries:", &wires),
        wires,
        "the record's fields, in the canonical order"
    );
    for f in FIELDS.iter().filter(|f| f.max > 0) {
        assert_limit_row(f.wire, f.max, f.optional, f.multiline, "");
    }
}

#[test]
fn the_format_document_states_every_field_of_the_unit_entries() {
    for (intro, fields) in [
        ("An assessment carries:", papi_core::assessment::FIELDS),
        ("A submission carries:", papi_core::submission::FIELDS),
        ("A comment carries:", papi_core::comment::FIELDS),
    ] {
        let wires: Vec<&str> = fields.iter().map(|f| f.wire).collect();
        assert_eq!(listed_after(intro, &wires), wires, "{intro}");
        for f in fields.iter().filter(|f| f.max > 0) {
            // `author` and `device_id` share the record's rows.
            assert_limit_row(f.wire, f.max, f.optional, f.multiline, "");
        }
    }
}

/// The v1 and v2 examples' hashes as they were before version 3: a
/// version only adds, so every earlier batch keeps its bytes, hash and
/// signature.
const EARLIER: &[(&str, u32, &str)] = &[
    (
        "valid-version-1.json",
        1,
        "2b58038bb91eed1273d6f5a377c37a1bb8e0d07dee00848c1aa0ed085b7655af",
    ),
    (
        "valid-version-2.json",
        2,
        "6cb883a8e4ea4f0d760d155bac8d47b8253fc4bc2971eff8487b0109cbb3c8d3",
    ),
];

#[test]
fn earlier_versions_still_read_with_the_same_bytes_hash_and_signature() {
    let (plan, units) = (plan(), units());
    for (name, version, sha256) in EARLIER {
        let text = std::fs::read_to_string(dir().join(name)).unwrap();
        // `parse` checks the hash and, from version 2, the signature.
        let b = batch::parse(text.as_bytes(), &plan, &units, now()).unwrap();
        assert_eq!((b.format_version, b.sha256.as_str()), (*version, *sha256));
        assert_eq!(
            b.content_hash(),
            *sha256,
            "{name}: the same canonical bytes"
        );
        assert_eq!(b.to_json(), text, "{name}: written again, the same file");
        assert!(!text.contains("\"files\"") && !text.contains("assessments"));
    }
}

/// The example with version 3's content, as JSON.
fn with_version_3() -> Value {
    let path = dir().join("valid-version-3.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The schema states a unit entry's fields as its table declares them.
fn assert_schema_states(def: &str, list: &str, fields: &[Spec]) {
    let schema = schema();
    let v = validator(&schema);
    let entry = &schema["$defs"][def];
    let wires: Vec<&str> = fields.iter().map(|f| f.wire).collect();
    let mut props: Vec<&str> = entry["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut sorted = wires.clone();
    props.sort();
    sorted.sort();
    assert_eq!(props, sorted, "{def}: the declared fields");
    assert_eq!(
        entry["required"],
        json!(wires),
        "{def}: all, in the canonical order"
    );
    let with = |change: &dyn Fn(&mut serde_json::Map<String, Value>)| {
        let mut b = with_version_3();
        change(b[list][0].as_object_mut().unwrap());
        v.is_valid(&b)
    };
    assert!(with(&|_| {}), "{def}: the example");
    for f in fields {
        assert!(
            !with(&|e| {
                e.remove(f.wire);
            }),
            "{def}: `{}` required",
            f.wire
        );
    }
    for f in fields.iter().filter(|f| f.max > 0) {
        let w = f.wire;
        let set = |value: String| {
            with(&move |e| {
                e.insert(w.into(), json!(value));
            })
        };
        assert_eq!(
            entry["properties"][w]["maxLength"],
            json!(f.max),
            "`{w}`'s limit"
        );
        assert!(!set("ạ".repeat(f.max + 1)), "`{w}` past its limit");
        assert!(set("ạ".repeat(f.max)), "`{w}` at its limit");
        assert_eq!(set(String::new()), f.optional, "`{w}` empty");
        assert_eq!(set("a\nb".into()), f.multiline, "`{w}` with a line break");
    }
}

#[test]
fn the_schema_states_every_field_of_the_unit_entries() {
    assert_schema_states("assessment", "assessments", papi_core::assessment::FIELDS);
    assert_schema_states("submission", "submissions", papi_core::submission::FIELDS);
    assert_schema_states("comment", "comments", papi_core::comment::FIELDS);
    // The same texts by the core's own checks (`declared::check`).
    let b = batch::parse(
        with_version_3().to_string().as_bytes(),
        &plan(),
        &units(),
        now(),
    )
    .unwrap();
    assert_eq!(declared::check(&b.assessments[0]), Ok(()));
    assert_eq!(declared::check(&b.submissions[0]), Ok(()));
    assert_eq!(declared::check(&b.comments[0]), Ok(()));
}

#[test]
fn the_longest_texts_example_holds_every_typed_text_at_its_limit() {
    let text = std::fs::read_to_string(dir().join("valid-longest-texts.json")).unwrap();
    let b: Value = serde_json::from_str(&text).unwrap();
    let r = &b["records"][0];
    for f in FIELDS
        .iter()
        .filter(|f| matches!(f.kind, Kind::Typed | Kind::Author))
    {
        let len = r[f.wire].as_str().map(|s| s.chars().count());
        assert_eq!(len, Some(f.max), "`{}` at its limit in the example", f.wire);
    }
}
