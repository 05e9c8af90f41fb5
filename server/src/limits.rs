//! What one client may cost the server (docs/sync-api.md, "Limits"): time
//! to send a request, open connections, uploads held in memory, bytes per
//! page, and requests per token.

use std::collections::HashMap;
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
    /// Bytes those uploads may hold together (announced by Content-Length,
    /// or the largest batch when none is announced); beyond it, 503.
    pub upload_bytes: usize,
    /// Batches checked by the core at once (each may take a few times its
    /// size in memory while it is parsed); the others wait their turn.
    pub max_checks: usize,
    /// Batch text per GET page (at least one batch is always sent).
    pub page_bytes: usize,
    /// Requests one token may make at once (the bucket's size) …
    pub rate_burst: u32,
    /// … and per second after that (its refill).
    pub rate_per_second: f64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(60),
            max_connections: 2048,
            max_uploads: 32,
            upload_bytes: 128 * 1000 * 1000,
            max_checks: 2,
            page_bytes: 8 * 1000 * 1000,
            rate_burst: 600,
            rate_per_second: 10.0,
        }
    }
}

/// Admission of uploads: a slot each, and their bytes from one budget.
#[derive(Clone)]
pub struct Uploads {
    slots: Arc<Semaphore>,
    bytes: Arc<Semaphore>,
    budget: usize,
}

/// Held while a batch is received, checked and stored.
pub struct UploadPermit {
    _slot: OwnedSemaphorePermit,
    _bytes: OwnedSemaphorePermit,
}

impl Uploads {
    pub fn new(limits: &Limits) -> Uploads {
        // The budget always fits the largest batch, and a semaphore's count.
        let budget = limits
            .upload_bytes
            .clamp(MAX_BATCH_BYTES, u32::MAX as usize);
        Uploads {
            slots: Arc::new(Semaphore::new(limits.max_uploads.max(1))),
            bytes: Arc::new(Semaphore::new(budget)),
            budget,
        }
    }

    /// A slot and `announced` bytes now, or 503 (never a queue in memory).
    pub fn admit(&self, announced: usize) -> Result<UploadPermit, ServerError> {
        let busy = ServerError::Busy { retry_after: 2 };
        let slot = self
            .slots
            .clone()
            .try_acquire_owned()
            .map_err(|_| busy.clone())?;
        let n = announced.clamp(1, self.budget) as u32;
        let bytes = self
            .bytes
            .clone()
            .try_acquire_many_owned(n)
            .map_err(|_| busy)?;
        Ok(UploadPermit {
            _slot: slot,
            _bytes: bytes,
        })
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
            upload_bytes: MAX_BATCH_BYTES + 10,
            ..Limits::default()
        });
        let big = u.admit(MAX_BATCH_BYTES).unwrap();
        let small = u.admit(10).unwrap();
        assert_eq!(
            u.admit(1).err(),
            Some(ServerError::Busy { retry_after: 2 }),
            "no slot left"
        );
        drop(small);
        assert!(u.admit(11).is_err(), "not enough bytes left");
        assert!(u.admit(10).is_ok());
        drop(big);
        assert!(u.admit(MAX_BATCH_BYTES).is_ok());
    }
}
