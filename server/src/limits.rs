//! What one client may cost the server (docs/sync-api.md, "Limits"): time
//! to send a request, open connections, uploads held in memory (received
//! and checked, from one budget), one upload per token at a time, bytes per
//! page, and requests per token.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use papi_core::batch::MAX_BATCH_BYTES;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::ServerError;

#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// From the connection's opening, or the end of the previous request on
    /// it, to the end of a request's headers; then the connection is closed.
    pub header_timeout: Duration,
    /// From the end of the headers to the end of a posted batch: 408.
    pub body_timeout: Duration,
    /// Open connections; the next is answered 503 and closed at once.
    pub max_connections: usize,
    /// Batches being received or checked at once; the next is 503.
    pub max_uploads: usize,
    /// Memory those uploads may take together, received and checked: each
    /// counts `CHECK_FACTOR` times its announced length (or the largest
    /// batch's when none is announced) from its admission to its reply;
    /// beyond it, 503.
    pub upload_bytes: usize,
    /// Batches checked by the core at once; the others wait their turn, in
    /// the order they arrived (one per token at most: see `Uploads::admit`).
    /// Batches of `LARGE_BATCH_BYTES` or more have a lane of their own (one
    /// at a time), so that a large batch never holds up the small ones.
    pub max_checks: usize,
    /// Batch text per GET page (at least one batch is always sent).
    pub page_bytes: usize,
    /// Requests one token may make at once (the bucket's size) …
    pub rate_burst: u32,
    /// … and per second after that (its refill).
    pub rate_per_second: f64,
    /// The evidence files one unit may keep (`papi_core::upload`).
    pub unit_files_bytes: u64,
    /// An evidence upload begun this long ago and not finished is
    /// forgotten: its partial file removed, its bytes no longer counted
    /// against its unit's quota (a device that comes back starts it again) …
    pub partial_max_age: Duration,
    /// … looked for this often.
    pub partial_sweep: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(60),
            max_connections: 2048,
            max_uploads: 32,
            upload_bytes: 160 * 1000 * 1000,
            max_checks: 2,
            page_bytes: 8 * 1000 * 1000,
            rate_burst: 600,
            rate_per_second: 10.0,
            unit_files_bytes: papi_core::upload::UNIT_QUOTA_BYTES,
            partial_max_age: Duration::from_secs(7 * 24 * 3600),
            partial_sweep: Duration::from_secs(3600),
        }
    }
}

/// How many times its size a batch may take in memory from its first byte
/// to its reply: the body as received, then the parsed batch (its texts and
/// their bookkeeping) beside it. The canonical form is hashed as it is
/// written, never held (`Batch::content_hash`), and the stored text is the
/// body's own buffer. Measured by `a_batch_is_checked_within_its_share` in
/// server/tests/limits.rs.
pub const CHECK_FACTOR: usize = 3;

/// From this size on, a batch is checked in the large lane (see
/// `Limits::max_checks`): a month of a commune's records is far smaller.
pub const LARGE_BATCH_BYTES: usize = 1_000_000;

/// The check's lanes: small batches take turns in one, large ones in the
/// other, each first come, first served. Small batches are checked on the
/// runtime's blocking threads; large ones on one thread of their own at a
/// lower CPU priority, so that while a large batch (honest or junk) is read
/// the small ones of every other commune still get the processor first.
#[derive(Clone)]
pub struct Checks {
    small: Arc<Semaphore>,
    large: Arc<Semaphore>,
    large_thread: std::sync::mpsc::SyncSender<Job>,
}

type Job = Box<dyn FnOnce() + Send>;

/// The nice value of the large lane's thread (0 is the process's own).
pub const LARGE_CHECK_NICE: i32 = 10;

impl Checks {
    pub fn new(limits: &Limits) -> Checks {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Job>(1);
        std::thread::Builder::new()
            .name("papi-large-check".into())
            .spawn(move || {
                lower_this_threads_priority(LARGE_CHECK_NICE);
                // Ends when the last `Checks` is dropped.
                for job in rx {
                    job();
                }
            })
            .expect("a thread for large checks");
        Checks {
            small: Arc::new(Semaphore::new(limits.max_checks.max(1))),
            large: Arc::new(Semaphore::new(1)),
            large_thread: tx,
        }
    }

