//! Evidence references (issue 29): the files a record lists (`files`,
//! format version 3). A reference names a file by the SHA-256 of its bytes,
//! with its type, size and an optional caption; the file itself travels
//! apart from the batch, and the batch's signature covers the reference.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The most files one record lists.
pub const MAX_FILES: usize = 20;
/// The largest image, in bytes (4 MB).
pub const MAX_IMAGE_BYTES: u64 = 4_000_000;
/// The largest PDF, in bytes (15 MB).
pub const MAX_PDF_BYTES: u64 = 15_000_000;
/// The longest caption, in characters (one line).
pub const MAX_CAPTION: usize = 200;
/// The largest thumbnail, in bytes: a small JPEG or WebP the device makes
/// beside an image, which a receiver fetches first on a weak link.
pub const MAX_THUMB_BYTES: u64 = 100_000;
/// The longest edge of a thumbnail, in pixels.
pub const THUMB_EDGE: u32 = 320;

/// The kinds of file a record may reference: its wire name and its largest
/// size.
pub const TYPES: &[(&str, u64)] = &[
    ("image/jpeg", MAX_IMAGE_BYTES),
    ("image/webp", MAX_IMAGE_BYTES),
    ("image/png", MAX_IMAGE_BYTES),
    ("application/pdf", MAX_PDF_BYTES),
];

/// One evidence file of a record, as the batch carries it: keys in this
/// order. `caption` and `thumb` are always there, empty when the file has
/// none.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRef {
    /// The SHA-256 of the file's bytes, 64 lowercase hex digits.
    pub sha256: String,
    /// Its media type, one of `TYPES`.
    #[serde(rename = "type")]
    pub media_type: String,
    /// Its size in bytes, 1 up to its type's limit.
    pub size: u64,
    pub caption: String,
    /// The SHA-256 of its thumbnail (an image of at most `THUMB_EDGE`
    /// pixels and `MAX_THUMB_BYTES` bytes, JPEG or WebP), or "" (a PDF, or
    /// an image that is small already).
    pub thumb: String,
}

/// What is wrong with a record's list of files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FileProblem {
    /// More than `MAX_FILES`.
    TooMany {
        len: usize,
    },
    /// The file at `position` (from 1): its hash is not 64 lowercase hex.
    BadHash {
        position: usize,
    },
    UnknownType {
        position: usize,
        media_type: String,
    },
    /// Empty, or larger than its type allows.
    BadSize {
        position: usize,
        size: u64,
        max: u64,
    },
    Caption {
        position: usize,
        problem: crate::text::TextProblem,
    },
    /// A caption with spaces at either end.
    CaptionNotTrimmed {
        position: usize,
    },
    /// The thumbnail's hash is not "" nor 64 lowercase hex, or is the
    /// file's own.
    BadThumb {
        position: usize,
    },
    /// The same file listed twice.
    Duplicate {
        position: usize,
    },
    /// Not in the order of their hashes (the canonical order).
    OutOfOrder {
        position: usize,
    },
}

impl FileProblem {
    /// What is wrong, naming the file ("tệp thứ 2").
    pub fn message_vi(&self) -> String {
        let nth = |p: &usize| format!("tệp minh chứng thứ {p}");
        match self {
            FileProblem::TooMany { len } => {
                format!("có {len} tệp minh chứng, tối đa {MAX_FILES} tệp.")
            }
            FileProblem::BadHash { position } => format!(
                "{} có mã SHA-256 không hợp lệ (phải gồm 64 chữ số hệ 16 viết thường).",
                nth(position)
            ),
            FileProblem::UnknownType {
                position,
                media_type,
            } => format!(
                "{} có loại \"{}\" không được nhận (chỉ nhận ảnh JPEG, WebP, PNG và tệp PDF).",
                nth(position),
                media_type.chars().take(40).collect::<String>()
            ),
            FileProblem::BadSize {
                position,
                size,
                max,
            } => format!(
                "{} có dung lượng {size} byte, phải từ 1 đến {max} byte ({} MB).",
                nth(position),
                max / 1_000_000
            ),
            FileProblem::Caption { position, problem } => {
                format!(
                    "{}.",
                    problem.message_vi(&format!("Chú thích {}", nth(position)))
                )
            }
            FileProblem::CaptionNotTrimmed { position } => format!(
                "chú thích {} có khoảng trắng thừa ở đầu hoặc cuối.",
                nth(position)
            ),
            FileProblem::BadThumb { position } => format!(
                "{} có mã ảnh thu nhỏ không hợp lệ (để trống, hoặc 64 chữ số hệ 16 viết thường khác mã của tệp).",
                nth(position)
            ),
            FileProblem::Duplicate { position } => format!(
                "{} trùng với tệp liền trước (cùng mã SHA-256): mỗi tệp chỉ ghi một lần.",
                nth(position)
            ),
            FileProblem::OutOfOrder { position } => format!(
                "{} không theo thứ tự mã SHA-256 (thứ tự chuẩn của danh sách tệp).",
                nth(position)
            ),
        }
    }
}

