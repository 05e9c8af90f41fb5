//! The receiving side of batches: the district (or province) merge.
//!
//! Rule, per record: the highest revision wins, ties broken by update time,
//! then device id (`Activity::version_cmp`); a tombstone is just a newer
//! revision, so it wins over older ones. A batch is named by (unit, device,
//! sequence): the same batch again changes nothing; the same name with other
//! content is a conflict and the first one is kept. So any order of import,
//! with any duplication, ends in the same state.
//!
//! The entries a unit writes beside its records (format version 3: its
//! period assessments and submissions, its comments on activities,
//! `Entries`) are named by (unit, plan, key) and merged by the same rule (`declared::version_cmp`): the greatest version wins.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::activity::Activity;
use crate::assessment::Assessment;
use crate::batch::{Batch, BatchError, BatchKey, BatchKind};
use crate::comment::Comment;
use crate::dates::serde_instant;
use crate::declared::{version_cmp, Declared};
use crate::review::ReviewPeriod;
use crate::submission::Submission;
use crate::units::{Level, Units};

/// Which units' batches a receiver takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// A district: its own batches and those of its communes.
    District(String),
    /// The province: every unit.
    Province,
}

impl Scope {
    /// The scope of a receiver set up at `level` as `unit_code`: a district,
    /// or the province's own office. Communes and provincial bodies send
    /// and receive nothing (`None`).
    pub fn of_receiver(units: &Units, level: Level, unit_code: &str) -> Option<Scope> {
        if !units.is_receiver(unit_code) {
            return None;
        }
        match level {
            Level::Province => Some(Scope::Province),
            Level::District => Some(Scope::District(unit_code.to_string())),
            Level::Commune => None,
        }
    }

    pub fn admits(&self, units: &Units, unit_code: &str) -> bool {
        match self {
            Scope::Province => units.get(unit_code).is_some(),
            Scope::District(d) => units.collects(d, unit_code),
        }
    }
}

/// What a receiver keeps about each batch it applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub key: BatchKey,
    pub kind: BatchKind,
    pub sha256: String,
    #[serde(with = "serde_instant")]
    pub created_at: DateTime<Utc>,
    pub records: usize,
    #[serde(with = "serde_instant")]
    pub imported_at: DateTime<Utc>,
}

impl Receipt {
    /// Storage key: numbered batches by their name; backups by their hash
    /// (a device makes many backups, all numbered 0).
    pub fn id(&self) -> String {
        receipt_id(&self.key, self.kind, &self.sha256)
    }
}

pub fn receipt_id(key: &BatchKey, kind: BatchKind, sha256: &str) -> String {
    match kind {
        BatchKind::Changes => key.to_string(),
        BatchKind::Backup => format!("{}/{}/backup/{sha256}", key.unit_code, key.device_id),
    }
}

/// A batch's name checked against what is held under it: the one rule of
/// the merge, the browser's store and the server's database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameCheck {
    /// Nothing under this name yet.
    New,
    /// The same batch again (same hash): nothing to do.
    Duplicate,
    /// The same name with other content: the first one is kept.
    Conflict,
}

/// `held` is the hash held under the batch's name, if any.
pub fn name_check(held: Option<&str>, incoming: &str) -> NameCheck {
    match held {
        None => NameCheck::New,
        Some(h) if h == incoming => NameCheck::Duplicate,
        Some(_) => NameCheck::Conflict,
    }
}

/// What a receiver holds, as the merge needs to see it.
pub trait Holdings {
    fn record(&self, key: &RecordKey) -> Option<&Activity>;
    fn receipt(&self, id: &str) -> Option<&Receipt>;
    /// The unit entries held, nearest first (a dry run's own, then what it
    /// was planned on).
    fn entries(&self) -> Vec<&Entries>;
}

/// A unit entry is named by its unit, the plan and its own key (a period,
/// or a comment's id).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntryKey<K> {
    pub unit_code: String,
    pub plan_id: String,
    pub key: K,
}

/// An assessment's or a submission's name.
pub type PeriodKey = EntryKey<ReviewPeriod>;