    /// Run `check` on a batch of `len` bytes in its lane, once its turn
    /// comes, off the async workers.
    pub async fn run<T: Send + 'static>(
        &self,
        len: usize,
        check: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ServerError> {
        let internal = |e: &dyn std::fmt::Display| ServerError::Internal(e.to_string());
        if len < LARGE_BATCH_BYTES {
            let turn = self.small.clone().acquire_owned().await;
            return tokio::task::spawn_blocking(move || {
                let _turn = turn;
                check()
            })
            .await
            .map_err(|e| internal(&e));
        }
        let _turn = self.large.clone().acquire_owned().await;
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.large_thread
            .send(Box::new(move || {
                let _ = tx.send(check());
            }))
            .map_err(|e| internal(&e))?;
        rx.await.map_err(|e| internal(&e))
    }
}

/// Lower the calling thread's CPU priority (Linux: a thread's nice value
/// is its own). Raising it back would need a privilege the service lacks,
/// so only a thread kept for that work calls it.
fn lower_this_threads_priority(nice: i32) {
    // SAFETY: plain system calls on the calling thread's own id.
    let done = unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, tid, nice)
    };
    if done != 0 {
        tracing::warn!(nice, "the large checks' thread keeps its priority");
    }
}

/// What one token may have in flight: one upload, received or checked.
pub const RETRY_TOKEN_BUSY: u64 = 2;

/// Admission of uploads: a slot each, their memory from one budget, and
/// one at a time per token.
#[derive(Clone)]
pub struct Uploads {
    slots: Arc<Semaphore>,
    bytes: Arc<Semaphore>,
    budget: usize,
    /// The tokens (by id) with an upload in flight.
    tokens: Arc<Mutex<HashSet<i64>>>,
}

/// Held while a batch is received, checked and stored.
pub struct UploadPermit {
    _slot: OwnedSemaphorePermit,
    _bytes: OwnedSemaphorePermit,
    token: TokenTurn,
}

/// A token's one upload in flight; the next may come once it is dropped.
struct TokenTurn {
    id: i64,
    tokens: Arc<Mutex<HashSet<i64>>>,
}