/// The longest edge of an image as the device keeps it, in pixels: a
/// phone's 12-megapixel photo (4000 × 3000, 5 MB or more) becomes about
/// 1600 × 1200 and 300 KB, still legible for a notice board or a page.
pub const IMAGE_EDGE: u32 = 1600;
/// The JPEG quality the device encodes images at (0 to 1).
pub const JPEG_QUALITY: f64 = 0.8;

/// The SHA-256 of a file's bytes, as a reference names it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    crate::signature::hex(&Sha256::digest(bytes))
}

/// The size an image of `width` × `height` is drawn at so that its longer
/// edge is at most `edge`, the ratio kept (rounded, at least 1 pixel); an
/// image small enough keeps its size.
pub fn fit(width: u32, height: u32, edge: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= edge || long == 0 {
        return (width.max(1), height.max(1));
    }
    let scale =
        |side: u32| ((side as u64 * edge as u64 + long as u64 / 2) / long as u64).max(1) as u32;
    (scale(width), scale(height))
}

/// What the device does with a file a person picked, by its media type as
/// the browser names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Picked {
    /// An image: decoded, turned upright, drawn at most `IMAGE_EDGE` pixels
    /// long and encoded as JPEG (the encoding keeps no metadata: the place
    /// a photo was taken does not leave the device), with a thumbnail.
    Image,
    /// A PDF: kept as it is.
    Pdf,
}

/// Why a picked file cannot be attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PickProblem {
    /// Neither an image nor a PDF.
    Kind { name: String, media_type: String },
    /// A PDF over `MAX_PDF_BYTES`.
    TooLarge { name: String, size: u64 },
    /// Empty.
    Empty { name: String },
    /// The record lists `MAX_FILES` already.
    Full,
}

impl PickProblem {
    pub fn message_vi(&self) -> String {
        match self {
            PickProblem::Kind { name, media_type } => format!(
                "Tệp \"{name}\" ({}) không phải ảnh hay tệp PDF: chỉ đính kèm được ảnh chụp và bản quét PDF.",
                if media_type.is_empty() { "không rõ loại" } else { media_type }
            ),
            PickProblem::TooLarge { name, size } => format!(
                "Tệp PDF \"{name}\" nặng {:.1} MB, vượt mức {} MB: hãy quét lại ở độ phân giải thấp hơn hoặc tách thành nhiều tệp.",
                *size as f64 / 1_000_000.0,
                MAX_PDF_BYTES / 1_000_000
            ),
            PickProblem::Empty { name } => format!("Tệp \"{name}\" trống (0 byte)."),
            PickProblem::Full => format!(
                "Hoạt động đã có {MAX_FILES} tệp minh chứng, mức tối đa: hãy gỡ bớt một tệp trước khi thêm."
            ),
        }
    }
}

/// What becomes of a file picked to join a record that lists `listed`
/// files already: its name, media type and size as the browser gives them.
pub fn pick(name: &str, media_type: &str, size: u64, listed: usize) -> Result<Picked, PickProblem> {
    if listed >= MAX_FILES {
        return Err(PickProblem::Full);
    }
    let name = name.chars().take(80).collect::<String>();
    if size == 0 {
        return Err(PickProblem::Empty { name });
    }
    let lower = name.to_lowercase();
    match media_type {
        "application/pdf" => {}
        t if t.starts_with("image/") => return Ok(Picked::Image),
        // Some tablets give a scan no type: its name says what it is.
        "" if lower.ends_with(".pdf") => {}
        "" if [".jpg", ".jpeg", ".png", ".webp", ".heic"]
            .iter()
            .any(|e| lower.ends_with(e)) =>
        {
            return Ok(Picked::Image)
        }
        _ => {
            return Err(PickProblem::Kind {
                name,
                media_type: media_type.chars().take(40).collect(),
            })
        }
    }
    if size > MAX_PDF_BYTES {
        return Err(PickProblem::TooLarge { name, size });
    }
    Ok(Picked::Pdf)
}

