//! Format version 3: the records' evidence files, the unit's period
//! assessments and submissions; each refused below version 3, required
//! from it, checked by its declaration, and named when wrong.

use super::*;
use crate::fixtures::*;

fn parse_str(s: &str) -> Result<Batch, BatchError> {
    parse(s.as_bytes(), &PLAN, &UNITS, now())
}

/// A version 3 batch of Xã Đổng Xá with a filled record, assessment and
/// submission, sealed on "dev-b" at `at(600)`, changed by `change`, then
/// hashed and signed again: so the check under test is the one that fires.
fn v3(change: impl FnOnce(&mut Batch)) -> Batch {
    let content = Sealed {
        records: vec![filled()],
        assessments: vec![filled_assessment()],
        submissions: vec![filled_submission()],
        comments: vec![filled_comment()],
    };
    let mut b = Batch::seal(
        &header(DONG_XA, "dev-b", 600),
        BatchKind::Changes,
        1,
        content,
    );
    change(&mut b);
    b.sha256 = b.content_hash();
    signed(b)
}

fn refusal(change: impl FnOnce(&mut Batch)) -> String {
    let e = parse_str(&v3(change).to_json()).unwrap_err();
    assert!(e.too_new().is_none());
    e.message_vi()
}

/// The canonical bytes of `v3(|_| {})` after its records: what the hash and
/// the signature cover of the period entries (each in its declaration's
/// order, `assessment::FIELDS`, `submission::FIELDS`).
const PERIODS_CANONICAL: &str = r#""assessments":[{"period":"2020","results":"Kết quả nổi bật\ndòng hai","shortcomings":"Hạn chế, khó khăn và nguyên nhân\ndòng hai","direction":"Phương hướng, giải pháp\ndòng hai","proposals":"Đề xuất, kiến nghị\ndòng hai","author":"Người ghi (author)","device_id":"dev-b","updated_at":"2020-05-01T09:30:00.000Z","revision":2,"deleted":false}],"submissions":[{"period":"2020-H1","note":"Ghi chú khi gửi (note)","at":"2020-05-01T09:30:00.000Z","revision":2,"author":"Người gửi (author)","device_id":"dev-b"}],"comments":[{"id":"0c0c0c0c-0c0c-4c0c-8c0c-0c0c0c0c0c0c","record":"07070707-0707-4707-8707-070707070707","text":"Nội dung ý kiến\ndòng hai","author":"Người viết (author)","device_id":"dev-b","updated_at":"2020-05-01T09:30:00.000Z","revision":2,"deleted":false}]}"#;

