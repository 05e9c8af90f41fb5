//! Evidence references (issue 29): the files a record lists (`files`,
//! format version 3). A reference names a file by the SHA-256 of its bytes,
//! with its type, size and an optional caption; the file itself travels
//! apart from the batch, and the batch's signature covers the reference.

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
}