/// The entries the units write beside their records that a receiver holds
/// (format version 3): for each (unit, plan, key), the greatest version of
/// the assessment or submission of a period, and of a comment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entries {
    pub assessments: BTreeMap<PeriodKey, Assessment>,
    pub submissions: BTreeMap<PeriodKey, Submission>,
    pub comments: BTreeMap<EntryKey<Uuid>, Comment>,
}

/// A kind of unit entry, and where `Entries` keeps it.
pub trait Entry: Declared + Clone {
    fn of(p: &Entries) -> &BTreeMap<EntryKey<Self::Key>, Self>;
    fn of_mut(p: &mut Entries) -> &mut BTreeMap<EntryKey<Self::Key>, Self>;
}

impl Entry for Assessment {
    fn of(p: &Entries) -> &BTreeMap<PeriodKey, Self> {
        &p.assessments
    }
    fn of_mut(p: &mut Entries) -> &mut BTreeMap<PeriodKey, Self> {
        &mut p.assessments
    }
}

impl Entry for Submission {
    fn of(p: &Entries) -> &BTreeMap<PeriodKey, Self> {
        &p.submissions
    }
    fn of_mut(p: &mut Entries) -> &mut BTreeMap<PeriodKey, Self> {
        &mut p.submissions
    }
}

impl Entry for Comment {
    fn of(p: &Entries) -> &BTreeMap<EntryKey<Uuid>, Self> {
        &p.comments
    }
    fn of_mut(p: &mut Entries) -> &mut BTreeMap<EntryKey<Uuid>, Self> {
        &mut p.comments
    }
}

/// The name of a unit's entry `e` of a plan.
pub fn entry_key<T: Entry>(unit_code: &str, plan_id: &str, e: &T) -> EntryKey<T::Key> {
    EntryKey {
        unit_code: unit_code.into(),
        plan_id: plan_id.into(),
        key: e.key(),
    }
}

impl Entries {
    /// Keep `e` under `key` if it is newer than the version held.
    pub fn keep<T: Entry>(&mut self, key: EntryKey<T::Key>, e: T) {
        match T::of_mut(self).entry(key) {
            std::collections::btree_map::Entry::Vacant(v) => {
                v.insert(e);
            }
            std::collections::btree_map::Entry::Occupied(mut o) => {
                if version_cmp(&e, o.get()).is_gt() {
                    o.insert(e);
                }
            }
        }
    }

    /// Keep each of a unit's entries of a plan that is newer.
    fn keep_all<T: Entry>(&mut self, unit_code: &str, plan_id: &str, list: &[T]) {
        for e in list {
            self.keep(entry_key(unit_code, plan_id, e), e.clone());
        }
    }
}

/// The entry held under `key`, of the nearest holdings that has one.
pub fn held<'a, T: Entry>(h: &'a impl Holdings, key: &EntryKey<T::Key>) -> Option<&'a T> {
    h.entries().into_iter().find_map(|p| T::of(p).get(key))
}

/// The entries of a batch that are newer than what is held.
fn newer_entries<T: Entry>(h: &impl Holdings, b: &Batch, list: &[T]) -> Vec<T> {
    list.iter()
        .filter(|e| {
            let key = entry_key(&b.unit_code, &b.plan.id, *e);
            held::<T>(h, &key).is_none_or(|cur| version_cmp(*e, cur).is_gt())
        })
        .cloned()
        .collect()
}

/// A record is named by its unit and its id: two units' records that share
/// an id (a copied device, a forged file) are two records, and neither can
/// shadow or refuse the other.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordKey {
    pub unit_code: String,
    pub id: Uuid,
}

impl RecordKey {
    pub fn of(a: &Activity) -> RecordKey {
        RecordKey {
            unit_code: a.unit_code.clone(),
            id: a.id,
        }
    }
}

/// How a receiver knows when a record reached it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ArrivalBasis {
    /// The sync server's time of receipt: a fact, not the sender's word.
    Server,
    /// The sealing time written in a file (the sender's clock): what a
    /// file handed over by hand has.
    File,
}

impl ArrivalBasis {
    pub fn label_vi(self) -> &'static str {
        match self {
            ArrivalBasis::Server => "theo giờ máy chủ nhận",
            ArrivalBasis::File => "theo ngày lập ghi trong tệp",
        }
    }
}

