//! Rebuilding a device's outbox when its stored entry is unreadable, so that
//! sealing goes on without ever reusing a sequence number.

use super::Outbox;

impl Outbox {
    /// A safe outbox for `unit_code` when the stored one cannot be read.
    /// `used` are the sequence numbers of every batch this device holds for
    /// the unit (readable or not: a stored batch's key names its number);
    /// `hint` is the `next_seq` still legible in the damaged entry, if any.
    /// The next number is past all of them, so none is used twice. No
    /// record's sealed revision is known any more, so every record is
    /// sealed again in the next batch (a receiver takes a version it holds
    /// as unchanged). `None` only when the numbers are exhausted.
    pub fn recover(
        unit_code: &str,
        used: impl IntoIterator<Item = u64>,
        hint: Option<u64>,
    ) -> Option<Outbox> {
        let last_used = used.into_iter().max().unwrap_or(0);
        let next_seq = last_used.checked_add(1)?.max(hint.unwrap_or(1)).max(1);
        Some(Outbox {
            next_seq,
            ..Outbox::new(unit_code)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_number_is_past_every_batch_held_and_the_hint() {
        let o = Outbox::recover("01840", [1, 4, 2], None).unwrap();
        assert_eq!((o.unit_code.as_str(), o.next_seq), ("01840", 5));
        assert!(o.sealed.is_empty(), "every record is sealed again");
        assert_eq!(o.last_sealed_at, None);
        assert_eq!(
            Outbox::recover("01840", [1, 2], Some(9)).unwrap().next_seq,
            9
        );
        assert_eq!(Outbox::recover("01840", [7], Some(3)).unwrap().next_seq, 8);
        assert_eq!(Outbox::recover("01840", [], None).unwrap().next_seq, 1);
        assert_eq!(Outbox::recover("01840", [], Some(0)).unwrap().next_seq, 1);
        assert_eq!(Outbox::recover("01840", [u64::MAX], None), None);
    }
}