/// The largest size of a media type; `None`: not a type a record takes.
pub fn max_size(media_type: &str) -> Option<u64> {
    TYPES
        .iter()
        .find(|(t, _)| *t == media_type)
        .map(|(_, max)| *max)
}

fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// One file's own fields; `position` counts from 1.
fn check_file(f: &FileRef, position: usize) -> Result<(), FileProblem> {
    if !is_sha256(&f.sha256) {
        return Err(FileProblem::BadHash { position });
    }
    let Some(max) = max_size(&f.media_type) else {
        return Err(FileProblem::UnknownType {
            position,
            media_type: f.media_type.clone(),
        });
    };
    if f.size == 0 || f.size > max {
        return Err(FileProblem::BadSize {
            position,
            size: f.size,
            max,
        });
    }
    crate::text::check(&f.caption, MAX_CAPTION, false)
        .map_err(|problem| FileProblem::Caption { position, problem })?;
    if f.caption.trim() != f.caption {
        return Err(FileProblem::CaptionNotTrimmed { position });
    }
    if !f.thumb.is_empty() && (!is_sha256(&f.thumb) || f.thumb == f.sha256) {
        return Err(FileProblem::BadThumb { position });
    }
    Ok(())
}

/// A record's list as a batch carries it: at most `MAX_FILES`, each file
/// valid, in the order of their hashes, none twice.
pub fn check(files: &[FileRef]) -> Result<(), FileProblem> {
    if files.len() > MAX_FILES {
        return Err(FileProblem::TooMany { len: files.len() });
    }
    for (i, f) in files.iter().enumerate() {
        check_file(f, i + 1)?;
        let Some(prev) = i.checked_sub(1).map(|p| &files[p]) else {
            continue;
        };
        match prev.sha256.cmp(&f.sha256) {
            std::cmp::Ordering::Less => {}
            std::cmp::Ordering::Equal => return Err(FileProblem::Duplicate { position: i + 1 }),
            std::cmp::Ordering::Greater => return Err(FileProblem::OutOfOrder { position: i + 1 }),
        }
    }
    Ok(())
}

/// The files in their canonical order (by hash), as the form saves them.
pub fn sorted(mut files: Vec<FileRef>) -> Vec<FileRef> {
    files.sort_by(|a, b| a.sha256.cmp(&b.sha256));
    files
}

/// The files in one cell of the activities table: "" for none, else the
/// count and the captions there are ("2 tệp: Biên bản họp; Ảnh bảng tin").
pub fn summary_vi(files: &[FileRef]) -> String {
    if files.is_empty() {
        return String::new();
    }
    let captions: Vec<&str> = files
        .iter()
        .map(|f| f.caption.as_str())
        .filter(|c| !c.is_empty())
        .collect();
    match captions.is_empty() {
        true => format!("{} tệp", files.len()),
        false => format!("{} tệp: {}", files.len(), captions.join("; ")),
    }
}

/// The folder of a batch's `.zip` export that holds its evidence files, each
/// named by its SHA-256 (the batch's JSON file beside it, as it was sealed).
pub const ZIP_FOLDER: &str = "tep-minh-chung/";

/// The largest `.zip` of a batch with its evidence files that an import
/// reads (100 MB): the device holds it whole while it checks it.
pub const MAX_ZIP_BYTES: u64 = 100_000_000;

/// The evidence references of a batch file's records, read without
/// checking the rest (the export of this device's own sealed batch).
pub fn in_batch(text: &str) -> Result<Vec<FileRef>, String> {
    #[derive(Deserialize)]
    struct Records {
        records: Vec<Files>,
    }
    #[derive(Deserialize)]
    struct Files {
        #[serde(default)]
        files: Vec<FileRef>,
    }
    let read: Records = serde_json::from_str(text).map_err(|e| e.to_string())?;
    Ok(read.records.into_iter().flat_map(|r| r.files).collect())
}

/// What a batch's records list, by hash: a file's media type and exact
/// size, or a thumbnail's (`image/jpeg`, at most `MAX_THUMB_BYTES`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub media_type: String,
    /// `None`: a thumbnail, of any size up to `MAX_THUMB_BYTES`.
    pub size: Option<u64>,
}

