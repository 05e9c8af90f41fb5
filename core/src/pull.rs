//! How far a receiver's pull from the sync server has got: the cursor moves
//! past every batch that is dealt with for good (applied, already held, or
//! refused and recorded with its reason) and stops before the first one
//! that is not (waiting to be applied, or failed for a reason that may pass:
//! a failed write). So one bad batch never pins the cursor, and nothing is
//! skipped that could still be taken.

/// The cursor after a pull. `start` is the cursor the pull began after;
/// `items` are the pulled batches in the server's order, each with its
/// cursor and whether it is dealt with; `end` is the server's `next` (where
/// the pull stopped, which may lie past the last item).
pub fn cursor_after(start: i64, items: &[(i64, bool)], end: i64) -> i64 {
    let mut cursor = start;
    for &(at, done) in items {
        if !done {
            return cursor;
        }
        cursor = at;
    }
    end.max(cursor)
}

#[cfg(test)]
mod tests {
    use super::cursor_after;

    #[test]
    fn the_cursor_stops_before_the_first_batch_not_dealt_with() {
        assert_eq!(cursor_after(4, &[], 4), 4);
        assert_eq!(cursor_after(4, &[(5, true), (7, true)], 7), 7);
        assert_eq!(cursor_after(4, &[(5, true), (7, true)], 9), 9);
        assert_eq!(cursor_after(4, &[(5, true), (7, false), (8, true)], 8), 5);
        assert_eq!(cursor_after(4, &[(5, false), (7, true)], 7), 4);
        // Never backwards.
        assert_eq!(cursor_after(4, &[(5, true)], 0), 5);
    }
}
