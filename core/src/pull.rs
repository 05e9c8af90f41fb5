//! How far a receiver's pull from the sync server has got, and what becomes
//! of each batch it brought (`Fate`). The cursor moves past every batch that
//! is dealt with: applied, already held, refused and recorded with its
//! reason, or kept because it is newer than this build reads; it stops
//! before the first one that is not (waiting to be applied, or failed for a
//! reason that may pass: a failed write). So one bad or newer batch never
//! pins the cursor, and nothing is skipped that could still be taken.
//!
//! A batch refused only as too new (`batch::BatchError::too_new`) is never
//! refused for good: the receiver keeps it, and every pull tries the kept
//! ones again first (`retry`), so once the app is updated they are applied
//! like any other (docs/batch-format.md, "Versions").

use crate::batch::BatchError;

/// What became of one pulled batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Applied, or held already.
    Taken,
    /// Refused for good (invalid, out of scope, the same number with other
    /// content, a revoked key…): recorded with its reason.
    Refused,
    /// Refused only because its format version (this one) is newer than
    /// this build reads: kept, and tried again after the app is updated.
    TooNew(u32),
    /// Not dealt with yet: waiting to be applied, its device not yet
    /// trusted, or a failure that may pass.
    Open,
}

impl Fate {
    /// The fate of a batch the checks refused.
    pub fn refused(e: &BatchError) -> Fate {
        e.too_new().map_or(Fate::Refused, Fate::TooNew)
    }

    /// A file's fate from its lines' (a bundle gives one per batch): open
    /// while any line is; else waiting for an update if any is; else
    /// refused if any is; else taken.
    pub fn of_lines(lines: impl IntoIterator<Item = Fate>) -> Fate {
        let mut fate = Fate::Taken;
        for line in lines {
            fate = match (fate, line) {
                (Fate::Open, _) | (_, Fate::Open) => Fate::Open,
                (Fate::TooNew(v), _) | (_, Fate::TooNew(v)) => Fate::TooNew(v),
                (Fate::Refused, _) | (_, Fate::Refused) => Fate::Refused,
                _ => Fate::Taken,
            };
        }
        fate
    }

    /// Whether the cursor may move past the batch: taken; refused or too
    /// new once that is `stored` (the refusal recorded, the batch kept).
    pub fn dealt_with(self, stored: bool) -> bool {
        match self {
            Fate::Taken => true,
            Fate::Refused | Fate::TooNew(_) => stored,
            Fate::Open => false,
        }
    }
}

/// Whether a batch kept as too new, of format `version`, is tried again by
/// a build that reads versions up to `reads` (after an update it does).
pub fn retry(version: u32, reads: u32) -> bool {
    version <= reads
}

