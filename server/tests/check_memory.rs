//! What checking a batch costs in memory, measured with a counting
//! allocator: the server counts `limits::CHECK_FACTOR` times a batch's size
//! against its upload budget, from the first byte to the reply, so the
//! check must stay within that share (the body itself is one of them).

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use papi_core::catalogue::Catalogue;
use papi_server::limits::CHECK_FACTOR;

struct Counting;

static NOW: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            let now = NOW.fetch_add(l.size(), Ordering::Relaxed) + l.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) };
        NOW.fetch_sub(l.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// The most memory held at once while `f` runs, above what was held when
/// it started.
fn peak_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = NOW.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let out = f();
    (out, PEAK.load(Ordering::Relaxed) - base)
}

#[test]
fn a_batch_is_checked_within_its_share() {
    let catalogue = Catalogue::shipped();
    let now = chrono::Utc::now();
    // A large honest batch, and the same with its hash broken: the
    // costliest refusal (read whole, hashed, then refused).
    let good = common::batch("02194", "dev", 1, 20_000)
        .to_json()
        .into_bytes();
    let mut bad = good.clone();
    common::attack::break_hash(&mut bad);
    let size = good.len();
    assert!(size > 5_000_000, "{size}");
    let catalogue = &catalogue;
    for (what, body) in [("accepted", good), ("refused", bad)] {
        let (result, peak) = peak_during(move || {
            let b = papi_core::batch::parse_in(&body, catalogue, now);
            // The stored text is the body's own buffer.
            let text = String::from_utf8(body).unwrap();
            (b.is_ok(), text.len())
        });
        assert_eq!(result.0, what == "accepted", "{what}");
        // The body is one share, held before the check starts; the check
        // may take the others.
        let allowed = (CHECK_FACTOR - 1) * size;
        assert!(
            peak <= allowed,
            "{what}: the check of a {size}-byte batch took {peak} bytes at its peak, over {allowed}"
        );
        eprintln!(
            "{what}: {size} bytes checked with a peak of {peak} bytes ({:.2}×)",
            peak as f64 / size as f64
        );
    }
}