/// When a record was first reported, and how that is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Arrival {
    pub at: DateTime<Utc>,
    pub basis: ArrivalBasis,
}

/// Everything a receiver has merged: records by unit and id, receipts by id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Received {
    pub records: HashMap<RecordKey, Activity>,
    pub receipts: BTreeMap<String, Receipt>,
    /// When each record was first reported: the earliest arrival of a
    /// batch that carried any version of it (for "on time"; a file handed
    /// over late does not make its sender late). Through the server that is
    /// when the server received it; for a file, when it was sealed.
    pub delivered: HashMap<RecordKey, Arrival>,
    /// The units' assessments, submissions and comments (format version 3).
    pub entries: Entries,
}

impl Holdings for Received {
    fn record(&self, key: &RecordKey) -> Option<&Activity> {
        self.records.get(key)
    }
    fn receipt(&self, id: &str) -> Option<&Receipt> {
        self.receipts.get(id)
    }
    fn entries(&self) -> Vec<&Entries> {
        vec![&self.entries]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Add,
    Update,
    /// Already held, or older than what is held.
    Unchanged,
    /// Two different versions with the same revision (edited on two devices
    /// from the same start). The rule still picks one; people should look.
    Conflict,
}

/// How one incoming version relates to the held one.
pub fn outcome(held: Option<&Activity>, incoming: &Activity) -> Outcome {
    match held {
        None => Outcome::Add,
        Some(h) if h == incoming => Outcome::Unchanged,
        Some(h) if h.revision == incoming.revision => Outcome::Conflict,
        Some(h) if incoming.version_cmp(h).is_gt() => Outcome::Update,
        Some(_) => Outcome::Unchanged,
    }
}

/// Why a well-formed batch is not applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Invalid(BatchError),
    /// The batch's unit is not one this receiver takes.
    OutOfScope {
        unit_code: String,
    },
    /// Same unit, device and number as a batch already taken, other content.
    SeqConflict {
        key: BatchKey,
        kept: String,
        this: String,
    },
}

impl Refusal {
    pub fn message_vi(&self, units: &Units) -> String {
        let name = |c: &str| {
            units
                .get(c)
                .map(|u| u.name.clone())
                .unwrap_or(c.to_string())
        };
        match self {
            Refusal::Invalid(e) => e.message_vi(),
            Refusal::OutOfScope { unit_code } => format!(
                "lô của {} không thuộc phạm vi đơn vị này.",
                name(unit_code)
            ),
            Refusal::SeqConflict { key, .. } => format!(
                "{} đã có lô số {} từ thiết bị này với nội dung khác: giữ lô đã nhập trước, bỏ qua lô này. Hãy hỏi xã gửi lại đúng tệp.",
                name(&key.unit_code),
                key.seq
            ),
        }
    }
}

/// One conflicting record: the version kept and the one not kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub kept: Activity,
    pub other: Activity,
}

/// What applying a batch would do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub conflicts: Vec<Conflict>,
    /// The versions to write (the winners that differ from what is held).
    pub writes: Vec<Activity>,
    /// The period entries to write: those newer than the ones held.
    pub assessments: Vec<Assessment>,
    pub submissions: Vec<Submission>,
    pub comments: Vec<Comment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Refused(Refusal),
    /// This very batch was applied before: nothing to do.
    AlreadyImported,
    Accepted(Changes),
}