#[test]
fn a_version_3_batch_carries_files_and_period_entries() {
    let b = v3(|_| {});
    assert_eq!(b.format_version, 3);
    let back = parse_str(&b.to_json()).unwrap();
    assert_eq!(back, b);
    assert_eq!(back.records[0].fields.files.len(), 2);
    let text = String::from_utf8(b.canonical()).unwrap();
    let tail = text
        .split("}]}],")
        .nth(1)
        .expect("records, then the period entries");
    assert_eq!(tail, PERIODS_CANONICAL);
    // Empty lists are written, and required.
    let empty = v3(|b| {
        b.assessments.clear();
        b.submissions.clear();
        b.comments.clear();
    });
    let text = String::from_utf8(empty.canonical()).unwrap();
    assert!(
        text.ends_with(r#""assessments":[],"submissions":[],"comments":[]}"#),
        "{text}"
    );
    assert!(parse_str(&empty.to_json()).is_ok());
    for list in ENTRY_LISTS {
        let without = empty.to_json().replacen(&format!("\"{list}\": [],"), "", 1);
        let e = parse_str(&without).unwrap_err().message_vi();
        assert!(e.contains(&format!("thiếu trường {list}")), "{e}");
    }
}

#[test]
fn an_older_version_carries_none_of_version_3() {
    // Sealed as version 2, the file leaves version 3's fields out.
    let v2 = v3(|b| b.format_version = 2);
    let text = v2.to_json();
    assert!(!text.contains("files") && !text.contains("assessments"));
    assert!(!text.contains("submissions"));
    let back = parse_str(&text).unwrap();
    assert!(back.records[0].fields.files.is_empty() && back.assessments.is_empty());
    // A version 2 file carrying them (even empty) is refused.
    let with_files = text.replacen(
        "\"deleted\": false",
        "\"deleted\": false,\n\"files\": []",
        1,
    );
    let e = parse_str(&with_files).unwrap_err().message_vi();
    assert!(
        e.contains("có trường files") && e.contains("phiên bản 2"),
        "{e}"
    );
    for list in ENTRY_LISTS {
        let with = text.replacen("\"sha256\":", &format!("\"{list}\": [],\n\"sha256\":"), 1);
        let e = parse_str(&with).unwrap_err().message_vi();
        assert!(e.contains(&format!("có trường {list}")), "{e}");
    }
    // In memory (not through a file), the checks refuse them too: nothing
    // of the version 2 bytes would cover them.
    let e = check(&v2, &PLAN, &UNITS, now()).unwrap_err();
    assert!(e.message_vi().contains("files"), "{e:?}");
    let mut entries = v2.clone();
    entries.records[0].fields.files.clear();
    let e = check(&entries, &PLAN, &UNITS, now()).unwrap_err();
    assert!(e.message_vi().contains("đánh giá"), "{e:?}");
}

#[test]
fn a_bad_file_reference_names_its_record_and_file() {
    let id = filled().id;
    let bad_hash = refusal(|b| b.records[0].fields.files[1].sha256 = "AB".repeat(32));
    assert_eq!(
        bad_hash,
        format!("hoạt động {id} không hợp lệ: tệp minh chứng thứ 2 có mã SHA-256 không hợp lệ (phải gồm 64 chữ số hệ 16 viết thường).")
    );
    let gif = refusal(|b| b.records[0].fields.files[0].media_type = "image/gif".into());
    assert!(
        gif.contains("tệp minh chứng thứ 1") && gif.contains("image/gif"),
        "{gif}"
    );
    let big = refusal(|b| b.records[0].fields.files[0].size = crate::evidence::MAX_IMAGE_BYTES + 1);
    assert!(
        big.contains("tệp minh chứng thứ 1") && big.contains("4 MB"),
        "{big}"
    );
    let twice = refusal(|b| {
        let f = b.records[0].fields.files[0].clone();
        b.records[0].fields.files[1] = f;
    });
    assert!(twice.contains("thứ 2 trùng"), "{twice}");
    let order = refusal(|b| b.records[0].fields.files.reverse());
    assert!(order.contains("không theo thứ tự"), "{order}");
    let thumb = refusal(|b| b.records[0].fields.files[0].thumb = "x".into());
    assert!(
        thumb.contains("tệp minh chứng thứ 1 có mã ảnh thu nhỏ"),
        "{thumb}"
    );
    let many = refusal(|b| {
        b.records[0].fields.files = (0..=crate::evidence::MAX_FILES as u8)
            .map(|n| file(n, "image/webp", 10, ""))
            .collect();
    });
    assert!(
        many.contains("có 21 tệp minh chứng, tối đa 20 tệp"),
        "{many}"
    );
    // An unknown key in a reference, or a size that is not a count.
    let json = v3(|_| {}).to_json();
    let extra = json.replacen("\"caption\": \"\"", "\"caption\": \"\", \"x\": 1", 1);
    assert!(matches!(parse_str(&extra), Err(BatchError::NotABatch(_))));
}

#[test]
fn bad_period_entries_are_named() {
    let long = refusal(|b| b.assessments[0].results = "ạ".repeat(4001));
    assert_eq!(
        long,
        "đánh giá kỳ 2020 không hợp lệ: Kết quả nổi bật dài 4001 ký tự, tối đa 4000 ký tự."
    );
    let zero = refusal(|b| b.submissions[0].revision = 0);
    assert_eq!(
        zero,
        "lần gửi báo cáo kỳ 2020-H1 không hợp lệ: Lần gửi là 0, phải từ 1 đến 1000000."
    );
    let note = refusal(|b| b.submissions[0].note = "dòng một\ndòng hai".into());
    assert!(note.contains("Ghi chú khi gửi"), "{note}");
    let twice = refusal(|b| b.assessments.push(b.assessments[0].clone()));
    assert_eq!(twice, "đánh giá kỳ 2020 xuất hiện hai lần trong lô.");
    let order = refusal(|b| {
        let mut later = b.submissions[0].clone();
        later.period = "2020-H2".parse().unwrap();
        b.submissions.insert(0, later);
    });
    assert!(
        order.contains("không theo thứ tự (ở kỳ 2020-H1)"),
        "{order}"
    );
    let late = refusal(|b| b.assessments[0].updated_at = b.created_at + chrono::Duration::days(2));
    assert!(late.contains("sau ngày tạo lô"), "{late}");
    let early = refusal(|b| b.submissions[0].at = at(-60 * 24 * 400));
    assert!(early.contains("trước ngày ban hành Kế hoạch"), "{early}");
    // A comment: named by its id.
    let id = filled_comment().id;
    let empty = refusal(|b| b.comments[0].text = String::new());
    assert_eq!(
        empty,
        format!("ý kiến mã {id} không hợp lệ: Nội dung ý kiến không được để trống.")
    );
    let twice = refusal(|b| b.comments.push(b.comments[0].clone()));
    assert_eq!(twice, format!("ý kiến mã {id} xuất hiện hai lần trong lô."));
    let order = refusal(|b| {
        let mut other = b.comments[0].clone();
        other.id = crate::activity::new_id([1; 16]);
        b.comments.push(other);
    });
    assert!(
        order.contains("danh sách ý kiến không theo thứ tự"),
        "{order}"
    );
    // A period the format does not know, in the file's text.
    let json = v3(|_| {}).to_json();
    for bad in ["2026-H3", "1999", "2026-h1"] {
        let text = json.replacen("\"2020-H1\"", &format!("\"{bad}\""), 1);
        let e = parse_str(&text).unwrap_err();
        assert!(matches!(e, BatchError::NotABatch(_)), "{bad}: {e:?}");
        assert!(e.message_vi().contains(bad), "{}", e.message_vi());
    }
}

#[test]
fn the_outbox_seals_changed_period_entries_once() {
    let recs = vec![record(1, DONG_XA, "dev-a", 0)];
    let mut a = filled_assessment();
    let s = filled_submission();
    let held = |a: &Assessment, s: &Submission| (vec![a.clone()], vec![s.clone()]);
    let (assessments, submissions) = held(&a, &s);
    let comments = vec![filled_comment()];
    let holding = Holding {
        records: &recs,
        assessments: &assessments,
        submissions: &submissions,
        comments: &comments,
    };
    let ob = Outbox::new(DONG_XA);
    let (b1, ob) = ob
        .seal_next(holding, &header(DONG_XA, "dev-a", 100))
        .unwrap();
    assert_eq!(
        (b1.records.len(), b1.assessments.len(), b1.submissions.len()),
        (1, 1, 1)
    );
    assert!(ob
        .seal_next(holding, &header(DONG_XA, "dev-a", 101))
        .is_none());
    // Only the assessment changed: it alone is sealed next.
    a.revision += 1;
    let (assessments, _) = held(&a, &s);
    let holding = Holding {
        assessments: &assessments,
        ..holding
    };
    let (b2, ob) = ob
        .seal_next(holding, &header(DONG_XA, "dev-a", 102))
        .unwrap();
    assert_eq!(
        (
            b2.seq,
            b2.records.len(),
            b2.assessments.len(),
            b2.submissions.len()
        ),
        (2, 0, 1, 0)
    );
    // The outbox keeps what it sealed, and an older outbox reads without.
    let json = serde_json::to_string(&ob).unwrap();
    assert!(
        json.contains(r#""sealed_assessments":{"2020":3}"#),
        "{json}"
    );
    let old: Outbox = serde_json::from_str(
        r#"{"unit_code":"02194","next_seq":2,"sealed":{},"last_sealed_at":null}"#,
    )
    .unwrap();
    assert!(old.sealed_assessments.is_empty());
    // A backup carries every entry.
    let k = backup(holding, &header(DONG_XA, "dev-a", 103));
    assert_eq!(
        (k.records.len(), k.assessments.len(), k.submissions.len()),
        (1, 1, 1)
    );
    assert!(parse_str(&signed(k).to_json()).is_ok());
}

#[test]
fn a_bundle_forwards_each_units_period_entries() {
    use crate::merge::{Entries, PeriodKey};
    let key = |unit: &str, plan: &str| PeriodKey {
        unit_code: unit.into(),
        plan_id: plan.into(),
        key: filled_assessment().period,
    };
    let mut periods = Entries::default();
    periods.keep(key(VAN_VU, &PLAN.id), filled_assessment());
    periods.keep(key(DONG_XA, &PLAN.id), filled_submission());
    periods.keep(key(DONG_XA, "another-plan"), filled_assessment());
    let recs = [record(1, DONG_XA, "dev-a", 0)];
    let b =
        Bundle::seal(&header(NA_RI, "dev-d", 600), &recs, &periods).sign_with(&device_key("dev-d"));
    let by_unit: Vec<(&str, usize, usize, usize)> = b
        .batches
        .iter()
        .map(|b| {
            (
                b.unit_code.as_str(),
                b.records.len(),
                b.assessments.len(),
                b.submissions.len(),
            )
        })
        .collect();
    assert_eq!(by_unit, vec![(VAN_VU, 0, 1, 0), (DONG_XA, 1, 0, 1)]);
    let parsed = parse_file(b.to_json().as_bytes(), &PLAN, &UNITS, now()).unwrap();
    assert_eq!(parsed, b.batches);
}
