//! SQLite storage: one database file, WAL with `synchronous=FULL`, schema
//! migrated at start (`PRAGMA user_version`).
//!
//! Writes go through one writer thread that commits whatever has queued up
//! in one transaction (group commit): every batch is durable before its
//! reply, and 16 clients share one fsync instead of paying one each. Reads
//! use a few connections of their own (WAL lets them run beside the writer),
//! and token checks one more, so that they never wait behind a page read.
//! A failed commit (a full disk) marks the database as faulty until the next
//! commit succeeds; health reports it.

use std::path::Path;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use papi_core::batch::Origin;
use papi_core::evidence::FileRef;
use papi_core::merge::{name_check, NameCheck};
use papi_core::trust::{KeySource, Keyring, KnownKey, Verdict};
use rusqlite::{params, Connection, OptionalExtension};
use tokio::sync::{oneshot, Semaphore};

/// Each entry brings the schema from its index to the next version.
const MIGRATIONS: &[&str] = &[
    // 0 → 1: tokens and batches.
    "CREATE TABLE tokens (
        id INTEGER PRIMARY KEY,
        unit_code TEXT NOT NULL,
        label TEXT NOT NULL DEFAULT '',
        token_hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        revoked_at TEXT
     );
     CREATE TABLE batches (
        cursor INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE,
        unit_code TEXT NOT NULL,
        district_code TEXT NOT NULL,
        device_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        body TEXT NOT NULL,
        received_at TEXT NOT NULL
     );
     CREATE INDEX batches_district ON batches (district_code, cursor);",
    // 1 → 2: device keys (format version 2). The first batch a token posts
    // with a key introduces it for that unit and device.
    "CREATE TABLE device_keys (
        key TEXT PRIMARY KEY,
        unit_code TEXT NOT NULL,
        device_id TEXT NOT NULL,
        token_id INTEGER NOT NULL,
        introduced_at TEXT NOT NULL,
        revoked_at TEXT
     );
     CREATE INDEX device_keys_unit ON device_keys (unit_code, device_id);",
    // 2 → 3: plans published by the province (a version never changes).
    "CREATE TABLE plans (
        id TEXT NOT NULL,
        version TEXT NOT NULL,
        body TEXT NOT NULL,
        token_id INTEGER NOT NULL,
        published_at TEXT NOT NULL,
        PRIMARY KEY (id, version)
     );",
    // 3 → 4: what the database is of. Its `units` is the unit dataset
    // every code in it (tokens, batches, keys) belongs to: GSO reuses codes,
    // so a database is never served with another dataset (`bind_units`).
    "CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
     );",
    // 4 → 5: feedback (format version 3): what a receiver sends down to
    // one of its units, read by that unit's tokens.
    "CREATE TABLE feedback (
        cursor INTEGER PRIMARY KEY AUTOINCREMENT,
        sha256 TEXT NOT NULL UNIQUE,
        from_unit TEXT NOT NULL,
        to_unit TEXT NOT NULL,
        device_id TEXT NOT NULL,
        body TEXT NOT NULL,
        received_at TEXT NOT NULL,
        token_id INTEGER NOT NULL
     );
     CREATE INDEX feedback_to ON feedback (to_unit, cursor);",
    // 5 → 6: evidence files (format version 3). The files each unit's
    // batches reference (a unit may upload only those), the uploads begun
    // (each counts whole against its unit's quota), and the files stored
    // whole and checked against their hash (on disk, `Db::files_dir`).
    "CREATE TABLE file_refs (
        unit_code TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        media_type TEXT NOT NULL,
        thumb TEXT NOT NULL,
        PRIMARY KEY (unit_code, sha256)
     );
     CREATE INDEX feedback_from ON feedback (from_unit, cursor);
     CREATE INDEX file_refs_sha ON file_refs (sha256);
     CREATE INDEX file_refs_thumb ON file_refs (thumb);
     CREATE TABLE file_uploads (
        unit_code TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        total INTEGER NOT NULL,
        started_at TEXT NOT NULL,
        PRIMARY KEY (unit_code, sha256)
     );
     CREATE TABLE files (
        sha256 TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        stored_at TEXT NOT NULL
     );
     CREATE TABLE file_owners (
        unit_code TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        PRIMARY KEY (unit_code, sha256)
     );",
];

pub const SCHEMA_VERSION: usize = MIGRATIONS.len();

fn open(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(conn)
}

/// Bring the schema up to date; refuse a database from a newer release.
pub fn migrate(conn: &mut Connection) -> Result<(), String> {
    let v: usize = conn
        .pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))
        .map_err(|e| e.to_string())? as usize;
    if v > SCHEMA_VERSION {
        return Err(format!(
            "the database has schema {v}, newer than this server's {SCHEMA_VERSION}: use a newer papi-server"
        ));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(v) {
        let tx = conn.transaction().map_err(|e| e.to_string())?;
        tx.execute_batch(sql).map_err(|e| e.to_string())?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)
            .map_err(|e| e.to_string())?;
        tx.commit().map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Bind the database to the unit dataset `units` on first use, and refuse
/// another afterwards: a token for 01864 made under the 2020 set (Xã Bộc
/// Bố) must never act for 01864 of the 2025 set (Xã Bằng Thành). A
/// database with data from before datasets were named is of the 2020 set,
/// the only one there was.
pub fn bind_units(conn: &Connection, units: &str) -> Result<(), String> {
    let bound: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'units'", [], |r| {
            r.get(0)
        })
        .optional()
        .map_err(|e| e.to_string())?;
    let bound = match bound {
        Some(b) => b,
        None => {
            let used: i64 = conn
                .query_row(
                    "SELECT (SELECT count(*) FROM tokens) + (SELECT count(*) FROM batches)",
                    [],
                    |r| r.get(0),
                )
                .map_err(|e| e.to_string())?;
            let b = if used > 0 {
                papi_core::batch::V1_UNITS
            } else {
                units
            };
            conn.execute("INSERT INTO meta (key, value) VALUES ('units', ?1)", [b])
                .map_err(|e| e.to_string())?;
            b.to_string()
        }
    };
    if bound != units {
        return Err(format!(
            "the database holds the units of dataset {bound} (its tokens, batches and keys name their codes), not {units}: start with --units {bound}, or give another database for {units}"
        ));
    }
    Ok(())
}