impl Drop for TokenTurn {
    fn drop(&mut self) {
        lock(&self.tokens).remove(&self.id);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Uploads {
    pub fn new(limits: &Limits) -> Uploads {
        // The budget always fits the largest batch, and a semaphore's count.
        let budget = limits
            .upload_bytes
            .clamp(MAX_BATCH_BYTES * CHECK_FACTOR, u32::MAX as usize);
        Uploads {
            slots: Arc::new(Semaphore::new(limits.max_uploads.max(1))),
            bytes: Arc::new(Semaphore::new(budget)),
            budget,
            tokens: Arc::new(Mutex::new(HashSet::new())),
        }
    }

    /// For token `token`: its one turn, a slot and `CHECK_FACTOR` times
    /// `announced` bytes now; or 429 when the token has an upload in flight
    /// already, 503 when the server is full (never a queue in memory). A
    /// token therefore has at most one batch waiting for the check, and the
    /// check's queue (first come, first served) takes the tokens in turn.
    pub fn admit(&self, token: i64, announced: usize) -> Result<UploadPermit, ServerError> {
        let turn = {
            let mut held = lock(&self.tokens);
            if !held.insert(token) {
                return Err(ServerError::TokenBusy {
                    retry_after: RETRY_TOKEN_BUSY,
                });
            }
            TokenTurn {
                id: token,
                tokens: self.tokens.clone(),
            }
        };
        let busy = ServerError::Busy { retry_after: 2 };
        let slot = self
            .slots
            .clone()
            .try_acquire_owned()
            .map_err(|_| busy.clone())?;
        let n = announced
            .max(1)
            .saturating_mul(CHECK_FACTOR)
            .min(self.budget) as u32;
        let bytes = self
            .bytes
            .clone()
            .try_acquire_many_owned(n)
            .map_err(|_| busy)?;
        Ok(UploadPermit {
            _slot: slot,
            _bytes: bytes,
            token: turn,
        })
    }
}

impl UploadPermit {
    /// The token this upload is of.
    pub fn token(&self) -> i64 {
        self.token.id
    }
}

/// A token bucket per key (a token's hash): `burst` requests at once, then
/// `per_second`. Only tokens the database knows get a bucket, so its size
/// is bounded by the token table.
pub struct RateLimit {
    burst: f64,
    per_second: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimit {
    pub fn new(limits: &Limits) -> RateLimit {
        RateLimit {
            burst: limits.rate_burst.max(1) as f64,
            per_second: limits.rate_per_second.max(0.001),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Take one request from `key`'s bucket, or say in how many whole
    /// seconds one will be there.
    pub fn check(&self, key: &str, now: Instant) -> Result<(), u64> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let (level, at) = buckets.entry(key.to_string()).or_insert((self.burst, now));
        let elapsed = now.saturating_duration_since(*at).as_secs_f64();
        *level = (*level + elapsed * self.per_second).min(self.burst);
        *at = now;
        if *level >= 1.0 {
            *level -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *level) / self.per_second).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_allows_its_burst_then_its_rate() {
        let r = RateLimit::new(&Limits {
            rate_burst: 3,
            rate_per_second: 0.5,
            ..Limits::default()
        });
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(r.check("a", t0), Ok(()));
        }
        assert_eq!(r.check("a", t0), Err(2), "one request per 2 s");
        assert_eq!(r.check("b", t0), Ok(()), "each token has its own bucket");
        assert_eq!(r.check("a", t0 + Duration::from_secs(2)), Ok(()));
        assert_eq!(r.check("a", t0 + Duration::from_secs(3)), Err(1));
        // A long pause refills the bucket, never beyond the burst.
        let later = t0 + Duration::from_secs(3600);
        for _ in 0..3 {
            assert_eq!(r.check("a", later), Ok(()));
        }
        assert!(r.check("a", later).is_err());
    }

    #[test]
    fn uploads_beyond_the_slots_or_the_bytes_are_refused_not_queued() {
        let u = Uploads::new(&Limits {
            max_uploads: 2,
            upload_bytes: (MAX_BATCH_BYTES + 10) * CHECK_FACTOR,
            ..Limits::default()
        });
        let big = u.admit(1, MAX_BATCH_BYTES).unwrap();
        let small = u.admit(2, 10).unwrap();
        assert_eq!(
            u.admit(3, 1).err(),
            Some(ServerError::Busy { retry_after: 2 }),
            "no slot left"
        );
        drop(small);
        assert!(u.admit(3, 11).is_err(), "not enough bytes left");
        assert!(u.admit(3, 10).is_ok());
        drop(big);
        assert!(u.admit(3, MAX_BATCH_BYTES).is_ok());
    }

    fn this_threads_nice() -> i32 {
        // SAFETY: plain system calls on the calling thread's own id.
        unsafe {
            let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
            libc::getpriority(libc::PRIO_PROCESS, tid)
        }
    }

    #[tokio::test]
    async fn large_batches_are_checked_at_a_lower_priority_small_ones_are_not() {
        let checks = Checks::new(&Limits::default());
        let ours = this_threads_nice();
        let small = checks.run(LARGE_BATCH_BYTES - 1, this_threads_nice).await;
        assert_eq!(small, Ok(ours));
        let large = checks.run(LARGE_BATCH_BYTES, this_threads_nice).await;
        assert_eq!(large, Ok((ours + LARGE_CHECK_NICE).min(19)));
        // The large lane keeps working, one batch after another.
        for _ in 0..3 {
            assert_eq!(checks.run(MAX_BATCH_BYTES, || 7).await, Ok(7));
        }
    }

    #[test]
    fn a_token_has_one_upload_in_flight() {
        let u = Uploads::new(&Limits::default());
        let first = u.admit(7, 1000).unwrap();
        assert_eq!(first.token(), 7);
        assert_eq!(
            u.admit(7, 10).err(),
            Some(ServerError::TokenBusy {
                retry_after: RETRY_TOKEN_BUSY
            })
        );
        // Other tokens are not held up by it.
        let other = u.admit(8, 10).unwrap();
        drop(first);
        let again = u.admit(7, 10).unwrap();
        // A refusal for lack of room gives the token's turn back.
        let tight = Uploads::new(&Limits {
            max_uploads: 1,
            ..Limits::default()
        });
        let held = tight.admit(1, 10).unwrap();
        assert!(matches!(tight.admit(2, 10), Err(ServerError::Busy { .. })));
        drop(held);
        assert!(
            tight.admit(2, 10).is_ok(),
            "token 2 is not left marked busy"
        );
        drop((other, again));
    }
}
