//! Backups of the live database, and their restore (docs/deploy.md).
//!
//! A backup is `VACUUM INTO` a new file: one read transaction, so the copy is
//! a consistent snapshot even while the server commits batches (WAL lets the
//! writer go on beside it). The copy is checked (`PRAGMA integrity_check`,
//! schema, counts) before it gets its final name. A restore replaces the
//! database only when no other process has it open, and keeps the old file.

use std::fmt;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use crate::db::SCHEMA_VERSION;

/// What a database file holds, once checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub schema: usize,
    pub batches: i64,
    pub tokens: i64,
    pub live_tokens: i64,
    pub bytes: u64,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "integrity ok, schema {}, {} batches, {} tokens ({} live), {:.1} MB",
            self.schema,
            self.batches,
            self.tokens,
            self.live_tokens,
            self.bytes as f64 / 1e6
        )
    }
}

fn sql_err(path: &Path) -> impl Fn(rusqlite::Error) -> String + '_ {
    move |e| format!("{}: {e}", path.display())
}

/// Open a database that must exist: never creates or migrates one.
fn open_existing(path: &Path) -> Result<Connection, String> {
    if !path.is_file() {
        return Err(format!("{}: no such database file", path.display()));
    }
    let c = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)
        .map_err(sql_err(path))?;
    c.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(sql_err(path))?;
    Ok(c)
}

/// Check a database file: its integrity, its schema (this release's or an
/// older one), and what it holds.
pub fn inspect(path: &Path) -> Result<Summary, String> {
    let c = open_existing(path)?;
    let err = sql_err(path);
    let check: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(&err)?;
    if check != "ok" {
        return Err(format!(
            "{}: the integrity check failed: {check}",
            path.display()
        ));
    }
    let schema = c
        .pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))
        .map_err(&err)? as usize;
    if schema == 0 {
        return Err(format!("{}: not a papi-server database", path.display()));
    }
    if schema > SCHEMA_VERSION {
        return Err(format!(
            "{}: schema {schema} is newer than this release's {SCHEMA_VERSION}: use the papi-server that wrote it",
            path.display()
        ));
    }
    let count = |sql: &str| c.query_row(sql, [], |r| r.get::<_, i64>(0)).map_err(&err);
    Ok(Summary {
        schema,
        batches: count("SELECT count(*) FROM batches")?,
        tokens: count("SELECT count(*) FROM tokens")?,
        live_tokens: count("SELECT count(*) FROM tokens WHERE revoked_at IS NULL")?,
        bytes: fs::metadata(path).map(|m| m.len()).unwrap_or(0),
    })
}

/// `path` with a suffix added to its file name.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

/// Flush a file, then the directory entry that names it.
fn sync(path: &Path) -> Result<(), String> {
    let io = |e: std::io::Error| format!("{}: {e}", path.display());
    fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(io)?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    fs::File::open(dir).and_then(|f| f.sync_all()).map_err(io)
}

/// Copy the database at `db` into the new file `out`, consistently even
/// while the server runs; an existing `out` is replaced only with `force`.
pub fn backup(db: &Path, out: &Path, force: bool) -> Result<Summary, String> {
    if out.exists() && !force {
        return Err(format!(
            "{} exists already: choose another name, or add --force to replace it",
            out.display()
        ));
    }
    let src = open_existing(db)?;
    let partial = with_suffix(out, ".partial");
    let _ = fs::remove_file(&partial);
    let io = |e: std::io::Error| format!("{}: {e}", partial.display());
    // Created empty and private first: the copy holds every batch.
    fs::File::create(&partial).map_err(io)?;
    fs::set_permissions(&partial, fs::Permissions::from_mode(0o600)).map_err(io)?;
    let copied = src
        .execute("VACUUM INTO ?1", [partial.to_string_lossy()])
        .map_err(sql_err(db))
        .and_then(|_| sync(&partial))
        .and_then(|_| inspect(&partial));
    let summary = match copied {
        Ok(s) => s,
        Err(e) => {
            let _ = fs::remove_file(&partial);
            return Err(e);
        }
    };
    fs::rename(&partial, out).map_err(io)?;
    sync(out)?;
    Ok(summary)
}

/// What copying evidence files did (`copy_files`).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FilesCopied {
    pub copied: usize,
    /// In the destination already (a name is a hash: the same bytes).
    pub present: usize,
    /// Files whose bytes no longer hash to their name: not copied.
    pub damaged: Vec<PathBuf>,
}

impl fmt::Display for FilesCopied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} evidence files copied, {} there already",
            self.copied, self.present
        )?;
        for d in &self.damaged {
            write!(f, "; DAMAGED, not copied: {}", d.display())?;
        }
        Ok(())
    }
}