/// Every file and thumbnail the references list, by hash.
pub fn listed<'a>(refs: impl IntoIterator<Item = &'a FileRef>) -> BTreeMap<String, Listed> {
    let mut out = BTreeMap::new();
    for f in refs {
        out.insert(
            f.sha256.clone(),
            Listed {
                media_type: f.media_type.clone(),
                size: Some(f.size),
            },
        );
        if !f.thumb.is_empty() {
            out.entry(f.thumb.clone()).or_insert(Listed {
                media_type: "image/jpeg".into(),
                size: None,
            });
        }
    }
    out
}

/// Why a file carried in a `.zip` beside its batch is not kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CarriedProblem {
    /// Its name (in the zip) is not `ZIP_FOLDER` and a SHA-256.
    Name { name: String },
    /// No record of the batches applied lists it.
    NotListed { name: String },
    /// Its bytes do not hash to its name: changed on the way.
    Mismatch { name: String },
    /// Not the size its record says.
    Size {
        name: String,
        size: u64,
        expected: u64,
    },
}

impl CarriedProblem {
    pub fn message_vi(&self) -> String {
        match self {
            CarriedProblem::Name { name } => format!(
                "\"{name}\": không phải tệp minh chứng (tên phải là {ZIP_FOLDER} và mã băm SHA-256 của tệp)."
            ),
            CarriedProblem::NotListed { name } => format!(
                "\"{name}\": không hoạt động nào trong các lô được nhận nhắc tới tệp này."
            ),
            CarriedProblem::Mismatch { name } => format!(
                "\"{name}\": nội dung không khớp mã băm (tệp đã bị sửa hoặc hỏng trên đường gửi)."
            ),
            CarriedProblem::Size { name, size, expected } => format!(
                "\"{name}\": nặng {size} byte, hoạt động ghi {expected} byte."
            ),
        }
    }
}

