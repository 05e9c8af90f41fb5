//! A batch with its evidence files as one `.zip` (issue 29, "by file too"):
//! the batch's JSON file as it was sealed, and each file its records list
//! under `papi_core::evidence::ZIP_FOLDER`, named by its SHA-256. Entries
//! are stored, not compressed (photos and scans are compressed already), so
//! a zip never unpacks to more than it weighs. On import the batches go
//! through the usual dry run; a carried file is kept only when a batch
//! applied lists it and its bytes hash to its name
//! (`papi_core::evidence::carried`).

use std::io::{Cursor, Read, Write};

use chrono::{DateTime, Datelike, Timelike, Utc};
use papi_core::batch::MAX_BATCH_BYTES;
use papi_core::evidence::{self, MAX_PDF_BYTES, ZIP_FOLDER};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use super::store::{bytes_of, EvidenceStore};

/// The most entries an imported zip may hold.
const MAX_ENTRIES: usize = 5_000;

/// A batch's `.zip`: its bytes, the files it carries, and the files its
/// records list that this device does not hold.
pub struct Exported {
    pub bytes: Vec<u8>,
    pub files: usize,
    pub missing: usize,
}

/// Whether a sealed batch's records list evidence files.
pub fn lists_files(text: &str) -> bool {
    evidence::in_batch(text).is_ok_and(|refs| !refs.is_empty())
}

/// The `.zip` of a sealed batch (`file_name`, `text`) with the files its
/// records list that this device holds.
pub async fn export(
    file_name: &str,
    text: &str,
    created_at: DateTime<Utc>,
) -> Result<Exported, String> {
    let refs = evidence::in_batch(text)?;
    let store = EvidenceStore::open().await.map_err(|e| e.message_vi())?;
    let z = |e: zip::result::ZipError| format!("không tạo được tệp .zip: {e}");
    let io = |e: std::io::Error| format!("không tạo được tệp .zip: {e}");
    let when = zip::DateTime::from_date_and_time(
        created_at.year().clamp(1980, 2107) as u16,
        created_at.month() as u8,
        created_at.day() as u8,
        created_at.hour() as u8,
        created_at.minute() as u8,
        created_at.second() as u8,
    )
    .unwrap_or_default();
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .last_modified_time(when);
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file(file_name, options).map_err(z)?;
    zip.write_all(text.as_bytes()).map_err(io)?;
    let (mut files, mut missing) = (0, 0);
    for sha in evidence::listed(&refs).keys() {
        match store.get(sha).await.map_err(|e| e.message_vi())? {
            Some(kept) => {
                let bytes = bytes_of(&kept.blob).await?;
                zip.start_file(format!("{ZIP_FOLDER}{sha}"), options)
                    .map_err(z)?;
                zip.write_all(&bytes).map_err(io)?;
                files += 1;
            }
            None => missing += 1,
        }
    }
    let bytes = zip.finish().map_err(z)?.into_inner();
    Ok(Exported {
        bytes,
        files,
        missing,
    })
}

/// What a picked `.zip` holds: its batch files (name, bytes) and its other
/// entries (the evidence files, checked when the batches are applied).
#[derive(Default)]
pub struct Unpacked {
    pub batches: Vec<(String, Vec<u8>)>,
    pub files: Vec<(String, Vec<u8>)>,
    /// Entries not read, with why (Vietnamese).
    pub problems: Vec<String>,
}

/// Whether a picked file is a batch's zip: by its name (a spreadsheet or
/// a Word file is a zip too, and is refused as what it is).
pub fn is_zip(name: &str) -> bool {
    name.to_lowercase().ends_with(".zip")
}

/// Read a `.zip`. A file that is no zip is refused whole; an entry too
/// large, compressed or unreadable is left out with a problem.
pub fn unpack(bytes: &[u8]) -> Result<Unpacked, String> {
    let mut zip = ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| format!("không phải tệp .zip đọc được ({e})."))?;
    if zip.len() > MAX_ENTRIES {
        return Err(format!(
            "tệp .zip có {} mục, quá mức {MAX_ENTRIES}.",
            zip.len()
        ));
    }
    let mut out = Unpacked::default();
    for i in 0..zip.len() {
        let mut entry = match zip.by_index(i) {
            Ok(e) => e,
            Err(e) => {
                out.problems
                    .push(format!("mục thứ {} không đọc được: {e}.", i + 1));
                continue;
            }
        };
        if entry.is_dir() {
            continue;
        }
        let name: String = entry.name().chars().take(200).collect();
        let is_batch = name.to_lowercase().ends_with(".json");
        let max = if is_batch {
            MAX_BATCH_BYTES as u64
        } else {
            MAX_PDF_BYTES
        };
        if entry.compression() != CompressionMethod::Stored {
            out.problems.push(format!(
                "\"{name}\": được nén (chỉ đọc tệp .zip do ứng dụng tạo, không nén)."
            ));
            continue;
        }
        if entry.size() > max {
            out.problems.push(format!(
                "\"{name}\": nặng {} byte, quá mức {max} byte.",
                entry.size()
            ));
            continue;
        }
        let mut read = Vec::new();
        if let Err(e) = (&mut entry).take(max + 1).read_to_end(&mut read) {
            out.problems
                .push(format!("\"{name}\": không đọc được ({e})."));
            continue;
        }
        match is_batch {
            true => out.batches.push((name, read)),
            false => out.files.push((name, read)),
        }
    }
    Ok(out)
}