/// The evidence files beside a database: `files/` in its folder.
pub fn files_beside(db: &Path) -> PathBuf {
    match db.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.join("files"),
        _ => PathBuf::from("files"),
    }
}

/// Copy the evidence files kept whole in `from` (`ab/abcd…`, each named by
/// its SHA-256; never `partial/`, what is still arriving) into `to`. A
/// file is checked against its name as it is read and written under a
/// temporary name, then renamed; one already in `to` at its size is not
/// copied again, so dated backups in one folder share their files.
pub fn copy_files(from: &Path, to: &Path) -> Result<FilesCopied, String> {
    let mut done = FilesCopied::default();
    let io = |p: &Path, e: std::io::Error| format!("{}: {e}", p.display());
    let Ok(shards) = fs::read_dir(from) else {
        return Ok(done);
    };
    for shard in shards.flatten().map(|e| e.path()) {
        let prefix = shard.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if prefix.len() != 2 || !shard.is_dir() {
            continue;
        }
        for file in fs::read_dir(&shard).map_err(|e| io(&shard, e))?.flatten() {
            let path = file.path();
            let name = file.file_name().to_string_lossy().to_string();
            if name.len() != 64 || !name.starts_with(prefix) {
                continue;
            }
            let dest = to.join(prefix).join(&name);
            let size = file.metadata().map_err(|e| io(&path, e))?.len();
            if fs::metadata(&dest).is_ok_and(|m| m.len() == size) {
                done.present += 1;
                continue;
            }
            let bytes = fs::read(&path).map_err(|e| io(&path, e))?;
            if papi_core::evidence::sha256_hex(&bytes) != name {
                done.damaged.push(path);
                continue;
            }
            let dir = to.join(prefix);
            fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
            let partial = with_suffix(&dest, ".partial");
            fs::write(&partial, &bytes).map_err(|e| io(&partial, e))?;
            sync(&partial)?;
            fs::rename(&partial, &dest).map_err(|e| io(&dest, e))?;
            sync(&dest)?;
            done.copied += 1;
        }
    }
    Ok(done)
}

/// The name of a backup made at `stamp` (`YYYYMMDD-HHMMSS`) in a folder.
fn dated_name(stamp: &str) -> String {
    format!("papi-{stamp}.sqlite3")
}

fn is_dated_name(name: &str) -> bool {
    let Some(stamp) = name
        .strip_prefix("papi-")
        .and_then(|s| s.strip_suffix(".sqlite3"))
    else {
        return false;
    };
    stamp.len() == 15
        && stamp
            .char_indices()
            .all(|(i, c)| if i == 8 { c == '-' } else { c.is_ascii_digit() })
}

/// A backup into a folder, named by the time (`stamp`); then, with `keep`,
/// only the newest `keep` dated backups of the folder remain.
pub fn backup_into(
    db: &Path,
    dir: &Path,
    stamp: &str,
    keep: Option<usize>,
) -> Result<(PathBuf, Summary, Vec<PathBuf>), String> {
    let out = dir.join(dated_name(stamp));
    let summary = backup(db, &out, false)?;
    let removed = match keep {
        Some(n) => prune(dir, n)?,
        None => vec![],
    };
    Ok((out, summary, removed))
}

/// Remove all but the newest `keep` dated backups in `dir`; other files
/// are never touched.
pub fn prune(dir: &Path, keep: usize) -> Result<Vec<PathBuf>, String> {
    let io = |e: std::io::Error| format!("{}: {e}", dir.display());
    let mut dated: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(is_dated_name)
        })
        .collect();
    dated.sort();
    let old = dated.len().saturating_sub(keep);
    let removed: Vec<PathBuf> = dated.drain(..old).collect();
    for p in &removed {
        fs::remove_file(p).map_err(io)?;
    }
    Ok(removed)
}

/// Move the database at `db` aside as `db.before-restore-<stamp>`, refusing
/// while any other process has it open.
fn set_aside(db: &Path, stamp: &str) -> Result<PathBuf, String> {
    let c = open_existing(db)?;
    let in_use = || {
        format!(
            "{} is in use: stop the server first (systemctl stop papi-server)",
            db.display()
        )
    };
    c.busy_timeout(std::time::Duration::ZERO)
        .map_err(sql_err(db))?;
    // Every connection to a WAL database holds a shared lock on it: leaving
    // WAL needs an exclusive one, so it succeeds only when nobody else has the
    // file open. It also folds the WAL into the file, which can then move.
    let mode: String = c
        .query_row("PRAGMA journal_mode=DELETE", [], |r| r.get(0))
        .map_err(|_| in_use())?;
    if mode != "delete" {
        return Err(in_use());
    }
    drop(c);
    let aside = with_suffix(db, &format!(".before-restore-{stamp}"));
    fs::rename(db, &aside).map_err(|e| format!("{}: {e}", db.display()))?;
    Ok(aside)
}

