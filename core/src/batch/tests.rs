use super::*;
use crate::activity::Status;
use crate::fixtures::*;
use crate::record::Field;
use crate::text::{self, TextProblem};

fn sealed(records: Vec<Activity>) -> Batch {
    signed(Batch::seal(
        &header(DONG_XA, "dev-a", 600),
        BatchKind::Changes,
        1,
        records,
    ))
}

fn two() -> Vec<Activity> {
    vec![
        record(1, DONG_XA, "dev-a", 0),
        record(2, DONG_XA, "dev-a", 5),
    ]
}

fn parse_str(s: &str) -> Result<Batch, BatchError> {
    parse(s.as_bytes(), &PLAN, &UNITS, now())
}

#[test]
fn seal_then_parse_round_trips() {
    let b = sealed(two());
    assert_eq!(b.sha256.len(), 64);
    let back = parse_str(&b.to_json()).unwrap();
    assert_eq!(back, b);
    // Compact text (or any whitespace) carries the same content.
    assert_eq!(parse_str(&serde_json::to_string(&b).unwrap()).unwrap(), b);
}

#[test]
fn hash_is_independent_of_record_order_and_matches_known_bytes() {
    let mut rs = two();
    let a = sealed(rs.clone());
    rs.reverse();
    let b = sealed(rs);
    assert_eq!(a.sha256, b.sha256);
    assert_eq!(a.sha256, hex(&Sha256::digest(a.canonical())));
    let text = String::from_utf8(a.canonical()).unwrap();
    assert!(text.starts_with(
        &format!(r#"{{"format":"papi-tracker.batch","format_version":{},"kind":"changes","plan":{{"id":"bac-kan-124-2020","version":"2020.2"}},"units":"bac-kan-2020","unit_code":"02194","device_id":"dev-a","seq":1,"created_at":"2020-05-01T18:00:00.000Z","signer":"{}","records":[{{"id":"#, BATCH_VERSION, signer_of("dev-a"))
    ));
    assert!(!text.contains('\n') && !text.contains("sha256") && !text.contains("signature"));
}

#[test]
fn sha256_matches_a_known_vector() {
    assert_eq!(
        hex(&Sha256::digest(b"abc")),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[test]
fn file_names() {
    // Sealed at 18:00 UTC on 1 May: 01:00 on 2 May in Vietnam, the day the
    // user sees.
    let b = sealed(two());
    assert_eq!(b.file_name(), "papi-02194-1-20200502.json");
    let k = backup(
        crate::batch::Holding::records(&two()),
        &header(DONG_XA, "dev-a", 600),
    );
    assert_eq!(k.file_name(), "papi-02194-saoluu-20200502.json");
    assert_eq!(k.seq, 0);
    assert_eq!(k.kind, BatchKind::Backup);
    // 16:30 UTC is 23:30 the same day in Vietnam.
    let mut late = sealed(two());
    late.created_at = chrono::TimeZone::with_ymd_and_hms(&Utc, 2020, 5, 1, 16, 30, 0).unwrap();
    assert_eq!(late.file_name(), "papi-02194-1-20200501.json");
}

#[test]
fn refuses_each_kind_of_bad_file_with_its_reason() {
    let good = sealed(two()).to_json();
    assert_eq!(parse_str(""), Err(BatchError::Empty));
    assert_eq!(parse_str("  \n "), Err(BatchError::Empty));
    assert!(matches!(
        parse_str("xin chào"),
        Err(BatchError::NotJson { line: 1, .. })
    ));
    assert_eq!(
        parse_str(&good[..good.len() / 2]),
        Err(BatchError::Truncated)
    );
    assert!(matches!(parse_str("[1,2]"), Err(BatchError::NotABatch(_))));
    assert!(
        matches!(parse_str(r#"{"format":"other","format_version":1}"#), Err(BatchError::NotABatch(w)) if w.contains("other"))
    );
    assert!(matches!(
        parse_str(r#"{"a":1}"#),
        Err(BatchError::NotABatch(_))
    ));
    // A wrong shape is told in Vietnamese, with where it is.
    let missing = good.replacen("\"records\":", "\"recs\":", 1);
    assert_eq!(
        parse_str(&missing).map_err(|e| e.message_vi()).unwrap_err(),
        format!(
            "tệp không phải lô dữ liệu của Theo dõi PAPI (có trường lạ recs, ở dòng {}, cột {}).",
            missing
                .lines()
                .position(|l| l.contains("\"recs\""))
                .unwrap()
                + 1,
            missing
                .lines()
                .find(|l| l.contains("\"recs\""))
                .unwrap()
                .find(':')
                .unwrap()
        )
    );
    let wrong_type = good.replacen("\"seq\": 1", "\"seq\": \"một\"", 1);
    assert!(
        matches!(parse_str(&wrong_type), Err(BatchError::NotABatch(w)) if w.starts_with("một trường có giá trị sai kiểu, ở dòng "))
    );
    let next = BATCH_VERSION + 1;
    let newer = good.replacen(
        &format!("\"format_version\": {BATCH_VERSION}"),
        &format!("\"format_version\": {next}"),
        1,
    );
    assert_eq!(parse_str(&newer), Err(BatchError::NewerVersion(next)));
    assert_eq!(BatchError::NewerVersion(next).too_new(), Some(next));
    assert_eq!(
        parse(&[0xff, 0xfe, 0x00], &PLAN, &UNITS, now()),
        Err(BatchError::NotUtf8)
    );
    // Files picked by mistake are named for what they are.
    let xlsx = b"PK\x03\x04\x14\x00\x06\x00[Content_Types].xml";
    let e = parse(xlsx, &PLAN, &UNITS, now()).unwrap_err();
    assert_eq!(
        e,
        BatchError::Foreign("tệp Excel, Word hoặc tệp nén (.xlsx, .docx, .zip)")
    );
    assert!(e.message_vi().starts_with("đây là tệp Excel"));
    assert!(e.message_vi().contains("không phải tệp lô dữ liệu"));
    assert_eq!(
        parse(b"%PDF-1.7\n", &PLAN, &UNITS, now()),
        Err(BatchError::Foreign("tệp PDF"))
    );
    // A text file that merely starts like one is still read as text.
    assert!(matches!(
        parse(b"PK is not a batch", &PLAN, &UNITS, now()),
        Err(BatchError::NotJson { .. })
    ));
    let big = vec![b' '; MAX_BATCH_BYTES + 1];
    assert!(matches!(
        parse(&big, &PLAN, &UNITS, now()),
        Err(BatchError::TooLarge { .. })
    ));
    // A byte-order mark (Windows editors add one) is fine.
    assert!(parse_str(&format!("\u{feff}{good}")).is_ok());
}

#[test]
fn one_edited_byte_breaks_the_hash() {
    let good = sealed(two()).to_json();
    let bad = good.replacen("Hoạt động 1", "Hoạt động 7", 1);
    assert_ne!(bad, good);
    assert!(matches!(
        parse_str(&bad),
        Err(BatchError::HashMismatch { .. })
    ));
    let bad = good.replacen("\"seq\": 1", "\"seq\": 2", 1);
    assert!(matches!(
        parse_str(&bad),
        Err(BatchError::HashMismatch { .. })
    ));
}

#[test]
fn another_plan_is_refused() {
    let mut b = sealed(two());
    b.plan.id = "ha-giang-2021".into();
    b.sha256 = b.content_hash();
    let b = signed(b);
    assert_eq!(
        parse_str(&b.to_json()),
        Err(BatchError::OtherPlan {
            id: "ha-giang-2021".into(),
            units: "bac-kan-2020".into(),
            unit_code: b.unit_code.clone(),
        })
    );
}

/// Re-seal after tampering, so the check under test is the one that fires.
fn resealed(mut b: Batch, change: impl FnOnce(&mut Batch)) -> Result<Batch, BatchError> {
    let key = device_key(&b.device_id);
    change(&mut b);
    b.sha256 = b.content_hash();
    parse_str(&b.sign_with(&key).to_json())
}

#[test]
fn record_level_problems_are_named() {
    let b = sealed(two());
    let id = b.records[0].id;
    assert_eq!(
        resealed(b.clone(), |b| b.records[0].unit_code = VAN_VU.into()),
        Err(BatchError::RecordUnit {
            id,
            unit_code: VAN_VU.into()
        })
    );
    assert!(matches!(
        resealed(b.clone(), |b| b.records[0].fields.task_id = "9.9-9".into()),
        Err(BatchError::RecordInvalid { id: i, errors }) if i == id && errors[0].field == Field::TASK
    ));
    // Before the plan was issued.
    assert!(matches!(
        resealed(b.clone(), |b| b.records[0].fields.date =
            NaiveDate::from_ymd_opt(2019, 1, 1).unwrap()),
        Err(BatchError::RecordInvalid { .. })
    ));
    // Done, but dated after the batch was made.
    assert!(matches!(
        resealed(b.clone(), |b| b.records[0].fields.date =
            NaiveDate::from_ymd_opt(2020, 9, 1).unwrap()),
        Err(BatchError::RecordInvalid { .. })
    ));
    // Planned may lie ahead, but not years ahead.
    assert!(resealed(b.clone(), |b| {
        b.records[0].fields.status = Status::Planned;
        b.records[0].fields.date = NaiveDate::from_ymd_opt(2020, 9, 1).unwrap();
    })
    .is_ok());
    assert!(matches!(
        resealed(b.clone(), |b| {
            b.records[0].fields.status = Status::Planned;
            b.records[0].fields.date = NaiveDate::from_ymd_opt(2031, 9, 1).unwrap();
        }),
        Err(BatchError::RecordDates { .. })
    ));
    assert!(matches!(
        resealed(b.clone(), |b| b.records[0].updated_at = at(60 * 24 * 30)),
        Err(BatchError::RecordDates { .. })
    ));
    assert!(matches!(
        resealed(b.clone(), |b| b.records[0].updated_at = at(-10)),
        Err(BatchError::RecordDates { .. })
    ));
    assert!(matches!(
        resealed(b.clone(), |b| b.records[0].revision = 0),
        Err(BatchError::RecordDates { .. })
    ));
    assert_eq!(
        resealed(b.clone(), |b| b.records[1].id = id),
        Err(BatchError::DuplicateRecord(id))
    );
    assert_eq!(
        resealed(b.clone(), |b| b.unit_code = "99999".into()),
        Err(BatchError::UnknownUnit("99999".into()))
    );
    assert!(matches!(
        resealed(b.clone(), |b| b.seq = 0),
        Err(BatchError::BadHeader(_))
    ));
    assert!(matches!(
        resealed(b.clone(), |b| b.device_id = " ".into()),
        Err(BatchError::BadHeader(_))
    ));
    assert!(matches!(
        resealed(b.clone(), |b| b.records[0]
            .fields
            .texts
            .set(Field::TITLE, " x ")),
        Err(BatchError::RecordNotNormalized(_))
    ));
    // Sealed years after the receiver's today: a clock gone wrong, refused
    // with both dates; a day ahead is a clock's ordinary drift.
    let future = resealed(b.clone(), |b| {
        b.created_at = now() + chrono::Duration::days(400);
    });
    assert_eq!(
        future.as_ref().map_err(|e| e.message_vi()).unwrap_err(),
        "lô ghi ngày tạo 06/07/2022 sau hôm nay (01/06/2021): đồng hồ của máy đã xuất lô hoặc của máy này bị sai."
    );
    assert!(resealed(b.clone(), |b| b.created_at =
        now() + chrono::Duration::hours(20))
    .is_ok());
}

#[test]
fn markup_is_data_not_a_reason_to_refuse() {
    let mut r = record(1, DONG_XA, "dev-a", 0);
    r.fields.texts.set(
        Field::TITLE,
        "<script>alert(1)</script><img src=x onerror=alert(2)>",
    );
    let b = parse_str(&sealed(vec![r.clone()]).to_json()).unwrap();
    assert_eq!(b.records[0].fields.title(), r.fields.title());
}

#[test]
fn messages_are_vietnamese_and_specific() {
    assert!(BatchError::Truncated.message_vi().contains("cắt cụt"));
    assert!(BatchError::NewerVersion(BATCH_VERSION + 1)
        .message_vi()
        .contains("cập nhật ứng dụng"));
    assert!(BatchError::NewerBundle(BUNDLE_VERSION + 1)
        .message_vi()
        .contains("cập nhật ứng dụng"));
    assert_eq!(BatchError::Truncated.too_new(), None);
    assert!(BatchError::NotJson { line: 3, column: 7 }
        .message_vi()
        .contains("dòng 3, cột 7"));
    let m = BatchError::TooLarge {
        len: 50_000_000,
        max: MAX_BATCH_BYTES,
    }
    .message_vi();
    assert!(m.contains("50 MB") && m.contains("20 MB"), "{m}");
}

#[test]
fn outbox_seals_only_what_changed_and_numbers_batches() {
    let dev = "dev-a";
    let mut recs = two();
    recs.push(record(3, VAN_VU, dev, 0)); // another unit: never in this outbox
    let ob = Outbox::new(DONG_XA);
    assert_eq!(ob.pending(&recs).len(), 2);
    let (b1, ob) = ob
        .seal_next(
            crate::batch::Holding::records(&recs),
            &header(DONG_XA, dev, 100),
        )
        .unwrap();
    assert_eq!((b1.seq, b1.records.len()), (1, 2));
    assert_eq!(ob.next_seq, 2);
    assert!(ob
        .seal_next(
            crate::batch::Holding::records(&recs),
            &header(DONG_XA, dev, 101)
        )
        .is_none());
    // Edit one, delete the other: both travel, the tombstone too.
    recs[0] = recs[0].edit(fields("Sửa"), &by(dev, 200));
    recs[1] = recs[1].delete(&by(dev, 201));
    let (b2, ob) = ob
        .seal_next(
            crate::batch::Holding::records(&recs),
            &header(DONG_XA, dev, 300),
        )
        .unwrap();
    assert_eq!(b2.seq, 2);
    assert_eq!(b2.records.len(), 2);
    assert!(b2.records.iter().any(|r| r.deleted));
    assert_eq!(ob.last_sealed_at, Some(at(300)));
    assert_eq!(b2.signature, None, "sealed unsigned: the device signs");
    assert!(parse_str(&signed(b2).to_json()).is_ok());
    // The outbox survives a round trip through storage.
    let back: Outbox = serde_json::from_str(&serde_json::to_string(&ob).unwrap()).unwrap();
    assert_eq!(back, ob);
}

#[test]
fn reminds_after_three_days_of_unexported_changes() {
    let recs = two();
    let ob = Outbox::new(DONG_XA);
    assert_eq!(ob.reminder(&recs, at(60 * 24 * 3 - 1)), None);
    assert_eq!(
        ob.reminder(&recs, at(60 * 24 * 3)),
        Some(Reminder {
            count: 2,
            since: at(0)
        })
    );
    let (_, ob) = ob
        .seal_next(
            crate::batch::Holding::records(&recs),
            &header(DONG_XA, "dev-a", 10),
        )
        .unwrap();
    assert_eq!(ob.reminder(&recs, at(60 * 24 * 30)), None);
}

#[test]
fn reminds_of_batches_that_only_this_device_holds() {
    let day = 60 * 24;
    // Batch 1 downloaded or sent; 2 and 3 never left the device.
    let batches = [(at(0), true), (at(10), false), (at(20), false)];
    assert_eq!(uncopied_reminder(batches, at(10 + 3 * day - 1)), None);
    assert_eq!(
        uncopied_reminder(batches, at(10 + 3 * day)),
        Some(Reminder {
            count: 2,
            since: at(10)
        })
    );
    assert_eq!(uncopied_reminder([(at(0), true)], at(30 * day)), None);
    assert_eq!(uncopied_reminder([], at(30 * day)), None);
}

#[test]
fn a_bundle_carries_one_checked_batch_per_unit() {
    let recs = vec![
        record(1, DONG_XA, "dev-a", 0),
        record(2, VAN_VU, "dev-v", 1),
        record(3, DONG_XA, "dev-a", 2),
    ];
    let b = crate::fixtures::bundle(NA_RI, "district-066", 900, &recs);
    // 23:00 UTC: 06:00 on 2 May in Vietnam.
    assert_eq!(b.file_name(), "papi-066-goi-20200502.json");
    assert_eq!(b.batches.len(), 2);
    assert!(b
        .batches
        .iter()
        .all(|x| x.kind == BatchKind::Backup && x.seq == 0));
    let parsed = parse_file(b.to_json().as_bytes(), &PLAN, &UNITS, now()).unwrap();
    assert_eq!(parsed.len(), 2);
    assert_eq!(parsed[0], b.batches[0]);
    // A plain batch file is a list of one.
    let one = sealed(two());
    assert_eq!(
        parse_file(one.to_json().as_bytes(), &PLAN, &UNITS, now()).unwrap(),
        vec![one]
    );
    // One tampered batch refuses the whole file, and is named.
    let text = b.to_json().replacen("Hoạt động 2", "Hoạt động 9", 1);
    let pos = 1 + b
        .batches
        .iter()
        .position(|x| x.records.iter().any(|r| r.fields.title() == "Hoạt động 2"))
        .unwrap();
    let refused = parse_file(text.as_bytes(), &PLAN, &UNITS, now()).unwrap_err();
    assert!(
        matches!(&refused, BatchError::InBundle { position, error } if *position == pos && matches!(**error, BatchError::HashMismatch { .. }))
    );
    assert!(refused.message_vi().starts_with(&format!(
        "lô thứ {pos} trong gói bị từ chối nên cả gói không được nhập: mã kiểm tra (SHA-256) không khớp"
    )));
    // A bundle of a newer bundle version; a batch of a newer format
    // version in a bundle of this one: both wait for an update.
    let (next_bundle, next_batch) = (BUNDLE_VERSION + 1, BATCH_VERSION + 1);
    let newer = b.to_json().replacen(
        &format!("\"format_version\":{BUNDLE_VERSION}"),
        &format!("\"format_version\":{next_bundle}"),
        1,
    );
    assert!(newer.starts_with(&format!(
        "{{\"format\":\"{BUNDLE_FORMAT}\",\"format_version\":{next_bundle}"
    )));
    assert_eq!(
        parse_file(newer.as_bytes(), &PLAN, &UNITS, now()),
        Err(BatchError::NewerBundle(next_bundle))
    );
    let inner = b.to_json().replace(
        &format!("\"format\":\"{BATCH_FORMAT}\",\"format_version\":{BATCH_VERSION}"),
        &format!("\"format\":\"{BATCH_FORMAT}\",\"format_version\":{next_batch}"),
    );
    let e = parse_file(inner.as_bytes(), &PLAN, &UNITS, now()).unwrap_err();
    assert!(
        matches!(&e, BatchError::InBundle { position: 1, .. }),
        "{e:?}"
    );
    assert_eq!(e.too_new(), Some(next_batch));
    assert_eq!(
        parse_file(b"", &PLAN, &UNITS, now()),
        Err(BatchError::Empty)
    );
}

#[test]
fn bundles_carry_only_their_senders_units() {
    let recs = vec![
        record(1, DONG_XA, "dev-a", 0),
        record(2, MINH_KHAI, "dev-m", 1),
    ];
    // Na Rì forwards a batch of Minh Khai (Thành phố Bắc Kạn's): refused whole.
    let b = crate::fixtures::bundle(NA_RI, "district-066", 900, &recs);
    let pos = 1 + b
        .batches
        .iter()
        .position(|x| x.unit_code == MINH_KHAI)
        .unwrap();
    let err = parse_file(b.to_json().as_bytes(), &PLAN, &UNITS, now()).unwrap_err();
    assert_eq!(
        err,
        BatchError::BundleForeignUnit {
            position: pos,
            unit_code: MINH_KHAI.into(),
            from: NA_RI.into()
        }
    );
    assert!(err.message_vi().contains(&format!(
        "lô thứ {pos} trong gói là của đơn vị \"{MINH_KHAI}\""
    )));
    // The province may forward any unit's batches.
    let p = crate::fixtures::bundle("06", "province", 900, &recs);
    assert_eq!(
        parse_file(p.to_json().as_bytes(), &PLAN, &UNITS, now())
            .unwrap()
            .len(),
        2
    );
    // A commune, or no known unit, sends no bundles.
    for from in [DONG_XA, "999", ""] {
        let c = crate::fixtures::bundle(from, "x", 900, &recs[..1]);
        assert!(matches!(
            parse_file(c.to_json().as_bytes(), &PLAN, &UNITS, now()),
            Err(BatchError::BundleSender(_))
        ));
    }
}

#[test]
fn numbers_are_bounded() {
    let b = sealed(two());
    let id = b.records[0].id;
    assert_eq!(
        resealed(b.clone(), |b| b.seq = 1_000_000_000),
        Err(BatchError::SeqTooLarge(1_000_000_000))
    );
    assert!(resealed(b.clone(), |b| b.seq = MAX_SEQ).is_ok());
    assert_eq!(
        resealed(b.clone(), |b| b.records[0].revision = u32::MAX),
        Err(BatchError::RevisionTooLarge {
            id,
            revision: u32::MAX
        })
    );
    assert!(resealed(b.clone(), |b| b.records[0].revision = MAX_REVISION).is_ok());
    // At the ceiling a record can still be edited: the revision stays and
    // the later edit wins by its time.
    let mut top = b.records[0].clone();
    top.revision = MAX_REVISION;
    let next = top.edit(fields("Sửa sau cùng"), &by("dev-a", 20));
    assert_eq!(next.revision, MAX_REVISION);
    assert!(next.version_cmp(&top).is_gt());
    // An outbox at the last number seals nothing more.
    let mut o = Outbox::new(DONG_XA);
    o.next_seq = MAX_SEQ + 1;
    assert!(o
        .seal_next(
            crate::batch::Holding::records(&two()),
            &header(DONG_XA, "dev-a", 600)
        )
        .is_none());
    o.next_seq = MAX_SEQ;
    let (last, after) = o
        .seal_next(
            crate::batch::Holding::records(&two()),
            &header(DONG_XA, "dev-a", 600),
        )
        .unwrap();
    assert_eq!((last.seq, after.next_seq), (MAX_SEQ, MAX_SEQ + 1));
}

#[test]
fn texts_are_bounded_nfc_and_without_hidden_characters() {
    let b = sealed(two());
    let id = b.records[0].id;
    let record_text =
        |change: fn(&mut Activity)| resealed(b.clone(), |b| change(&mut b.records[0])).unwrap_err();
    assert_eq!(
        record_text(|r| r.author = "A".repeat(40_000)),
        BatchError::RecordText {
            id,
            field: Field::AUTHOR.label_vi(),
            problem: TextProblem::TooLong {
                max: text::MAX_AUTHOR,
                len: 40_000
            }
        }
    );
    assert!(matches!(
        record_text(|r| r.device_id = "d".repeat(100_000)),
        BatchError::RecordText {
            field: "Mã thiết bị",
            problem: TextProblem::TooLong { .. },
            ..
        }
    ));
    assert!(matches!(
        record_text(|r| r.fields.texts.set(Field::TITLE, "Họp\0dân")),
        BatchError::RecordText {
            field: "Tiêu đề",
            problem: TextProblem::Control {
                ch: '\0',
                position: 4
            },
            ..
        }
    ));
    assert!(matches!(
        record_text(|r| r.fields.texts.set(Field::EVIDENCE, "TB \u{202E}21")),
        BatchError::RecordText {
            problem: TextProblem::Bidi { ch: '\u{202E}', .. },
            ..
        }
    ));
    assert!(matches!(
        record_text(|r| r.fields.texts.set(Field::TITLE, "Nguye\u{302}\u{303}n")),
        BatchError::RecordText {
            field: "Tiêu đề",
            problem: TextProblem::NotNfc,
            ..
        }
    ));
    assert!(matches!(
        record_text(|r| r.fields.texts.set(Field::TITLE, "một\ndòng")),
        BatchError::RecordText {
            problem: TextProblem::Control { ch: '\n', .. },
            ..
        }
    ));
    // A line break is fine in the description.
    assert!(resealed(b.clone(), |b| b.records[0]
        .fields
        .texts
        .set(Field::DESCRIPTION, "dòng một\ndòng hai"))
    .is_ok());
    assert!(matches!(
        resealed(b.clone(), |b| b.plan.version = "v".repeat(100_000)),
        Err(BatchError::HeaderText {
            field: "Phiên bản kế hoạch",
            problem: TextProblem::TooLong { .. }
        })
    ));
    assert!(matches!(
        resealed(b.clone(), |b| b.device_id = "dev\u{200F}a".into()),
        Err(BatchError::HeaderText {
            field: "Mã thiết bị",
            problem: TextProblem::Bidi { .. }
        })
    ));
    let msg = record_text(|r| r.author = "A".repeat(101)).message_vi();
    assert!(
        msg.ends_with("Người ghi dài 101 ký tự, tối đa 100 ký tự."),
        "{msg}"
    );
}

#[test]
fn only_the_canonical_time_form_and_known_record_fields() {
    let b = sealed(two());
    let text = b.to_json();
    let canonical = crate::dates::format_instant(b.created_at);
    for other in [
        canonical.replace(".000Z", "Z"),
        canonical.replace(".000Z", ".000000Z"),
        canonical.replace(".000Z", ".000+00:00"),
        canonical.replace('T', " "),
    ] {
        let t = text.replacen(&canonical, &other, 1);
        let err = parse_str(&t).unwrap_err();
        assert!(
            matches!(&err, BatchError::NotABatch(m) if m.contains("không đúng dạng chuẩn")),
            "{other}: {err:?}"
        );
    }
    // An unknown field in a record is not silently dropped.
    let t = text.replacen("\"revision\":", "\"extra\": 1, \"revision\":", 1);
    assert!(
        matches!(parse_str(&t), Err(BatchError::NotABatch(m)) if m.contains("có trường lạ extra"))
    );
}

/// A version 1 file as the earlier app wrote it: no dataset, no key, no
/// signature, and the hash over those bytes.
fn version_1(records: Vec<Activity>) -> Batch {
    let mut b = Batch::seal(
        &header(DONG_XA, "dev-a", 600),
        BatchKind::Changes,
        1,
        records,
    );
    b.format_version = 1;
    b.units = None;
    b.signer = None;
    b.sha256 = b.content_hash();
    b
}

#[test]
fn version_1_files_still_read_as_unsigned() {
    let v1 = version_1(two());
    let text = v1.to_json();
    assert!(!text.contains("signer") && !text.contains("units"));
    let back = parse_file(text.as_bytes(), &PLAN, &UNITS, now()).unwrap();
    assert_eq!(back, vec![v1.clone()]);
    let f = parse_signed_file(text.as_bytes(), &PLAN, &UNITS, now()).unwrap();
    assert_eq!(f.origin.signer, None);
    assert_eq!(f.origin.unit_code, DONG_XA);
    // Version 2's fields in a version 1 file are not a version 1 file.
    let mut mixed = v1.clone();
    mixed.signer = Some(signer_of("dev-a").into());
    mixed.sha256 = mixed.content_hash();
    assert_eq!(
        parse_str(&mixed.to_json()),
        Err(BatchError::SignatureMissing)
    );
}

#[test]
fn signatures_are_checked_and_each_forgery_named() {
    let good = sealed(two());
    let f = parse_signed_file(good.to_json().as_bytes(), &PLAN, &UNITS, now()).unwrap();
    assert_eq!(f.origin.signer.as_deref(), Some(signer_of("dev-a")));
    // The right hash without a signature: refused.
    let mut unsigned = good.clone();
    unsigned.signature = None;
    assert_eq!(
        parse_str(&unsigned.to_json()),
        Err(BatchError::SignatureMissing)
    );
    // Signed by another key than the one it names.
    let by_other = good.clone().sign_with(&device_key("mallory"));
    assert_eq!(
        parse_str(&by_other.to_json()),
        Err(BatchError::BadSignature(
            crate::signature::SignatureError::Mismatch
        ))
    );
    // Content changed, hash recomputed (as the format document shows how),
    // signature kept: the signature no longer holds.
    let mut edited = good.clone();
    edited.seq = 2;
    edited.sha256 = edited.content_hash();
    let e = parse_str(&edited.to_json()).unwrap_err();
    assert!(matches!(e, BatchError::BadSignature(_)));
    assert!(
        e.message_vi().starts_with("chữ ký số không hợp lệ"),
        "{}",
        e.message_vi()
    );
    // A forger's own key over the forger's content verifies: who it is
    // worth anything to is the keyring's question (trust.rs).
    let mut forged = edited.clone();
    forged.signer = Some(signer_of("mallory").into());
    forged.sha256 = forged.content_hash();
    let forged = forged.sign_with(&device_key("mallory"));
    let f = parse_signed_file(forged.to_json().as_bytes(), &PLAN, &UNITS, now()).unwrap();
    assert_eq!(f.origin.signer.as_deref(), Some(signer_of("mallory")));
    // A malformed key or signature is named as such.
    let mut bad_key = good.clone();
    bad_key.signer = Some("00".repeat(31));
    bad_key.sha256 = bad_key.content_hash();
    assert_eq!(
        parse_str(&bad_key.to_json()),
        Err(BatchError::BadSignature(
            crate::signature::SignatureError::BadKey
        ))
    );
}

#[test]
fn a_code_is_read_only_in_its_own_dataset() {
    let mut b = Batch::seal(&header(DONG_XA, "dev-a", 600), BatchKind::Changes, 1, two());
    b.units = Some("thai-nguyen-2025".into());
    b.sha256 = b.content_hash();
    let b = signed(b);
    let e = parse_str(&b.to_json()).unwrap_err();
    assert_eq!(
        e,
        BatchError::OtherUnits {
            id: "thai-nguyen-2025".into(),
            ours: "bac-kan-2020".into(),
            unit_code: DONG_XA.into(),
        }
    );
    assert!(e.message_vi().contains("thai-nguyen-2025"));
}

#[test]
fn a_bundle_is_signed_by_its_senders_device_and_so_is_each_batch() {
    let recs = vec![
        record(1, DONG_XA, "dev-a", 0),
        record(2, VAN_VU, "dev-v", 1),
    ];
    let b = crate::fixtures::bundle(NA_RI, "district-066", 900, &recs);
    let f = parse_signed_file(b.to_json().as_bytes(), &PLAN, &UNITS, now()).unwrap();
    assert_eq!(
        f.origin,
        Origin {
            units: crate::batch::V1_UNITS.into(),
            unit_code: NA_RI.into(),
            device_id: "district-066".into(),
            signer: Some(signer_of("district-066").into()),
        }
    );
    // The header changed after signing (here, its date).
    let mut moved = b.clone();
    moved.created_at = at(950);
    assert!(matches!(
        parse_file(moved.to_json().as_bytes(), &PLAN, &UNITS, now()),
        Err(BatchError::BadSignature(_))
    ));
    // A batch swapped for one signed by another device (itself valid).
    let mut swapped = b.clone();
    let other = signed(Batch::seal(
        &header(VAN_VU, "dev-v", 600),
        BatchKind::Backup,
        0,
        vec![recs[1].clone()],
    ));
    let pos = swapped
        .batches
        .iter()
        .position(|x| x.unit_code == VAN_VU)
        .unwrap();
    swapped.batches[pos] = other;
    let swapped = swapped.sign_with(&device_key("district-066"));
    let signed_again = parse_file(swapped.to_json().as_bytes(), &PLAN, &UNITS, now());
    // sign_with re-signs every batch with the bundle's key, which names
    // another signer than the batch: the batch's signature fails first.
    assert!(signed_again.is_err());
    let mut mixed = b.clone();
    mixed.batches[pos] = signed(Batch::seal(
        &header(VAN_VU, "dev-v", 600),
        BatchKind::Backup,
        0,
        vec![recs[1].clone()],
    ));
    mixed.signature = Some(device_key("district-066").sign(&mixed.canonical()));
    assert_eq!(
        parse_file(mixed.to_json().as_bytes(), &PLAN, &UNITS, now()),
        Err(BatchError::BundleSigner { position: pos + 1 })
    );
    // Unsigned bundle of version 2: refused.
    let mut unsigned = b.clone();
    unsigned.signature = None;
    assert_eq!(
        parse_file(unsigned.to_json().as_bytes(), &PLAN, &UNITS, now()),
        Err(BatchError::SignatureMissing)
    );
}

#[test]
fn a_record_dated_after_its_unit_ended_is_refused_naming_the_successor() {
    let next = Units::from_json(crate::THAI_NGUYEN_UNITS_2025).unwrap();
    let reform =
        crate::units::Succession::from_json(crate::BAC_KAN_2020_TO_THAI_NGUYEN_2025).unwrap();
    let units = UNITS.clone().with_successors(&reform, &next);
    let mut r = record(1, DONG_XA, "dev-a", 0);
    r.fields.date = NaiveDate::from_ymd_opt(2025, 7, 2).unwrap();
    r.fields.status = crate::activity::Status::Planned;
    let b = signed(Batch::seal(
        &header(DONG_XA, "dev-a", 600),
        BatchKind::Changes,
        1,
        vec![r],
    ));
    let today = at(700);
    let e = parse(b.to_json().as_bytes(), &PLAN, &units, today).unwrap_err();
    assert!(
        e.message_vi().contains("Xã Xuân Dương"),
        "{}",
        e.message_vi()
    );
    assert!(e.message_vi().contains("01/07/2025"), "{}", e.message_vi());
}

#[test]
fn a_later_version_still_carries_the_records_of_a_task_it_retired() {
    let v2 = &*PLAN_WITHOUT_2_3_1;
    assert!(v2.task("2.3-1").is_none() && v2.retired("2.3-1").is_some());
    let seal_against = |plan: &Plan, records: Vec<Activity>| {
        let mut h = header(DONG_XA, "dev-a", 600);
        h.plan = plan;
        signed(Batch::seal(&h, BatchKind::Backup, 0, records))
    };
    // A backup naming the new version holds the unit's old records of 2.3-1.
    let b = seal_against(v2, two());
    assert_eq!(b.plan.version, "2026.1");
    assert_eq!(parse(b.to_json().as_bytes(), v2, &UNITS, now()).unwrap(), b);
    // A receiver holding both versions reads it against the one it names.
    let mut cat = crate::catalogue::Catalogue::shipped();
    cat.add_plan(v2.clone()).unwrap();
    assert_eq!(parse_in(b.to_json().as_bytes(), &cat, now()).unwrap(), b);
    // A task neither version has is still refused, by name.
    let mut stray = record(3, DONG_XA, "dev-a", 0);
    stray.fields.task_id = "9.9-1".into();
    let e = parse(
        seal_against(v2, vec![stray]).to_json().as_bytes(),
        v2,
        &UNITS,
        now(),
    )
    .unwrap_err();
    assert!(
        matches!(&e, BatchError::RecordInvalid { errors, .. } if errors.iter().any(|x| x.problem == crate::validation::Problem::UnknownTask)),
        "{e:?}"
    );
}