/// Decide what a batch would do to these holdings, without changing them.
pub fn plan(held: &impl Holdings, b: &Batch, scope: &Scope, units: &Units) -> Verdict {
    if !scope.admits(units, &b.unit_code) {
        return Verdict::Refused(Refusal::OutOfScope {
            unit_code: b.unit_code.clone(),
        });
    }
    let key = b.key();
    let held_receipt = held.receipt(&receipt_id(&key, b.kind, &b.sha256));
    match name_check(held_receipt.map(|r| r.sha256.as_str()), &b.sha256) {
        NameCheck::New => {}
        NameCheck::Duplicate => return Verdict::AlreadyImported,
        NameCheck::Conflict => {
            return Verdict::Refused(Refusal::SeqConflict {
                key,
                kept: held_receipt.map(|r| r.sha256.clone()).unwrap_or_default(),
                this: b.sha256.clone(),
            })
        }
    }
    let mut c = Changes::default();
    for inc in &b.records {
        let cur = held.record(&RecordKey::of(inc));
        match outcome(cur, inc) {
            Outcome::Add => {
                c.added += 1;
                c.writes.push(inc.clone());
            }
            Outcome::Update => {
                c.updated += 1;
                c.writes.push(inc.clone());
            }
            Outcome::Unchanged => c.unchanged += 1,
            Outcome::Conflict => {
                let cur = cur.expect("a conflict has a held version").clone();
                let inc_wins = inc.version_cmp(&cur).is_gt();
                if inc_wins {
                    c.writes.push(inc.clone());
                }
                let (kept, other) = if inc_wins {
                    (inc.clone(), cur)
                } else {
                    (cur, inc.clone())
                };
                c.conflicts.push(Conflict { kept, other });
            }
        }
    }
    c.assessments = newer_entries(held, b, &b.assessments);
    c.submissions = newer_entries(held, b, &b.submissions);
    c.comments = newer_entries(held, b, &b.comments);
    Verdict::Accepted(c)
}

pub fn receipt_of(b: &Batch, imported_at: DateTime<Utc>) -> Receipt {
    Receipt {
        key: b.key(),
        kind: b.kind,
        sha256: b.sha256.clone(),
        created_at: b.created_at,
        records: b.records.len(),
        imported_at,
    }
}

impl Received {
    /// Plan and apply one batch (whole or not at all).
    pub fn import(
        &mut self,
        b: &Batch,
        scope: &Scope,
        units: &Units,
        imported_at: DateTime<Utc>,
    ) -> Verdict {
        let v = plan(self, b, scope, units);
        if let Verdict::Accepted(c) = &v {
            self.apply(b, c, imported_at);
        }
        v
    }

    /// Apply a planned batch. Each write is decided again against what is
    /// held now, so applying a stale plan can never replace a newer version.
    pub fn apply(&mut self, b: &Batch, c: &Changes, imported_at: DateTime<Utc>) {
        self.absorb(AppliedBatch::new(b, c, imported_at, None));
    }

    /// Take in one stored entry: its receipt, and each record version that
    /// is newer than the one held. Entries commute, so a receiver's state is
    /// the same whatever order its entries are read back in.
    pub fn absorb(&mut self, entry: AppliedBatch) {
        let arrival = entry.arrival();
        let unit = &entry.receipt.key.unit_code;
        for id in entry.records.iter().map(|r| &r.id).chain(&entry.also) {
            let key = RecordKey {
                unit_code: unit.clone(),
                id: *id,
            };
            self.delivered
                .entry(key)
                .and_modify(|t| *t = (*t).min(arrival))
                .or_insert(arrival);
        }
        for w in entry.records {
            let key = RecordKey::of(&w);
            match self.records.get_mut(&key) {
                Some(cur) if w.version_cmp(cur).is_gt() => *cur = w,
                Some(_) => {}
                None => {
                    self.records.insert(key, w);
                }
            }
        }
        let plan = &entry.plan_id;
        self.entries.keep_all(unit, plan, &entry.assessments);
        self.entries.keep_all(unit, plan, &entry.submissions);
        self.entries.keep_all(unit, plan, &entry.comments);
        self.receipts.insert(entry.receipt.id(), entry.receipt);
    }

    /// The state made of stored entries, in any order.
    pub fn from_entries(entries: impl IntoIterator<Item = AppliedBatch>) -> Received {
        let mut r = Received::default();
        for e in entries {
            r.absorb(e);
        }
        r
    }
}

/// What a receiver reports on: its own records and the ones it received,
/// one version per record (unit and id) chosen by the merge rule, so a
/// record the receiver holds both ways counts once and as its newest version.
pub fn combine<'a>(
    own: impl IntoIterator<Item = &'a Activity>,
    received: &'a Received,
) -> Vec<&'a Activity> {
    let mut all: HashMap<RecordKey, &'a Activity> = received
        .records
        .iter()
        .map(|(k, a)| (k.clone(), a))
        .collect();
    for a in own {
        let e = all.entry(RecordKey::of(a)).or_insert(a);
        if a.version_cmp(e).is_gt() {
            *e = a;
        }
    }
    all.into_values().collect()
}