/// The highest batch cursor a database has given out (AUTOINCREMENT keeps it).
fn last_cursor(c: &Connection) -> rusqlite::Result<i64> {
    c.query_row(
        "SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = 'batches'",
        [],
        |r| r.get(0),
    )
}

/// Districts read on from the last cursor they saw: the restored file's
/// new batches get cursors after every one the replaced file gave out, so
/// none is skipped.
fn keep_cursors_growing(restored: &Path, old: &Path) -> Result<(), String> {
    let seen = last_cursor(&open_existing(old)?).map_err(sql_err(old))?;
    let c = open_existing(restored)?;
    c.execute(
        "INSERT INTO sqlite_sequence (name, seq) SELECT 'batches', 0
         WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'batches')",
        [],
    )
    .and_then(|_| {
        c.execute(
            "UPDATE sqlite_sequence SET seq = max(seq, ?1) WHERE name = 'batches'",
            [seen],
        )
    })
    .map(|_| ())
    .map_err(sql_err(restored))
}

/// A journal left without its database would be replayed into the copy.
fn no_orphan_journal(db: &Path) -> Result<(), String> {
    for stale in [with_suffix(db, "-wal"), with_suffix(db, "-shm")] {
        if stale.exists() {
            return Err(format!(
                "{} is left from an earlier database: move it away first",
                stale.display()
            ));
        }
    }
    Ok(())
}