/// A file carried in a `.zip` (`name` its path in the zip): kept only when
/// a record of the batches being applied lists it (`listed`) and its bytes
/// hash to its name. Its hash and media type.
pub fn carried(
    name: &str,
    bytes: &[u8],
    listed: &BTreeMap<String, Listed>,
) -> Result<(String, String), CarriedProblem> {
    let short: String = name.chars().take(120).collect();
    let Some(sha) = name.strip_prefix(ZIP_FOLDER).filter(|s| is_sha256(s)) else {
        return Err(CarriedProblem::Name { name: short });
    };
    let Some(want) = listed.get(sha) else {
        return Err(CarriedProblem::NotListed { name: short });
    };
    let size = bytes.len() as u64;
    match want.size {
        Some(expected) if expected != size => {
            return Err(CarriedProblem::Size {
                name: short,
                size,
                expected,
            })
        }
        None if size > MAX_THUMB_BYTES => {
            return Err(CarriedProblem::Size {
                name: short,
                size,
                expected: MAX_THUMB_BYTES,
            })
        }
        _ => {}
    }
    if sha256_hex(bytes) != sha {
        return Err(CarriedProblem::Mismatch { name: short });
    }
    Ok((sha.to_string(), want.media_type.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::file;

    fn good() -> Vec<FileRef> {
        vec![
            file(1, "image/jpeg", 350_000, "Ảnh bảng tin"),
            file(2, "application/pdf", MAX_PDF_BYTES, "Biên bản họp"),
            file(3, "image/png", MAX_IMAGE_BYTES, ""),
        ]
    }

    #[test]
    fn a_good_list_passes_and_is_summed_up() {
        assert_eq!(check(&good()), Ok(()));
        assert_eq!(check(&[]), Ok(()));
        assert_eq!(summary_vi(&good()), "3 tệp: Ảnh bảng tin; Biên bản họp");
        assert_eq!(summary_vi(&good()[2..]), "1 tệp");
        assert_eq!(summary_vi(&[]), "");
        let json = serde_json::to_string(&good()[0]).unwrap();
        assert_eq!(
            json,
            format!(
                r#"{{"sha256":"{}","type":"image/jpeg","size":350000,"caption":"Ảnh bảng tin","thumb":"{}"}}"#,
                "01".repeat(32),
                "f1".repeat(32)
            )
        );
    }

    fn problem(change: impl FnOnce(&mut Vec<FileRef>)) -> FileProblem {
        let mut files = good();
        change(&mut files);
        check(&files).unwrap_err()
    }

    #[test]
    fn each_problem_names_the_file() {
        let upper = problem(|f| f[1].sha256 = f[1].sha256.to_uppercase().replace('0', "A"));
        assert_eq!(upper, FileProblem::BadHash { position: 2 });
        assert!(upper.message_vi().contains("tệp minh chứng thứ 2"));
        let short = problem(|f| f[0].sha256.truncate(63));
        assert_eq!(short, FileProblem::BadHash { position: 1 });
        let gif = problem(|f| f[2].media_type = "image/gif".into());
        assert!(matches!(gif, FileProblem::UnknownType { position: 3, .. }));
        assert!(
            gif.message_vi().contains("image/gif"),
            "{}",
            gif.message_vi()
        );
        let big = problem(|f| f[0].size = MAX_IMAGE_BYTES + 1);
        assert_eq!(
            big,
            FileProblem::BadSize {
                position: 1,
                size: MAX_IMAGE_BYTES + 1,
                max: MAX_IMAGE_BYTES
            }
        );
        assert!(big.message_vi().contains("4 MB"), "{}", big.message_vi());
        let pdf = problem(|f| f[1].size = MAX_PDF_BYTES + 1);
        assert!(matches!(
            pdf,
            FileProblem::BadSize {
                max: MAX_PDF_BYTES,
                ..
            }
        ));
        let empty = problem(|f| f[1].size = 0);
        assert!(matches!(empty, FileProblem::BadSize { position: 2, .. }));
        let long = problem(|f| f[0].caption = "ạ".repeat(MAX_CAPTION + 1));
        assert!(matches!(long, FileProblem::Caption { position: 1, .. }));
        let line = problem(|f| f[0].caption = "a\nb".into());
        assert!(matches!(line, FileProblem::Caption { position: 1, .. }));
        let spaces = problem(|f| f[0].caption = " Ảnh".into());
        assert_eq!(spaces, FileProblem::CaptionNotTrimmed { position: 1 });
        let thumb = problem(|f| f[0].thumb = f[0].sha256.clone());
        assert_eq!(thumb, FileProblem::BadThumb { position: 1 });
        assert!(thumb.message_vi().contains("ảnh thu nhỏ"));
        let thumb = problem(|f| f[2].thumb = "AB".repeat(32));
        assert_eq!(thumb, FileProblem::BadThumb { position: 3 });
        let twice = problem(|f| f[1] = f[0].clone());
        assert_eq!(twice, FileProblem::Duplicate { position: 2 });
        assert!(twice.message_vi().contains("trùng"));
        let order = problem(|f| f.swap(0, 2));
        assert_eq!(order, FileProblem::OutOfOrder { position: 2 });
        let many: Vec<FileRef> = (0..=MAX_FILES as u8)
            .map(|n| file(n, "image/webp", 10, ""))
            .collect();
        let e = check(&many).unwrap_err();
        assert_eq!(e, FileProblem::TooMany { len: MAX_FILES + 1 });
        assert_eq!(e.message_vi(), "có 21 tệp minh chứng, tối đa 20 tệp.");
        assert_eq!(check(&many[..MAX_FILES]), Ok(()));
        let mut reversed = good();
        reversed.reverse();
        assert_eq!(sorted(reversed), good());
    }

    #[test]
    fn a_reference_has_exactly_its_fields() {
        let with_extra = format!(
            r#"{{"sha256":"{}","type":"image/png","size":1,"caption":"","thumb":"","x":1}}"#,
            "ab".repeat(32)
        );
        assert!(serde_json::from_str::<FileRef>(&with_extra).is_err());
        let without_caption = format!(
            r#"{{"sha256":"{}","type":"image/png","size":1}}"#,
            "ab".repeat(32)
        );
        assert!(serde_json::from_str::<FileRef>(&without_caption).is_err());
        let negative = format!(
            r#"{{"sha256":"{}","type":"image/png","size":-1,"caption":"","thumb":""}}"#,
            "ab".repeat(32)
        );
        assert!(serde_json::from_str::<FileRef>(&negative).is_err());
    }

    #[test]
    fn images_fit_their_edge_and_keep_their_ratio() {
        assert_eq!(fit(4000, 3000, IMAGE_EDGE), (1600, 1200));
        assert_eq!(fit(3000, 4000, IMAGE_EDGE), (1200, 1600));
        assert_eq!(fit(4032, 3024, THUMB_EDGE), (320, 240));
        assert_eq!(fit(1600, 900, IMAGE_EDGE), (1600, 900));
        assert_eq!(fit(800, 600, IMAGE_EDGE), (800, 600));
        // A panorama keeps at least a pixel on its short side.
        assert_eq!(fit(100_000, 10, THUMB_EDGE), (320, 1));
        assert_eq!(fit(0, 0, THUMB_EDGE), (1, 1));
    }

    #[test]
    fn a_picked_file_is_an_image_a_pdf_or_refused_by_name() {
        assert_eq!(
            pick("IMG_1.jpg", "image/jpeg", 5_000_000, 0),
            Ok(Picked::Image)
        );
        // Images of any size: the device makes them small.
        assert_eq!(pick("a.heic", "", 30_000_000, 3), Ok(Picked::Image));
        assert_eq!(
            pick("bien-ban.pdf", "application/pdf", MAX_PDF_BYTES, 0),
            Ok(Picked::Pdf)
        );
        assert_eq!(pick("SCAN.PDF", "", 10, 0), Ok(Picked::Pdf));
        let big = pick("bien-ban.pdf", "application/pdf", MAX_PDF_BYTES + 1, 0).unwrap_err();
        assert!(
            big.message_vi().contains("\"bien-ban.pdf\"") && big.message_vi().contains("15 MB"),
            "{}",
            big.message_vi()
        );
        let doc = pick("bao-cao.docx", "application/vnd.openxmlformats", 10, 0).unwrap_err();
        assert!(
            doc.message_vi().contains("bao-cao.docx") && doc.message_vi().contains("PDF"),
            "{}",
            doc.message_vi()
        );
        let none = pick("x", "", 10, 0).unwrap_err();
        assert!(
            none.message_vi().contains("không rõ loại"),
            "{}",
            none.message_vi()
        );
        assert!(matches!(
            pick("a.jpg", "image/jpeg", 0, 0),
            Err(PickProblem::Empty { .. })
        ));
        assert_eq!(
            pick("a.jpg", "image/jpeg", 10, MAX_FILES),
            Err(PickProblem::Full)
        );
    }

    #[test]
    fn a_file_is_named_by_the_sha256_of_its_bytes() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn a_carried_file_is_kept_only_listed_whole_and_true_to_its_name() {
        let pdf = b"%PDF-1.4 bien ban".to_vec();
        let thumb = b"thumbnail bytes".to_vec();
        let r = FileRef {
            sha256: sha256_hex(&pdf),
            media_type: "application/pdf".into(),
            size: pdf.len() as u64,
            caption: String::new(),
            thumb: sha256_hex(&thumb),
        };
        let l = listed([&r]);
        let at = |sha: &str| format!("{ZIP_FOLDER}{sha}");
        assert_eq!(
            carried(&at(&r.sha256), &pdf, &l),
            Ok((r.sha256.clone(), "application/pdf".into()))
        );
        assert_eq!(
            carried(&at(&r.thumb), &thumb, &l),
            Ok((r.thumb.clone(), "image/jpeg".into()))
        );
        let mut changed = pdf.clone();
        changed[0] ^= 1;
        assert!(matches!(
            carried(&at(&r.sha256), &changed, &l),
            Err(CarriedProblem::Mismatch { .. })
        ));
        assert!(matches!(
            carried(&at(&r.sha256), &pdf[1..], &l),
            Err(CarriedProblem::Size { expected, .. }) if expected == pdf.len() as u64
        ));
        let other = sha256_hex(b"other");
        assert!(matches!(
            carried(&at(&other), b"other", &l),
            Err(CarriedProblem::NotListed { .. })
        ));
        for bad in ["readme.txt", "tep-minh-chung/../x", "tep-minh-chung/ABC"] {
            assert!(
                matches!(carried(bad, b"x", &l), Err(CarriedProblem::Name { .. })),
                "{bad}"
            );
        }
        let big_thumb = vec![0u8; MAX_THUMB_BYTES as usize + 1];
        let r2 = FileRef {
            thumb: sha256_hex(&big_thumb),
            ..r.clone()
        };
        assert!(matches!(
            carried(&at(&r2.thumb), &big_thumb, &listed([&r2])),
            Err(CarriedProblem::Size { .. })
        ));
        assert!(CarriedProblem::Mismatch { name: "a".into() }
            .message_vi()
            .contains("không khớp mã băm"));
    }

    #[test]
    fn a_batch_file_names_its_records_files() {
        let text = r#"{"format":"x","records":[{"id":"a","files":[{"sha256":"11","type":"image/jpeg","size":3,"caption":"","thumb":""}]},{"id":"b"}]}"#;
        let refs = in_batch(text).unwrap();
        assert_eq!(refs.len(), 1);
        assert_eq!(refs[0].sha256, "11");
        assert!(in_batch("{").is_err());
    }
}
