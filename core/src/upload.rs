//! Evidence files on their way to the server (issue 29): the rules of the
//! resumable upload the app and the server share. A file travels apart
//! from its batch, in pieces (`PIECE_BYTES`), each acknowledged; after a
//! cut the device asks how much arrived and sends only the rest. The server
//! takes only a file a batch of the same unit references (a record's file,
//! of that exact size, or its thumbnail, within `MAX_THUMB_BYTES`), within
//! the unit's quota, and counts it only once its bytes hash to its name.
//! docs/sync-api.md, "Evidence files".

use crate::evidence::{FileRef, MAX_THUMB_BYTES};

/// The largest piece of one request, in bytes (a piece on a 2G link takes
/// seconds, so a cut loses little).
pub const PIECE_BYTES: u64 = 256 * 1024;
/// What one unit may keep on the server by default, in bytes.
pub const UNIT_QUOTA_BYTES: u64 = 500_000_000;

/// What a unit may send under a hash: the size it must have (a record's
/// file: exactly `size`; a thumbnail: at most `MAX_THUMB_BYTES`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    Exactly(u64),
    Thumb,
}

impl Expected {
    /// Whether `total` is a size the file may have.
    pub fn admits(self, total: u64) -> bool {
        match self {
            Expected::Exactly(size) => total == size,
            Expected::Thumb => (1..=MAX_THUMB_BYTES).contains(&total),
        }
    }
}

/// What the references of a unit's batches allow under `sha256`: `None`
/// when no record of the unit lists it (or its thumbnail).
pub fn expected<'a>(refs: impl IntoIterator<Item = &'a FileRef>, sha256: &str) -> Option<Expected> {
    let mut thumb = false;
    for r in refs {
        if r.sha256 == sha256 {
            return Some(Expected::Exactly(r.size));
        }
        thumb |= !r.thumb.is_empty() && r.thumb == sha256;
    }
    thumb.then_some(Expected::Thumb)
}

/// A piece as a request announces it: `Content-Range: bytes START-END/TOTAL`
/// (END inclusive, as HTTP writes it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece {
    pub start: u64,
    /// Exclusive.
    pub end: u64,
    pub total: u64,
}

impl Piece {
    pub fn len(&self) -> u64 {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }

    /// The header's value for this piece.
    pub fn header(&self) -> String {
        format!("bytes {}-{}/{}", self.start, self.end - 1, self.total)
    }
}

/// Why a piece is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadError {
    /// The Content-Range header is missing or not `bytes S-E/T`.
    BadRange,
    /// No batch of the unit references this file.
    NotReferenced,
    /// The announced total is not the referenced size.
    WrongSize { total: u64, expected: Expected },
    /// The piece does not start where the server's copy ends: send from
    /// `held`.
    NotAtEnd { held: u64 },
    /// A piece larger than `PIECE_BYTES`.
    PieceTooLarge { len: u64 },
    /// The unit's files would pass its quota.
    OverQuota { used: u64, quota: u64 },
    /// The whole file arrived, and its bytes do not hash to its name.
    HashMismatch,
}

impl UploadError {
    pub fn message_vi(&self) -> String {
        let mb = |b: u64| format!("{:.1} MB", b as f64 / 1_000_000.0);
        match self {
            UploadError::BadRange => {
                "thiếu hoặc sai tiêu đề Content-Range (bytes ĐẦU-CUỐI/TỔNG)".into()
            }
            UploadError::NotReferenced => {
                "chưa có lô nào của đơn vị này nhắc đến tệp này: gửi lô trước, tệp sau".into()
            }
            UploadError::WrongSize {
                total,
                expected: Expected::Exactly(size),
            } => format!("tệp dài {total} byte, lô ghi {size} byte"),
            UploadError::WrongSize { total, .. } => {
                format!("ảnh thu nhỏ dài {total} byte, tối đa {MAX_THUMB_BYTES} byte")
            }
            UploadError::NotAtEnd { held } => {
                format!("máy chủ đã có {held} byte của tệp này: gửi tiếp từ byte {held}")
            }
            UploadError::PieceTooLarge { len } => {
                format!("mỗi lần gửi tối đa {PIECE_BYTES} byte, lần này {len} byte")
            }
            UploadError::OverQuota { used, quota } => format!(
                "tệp minh chứng của đơn vị đã dùng {} trên máy chủ, hạn mức {}: không nhận thêm",
                mb(*used),
                mb(*quota)
            ),
            UploadError::HashMismatch => {
                "nội dung tệp không khớp mã SHA-256 của nó: tệp hỏng hoặc bị sửa, không lưu".into()
            }
        }
    }
}

/// Read `Content-Range: bytes S-E/T`.
pub fn parse_range(header: &str) -> Result<Piece, UploadError> {
    let rest = header
        .trim()
        .strip_prefix("bytes ")
        .ok_or(UploadError::BadRange)?;
    let (range, total) = rest.split_once('/').ok_or(UploadError::BadRange)?;
    let (s, e) = range.split_once('-').ok_or(UploadError::BadRange)?;
    let num = |t: &str| -> Result<u64, UploadError> {
        if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) || t.len() > 15 {
            return Err(UploadError::BadRange);
        }
        t.parse().map_err(|_| UploadError::BadRange)
    };
    let (start, last, total) = (num(s)?, num(e)?, num(total)?);
    if last < start || last >= total {
        return Err(UploadError::BadRange);
    }
    Ok(Piece {
        start,
        end: last + 1,
        total,
    })
}