/// Replace the database at `db` by the backup `from` (checked first); the
/// old file, if any, is kept aside and its path returned.
pub fn restore(from: &Path, db: &Path, stamp: &str) -> Result<(Summary, Option<PathBuf>), String> {
    let summary = inspect(from)?;
    let aside = if db.exists() {
        Some(set_aside(db, stamp)?)
    } else {
        no_orphan_journal(db)?;
        None
    };
    let incoming = with_suffix(db, ".restoring");
    let io = |e: std::io::Error| format!("{}: {e}", incoming.display());
    fs::copy(from, &incoming).map_err(io)?;
    fs::set_permissions(&incoming, fs::Permissions::from_mode(0o600)).map_err(io)?;
    if let Some(old) = &aside {
        keep_cursors_growing(&incoming, old)?;
    }
    sync(&incoming)?;
    fs::rename(&incoming, db).map_err(io)?;
    sync(db)?;
    Ok((summary, aside))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("papi-backup-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    fn database(path: &Path) -> crate::db::Admin {
        let a = crate::db::Admin::open(path).unwrap();
        a.add_token("02194", "", "h1", "t0").unwrap();
        a.add_token("02137", "", "h2", "t0").unwrap();
        a.revoke(2, "t1").unwrap();
        a
    }

    #[test]
    fn backs_up_refuses_to_overwrite_and_restores_beside_the_old_file() {
        let d = temp_dir("roundtrip");
        let (db, out) = (d.join("papi.sqlite3"), d.join("copy.sqlite3"));
        let admin = database(&db);
        let s = backup(&db, &out, false).unwrap();
        assert_eq!((s.schema, s.tokens, s.live_tokens), (SCHEMA_VERSION, 2, 1));
        let mode = fs::metadata(&out).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(backup(&db, &out, false)
            .unwrap_err()
            .contains("exists already"));
        backup(&db, &out, true).unwrap();
        assert!(!with_suffix(&out, ".partial").exists());

        // The server (here: an open connection) holds the database.
        assert!(restore(&out, &db, "20260101-000000")
            .unwrap_err()
            .contains("stop the server first"));
        admin.add_token("01834", "", "h3", "t2").unwrap();
        drop(admin);
        let c = Connection::open(&db).unwrap();
        c.execute(
            "INSERT INTO batches (name, unit_code, district_code, device_id, seq, kind, sha256, body, received_at)
             VALUES ('n', '02194', '066', 'd', 1, 'changes', 's', '{}', 't')",
            [],
        )
        .unwrap();
        drop(c);
        let (s, aside) = restore(&out, &db, "20260101-000000").unwrap();
        assert_eq!(s.tokens, 2);
        let aside = aside.unwrap();
        assert!(aside.ends_with("papi.sqlite3.before-restore-20260101-000000"));
        assert_eq!(inspect(&aside).unwrap().tokens, 3, "the old file is kept");
        assert_eq!(inspect(&db).unwrap().tokens, 2);
        // The batch after the backup is not restored, but its cursor is
        // never given out again.
        let c = Connection::open(&db).unwrap();
        assert_eq!(inspect(&db).unwrap().batches, 0);
        assert_eq!(last_cursor(&c).unwrap(), 1);
    }

    #[test]
    fn refuses_what_is_not_a_good_backup() {
        let d = temp_dir("bad");
        let db = d.join("papi.sqlite3");
        drop(database(&db));
        assert!(inspect(&d.join("none.sqlite3"))
            .unwrap_err()
            .contains("no such database file"));
        let junk = d.join("junk.sqlite3");
        fs::write(&junk, "not a database").unwrap();
        assert!(restore(&junk, &db, "x").is_err());
        let orphan = d.join("orphan.sqlite3");
        fs::write(with_suffix(&orphan, "-wal"), "old journal").unwrap();
        assert!(restore(&db, &orphan, "x")
            .unwrap_err()
            .contains("left from an earlier database"));
        assert!(!orphan.exists());
        let empty = d.join("empty.sqlite3");
        Connection::open(&empty).unwrap();
        assert!(inspect(&empty)
            .unwrap_err()
            .contains("not a papi-server database"));
        let newer = d.join("newer.sqlite3");
        backup(&db, &newer, false).unwrap();
        Connection::open(&newer)
            .unwrap()
            .pragma_update(None, "user_version", 99)
            .unwrap();
        assert!(restore(&newer, &db, "x")
            .unwrap_err()
            .contains("newer than this release"));
        assert_eq!(inspect(&db).unwrap().tokens, 2, "nothing replaced");
        assert!(!with_suffix(&db, ".before-restore-x").exists());
    }

    #[test]
    fn keeps_the_newest_dated_backups_only() {
        let d = temp_dir("keep");
        let db = d.join("papi.sqlite3");
        drop(database(&db));
        let dir = d.join("backups");
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("notes.txt"), "mine").unwrap();
        for s in ["20260101-020000", "20260102-020000", "20260103-020000"] {
            backup_into(&db, &dir, s, None).unwrap();
        }
        let (out, _, removed) = backup_into(&db, &dir, "20260104-020000", Some(2)).unwrap();
        assert!(out.ends_with("papi-20260104-020000.sqlite3"));
        assert_eq!(removed.len(), 2);
        assert!(removed[0].ends_with("papi-20260101-020000.sqlite3"));
        let mut left: Vec<String> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "notes.txt",
                "papi-20260103-020000.sqlite3",
                "papi-20260104-020000.sqlite3"
            ]
        );
        assert!(!is_dated_name("papi-2026010-1020000.sqlite3"));
    }

    #[test]
    fn evidence_files_are_copied_once_checked_and_never_partial() {
        let d = temp_dir("files");
        let (from, to) = (d.join("live/files"), d.join("backups/files"));
        let keep = |bytes: &[u8]| {
            let sha = papi_core::evidence::sha256_hex(bytes);
            let dir = from.join(&sha[..2]);
            fs::create_dir_all(&dir).unwrap();
            fs::write(dir.join(&sha), bytes).unwrap();
            sha
        };
        let (a, b) = (keep(b"photo a"), keep(b"scan b"));
        let rotten = keep(b"rotten");
        fs::write(from.join(&rotten[..2]).join(&rotten), b"bit rot").unwrap();
        fs::create_dir_all(from.join("partial")).unwrap();
        fs::write(from.join("partial").join(format!("02194-{a}")), b"half").unwrap();

        let first = copy_files(&from, &to).unwrap();
        assert_eq!((first.copied, first.present), (2, 0));
        assert_eq!(first.damaged, vec![from.join(&rotten[..2]).join(&rotten)]);
        assert_eq!(fs::read(to.join(&a[..2]).join(&a)).unwrap(), b"photo a");
        assert_eq!(fs::read(to.join(&b[..2]).join(&b)).unwrap(), b"scan b");
        assert!(
            !to.join("partial").exists(),
            "what is still arriving is not backed up"
        );
        assert!(first.to_string().contains("DAMAGED"));

        let again = copy_files(&from, &to).unwrap();
        assert_eq!((again.copied, again.present), (0, 2));
        // Nothing beside a database that has no files yet.
        assert_eq!(
            copy_files(&d.join("none"), &to).unwrap(),
            FilesCopied::default()
        );
        assert_eq!(
            files_beside(Path::new("/srv/papi/papi.sqlite3")),
            Path::new("/srv/papi/files")
        );
    }
}