/// What a receiver stores for one applied batch, as one unit: its receipt
/// and the record versions the batch wrote (the dry run's writes). One
/// entry per file makes an import one write per file, whole or not at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedBatch {
    pub receipt: Receipt,
    pub records: Vec<Activity>,
    /// The ids of the batch's other records (held already at this version
    /// or a newer one): they arrived with it too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<Uuid>,
    /// When the sync server received the batch, for one pulled from it;
    /// `None` for a file.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::dates::serde_opt_instant"
    )]
    pub received_at: Option<DateTime<Utc>>,
    /// The plan the batch named: with its unit and their own keys, the names
    /// of its unit entries (empty in an entry of an older schema, which has
    /// none).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub plan_id: String,
    /// The unit entries the batch wrote (the dry run's).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assessments: Vec<Assessment>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub submissions: Vec<Submission>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub comments: Vec<Comment>,
}

impl AppliedBatch {
    /// The entry for a planned batch; `received_at` is the server's time of
    /// receipt when the batch came through the server.
    pub fn new(
        b: &Batch,
        c: &Changes,
        imported_at: DateTime<Utc>,
        received_at: Option<DateTime<Utc>>,
    ) -> AppliedBatch {
        let written: BTreeSet<Uuid> = c.writes.iter().map(|w| w.id).collect();
        AppliedBatch {
            receipt: receipt_of(b, imported_at),
            records: c.writes.clone(),
            also: b
                .records
                .iter()
                .map(|r| r.id)
                .filter(|id| !written.contains(id))
                .collect(),
            received_at,
            plan_id: b.plan.id.clone(),
            assessments: c.assessments.clone(),
            submissions: c.submissions.clone(),
            comments: c.comments.clone(),
        }
    }

    /// When its records reached the receiver, as far as it can know.
    pub fn arrival(&self) -> Arrival {
        match self.received_at {
            Some(at) => Arrival {
                at,
                basis: ArrivalBasis::Server,
            },
            None => Arrival {
                at: self.receipt.created_at,
                basis: ArrivalBasis::File,
            },
        }
    }
}

/// Holdings plus the effect of batches planned before, so a dry run of many
/// files shows what each would do after the ones before it.
pub struct Overlay<'a, H: Holdings> {
    base: &'a H,
    records: HashMap<RecordKey, Activity>,
    receipts: BTreeMap<String, Receipt>,
    entries: Entries,
}

impl<'a, H: Holdings> Overlay<'a, H> {
    pub fn new(base: &'a H) -> Self {
        Overlay {
            base,
            records: HashMap::new(),
            receipts: BTreeMap::new(),
            entries: Entries::default(),
        }
    }

    /// Plan a batch and, when accepted, count it as applied for the next.
    pub fn plan(&mut self, b: &Batch, scope: &Scope, units: &Units, at: DateTime<Utc>) -> Verdict {
        let v = plan(self, b, scope, units);
        if let Verdict::Accepted(c) = &v {
            for w in &c.writes {
                let key = RecordKey::of(w);
                let wins = self
                    .record(&key)
                    .is_none_or(|cur| w.version_cmp(cur).is_gt());
                if wins {
                    self.records.insert(key, w.clone());
                }
            }
            // Newer than anything held: the nearest holdings now.
            let (unit, plan) = (&b.unit_code, &b.plan.id);
            self.entries.keep_all(unit, plan, &c.assessments);
            self.entries.keep_all(unit, plan, &c.submissions);
            self.entries.keep_all(unit, plan, &c.comments);
            let r = receipt_of(b, at);
            self.receipts.insert(r.id(), r);
        }
        v
    }
}

impl<H: Holdings> Holdings for Overlay<'_, H> {
    fn record(&self, key: &RecordKey) -> Option<&Activity> {
        self.records.get(key).or_else(|| self.base.record(key))
    }
    fn receipt(&self, id: &str) -> Option<&Receipt> {
        self.receipts.get(id).or_else(|| self.base.receipt(id))
    }
    fn entries(&self) -> Vec<&Entries> {
        let mut all = vec![&self.entries];
        all.extend(self.base.entries());
        all
    }
}