/// A batch to store, already validated.
pub struct NewBatch {
    /// `merge::receipt_id`: unit/device/seq (or the hash, for backups).
    pub name: String,
    /// The unit dataset of its codes (the database's).
    pub units: String,
    pub unit_code: String,
    pub district_code: String,
    pub device_id: String,
    pub seq: u64,
    pub kind: &'static str,
    pub sha256: String,
    pub body: String,
    pub received_at: String,
    /// The signer's public key (version 2), and the token that posted it.
    pub signer: Option<String>,
    pub token_id: i64,
    /// The evidence files its records reference (version 3): the unit may
    /// upload these.
    pub files: Vec<papi_core::evidence::FileRef>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    Accepted {
        cursor: i64,
    },
    Duplicate {
        cursor: i64,
    },
    /// Same name, other content: the first one stays.
    Conflict {
        sha256: String,
    },
    /// Signed by a revoked key, or by a key that speaks for another unit or
    /// device, or this unit's device is known with another key.
    KeyRefused(Verdict),
}

/// A checked feedback to keep: who signed it, for whom, its text.
#[derive(Debug, Clone)]
pub struct NewFeedback {
    pub origin: Origin,
    pub to_unit: String,
    pub sha256: String,
    pub body: String,
    pub received_at: String,
    pub token_id: i64,
}

type Reply = oneshot::Sender<Result<Stored, String>>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    pub id: i64,
    pub unit_code: String,
    pub label: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchRow {
    pub cursor: i64,
    pub received_at: String,
    pub body: String,
}

/// One page of batches, and whether more wait after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub rows: Vec<BatchRow>,
    pub more: bool,
}

#[derive(Debug, Clone)]
pub struct DbOptions {
    /// Read connections for pages and health (token checks have their own).
    pub readers: usize,
    /// `PRAGMA max_page_count` of the writer: a "disk" of that many pages,
    /// for tests of a full disk.
    pub max_page_count: Option<u64>,
    /// The unit dataset served (`--units`): the database must be of it.
    pub units: String,
}

impl Default for DbOptions {
    fn default() -> DbOptions {
        DbOptions {
            readers: 4,
            max_page_count: None,
            units: crate::DEFAULT_UNITS.to_string(),
        }
    }
}

#[derive(Clone)]
pub struct Db {
    /// Where the evidence files are kept: `files/` beside the database.
    files_dir: Arc<std::path::PathBuf>,
    writes: mpsc::Sender<(NewBatch, Reply)>,
    readers: Arc<Vec<Mutex<Connection>>>,
    free_readers: Arc<Semaphore>,
    tokens: Arc<Mutex<Connection>>,
    /// The unit dataset of every code in it (`bind_units`).
    units: Arc<str>,
    /// Why the last commit failed, until one succeeds.
    fault: Arc<Mutex<Option<String>>>,
}

/// The most batches committed together.
const GROUP: usize = 512;

impl Db {
    /// Open (creating and migrating) the database and start its writer.
    pub fn open(path: &Path) -> Result<Db, String> {
        Db::open_with(path, DbOptions::default())
    }

