//! The apply step of an import, after the dry run (`merge::Overlay::plan`):
//! each file's ready batches are written in one transaction, in order, and
//! each ends as written, already there, in conflict, or not written. This is
//! the rule of that step; the browser's store does the writing and answers
//! with an [`Applied`] per batch.
//!
//! - The store is written only on the basis the dry run was made on: the
//!   count of received entries it held then. If it moved (another tab
//!   imported), the store writes nothing ([`Applied::Stale`]).
//! - After a stale basis or a failed write, the files after it were planned
//!   on a state that is not the store's: none of them is written.
//! - A batch written moves the expected count on by one.

/// What the store did with one batch it was asked to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// Written: this many record versions.
    Written(usize),
    /// This batch was already applied (another tab, an earlier import).
    Duplicate,
    /// A batch with the same name and other content was applied first; `kept`
    /// is its hash (empty when the held entry is unreadable).
    SeqConflict { kept: String },
    /// Another tab applied batches since this one read the store: the dry
    /// run may be stale, so nothing was written.
    Stale,
}

/// Why a ready batch was not written, though nothing was wrong with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotWritten {
    /// The store moved since the dry run (another tab imported).
    Stale,
    /// A file before it could not be written.
    AfterFailure,
}

impl NotWritten {
    pub fn message_vi(self) -> &'static str {
        match self {
            NotWritten::Stale => {
                "Một thẻ khác vừa nhập dữ liệu nên kết quả kiểm tra đã cũ; \
                 tệp này chưa được ghi. Hãy chọn lại các tệp để kiểm tra lại."
            }
            NotWritten::AfterFailure => {
                "Chưa ghi vì một tệp trước đó không ghi được; \
                 hãy chọn lại các tệp để kiểm tra lại."
            }
        }
    }
}

/// What became of one ready batch of a file the store was asked to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Written: this many record versions.
    Written(usize),
    AlreadyImported,
    /// Refused: a batch of the same name and other content was kept.
    SeqConflict {
        kept: String,
    },
    NotWritten(NotWritten),
}

/// One apply step, file after file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplyRun {
    /// Why no more files are written, once one is.
    stop: Option<NotWritten>,
    /// How many entries the store must hold for the next file to be written.
    expected: u32,
}

impl ApplyRun {
    /// `basis`: how many received entries the store held when the dry run
    /// was made (`None`: unknown, so nothing is written).
    pub fn new(basis: Option<u32>) -> Self {
        ApplyRun {
            stop: basis.is_none().then_some(NotWritten::Stale),
            expected: basis.unwrap_or_default(),
        }
    }

    /// Before writing a file: the count the store must hold, or why the
    /// file is not written (then each of its `ready` batches ends so).
    pub fn next(&self) -> Result<u32, NotWritten> {
        match self.stop {
            Some(why) => Err(why),
            None => Ok(self.expected),
        }
    }

    /// The outcomes of a file's ready batches from what the store answered.
    /// `Err`: the file's transaction failed, nothing of it was written (each
    /// of its batches ends with that error), and no later file is written.
    pub fn record<E>(&mut self, answer: Result<Vec<Applied>, E>) -> Result<Vec<Outcome>, E> {
        let answers = answer.inspect_err(|_| self.stop = Some(NotWritten::AfterFailure))?;
        Ok(answers
            .into_iter()
            .map(|a| match a {
                Applied::Written(n) => {
                    self.expected += 1;
                    Outcome::Written(n)
                }
                Applied::Duplicate => Outcome::AlreadyImported,
                Applied::SeqConflict { kept } => Outcome::SeqConflict { kept },
                Applied::Stale => {
                    self.stop = Some(NotWritten::Stale);
                    Outcome::NotWritten(NotWritten::Stale)
                }
            })
            .collect())
    }

    /// Whether every file was written on its basis: then what memory holds
    /// plus the batches written is what the store holds.
    pub fn in_step(&self) -> bool {
        self.stop.is_none()
    }
}

/// The checks of one picked file are consecutive (a bundle gives several):
/// the ranges of indices that share a file.
pub fn by_file(file_of: &[usize]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=file_of.len() {
        if i == file_of.len() || file_of[i] != file_of[start] {
            out.push(start..i);
            start = i;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    type O = Outcome;
    type R = Result<Vec<Applied>, &'static str>;

    #[test]
    fn files_group_consecutive_checks() {
        assert_eq!(by_file(&[]), Vec::<std::ops::Range<usize>>::new());
        assert_eq!(by_file(&[0]), vec![0..1]);
        assert_eq!(by_file(&[0, 0, 1, 2, 2, 2]), vec![0..2, 2..3, 3..6]);
    }

    #[test]
    fn written_batches_move_the_basis_on() {
        let mut run = ApplyRun::new(Some(3));
        assert_eq!(run.next(), Ok(3));
        let answer: R = Ok(vec![
            Applied::Written(2),
            Applied::Duplicate,
            Applied::Written(1),
        ]);
        assert_eq!(
            run.record(answer),
            Ok(vec![O::Written(2), O::AlreadyImported, O::Written(1)])
        );
        assert_eq!(run.next(), Ok(5));
        assert!(run.in_step());
    }

    #[test]
    fn a_conflict_keeps_the_hash_of_the_batch_kept() {
        let mut run = ApplyRun::new(Some(0));
        let answer: R = Ok(vec![Applied::SeqConflict { kept: "ab".into() }]);
        assert_eq!(
            run.record(answer),
            Ok(vec![O::SeqConflict { kept: "ab".into() }])
        );
        assert_eq!(run.next(), Ok(0), "nothing written, the basis stays");
        assert!(run.in_step());
    }

    #[test]
    fn an_unknown_basis_writes_nothing() {
        let run = ApplyRun::new(None);
        assert_eq!(run.next(), Err(NotWritten::Stale));
        assert!(!run.in_step());
    }

    #[test]
    fn a_stale_store_stops_the_files_after_it() {
        let mut run = ApplyRun::new(Some(1));
        let answer: R = Ok(vec![Applied::Stale, Applied::Stale]);
        assert_eq!(
            run.record(answer),
            Ok(vec![O::NotWritten(NotWritten::Stale); 2])
        );
        assert_eq!(run.next(), Err(NotWritten::Stale));
        assert!(!run.in_step());
    }

    #[test]
    fn a_failed_write_fails_its_file_and_stops_the_rest() {
        let mut run = ApplyRun::new(Some(0));
        let written: R = Ok(vec![Applied::Written(1)]);
        assert!(run.record(written).is_ok());
        let failed: R = Err("disk full");
        assert_eq!(run.record(failed), Err("disk full"));
        assert_eq!(run.next(), Err(NotWritten::AfterFailure));
        assert!(!run.in_step());
    }

    #[test]
    fn messages_say_why_nothing_was_written() {
        assert!(NotWritten::Stale.message_vi().contains("thẻ khác"));
        assert!(NotWritten::AfterFailure
            .message_vi()
            .contains("tệp trước đó"));
    }
}