/// The cursor after a pull. `start` is the cursor the pull began after;
/// `items` are the pulled batches in the server's order, each with its
/// cursor and whether it is dealt with; `end` is the server's `next` (where
/// the pull stopped, which may lie past the last item). A kept batch tried
/// again lies at or before `start`: it neither moves nor holds the cursor.
pub fn cursor_after(start: i64, items: &[(i64, bool)], end: i64) -> i64 {
    let mut cursor = start;
    for &(at, done) in items.iter().filter(|(at, _)| *at > start) {
        if !done {
            return cursor;
        }
        cursor = at;
    }
    end.max(cursor)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::{parse_reading, Batch, BatchKind, BATCH_VERSION};
    use crate::fixtures::*;
    use crate::merge::{Received, Scope, Verdict};

    #[test]
    fn the_cursor_stops_before_the_first_batch_not_dealt_with() {
        assert_eq!(cursor_after(4, &[], 4), 4);
        assert_eq!(cursor_after(4, &[(5, true), (7, true)], 7), 7);
        assert_eq!(cursor_after(4, &[(5, true), (7, true)], 9), 9);
        assert_eq!(cursor_after(4, &[(5, true), (7, false), (8, true)], 8), 5);
        assert_eq!(cursor_after(4, &[(5, false), (7, true)], 7), 4);
        // Never backwards.
        assert_eq!(cursor_after(4, &[(5, true)], 0), 5);
        // A kept batch tried again (at or before the start), dealt with or
        // not, leaves the cursor to the new ones.
        assert_eq!(cursor_after(4, &[(2, false), (5, true)], 5), 5);
        assert_eq!(cursor_after(4, &[(2, true), (4, false)], 4), 4);
    }

    #[test]
    fn a_batch_too_new_is_kept_not_refused() {
        let too_new = BatchError::NewerVersion(BATCH_VERSION + 1);
        assert_eq!(Fate::refused(&too_new), Fate::TooNew(BATCH_VERSION + 1));
        let in_bundle = BatchError::InBundle {
            position: 2,
            error: Box::new(too_new),
        };
        assert_eq!(Fate::refused(&in_bundle), Fate::TooNew(BATCH_VERSION + 1));
        assert_eq!(Fate::refused(&BatchError::Truncated), Fate::Refused);
        assert_eq!(Fate::of_lines([]), Fate::Taken);
        assert_eq!(Fate::of_lines([Fate::Taken, Fate::Refused]), Fate::Refused);
        assert_eq!(
            Fate::of_lines([Fate::Refused, Fate::TooNew(3), Fate::Taken]),
            Fate::TooNew(3)
        );
        assert_eq!(Fate::of_lines([Fate::TooNew(3), Fate::Open]), Fate::Open);
        assert!(!Fate::TooNew(3).dealt_with(false) && Fate::TooNew(3).dealt_with(true));
        assert!(Fate::Taken.dealt_with(false) && !Fate::Open.dealt_with(true));
        assert!(retry(3, 3) && !retry(3, 2));
    }

    /// A district as the app is, in brief: the build's version, what it
    /// received, the batches kept until an update, the refusals, its cursor.
    struct District {
        reads: u32,
        held: Received,
        kept: Vec<(i64, u32, String)>,
        refused: Vec<i64>,
        cursor: i64,
    }

    impl District {
        fn new(reads: u32) -> District {
            District {
                reads,
                held: Received::default(),
                kept: vec![],
                refused: vec![],
                cursor: 0,
            }
        }

        /// One pull: the kept batches this build can now read first, then
        /// the server's batches after the cursor.
        fn pull(&mut self, server: &[(i64, String)]) {
            let reads = self.reads;
            let (again, still): (Vec<_>, Vec<_>) = std::mem::take(&mut self.kept)
                .into_iter()
                .partition(|(_, v, _)| retry(*v, reads));
            self.kept = still;
            let new = server.iter().filter(|(at, _)| *at > self.cursor).cloned();
            let items: Vec<(i64, String)> = again
                .into_iter()
                .map(|(at, _, t)| (at, t))
                .chain(new)
                .collect();
            let end = server.last().map_or(self.cursor, |(at, _)| *at);
            let mut done = vec![];
            for (at, text) in items {
                let fate = match parse_reading(text.as_bytes(), &PLAN, &UNITS, now(), reads) {
                    Ok(b) => {
                        match self
                            .held
                            .import(&b, &Scope::District(NA_RI.into()), &UNITS, now())
                        {
                            Verdict::Refused(_) => Fate::Refused,
                            _ => Fate::Taken,
                        }
                    }
                    Err(e) => Fate::refused(&e),
                };
                match fate {
                    Fate::TooNew(v) => self.kept.push((at, v, text)),
                    Fate::Refused => self.refused.push(at),
                    Fate::Taken | Fate::Open => {}
                }
                done.push((at, fate.dealt_with(true)));
            }
            self.cursor = cursor_after(self.cursor, &done, end);
        }

        fn titles(&self) -> Vec<String> {
            let mut t: Vec<String> = self
                .held
                .records
                .values()
                .map(|r| r.fields.title().to_string())
                .collect();
            t.sort();
            t
        }
    }

    /// A batch of `unit` in format `version`: version 1 unsigned, later
    /// ones signed by the device's key.
    fn batch_of(version: u32, unit: &str, device: &str, n: u8) -> String {
        let mut b = Batch::seal(
            &header(unit, device, 600),
            BatchKind::Changes,
            1,
            vec![record(n, unit, device, 0)],
        );
        b.format_version = version;
        if version == 1 {
            (b.units, b.signer) = (None, None);
        }
        b.sha256 = b.content_hash();
        if version > 1 {
            b = signed(b);
        }
        b.to_json()
    }

    #[test]
    fn an_older_reader_keeps_a_newer_batch_and_applies_it_once_updated() {
        // A build of the version before this one, and this one's batches.
        let (old, new) = (BATCH_VERSION - 1, BATCH_VERSION);
        // The server: a commune that updated sends a newer batch; another
        // commune, not yet updated, sends one after it; a broken one last.
        let broken = batch_of(old, VAN_VU, "dev-c", 3).replacen("Hoạt động 3", "Hoạt động 9", 1);
        let server = vec![
            (1, batch_of(new, DONG_XA, "dev-a", 1)),
            (2, batch_of(old, VAN_VU, "dev-v", 2)),
            (3, broken),
        ];
        let mut district = District::new(old);
        district.pull(&server);
        // The newer batch is kept, not refused; the cursor moved past it,
        // and the batch after it was applied.
        assert_eq!(
            district
                .kept
                .iter()
                .map(|(at, v, _)| (*at, *v))
                .collect::<Vec<_>>(),
            vec![(1, new)]
        );
        assert_eq!(
            district.refused,
            vec![3],
            "only the broken one is refused for good"
        );
        assert_eq!(district.cursor, 3);
        assert_eq!(district.titles(), vec!["Hoạt động 2"]);
        // Pulling again before the update changes nothing.
        district.pull(&server);
        assert_eq!((district.kept.len(), district.cursor), (1, 3));
        assert_eq!(district.titles(), vec!["Hoạt động 2"]);
        // The app is updated: the next pull applies the kept batch.
        district.reads = new;
        district.pull(&server);
        assert!(district.kept.is_empty());
        assert_eq!(district.refused, vec![3]);
        assert_eq!(district.cursor, 3);
        assert_eq!(district.titles(), vec!["Hoạt động 1", "Hoạt động 2"]);
        // And what the server brings later is pulled as before.
        let mut later = server.clone();
        later.push((4, batch_of(new, DONG_XA, "dev-a2", 4)));
        district.pull(&later);
        assert_eq!(district.cursor, 4);
        assert_eq!(district.titles().len(), 3);
    }
}