    pub fn open_with(path: &Path, opts: DbOptions) -> Result<Db, String> {
        let mut conn = open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        migrate(&mut conn)?;
        bind_units(&conn, &opts.units)?;
        if let Some(n) = opts.max_page_count {
            conn.pragma_update(None, "max_page_count", n as i64)
                .map_err(|e| e.to_string())?;
        }
        let n = opts.readers.max(1);
        let readers = (0..n)
            .map(|_| open(path).map(Mutex::new))
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| e.to_string())?;
        let tokens = open(path).map_err(|e| e.to_string())?;
        let fault = Arc::new(Mutex::new(None));
        let (tx, rx) = mpsc::channel::<(NewBatch, Reply)>();
        let f = fault.clone();
        std::thread::Builder::new()
            .name("papi-db-writer".into())
            .spawn(move || writer(conn, rx, f))
            .map_err(|e| e.to_string())?;
        let files_dir = path
            .parent()
            .unwrap_or_else(|| Path::new("."))
            .join("files");
        Ok(Db {
            files_dir: Arc::new(files_dir),
            writes: tx,
            readers: Arc::new(readers),
            free_readers: Arc::new(Semaphore::new(n)),
            tokens: Arc::new(Mutex::new(tokens)),
            units: opts.units.into(),
            fault,
        })
    }

    /// Why the database cannot write (the last commit failed), if it cannot.
    pub fn fault(&self) -> Option<String> {
        self.fault.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Store a batch; resolves once it is committed (or found already there).
    pub async fn store(&self, b: NewBatch) -> Result<Stored, String> {
        let (tx, rx) = oneshot::channel();
        self.writes
            .send((b, tx))
            .map_err(|_| "the database writer has stopped".to_string())?;
        rx.await
            .map_err(|_| "the database writer has stopped".to_string())?
    }

    /// Run `f` on a free read connection, off the async workers.
    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, String> {
        let permit = self
            .free_readers
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| e.to_string())?;
        let readers = self.readers.clone();
        tokio::task::spawn_blocking(move || {
            // Holding a permit, at least one connection is free.
            let c = readers
                .iter()
                .find_map(|m| m.try_lock().ok())
                .unwrap_or_else(|| readers[0].lock().unwrap_or_else(|p| p.into_inner()));
            let out = f(&c).map_err(|e| e.to_string());
            drop(c);
            drop(permit);
            out
        })
        .await
        .map_err(|e| e.to_string())?
    }

    /// The texts of the published plans, oldest first (read at start).
    pub fn published_plans(&self) -> Result<Vec<String>, String> {
        let c = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        c.prepare("SELECT body FROM plans ORDER BY published_at, id, version")
            .and_then(|mut st| st.query_map([], |r| r.get(0))?.collect())
            .map_err(|e| e.to_string())
    }

    /// Keep a published plan; `false` when that id and version is held
    /// already (the caller has checked it is the same plan).
    pub async fn publish_plan(
        &self,
        id: String,
        version: String,
        body: String,
        token_id: i64,
        at: String,
    ) -> Result<bool, String> {
        let conn = self.tokens.clone();
        tokio::task::spawn_blocking(move || {
            let c = conn.lock().unwrap_or_else(|p| p.into_inner());
            c.execute(
                "INSERT OR IGNORE INTO plans (id, version, body, token_id, published_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, version, body, token_id, at],
            )
            .map(|n| n == 1)
        })
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())
    }

    /// Every device key the server knows (a receiver's view is cut to its
    /// scope by the caller).
    pub async fn device_keys(&self) -> Result<Vec<KnownKey>, String> {
        let units = self.units.clone();
        self.read(move |c| {
            c.prepare_cached(
                "SELECT key, unit_code, device_id, introduced_at, revoked_at FROM device_keys
                 ORDER BY introduced_at, key",
            )?
            .query_map([], |r| key_row(&units, r))?
            .collect()
        })
        .await
    }

    /// The unit and id of a live (not revoked) token, by the token's hash,
    /// on the token connection.
    pub async fn token_unit(&self, token_hash: String) -> Result<Option<(String, i64)>, String> {
        let conn = self.tokens.clone();
        tokio::task::spawn_blocking(move || {
            let c = conn.lock().unwrap_or_else(|p| p.into_inner());
            let mut st = c.prepare_cached(
                "SELECT unit_code, id FROM tokens WHERE token_hash = ?1 AND revoked_at IS NULL",
            )?;
            st.query_row([token_hash], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
        })
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())
    }

    /// Batches after a cursor, all of them (`district: None`) or one
    /// district's: at most `limit`, and no more than `max_bytes` of batch
    /// text unless that is the first batch. Sizes are read first, so a body
    /// beyond the page is never loaded.
    pub async fn batches_after(
        &self,
        after: i64,
        district: Option<String>,
        limit: usize,
        max_bytes: usize,
    ) -> Result<Page, String> {
        self.read(move |c| {
            let tx = c.unchecked_transaction()?;
            let d = district.as_deref();
            // Two texts, so that a district's page uses its index.
            let only = if d.is_some() {
                "district_code = ?1"
            } else {
                "?1 IS NULL"
            };
            let sizes: Vec<(i64, usize)> = tx
                .prepare_cached(&format!(
                    "SELECT cursor, octet_length(body) FROM batches
                     WHERE {only} AND cursor > ?2 ORDER BY cursor LIMIT ?3"
                ))?
                .query_map(params![d, after, limit as i64 + 1], |r| {
                    Ok((r.get(0)?, r.get::<_, i64>(1)? as usize))
                })?
                .collect::<rusqlite::Result<_>>()?;
            let (mut n, mut total) = (0, 0usize);
            while n < sizes.len().min(limit) && (n == 0 || total + sizes[n].1 <= max_bytes) {
                total += sizes[n].1;
                n += 1;
            }
            let Some(&(last, _)) = n.checked_sub(1).and_then(|i| sizes.get(i)) else {
                return Ok(Page {
                    rows: vec![],
                    more: false,
                });
            };
            let rows = tx
                .prepare_cached(&format!(
                    "SELECT cursor, received_at, body FROM batches
                     WHERE {only} AND cursor > ?2 AND cursor <= ?3 ORDER BY cursor"
                ))?
                .query_map(params![d, after, last], |r| {
                    Ok(BatchRow {
                        cursor: r.get(0)?,
                        received_at: r.get(1)?,
                        body: r.get(2)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            Ok(Page {
                rows,
                more: sizes.len() > n,
            })
        })
        .await
    }

    /// The database's size in bytes and the number of live tokens (for
    /// the metrics).
    pub async fn sizes(&self) -> Result<(i64, i64), String> {
        self.read(|c| {
            let bytes = c.query_row(
                "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
                [],
                |r| r.get(0),
            )?;
            let tokens = c.query_row(
                "SELECT count(*) FROM tokens WHERE revoked_at IS NULL",
                [],
                |r| r.get(0),
            )?;
            Ok((bytes, tokens))
        })
        .await
    }

    /// Keep a feedback (checked by the caller), judging and introducing
    /// its signer's key like a batch's, in one transaction on the token
    /// connection (feedback is rare: it need not join the writer's groups).
    pub async fn store_feedback(&self, f: NewFeedback) -> Result<Stored, String> {
        let conn = self.tokens.clone();
        tokio::task::spawn_blocking(move || {
            let mut c = conn.lock().unwrap_or_else(|p| p.into_inner());
            // Immediate: it reads then writes; a deferred one would fail at
            // once should the batch writer commit in between.
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let held: Option<i64> = tx
                .query_row(
                    "SELECT cursor FROM feedback WHERE sha256 = ?1",
                    [&f.sha256],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(cursor) = held {
                return Ok(Stored::Duplicate { cursor });
            }
            if let Some(verdict) = admit_signer(&tx, &f.origin, f.token_id, &f.received_at)? {
                return Ok(Stored::KeyRefused(verdict));
            }
            tx.execute(
                "INSERT INTO feedback (sha256, from_unit, to_unit, device_id, body, received_at, token_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    f.sha256,
                    f.origin.unit_code,
                    f.to_unit,
                    f.origin.device_id,
                    f.body,
                    f.received_at,
                    f.token_id
                ],
            )?;
            let cursor = tx.last_insert_rowid();
            tx.commit()?;
            Ok(Stored::Accepted { cursor })
        })
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e: rusqlite::Error| e.to_string())
    }

    /// Where evidence files are kept (`partial/` while they arrive).
    pub fn files_dir(&self) -> &Path {
        &self.files_dir
    }

    /// The references of `unit`'s batches to `sha256`, as a file or as a
    /// thumbnail.
    pub async fn file_refs(&self, unit: String, sha256: String) -> Result<Vec<FileRef>, String> {
        self.read(move |c| {
            c.prepare_cached(
                "SELECT sha256, size, media_type, thumb FROM file_refs
                 WHERE unit_code = ?1 AND (sha256 = ?2 OR thumb = ?2)",
            )?
            .query_map(params![unit, sha256], |r| {
                Ok(FileRef {
                    sha256: r.get(0)?,
                    size: r.get::<_, i64>(1)? as u64,
                    media_type: r.get(2)?,
                    caption: String::new(),
                    thumb: r.get(3)?,
                })
            })?
            .collect()
        })
        .await
    }

    /// The units that sent `sha256`'s bytes themselves (knowing a hash is
    /// not having the file: a unit whose batch merely names it is not one).
    pub async fn file_owners(&self, sha256: String) -> Result<Vec<String>, String> {
        self.read(move |c| {
            c.prepare_cached("SELECT unit_code FROM file_owners WHERE sha256 = ?1")?
                .query_map([sha256], |r| r.get(0))?
                .collect()
        })
        .await
    }

    /// The units whose batches list `sha256` (as a file or a thumbnail).
    pub async fn file_listed_by(&self, sha256: String) -> Result<Vec<String>, String> {
        self.read(move |c| {
            c.prepare_cached(
                "SELECT DISTINCT unit_code FROM file_refs WHERE sha256 = ?1 OR thumb = ?1",
            )?
            .query_map([sha256], |r| r.get(0))?
            .collect()
        })
        .await
    }

    /// Whether `unit` sent `sha256`'s bytes whole: their size then.
    pub async fn file_owned(&self, unit: String, sha256: String) -> Result<Option<u64>, String> {
        self.read(move |c| {
            c.query_row(
                "SELECT f.size FROM files f JOIN file_owners o ON o.sha256 = f.sha256
                 WHERE o.unit_code = ?1 AND f.sha256 = ?2",
                params![unit, sha256],
                |r| r.get::<_, i64>(0).map(|n| n as u64),
            )
            .optional()
        })
        .await
    }

    /// The size of a file stored whole and checked, if it is.
    pub async fn file_stored(&self, sha256: String) -> Result<Option<u64>, String> {
        self.read(move |c| {
            c.query_row("SELECT size FROM files WHERE sha256 = ?1", [sha256], |r| {
                r.get::<_, i64>(0).map(|n| n as u64)
            })
            .optional()
        })
        .await
    }

    /// The bytes `unit`'s uploads take, but that of `sha256` (each counts
    /// whole from its first piece), and that one's total if begun.
    pub async fn upload_usage(
        &self,
        unit: String,
        sha256: String,
    ) -> Result<(u64, Option<u64>), String> {
        self.read(move |c| {
            let others: i64 = c.query_row(
                "SELECT COALESCE(SUM(total), 0) FROM file_uploads WHERE unit_code = ?1 AND sha256 <> ?2",
                params![unit, sha256],
                |r| r.get(0),
            )?;
            let this: Option<i64> = c
                .query_row(
                    "SELECT total FROM file_uploads WHERE unit_code = ?1 AND sha256 = ?2",
                    params![unit, sha256],
                    |r| r.get(0),
                )
                .optional()?;
            Ok((others as u64, this.map(|n| n as u64)))
        })
        .await
    }

    /// The uploads begun before `before` (an instant as stored) that their
    /// unit has not finished: (unit, sha256).
    pub async fn stale_uploads(&self, before: String) -> Result<Vec<(String, String)>, String> {
        self.read(move |c| {
            let mut q = c.prepare_cached(
                "SELECT u.unit_code, u.sha256 FROM file_uploads u
                 WHERE u.started_at < ?1 AND NOT EXISTS (
                    SELECT 1 FROM file_owners o WHERE o.unit_code = u.unit_code AND o.sha256 = u.sha256)",
            )?;
            let rows = q.query_map(params![before], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect()
        })
        .await
    }

    /// Record an upload begun (`Some(total)`), or forgotten (`None`: its
    /// bytes did not match).
    pub async fn set_upload(
        &self,
        unit: String,
        sha256: String,
        total: Option<u64>,
        at: String,
    ) -> Result<(), String> {
        self.write_tokens(move |c| {
            match total {
                Some(t) => c.execute(
                    "INSERT OR REPLACE INTO file_uploads (unit_code, sha256, total, started_at)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![unit, sha256, t as i64, at],
                )?,
                None => c.execute(
                    "DELETE FROM file_uploads WHERE unit_code = ?1 AND sha256 = ?2",
                    params![unit, sha256],
                )?,
            };
            Ok(())
        })
        .await
    }

    /// Record a file `unit` sent whole, its bytes checked against its
    /// name (kept once, whoever sent it).
    pub async fn file_complete(
        &self,
        unit: String,
        sha256: String,
        size: u64,
        at: String,
    ) -> Result<(), String> {
        self.write_tokens(move |c| {
            c.execute(
                "INSERT OR IGNORE INTO files (sha256, size, stored_at) VALUES (?1, ?2, ?3)",
                params![sha256, size as i64, at],
            )?;
            c.execute(
                "INSERT OR IGNORE INTO file_owners (unit_code, sha256) VALUES (?1, ?2)",
                params![unit, sha256],
            )
            .map(|_| ())
        })
        .await
    }

    /// The device keys known for one unit (its receiver's, for a unit
    /// reading its feedback), revoked ones too.
    pub async fn device_keys_of(&self, unit: String) -> Result<Vec<KnownKey>, String> {
        let units = self.units.clone();
        self.read(move |c| Ok(unit_keyring(c, &units, &unit)?.keys().cloned().collect()))
            .await
    }

    /// A small write on the token connection, off the async workers.
    async fn write_tokens<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, String> {
        let conn = self.tokens.clone();
        tokio::task::spawn_blocking(move || {
            let c = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&c)
        })
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())
    }

    /// The feedback addressed to `unit` (or, `sent`, that `unit` sent)
    /// after a cursor: at most `limit` rows (a feedback is at most
    /// `feedback::MAX_BYTES`).
    pub async fn feedback_after(
        &self,
        unit: String,
        sent: bool,
        after: i64,
        limit: usize,
    ) -> Result<Page, String> {
        self.read(move |c| {
            // Two texts, so that each uses its index.
            let sql = if sent {
                "SELECT cursor, received_at, body FROM feedback
                 WHERE from_unit = ?1 AND cursor > ?2 ORDER BY cursor LIMIT ?3"
            } else {
                "SELECT cursor, received_at, body FROM feedback
                 WHERE to_unit = ?1 AND cursor > ?2 ORDER BY cursor LIMIT ?3"
            };
            let mut rows: Vec<BatchRow> = c
                .prepare_cached(sql)?
                .query_map(params![unit, after, limit as i64 + 1], |r| {
                    Ok(BatchRow {
                        cursor: r.get(0)?,
                        received_at: r.get(1)?,
                        body: r.get(2)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            let more = rows.len() > limit;
            rows.truncate(limit);
            Ok(Page { rows, more })
        })
        .await
    }

    pub async fn count_batches(&self) -> Result<i64, String> {
        self.read(|c| c.query_row("SELECT count(*) FROM batches", [], |r| r.get(0)))
            .await
    }
}

fn writer(
    mut conn: Connection,
    rx: mpsc::Receiver<(NewBatch, Reply)>,
    fault: Arc<Mutex<Option<String>>>,
) {
    while let Ok(first) = rx.recv() {
        let mut group = vec![first];
        while group.len() < GROUP {
            match rx.try_recv() {
                Ok(item) => group.push(item),
                Err(_) => break,
            }
        }
        let results = commit_group(&mut conn, &group);
        let now_faulty = results.as_ref().err().cloned();
        let mut f = fault.lock().unwrap_or_else(|p| p.into_inner());
        match (&*f, &now_faulty) {
            (None, Some(e)) => {
                tracing::error!(error = %e, "commit failed: the database cannot write")
            }
            (Some(_), None) => tracing::info!("commit succeeded: the database writes again"),
            _ => {}
        }
        *f = now_faulty;
        drop(f);
        match results {
            Ok(results) => {
                for ((_, reply), r) in group.into_iter().zip(results) {
                    let _ = reply.send(Ok(r));
                }
            }
            Err(e) => {
                for (_, reply) in group {
                    let _ = reply.send(Err(e.clone()));
                }
            }
        }
    }
}

fn commit_group(conn: &mut Connection, group: &[(NewBatch, Reply)]) -> Result<Vec<Stored>, String> {
    let tx = conn.transaction().map_err(|e| e.to_string())?;
    let mut out = Vec::with_capacity(group.len());
    {
        let mut find = tx
            .prepare_cached("SELECT cursor, sha256 FROM batches WHERE name = ?1")
            .map_err(|e| e.to_string())?;
        let mut insert = tx
            .prepare_cached(
                "INSERT INTO batches (name, unit_code, district_code, device_id, seq, kind, sha256, body, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .map_err(|e| e.to_string())?;
        for (b, _) in group {
            let existing: Option<(i64, String)> = find
                .query_row([&b.name], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
                .map_err(|e| e.to_string())?;
            let held = existing.as_ref().map(|(_, sha)| sha.as_str());
            let check = name_check(held, &b.sha256);
            // A new batch's key is judged (and a new key introduced) in the
            // same transaction that stores it.
            let refused = match check {
                NameCheck::New => admit_key(&tx, b).map_err(|e| e.to_string())?,
                _ => None,
            };
            out.push(match (check, existing, refused) {
                (NameCheck::Duplicate, Some((cursor, _)), _) => Stored::Duplicate { cursor },
                (NameCheck::Conflict, Some((_, sha)), _) => Stored::Conflict { sha256: sha },
                (_, _, Some(verdict)) => Stored::KeyRefused(verdict),
                _ => {
                    insert
                        .execute(params![
                            b.name,
                            b.unit_code,
                            b.district_code,
                            b.device_id,
                            b.seq as i64,
                            b.kind,
                            b.sha256,
                            b.body,
                            b.received_at
                        ])
                        .map_err(|e| e.to_string())?;
                    let cursor = tx.last_insert_rowid();
                    let mut refs = tx
                        .prepare_cached(
                            "INSERT OR IGNORE INTO file_refs (unit_code, sha256, size, media_type, thumb)
                             VALUES (?1, ?2, ?3, ?4, ?5)",
                        )
                        .map_err(|e| e.to_string())?;
                    for f in &b.files {
                        refs.execute(params![
                            b.unit_code,
                            f.sha256,
                            f.size as i64,
                            f.media_type,
                            f.thumb
                        ])
                        .map_err(|e| e.to_string())?;
                    }
                    Stored::Accepted { cursor }
                }
            });
        }
    }
    tx.commit().map_err(|e| e.to_string())?;
    Ok(out)
}

/// The keys known for a unit's devices, as the core's keyring.
fn unit_keyring(c: &Connection, units: &str, unit: &str) -> rusqlite::Result<Keyring> {
    let mut ring = Keyring::new();
    let keys = c
        .prepare_cached(
            "SELECT key, unit_code, device_id, introduced_at, revoked_at FROM device_keys
             WHERE unit_code = ?1",
        )?
        .query_map([unit], |r| key_row(units, r))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    ring.absorb(keys);
    Ok(ring)
}

/// A `device_keys` row; its codes are of the database's dataset `units`.
fn key_row(units: &str, r: &rusqlite::Row) -> rusqlite::Result<KnownKey> {
    let time = |s: String| papi_core::dates::parse_instant(&s).unwrap_or_default();
    Ok(KnownKey {
        key: r.get(0)?,
        units: units.to_string(),
        unit_code: r.get(1)?,
        device_id: r.get(2)?,
        known_since: time(r.get(3)?),
        source: KeySource::Server,
        revoked_at: r.get::<_, Option<String>>(4)?.map(time),
    })
}

/// Judge a new batch's signer by what is known of its unit's devices (and
/// of the key anywhere): a key seen for the first time is introduced by the
/// posting token. `Some(verdict)` refuses the batch.
fn admit_key(c: &Connection, b: &NewBatch) -> rusqlite::Result<Option<Verdict>> {
    let origin = Origin {
        units: b.units.clone(),
        unit_code: b.unit_code.clone(),
        device_id: b.device_id.clone(),
        signer: b.signer.clone(),
    };
    admit_signer(c, &origin, b.token_id, &b.received_at)
}

/// `admit_key` for any signed file (a batch, a feedback) of `origin`.
fn admit_signer(
    c: &Connection,
    origin: &Origin,
    token_id: i64,
    received_at: &str,
) -> rusqlite::Result<Option<Verdict>> {
    let mut ring = unit_keyring(c, &origin.units, &origin.unit_code)?;
    // The key may be known for another unit: then it speaks for that one.
    if let Some(signer) = &origin.signer {
        let elsewhere = c
            .prepare_cached(
                "SELECT key, unit_code, device_id, introduced_at, revoked_at FROM device_keys
                 WHERE key = ?1",
            )?
            .query_row([signer], |r| key_row(&origin.units, r))
            .optional()?;
        ring.absorb(elsewhere);
    }
    match ring.judge(origin) {
        // An old release's unsigned batch, of a device not known to sign.
        Verdict::Verified(_) | Verdict::Unsigned => Ok(None),
        Verdict::UnknownDevice { key, .. } => {
            c.prepare_cached(
                "INSERT INTO device_keys (key, unit_code, device_id, token_id, introduced_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                key,
                origin.unit_code,
                origin.device_id,
                token_id,
                received_at
            ])?;
            Ok(None)
        }
        refused => Ok(Some(refused)),
    }
}

/// A device key as the operator sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRow {
    pub key: String,
    pub unit_code: String,
    pub device_id: String,
    /// The token that introduced the key (its first batch).
    pub token_id: i64,
    pub token_label: String,
    pub introduced_at: String,
    pub revoked_at: Option<String>,
}

/// Token administration (the `unit` subcommand): plain synchronous calls.
pub struct Admin {
    conn: Connection,
}

impl Admin {
    /// Open for the operator's commands on the units of `units`: the
    /// database is bound to that dataset, or refused (`bind_units`).
    pub fn open_for(path: &Path, units: &str) -> Result<Admin, String> {
        let admin = Admin::open(path)?;
        bind_units(&admin.conn, units)?;
        Ok(admin)
    }

    /// Open whatever dataset the database is of (tests, inspection).
    pub fn open(path: &Path) -> Result<Admin, String> {
        let mut conn = open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        migrate(&mut conn)?;
        Ok(Admin { conn })
    }

    pub fn add_token(&self, unit: &str, label: &str, hash: &str, now: &str) -> Result<i64, String> {
        self.conn
            .execute(
                "INSERT INTO tokens (unit_code, label, token_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![unit, label, hash, now],
            )
            .map_err(|e| e.to_string())?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn list(&self) -> Result<Vec<TokenRow>, String> {
        let mut st = self
            .conn
            .prepare("SELECT id, unit_code, label, created_at, revoked_at FROM tokens ORDER BY id")
            .map_err(|e| e.to_string())?;
        st.query_map([], |r| {
            Ok(TokenRow {
                id: r.get(0)?,
                unit_code: r.get(1)?,
                label: r.get(2)?,
                created_at: r.get(3)?,
                revoked_at: r.get(4)?,
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| e.to_string())
    }

    /// Every device key, or one unit's, oldest first.
    pub fn keys(&self, unit: Option<&str>) -> Result<Vec<KeyRow>, String> {
        let mut st = self
            .conn
            .prepare(
                "SELECT k.key, k.unit_code, k.device_id, coalesce(t.label, ''), k.introduced_at,
                        k.revoked_at, k.token_id
                 FROM device_keys k LEFT JOIN tokens t ON t.id = k.token_id
                 WHERE ?1 IS NULL OR k.unit_code = ?1 ORDER BY k.introduced_at, k.key",
            )
            .map_err(|e| e.to_string())?;
        st.query_map([unit], |r| {
            Ok(KeyRow {
                key: r.get(0)?,
                unit_code: r.get(1)?,
                device_id: r.get(2)?,
                token_id: r.get(6)?,
                token_label: r.get(3)?,
                introduced_at: r.get(4)?,
                revoked_at: r.get(5)?,
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| e.to_string())
    }

    /// Revoke a device key: batches it signs are refused from now on (those
    /// stored stay). `false` when no live key is so named.
    pub fn revoke_key(&self, key: &str, now: &str) -> Result<bool, String> {
        let n = self
            .conn
            .execute(
                "UPDATE device_keys SET revoked_at = ?2 WHERE key = ?1 AND revoked_at IS NULL",
                params![key, now],
            )
            .map_err(|e| e.to_string())?;
        Ok(n == 1)
    }

    /// Revoke a token by id; `false` when there is no such live token.
    pub fn revoke(&self, id: i64, now: &str) -> Result<bool, String> {
        let n = self
            .conn
            .execute(
                "UPDATE tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
                params![id, now],
            )
            .map_err(|e| e.to_string())?;
        Ok(n == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn temp(name: &str) -> std::path::PathBuf {
        let p = std::env::temp_dir().join(format!("papi-db-{name}-{}.sqlite3", std::process::id()));
        let _ = std::fs::remove_file(&p);
        p
    }

    #[test]
    fn migrates_once_and_refuses_a_newer_schema() {
        let p = temp("migrate");
        let mut c = open(&p).unwrap();
        migrate(&mut c).unwrap();
        migrate(&mut c).unwrap();
        let v: i64 = c
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v as usize, SCHEMA_VERSION);
        c.pragma_update(None, "user_version", 99).unwrap();
        assert!(migrate(&mut c)
            .unwrap_err()
            .contains("newer than this server"));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn token_checks_and_health_never_wait_behind_a_long_read() {
        let db = Db::open(&temp("pool")).unwrap();
        let slow = db.clone();
        let page = tokio::spawn(async move {
            slow.read(|_| {
                std::thread::sleep(std::time::Duration::from_millis(800));
                Ok(())
            })
            .await
        });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let t0 = std::time::Instant::now();
        assert_eq!(db.token_unit("h".into()).await.unwrap(), None);
        assert_eq!(db.count_batches().await.unwrap(), 0);
        assert!(t0.elapsed().as_millis() < 300, "{:?}", t0.elapsed());
        page.await.unwrap().unwrap();
    }

    #[test]
    fn tokens_are_listed_and_revoked_once() {
        let a = Admin::open(&temp("tokens")).unwrap();
        let id = a.add_token("02194", "Đổng Xá", "h1", "t0").unwrap();
        assert!(
            a.add_token("02194", "dup", "h1", "t0").is_err(),
            "hashes are unique"
        );
        assert!(a.revoke(id, "t1").unwrap());
        assert!(!a.revoke(id, "t2").unwrap());
        assert!(!a.revoke(999, "t2").unwrap());
        let l = a.list().unwrap();
        assert_eq!(l[0].revoked_at.as_deref(), Some("t1"));
    }
}

/// A token to store: its unit, label and hash (never the token).
pub struct NewToken {
    pub unit_code: String,
    pub label: String,
    pub hash: String,
}

/// Enrolment of many units (`unit add-all`, `unit add --from`).
impl Admin {
    /// Store tokens for many units in one transaction (all or none); with
    /// `rotate`, each unit's live tokens are revoked first. Their ids.
    pub fn add_tokens(
        &self,
        new: &[NewToken],
        rotate: bool,
        now: &str,
    ) -> Result<Vec<i64>, String> {
        let err = |e: rusqlite::Error| e.to_string();
        let tx = self.conn.unchecked_transaction().map_err(err)?;
        let mut ids = Vec::with_capacity(new.len());
        for t in new {
            if rotate {
                revoke_unit(&tx, &t.unit_code, now).map_err(err)?;
            }
            tx.execute(
                "INSERT INTO tokens (unit_code, label, token_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![t.unit_code, t.label, t.hash, now],
            )
            .map_err(err)?;
            ids.push(tx.last_insert_rowid());
        }
        tx.commit().map_err(err)?;
        Ok(ids)
    }

    /// Revoke every live token of a unit; how many there were.
    pub fn revoke_unit(&self, unit: &str, now: &str) -> Result<usize, String> {
        revoke_unit(&self.conn, unit, now).map_err(|e| e.to_string())
    }
}

fn revoke_unit(c: &Connection, unit: &str, now: &str) -> rusqlite::Result<usize> {
    c.execute(
        "UPDATE tokens SET revoked_at = ?2 WHERE unit_code = ?1 AND revoked_at IS NULL",
        params![unit, now],
    )
}

/// Upgrades: a database of every earlier schema, with data in it as that
/// schema's release wrote it, migrates to the current schema intact.
#[cfg(test)]
mod migration_tests {
    use super::*;

    const BODY: &str =
        r#"{"format":1,"unit":"02194","records":[{"title":"Họp dân thôn Nà Đăng"}]}"#;

    /// Sample data for a database at schema `v`. A new migration adds the
    /// data its schema can hold here, so the next one is tested with it.
    fn fill(c: &Connection, v: usize) {
        if v >= 2 {
            fill(c, v - 1);
        }
        match v {
            0 => {} // a new, empty file
            2 => c
                .execute_batch(
                    "INSERT INTO device_keys (key, unit_code, device_id, token_id, introduced_at)
                     VALUES ('k1', '02194', 'dev-a', 1, 't2');",
                )
                .unwrap(),
            3 => c
                .execute_batch(
                    "INSERT INTO plans (id, version, body, token_id, published_at)
                     VALUES ('p', '1', '{}', 1, 't4');",
                )
                .unwrap(),
            1 => c
                .execute_batch(&format!(
                    "INSERT INTO tokens (unit_code, label, token_hash, created_at, revoked_at)
                     VALUES ('02194', 'Xã Đổng Xá', 'h1', 't0', NULL),
                            ('02137', 'Xã Văn Vũ', 'h2', 't0', 't1');
                     INSERT INTO batches (name, unit_code, district_code, device_id, seq, kind, sha256, body, received_at)
                     VALUES ('02194/dev-a/1', '02194', '066', 'dev-a', 1, 'changes', 's1', '{BODY}', 't2');"
                ))
                .unwrap(),
            4 => c
                .execute_batch("INSERT INTO meta (key, value) VALUES ('units', 'bac-kan-2020');")
                .unwrap(),
            6 => c
                .execute_batch(
                    "INSERT INTO file_refs (unit_code, sha256, size, media_type, thumb)
                     VALUES ('02194', 'a1', 10, 'image/jpeg', '');
                     INSERT INTO files (sha256, size, stored_at) VALUES ('a1', 10, 't6');
                     INSERT INTO file_owners (unit_code, sha256) VALUES ('02194', 'a1');",
                )
                .unwrap(),
            5 => c
                .execute_batch(
                    "INSERT INTO feedback (sha256, from_unit, to_unit, device_id, body, received_at, token_id)
                     VALUES ('f1', '066', '02194', 'dev-d', '{}', 't5', 1);",
                )
                .unwrap(),
            _ => panic!("no sample data for schema {v}: add it to fill() with the migration"),
        }
    }

    /// A database at schema `v`: the first `v` migrations, then its data.
    fn at_schema(v: usize, tag: &str) -> std::path::PathBuf {
        let p = std::env::temp_dir().join(format!(
            "papi-db-{tag}-schema{v}-{}.sqlite3",
            std::process::id()
        ));
        let _ = std::fs::remove_file(&p);
        let c = open(&p).unwrap();
        for (i, sql) in MIGRATIONS[..v].iter().enumerate() {
            c.execute_batch(sql).unwrap();
            c.pragma_update(None, "user_version", (i + 1) as i64)
                .unwrap();
        }
        fill(&c, v);
        p
    }

    /// GSO reuses codes: a database is of one unit dataset for good.
    #[test]
    fn a_database_serves_one_unit_dataset() {
        let opts = |units: &str| DbOptions {
            units: units.into(),
            ..DbOptions::default()
        };
        // A new database takes the dataset it is first served with.
        let p = super::tests::temp("bind-new");
        drop(Db::open_with(&p, opts("thai-nguyen-2025")).unwrap());
        drop(Db::open_with(&p, opts("thai-nguyen-2025")).unwrap());
        let e = Db::open_with(&p, opts("bac-kan-2020")).err().unwrap();
        assert!(
            e.contains("thai-nguyen-2025") && e.contains("--units"),
            "{e}"
        );
        assert!(Admin::open_for(&p, "bac-kan-2020").is_err());
        assert!(Admin::open_for(&p, "thai-nguyen-2025").is_ok());
        // The operator's first command binds it as well.
        let p = super::tests::temp("bind-admin");
        let a = Admin::open_for(&p, "thai-nguyen-2025").unwrap();
        a.add_token("01864", "", "h1", "2026-01-01T00:00:00Z")
            .unwrap();
        drop(a);
        assert!(Db::open_with(&p, opts("bac-kan-2020")).is_err());
        // Data from before datasets were named is of the 2020 set.
        let p = at_schema(3, "bind-old");
        assert!(Db::open_with(&p, opts("thai-nguyen-2025")).is_err());
        assert!(Db::open_with(&p, opts("bac-kan-2020")).is_ok());
    }

    #[tokio::test]
    async fn every_earlier_schema_with_data_migrates_intact() {
        for v in 0..=SCHEMA_VERSION {
            let p = at_schema(v, "upgrade");
            let db = Db::open(&p).unwrap();
            let c = open(&p).unwrap();
            let version: i64 = c
                .pragma_query_value(None, "user_version", |r| r.get(0))
                .unwrap();
            assert_eq!(version as usize, SCHEMA_VERSION, "from schema {v}");
            let had_data = v >= 1;
            let tokens = Admin::open(&p).unwrap().list().unwrap();
            assert_eq!(tokens.len(), if had_data { 2 } else { 0 }, "from {v}");
            if had_data {
                assert_eq!(tokens[0].label, "Xã Đổng Xá");
                assert_eq!(tokens[1].revoked_at.as_deref(), Some("t1"));
                assert_eq!(
                    db.token_unit("h1".into())
                        .await
                        .unwrap()
                        .map(|(unit, _)| unit)
                        .as_deref(),
                    Some("02194")
                );
                let page = db
                    .batches_after(0, Some("066".into()), 10, 1 << 20)
                    .await
                    .unwrap();
                assert_eq!(page.rows[0].body, BODY, "from {v}: the batch is intact");
            }
            let keys = Admin::open(&p).unwrap().keys(None).unwrap();
            assert_eq!(
                keys.len(),
                usize::from(v >= 2),
                "from {v}: device keys intact"
            );
            let plans = db.published_plans().unwrap();
            assert_eq!(plans.len(), usize::from(v >= 3), "from {v}: plans intact");
            // The migrated database takes new batches.
            let stored = db
                .store(NewBatch {
                    name: format!("02137/dev-b/{v}"),
                    units: "bac-kan-2020".into(),
                    unit_code: "02137".into(),
                    district_code: "066".into(),
                    device_id: "dev-b".into(),
                    seq: 1,
                    kind: "changes",
                    sha256: "s2".into(),
                    body: "{}".into(),
                    received_at: "t3".into(),
                    signer: Some("k".into()),
                    token_id: 1,
                    files: vec![],
                })
                .await
                .unwrap();
            assert!(matches!(stored, Stored::Accepted { .. }), "from {v}");
        }
    }

    #[test]
    fn a_newer_database_is_refused_and_left_as_it_is() {
        let p = at_schema(SCHEMA_VERSION, "newer");
        open(&p)
            .unwrap()
            .pragma_update(None, "user_version", (SCHEMA_VERSION + 1) as i64)
            .unwrap();
        let e = Db::open(&p).err().unwrap();
        assert!(e.contains("use a newer papi-server"), "{e}");
        assert!(Admin::open(&p).is_err());
        let c = open(&p).unwrap();
        let v: i64 = c
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v as usize, SCHEMA_VERSION + 1);
        let n: i64 = c
            .query_row("SELECT count(*) FROM batches", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1, "nothing dropped");
    }
}