/// A run of consecutive missing batch numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeqRange {
    pub first: u64,
    pub last: u64,
}

impl SeqRange {
    /// How many numbers the range holds.
    pub fn count(self) -> u64 {
        self.last - self.first + 1
    }

    /// "4" or "4–9".
    pub fn label(self) -> String {
        if self.first == self.last {
            self.first.to_string()
        } else {
            format!("{}–{}", self.first, self.last)
        }
    }
}

/// At most this many ranges are listed; the rest are counted.
pub const MAX_LISTED_RANGES: usize = 20;

/// Missing numbers as ranges: the first `MAX_LISTED_RANGES` of them, and
/// how many numbers and ranges there are in all. Its size does not depend on
/// how large the numbers are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Missing {
    pub ranges: Vec<SeqRange>,
    pub total_ranges: usize,
    pub count: u64,
}

impl Missing {
    /// The numbers below the highest of `have` (ascending, distinct, from 1
    /// up) that are not in it.
    pub fn below_highest(have: impl IntoIterator<Item = u64>) -> Missing {
        let mut m = Missing::default();
        let mut prev = 0u64;
        for n in have {
            if n > prev.saturating_add(1) {
                m.add(SeqRange {
                    first: prev + 1,
                    last: n - 1,
                });
            }
            prev = prev.max(n);
        }
        m
    }

    fn add(&mut self, r: SeqRange) {
        self.count = self.count.saturating_add(r.count());
        self.total_ranges += 1;
        if self.ranges.len() < MAX_LISTED_RANGES {
            self.ranges.push(r);
        }
    }

    /// Merge another device's list into one per unit.
    pub fn extend(&mut self, other: &Missing) {
        self.count = self.count.saturating_add(other.count);
        self.total_ranges += other.total_ranges;
        let room = MAX_LISTED_RANGES.saturating_sub(self.ranges.len());
        self.ranges.extend(other.ranges.iter().take(room));
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// "4, 7–9" or "4, 7–9, … (25 khoảng, 1204 lô)".
    pub fn label_vi(&self) -> String {
        let listed = self
            .ranges
            .iter()
            .map(|r| r.label())
            .collect::<Vec<_>>()
            .join(", ");
        if self.total_ranges > self.ranges.len() {
            format!(
                "{listed}, … ({} khoảng, {} lô)",
                self.total_ranges, self.count
            )
        } else {
            listed
        }
    }
}

/// Numbered batches missing from a device's sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    pub unit_code: String,
    pub device_id: String,
    pub missing: Missing,
    /// The unit sends from more than one device (name the device then).
    pub several_devices: bool,
}

impl Gap {
    /// "Xã Đổng Xá: thiếu lô số 4, 7–9" (with the device when there are several).
    pub fn message_vi(&self, units: &Units) -> String {
        let name = units
            .get(&self.unit_code)
            .map(|u| u.name.clone())
            .unwrap_or_else(|| self.unit_code.clone());
        let device = if self.several_devices {
            format!(
                " (thiết bị {})",
                self.device_id.chars().take(8).collect::<String>()
            )
        } else {
            String::new()
        };
        format!("{name}{device}: thiếu lô số {}", self.missing.label_vi())
    }
}

/// Per unit and device: the sequence numbers below the highest received
/// that have not arrived, as ranges (linear in the receipts, whatever the
/// numbers).
pub fn gaps<'a>(receipts: impl IntoIterator<Item = &'a Receipt>) -> Vec<Gap> {
    let mut seqs: BTreeMap<(&str, &str), BTreeSet<u64>> = BTreeMap::new();
    for r in receipts {
        if r.kind == BatchKind::Changes {
            seqs.entry((&r.key.unit_code, &r.key.device_id))
                .or_default()
                .insert(r.key.seq);
        }
    }
    let mut devices: BTreeMap<&str, usize> = BTreeMap::new();
    for (unit, _) in seqs.keys() {
        *devices.entry(unit).or_default() += 1;
    }
    seqs.iter()
        .filter_map(|((unit, device), have)| {
            let missing = Missing::below_highest(have.iter().copied());
            (!missing.is_empty()).then(|| Gap {
                unit_code: unit.to_string(),
                device_id: device.to_string(),
                missing,
                several_devices: devices[unit] > 1,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;
