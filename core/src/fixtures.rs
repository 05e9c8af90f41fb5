//! Shared test fixtures: the shipped plan and units, and record builders.

use std::sync::LazyLock;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

use crate::activity::{new_id, Activity, ActivityFields, Author, Status};
use crate::assessment::Assessment;
use crate::batch::{Batch, Header};
use crate::declared;
use crate::evidence::FileRef;
use crate::plan::Plan;
use crate::record::Field;
use crate::review::ReviewPeriod;
use crate::signature::DeviceKey;
use crate::submission::Submission;
use crate::units::Units;

pub static PLAN: LazyLock<Plan> =
    LazyLock::new(|| Plan::from_json(crate::BAC_KAN_124_2020).unwrap());
pub static UNITS: LazyLock<Units> =
    LazyLock::new(|| Units::from_json(crate::BAC_KAN_UNITS_2020).unwrap());

/// A later version of the shipped plan ("2026.1", its document dated
/// 10/01/2026) without task 2.3-1 (the fixtures' records' task), built by
/// the plan builder: 2.3-1 is retired, and records still date from 2020.
pub static PLAN_WITHOUT_2_3_1: LazyLock<Plan> = LazyLock::new(|| {
    use crate::plan_sheet::{from_sheets, to_sheets, INFO, TASKS};
    let mut sheets = to_sheets(&PLAN);
    for s in &mut sheets {
        match s.name.as_str() {
            TASKS => s.rows.retain(|r| r[4] != "2.3-1"),
            INFO => {
                s.rows[2][1] = "2026.1".into();
                s.rows[5][1] = "10/01/2026".into();
            }
            _ => {}
        }
    }
    from_sheets(&sheets, Some(&PLAN), Some(&UNITS)).unwrap()
});

/// Quảng Ninh's 2025 dataset (two tiers: xã, phường and đặc khu).
pub static QUANG_NINH: LazyLock<Units> = LazyLock::new(|| {
    Units::from_json(crate::provinces::dataset_2025_text("quang-ninh-2025").unwrap()).unwrap()
});

/// Phường Hạ Long and Đặc khu Vân Đồn, communes of Quảng Ninh (22).
pub const HA_LONG: &str = "06688";
pub const VAN_DON: &str = "06994";

/// Quảng Ninh's 2026 template (`template_2025`) whose task 1.1-1 is led by
/// two named communes, Phường Hạ Long and Đặc khu Vân Đồn, with Sở Tư pháp
/// coordinating; built by the plan builder from its sheets.
pub static NAMED_COMMUNES: LazyLock<Plan> = LazyLock::new(|| {
    use crate::plan_sheet::{from_sheets, template_2025, to_sheets, TASKS};
    let mut sheets = to_sheets(&template_2025(&QUANG_NINH, 2026));
    let tasks = sheets.iter_mut().find(|s| s.name == TASKS).unwrap();
    let row = tasks.rows.iter_mut().find(|r| r[4] == "1.1-1").unwrap();
    row[6] = "UBND phường Hạ Long, Ủy ban nhân dân đặc khu Vân Đồn".into();
    row[7] = "Sở Tư pháp".into();
    from_sheets(&sheets, None, Some(&QUANG_NINH)).unwrap()
});

/// Xã Đổng Xá and Xã Văn Vũ, both of Huyện Na Rì (066).
pub const DONG_XA: &str = "02194";
pub const VAN_VU: &str = "02137";
pub const NA_RI: &str = "066";
/// Phường Nguyễn Thị Minh Khai, of Thành phố Bắc Kạn (058).
pub const MINH_KHAI: &str = "01834";

/// The receiver's clock in tests: well after every fixture.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2021, 6, 1, 8, 0, 0).unwrap()
}

/// Minutes after 01/05/2020 08:00 UTC.
pub fn at(min: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2020, 5, 1, 8, 0, 0).unwrap() + Duration::minutes(min)
}

pub fn fields(title: &str) -> ActivityFields {
    ActivityFields::new(
        "2.3-1",
        NaiveDate::from_ymd_opt(2020, 4, 20).unwrap(),
        title,
        Status::Done,
    )
    .with(Field::DESCRIPTION, "Tại trụ sở UBND xã")
    .with(Field::EVIDENCE, "TB 12/TB-UBND")
}

