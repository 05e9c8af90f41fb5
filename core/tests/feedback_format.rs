//! docs/feedback-format.md, docs/feedback.schema.json and the core judge the
//! same example files (docs/feedback-examples/) the same way: `valid-*`
//! passes both, `invalid-*` fails both. The examples are made here
//! (`PAPI_WRITE_EXAMPLES=1` writes them anew).

use std::path::{Path, PathBuf};

use chrono::{NaiveDate, TimeZone, Utc};
use papi_core::activity::new_id;
use papi_core::batch::PlanRef;
use papi_core::comment::Comment;
use papi_core::feedback::{self, Feedback, Reminder, Says, Sender};
use papi_core::review::{Action, Decision, ReviewPeriod};
use papi_core::signature::DeviceKey;
use serde_json::Value;

/// The examples' device key (published: never a real device's).
fn key() -> DeviceKey {
    DeviceKey::from_secret([0x43; 32])
}

fn says() -> Says {
    let at = Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).unwrap();
    let period = ReviewPeriod::year(2026);
    let mut accepted = std::collections::BTreeMap::new();
    accepted.insert(new_id([7; 16]), 2);
    Says {
        decisions: vec![
            Decision {
                unit_code: "01864".into(),
                plan_id: "thai-nguyen-papi-2026".into(),
                period,
                action: Action::SendBack,
                reason: "Thiếu biên bản đối thoại với Nhân dân".into(),
                submission: 1,
                accepted: Default::default(),
                at,
                author: "Trần Văn Sở".into(),
            },
            Decision {
                unit_code: "01864".into(),
                plan_id: "thai-nguyen-papi-2026".into(),
                period,
                action: Action::Accept,
                reason: String::new(),
                submission: 2,
                accepted,
                at: at + chrono::Duration::days(2),
                author: "Trần Văn Sở".into(),
            },
        ],
        reminders: vec![Reminder {
            id: new_id([5; 16]),
            unit_code: "01864".into(),
            plan_id: "thai-nguyen-papi-2026".into(),
            period,
            deadline: NaiveDate::from_ymd_opt(2026, 12, 15).unwrap(),
            text: "Đề nghị gửi báo cáo năm trước hạn".into(),
            at: at - chrono::Duration::days(10),
            author: "Trần Văn Sở".into(),
        }],
        comments: vec![Comment {
            id: new_id([9; 16]),
            record: new_id([7; 16]),
            text: "Cần bổ sung minh chứng:\nảnh bảng niêm yết".into(),
            author: "Trần Văn Sở".into(),
            device_id: "so-noi-vu-1".into(),
            updated_at: at,
            revision: 1,
            deleted: false,
        }],
    }
}

fn sealed(says: Says, change: impl FnOnce(&mut Feedback)) -> Feedback {
    let plan = PlanRef {
        id: "thai-nguyen-papi-2026".into(),
        version: "2026.1".into(),
    };
    let signer = key().public_hex();
    let from = Sender {
        plan: &plan,
        units: "thai-nguyen-2025",
        from_unit: "19",
        device_id: "so-noi-vu-1",
        signer: &signer,
    };
    let at = Utc.with_ymd_and_hms(2026, 12, 3, 2, 0, 0).unwrap();
    let mut f = Feedback::seal(&from, "01864", at, says);
    change(&mut f);
    // Hashed and signed after the change, so the check under test fires.
    f.sha256 = f.content_hash();
    f.sign_with(&key())
}

fn examples() -> Vec<(&'static str, String)> {
    let valid = sealed(says(), |_| {}).to_json();
    let tampered = valid.replace("Thiếu biên bản", "Thiếu báo cáo");
    let no_reason = sealed(says(), |f| f.decisions[0].reason = String::new()).to_json();
    let other_unit = sealed(says(), |f| f.reminders[0].unit_code = "01840".into()).to_json();
    let newer = sealed(says(), |f| f.format_version = 4).to_json();
    let empty_device = sealed(says(), |f| f.device_id = String::new()).to_json();
    vec![
        ("valid-feedback.json", valid),
        ("invalid-tampered.json", tampered),
        ("invalid-send-back-without-reason.json", no_reason),
        ("invalid-reminder-for-another-unit.json", other_unit),
        ("invalid-version-4.json", newer),
        ("invalid-empty-device-id.json", empty_device),
    ]
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/feedback-examples")
}

#[test]
fn the_example_files_are_current() {
    let write = std::env::var_os("PAPI_WRITE_EXAMPLES").is_some();
    if write {
        std::fs::create_dir_all(dir()).unwrap();
    }
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

/// The batch schema, whose definitions the feedback schema refers to, as
/// the one document the validator may fetch.
struct BatchSchema(Value);

impl jsonschema::Retrieve for BatchSchema {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        match uri.as_str() {
            "https://papi-tracker.example/schemas/batch-3.json" => Ok(self.0.clone()),
            other => Err(format!("not a schema of this project: {other}").into()),
        }
    }
}

fn validator() -> jsonschema::Validator {
    let batch: Value = serde_json::from_str(include_str!("../../docs/batch.schema.json")).unwrap();
    let schema: Value =
        serde_json::from_str(include_str!("../../docs/feedback.schema.json")).unwrap();
    jsonschema::options()
        .with_format("nfc", papi_core::text::is_nfc)
        .should_validate_formats(true)
        .with_retriever(BatchSchema(batch))
        .build(&schema)
        .unwrap()
}

#[test]
fn schema_and_core_agree_on_every_example() {
    let validator = validator();
    let mut seen = 0;
    for entry in std::fs::read_dir(dir()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let expected = name.starts_with("valid-");
        let by_schema = serde_json::from_str(&text).is_ok_and(|v| validator.is_valid(&v));
        let by_core = feedback::parse(text.as_bytes());
        // What only the core can tell: the hash, and that every item is
        // about the addressed unit.
        let core_only = [
            "invalid-tampered.json",
            "invalid-reminder-for-another-unit.json",
        ];
        if core_only.contains(&name.as_str()) {
            assert!(by_schema, "{name}: well formed");
        } else {
            assert_eq!(by_schema, expected, "{name}: the schema says {by_schema}");
        }
        assert_eq!(
            by_core.is_ok(),
            expected,
            "{name}: the core says {by_core:?}"
        );
        if let Err(e) = by_core {
            assert!(!e.message_vi(|c| c.into()).is_empty());
        }
        seen += 1;
    }
    assert_eq!(
        seen,
        examples().len(),
        "every example file is one this test makes"
    );
}

#[test]
fn the_format_document_names_every_field() {
    let doc = include_str!("../../docs/feedback-format.md");
    let schema: Value =
        serde_json::from_str(include_str!("../../docs/feedback.schema.json")).unwrap();
    let mut fields: Vec<String> = schema["properties"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    for def in ["decision", "reminder"] {
        fields.extend(
            schema["$defs"][def]["properties"]
                .as_object()
                .unwrap()
                .keys()
                .cloned(),
        );
    }
    for f in fields {
        assert!(
            doc.contains(&format!("`{f}`")),
            "docs/feedback-format.md does not name `{f}`"
        );
    }
}