/// Whether the server takes `piece` of a file it holds `held` bytes of,
/// for a unit whose other files take `others` bytes of its `quota` (a file
/// counts whole from its first piece, so a unit cannot start more than its
/// quota holds).
pub fn admit(
    expected: Option<Expected>,
    piece: Piece,
    held: u64,
    others: u64,
    quota: u64,
) -> Result<(), UploadError> {
    let expected = expected.ok_or(UploadError::NotReferenced)?;
    if !expected.admits(piece.total) {
        return Err(UploadError::WrongSize {
            total: piece.total,
            expected,
        });
    }
    if piece.len() > PIECE_BYTES {
        return Err(UploadError::PieceTooLarge { len: piece.len() });
    }
    if piece.start != held {
        return Err(UploadError::NotAtEnd { held });
    }
    if others.saturating_add(piece.total) > quota {
        return Err(UploadError::OverQuota {
            used: others,
            quota,
        });
    }
    Ok(())
}

/// The pieces still to send of a file of `total` bytes when the server
/// holds `held` of them.
pub fn pieces(total: u64, held: u64) -> impl Iterator<Item = Piece> {
    let mut start = held.min(total);
    std::iter::from_fn(move || {
        if start >= total {
            return None;
        }
        let end = (start + PIECE_BYTES).min(total);
        let p = Piece { start, end, total };
        start = end;
        Some(p)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn file(sha: &str, size: u64, thumb: &str) -> FileRef {
        FileRef {
            sha256: sha.into(),
            media_type: "image/jpeg".into(),
            size,
            caption: String::new(),
            thumb: thumb.into(),
        }
    }

    #[test]
    fn only_a_referenced_file_or_its_thumbnail_is_expected() {
        let refs = [file("aa", 1000, "bb"), file("cc", 5, "")];
        assert_eq!(expected(&refs, "aa"), Some(Expected::Exactly(1000)));
        assert_eq!(expected(&refs, "bb"), Some(Expected::Thumb));
        assert_eq!(expected(&refs, "dd"), None);
        assert_eq!(expected(&refs, ""), None, "an empty thumb names nothing");
        assert!(Expected::Thumb.admits(MAX_THUMB_BYTES));
        assert!(!Expected::Thumb.admits(MAX_THUMB_BYTES + 1));
        assert!(!Expected::Thumb.admits(0));
    }

    #[test]
    fn ranges_read_as_http_writes_them() {
        let p = parse_range("bytes 0-262143/1000000").unwrap();
        assert_eq!(
            (p.start, p.end, p.total, p.len()),
            (0, 262144, 1_000_000, 262144)
        );
        assert_eq!(p.header(), "bytes 0-262143/1000000");
        for bad in [
            "",
            "bytes */100",
            "bytes 5-4/100",
            "bytes 0-100/100",
            "bytes -1-5/100",
            "bytes 0-5",
            "items 0-5/100",
            "bytes 0-5/1e3",
            "bytes 0-9999999999999999/99999999999999999",
        ] {
            assert_eq!(parse_range(bad), Err(UploadError::BadRange), "{bad}");
        }
    }

    #[test]
    fn a_piece_is_taken_only_where_the_copy_ends_within_size_and_quota() {
        let exp = Some(Expected::Exactly(1_000_000));
        let piece = |start: u64, end: u64| Piece {
            start,
            end,
            total: 1_000_000,
        };
        assert_eq!(
            admit(exp, piece(0, PIECE_BYTES), 0, 0, UNIT_QUOTA_BYTES),
            Ok(())
        );
        assert_eq!(
            admit(exp, piece(0, 10), 500, 500, UNIT_QUOTA_BYTES),
            Err(UploadError::NotAtEnd { held: 500 })
        );
        assert_eq!(
            admit(None, piece(0, 10), 0, 0, UNIT_QUOTA_BYTES),
            Err(UploadError::NotReferenced)
        );
        assert!(matches!(
            admit(
                Some(Expected::Exactly(7)),
                piece(0, 10),
                0,
                0,
                UNIT_QUOTA_BYTES
            ),
            Err(UploadError::WrongSize { .. })
        ));
        assert!(matches!(
            admit(exp, piece(0, PIECE_BYTES + 1), 0, 0, UNIT_QUOTA_BYTES),
            Err(UploadError::PieceTooLarge { .. })
        ));
        // 999,999 bytes used elsewhere and a 1 MB file: over a 1.5 MB quota.
        let e = admit(exp, piece(0, 10), 0, 999_999, 1_500_000).unwrap_err();
        assert!(
            e.message_vi().contains("hạn mức 1.5 MB"),
            "{}",
            e.message_vi()
        );
        // Exactly at the quota is within it.
        assert_eq!(admit(exp, piece(400, 410), 400, 500_000, 1_500_000), Ok(()));
    }

    proptest! {
        /// Sent piece by piece from any point it was cut at, a file
        /// arrives whole, each byte once, in pieces the server takes.
        #[test]
        fn resuming_sends_each_byte_once(total in 1u64..3_000_000, cut in 0u64..3_000_000) {
            let held = cut.min(total);
            let mut at = held;
            for p in pieces(total, held) {
                prop_assert_eq!(admit(Some(Expected::Exactly(total)), p, at, 0, UNIT_QUOTA_BYTES), Ok(()));
                prop_assert_eq!(parse_range(&p.header()), Ok(p));
                at = p.end;
            }
            prop_assert_eq!(at, total);
        }
    }
}