/// A record with every field filled: each typed text of `record::FIELDS`
/// holds its label (and a second line where it takes several), so a field
/// added to the declaration is in it at once. Edited once, of Xã Đổng Xá.
pub fn filled() -> Activity {
    let texts = crate::record::Texts::default().map(|f, _| match f.spec().multiline {
        true => format!("{}\ndòng hai", f.label_vi()),
        false => format!("{} ({})", f.label_vi(), f.spec().wire),
    });
    let fields = ActivityFields {
        texts,
        files: vec![
            file(0x11, "image/jpeg", 350_000, "Ảnh bảng tin"),
            file(0x22, "application/pdf", 1_200_000, ""),
        ],
        ..ActivityFields::new(
            "2.3-1",
            NaiveDate::from_ymd_opt(2020, 4, 20).unwrap(),
            "",
            Status::Planned,
        )
    };
    Activity::create(new_id([7; 16]), DONG_XA, fields.clone(), &by("dev-a", 0))
        .edit(fields, &by("dev-b", 90))
}

/// An evidence reference whose hash is the byte `n` 32 times; an image's
/// thumbnail's is `n ^ 0xf0` 32 times, a PDF has none.
pub fn file(n: u8, media_type: &str, size: u64, caption: &str) -> FileRef {
    let thumb = match media_type.starts_with("image/") {
        true => format!("{:02x}", n ^ 0xf0).repeat(32),
        false => String::new(),
    };
    FileRef {
        sha256: format!("{n:02x}").repeat(32),
        media_type: media_type.into(),
        size,
        caption: caption.into(),
        thumb,
    }
}

/// A comment with every field filled, on `filled()`'s record; edited once
/// on "dev-b".
pub fn filled_comment() -> crate::comment::Comment {
    crate::comment::Comment {
        id: new_id([12; 16]),
        record: new_id([7; 16]),
        text: format!(
            "{}\ndòng hai",
            declared::spec::<crate::comment::Comment>("text").label_vi
        ),
        author: "Người viết (author)".into(),
        device_id: "dev-b".into(),
        updated_at: at(90),
        revision: 2,
        deleted: false,
    }
}

/// An assessment with every field filled: each section holds its label
/// and a second line. Of 2020, edited once on "dev-b".
pub fn filled_assessment() -> Assessment {
    let section = |wire| format!("{}\ndòng hai", declared::spec::<Assessment>(wire).label_vi);
    Assessment {
        period: ReviewPeriod::year(2020),
        results: section("results"),
        shortcomings: section("shortcomings"),
        direction: section("direction"),
        proposals: section("proposals"),
        author: "Người ghi (author)".into(),
        device_id: "dev-b".into(),
        updated_at: at(90),
        revision: 2,
        deleted: false,
    }
}

/// A submission with every field filled: the second of 2020's first half.
pub fn filled_submission() -> Submission {
    Submission {
        period: ReviewPeriod::half(2020, crate::review::Half::First),
        note: "Ghi chú khi gửi (note)".into(),
        at: at(90),
        revision: 2,
        author: "Người gửi (author)".into(),
        device_id: "dev-b".into(),
    }
}

pub fn by(device: &str, min: i64) -> Author<'_> {
    Author {
        name: "Hà Thị B",
        device_id: device,
        now: at(min),
    }
}

pub fn record(n: u8, unit: &str, device: &str, min: i64) -> Activity {
    Activity::create(
        new_id([n; 16]),
        unit,
        fields(&format!("Hoạt động {n}")),
        &by(device, min),
    )
}

pub fn header<'a>(unit: &'a str, device: &'a str, min: i64) -> Header<'a> {
    Header {
        plan: &PLAN,
        units: &UNITS.id,
        unit_code: unit,
        device_id: device,
        created_at: at(min),
        signer: signer_of(device),
    }
}

/// Each test device's key, from its id.
pub fn device_key(device: &str) -> DeviceKey {
    use sha2::{Digest, Sha256};
    DeviceKey::from_secret(Sha256::digest(device.as_bytes()).into())
}

/// The public key of `device_key(device)`, for a `Header`.
pub fn signer_of(device: &str) -> &'static str {
    Box::leak(device_key(device).public_hex().into_boxed_str())
}

/// A batch signed by its device's test key.
pub fn signed(b: Batch) -> Batch {
    let key = device_key(&b.device_id);
    b.sign_with(&key)
}

/// A bundle from `from`, sealed on `device` at `at(min)` and signed by it.
pub fn bundle<'a>(
    from: &str,
    device: &str,
    min: i64,
    records: impl IntoIterator<Item = &'a Activity>,
) -> crate::batch::Bundle {
    crate::batch::Bundle::seal(&header(from, device, min), records, &Default::default())
        .sign_with(&device_key(device))
}
