//! The receiving side of batches: the district (or province) merge.
//!
//! Rule, per record: the highest revision wins, ties broken by update time,
//! then device id (`Activity::version_cmp`); a tombstone is just a newer
//! revision, so it wins over older ones. A batch is named by (unit, device,
//! sequence): the same batch again changes nothing; the same name with other
//! content is a conflict and the first one is kept. So any order of import,
//! with any duplication, ends in the same state.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::activity::Activity;
use crate::batch::{Batch, BatchError, BatchKey, BatchKind};
use crate::dates::serde_instant;
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
    pub fn admits(&self, units: &Units, unit_code: &str) -> bool {
        match self {
            Scope::Province => units.get(unit_code).is_some(),
            Scope::District(d) => units.get(unit_code).is_some_and(|u| {
                u.code == *d || (u.level == Level::Commune && u.parent_code.as_deref() == Some(d))
            }),
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

/// What the receiver holds, as the merge needs to see it.
pub trait Holdings {
    fn record(&self, id: &Uuid) -> Option<&Activity>;
    fn receipt(&self, id: &str) -> Option<&Receipt>;
}

/// Everything a receiver has merged: records by id, receipts by id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Received {
    pub records: HashMap<Uuid, Activity>,
    pub receipts: BTreeMap<String, Receipt>,
    /// When each record was first reported: the earliest sealing time of a
    /// batch that carried any version of it (for "on time"; a file handed
    /// over late does not make its sender late).
    pub delivered: HashMap<Uuid, DateTime<Utc>>,
}

impl Holdings for Received {
    fn record(&self, id: &Uuid) -> Option<&Activity> {
        self.records.get(id)
    }
    fn receipt(&self, id: &str) -> Option<&Receipt> {
        self.receipts.get(id)
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
    /// A record id already held for another unit.
    RecordOfOtherUnit {
        id: Uuid,
        held_unit: String,
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
            Refusal::RecordOfOtherUnit { id, held_unit } => format!(
                "hoạt động {id} đã có trong dữ liệu của {}, không thể thuộc đơn vị khác.",
                name(held_unit)
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
    if let Some(r) = held.receipt(&receipt_id(&key, b.kind, &b.sha256)) {
        return if r.sha256 == b.sha256 {
            Verdict::AlreadyImported
        } else {
            Verdict::Refused(Refusal::SeqConflict {
                key,
                kept: r.sha256.clone(),
                this: b.sha256.clone(),
            })
        };
    }
    let mut c = Changes::default();
    for inc in &b.records {
        let cur = held.record(&inc.id);
        if let Some(cur) = cur {
            if cur.unit_code != inc.unit_code {
                return Verdict::Refused(Refusal::RecordOfOtherUnit {
                    id: inc.id,
                    held_unit: cur.unit_code.clone(),
                });
            }
        }
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
        self.absorb(AppliedBatch::new(b, c, imported_at));
    }

    /// Take in one stored entry: its receipt, and each record version that
    /// is newer than the one held. Entries commute, so a receiver's state is
    /// the same whatever order its entries are read back in.
    pub fn absorb(&mut self, entry: AppliedBatch) {
        let sealed = entry.receipt.created_at;
        for id in entry.records.iter().map(|r| &r.id).chain(&entry.also) {
            self.delivered
                .entry(*id)
                .and_modify(|t| *t = (*t).min(sealed))
                .or_insert(sealed);
        }
        for w in entry.records {
            match self.records.get_mut(&w.id) {
                Some(cur) if w.version_cmp(cur).is_gt() => *cur = w,
                Some(_) => {}
                None => {
                    self.records.insert(w.id, w);
                }
            }
        }
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
}

impl AppliedBatch {
    pub fn new(b: &Batch, c: &Changes, imported_at: DateTime<Utc>) -> AppliedBatch {
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
        }
    }
}

/// Holdings plus the effect of batches planned before, so a dry run of many
/// files shows what each would do after the ones before it.
pub struct Overlay<'a, H: Holdings> {
    base: &'a H,
    records: HashMap<Uuid, Activity>,
    receipts: BTreeMap<String, Receipt>,
}

impl<'a, H: Holdings> Overlay<'a, H> {
    pub fn new(base: &'a H) -> Self {
        Overlay {
            base,
            records: HashMap::new(),
            receipts: BTreeMap::new(),
        }
    }

    /// Plan a batch and, when accepted, count it as applied for the next.
    pub fn plan(&mut self, b: &Batch, scope: &Scope, units: &Units, at: DateTime<Utc>) -> Verdict {
        let v = plan(self, b, scope, units);
        if let Verdict::Accepted(c) = &v {
            for w in &c.writes {
                let wins = self
                    .record(&w.id)
                    .is_none_or(|cur| w.version_cmp(cur).is_gt());
                if wins {
                    self.records.insert(w.id, w.clone());
                }
            }
            let r = receipt_of(b, at);
            self.receipts.insert(r.id(), r);
        }
        v
    }
}

impl<H: Holdings> Holdings for Overlay<'_, H> {
    fn record(&self, id: &Uuid) -> Option<&Activity> {
        self.records.get(id).or_else(|| self.base.record(id))
    }
    fn receipt(&self, id: &str) -> Option<&Receipt> {
        self.receipts.get(id).or_else(|| self.base.receipt(id))
    }
}

/// Numbered batches missing from a device's sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    pub unit_code: String,
    pub device_id: String,
    pub missing: Vec<u64>,
    /// The unit sends from more than one device (name the device then).
    pub several_devices: bool,
}

impl Gap {
    /// "Xã Đổng Xá: thiếu lô số 4" (with the device when there are several).
    pub fn message_vi(&self, units: &Units) -> String {
        let name = units
            .get(&self.unit_code)
            .map(|u| u.name.clone())
            .unwrap_or_else(|| self.unit_code.clone());
        let nums = self
            .missing
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let device = if self.several_devices {
            format!(
                " (thiết bị {})",
                self.device_id.chars().take(8).collect::<String>()
            )
        } else {
            String::new()
        };
        format!("{name}{device}: thiếu lô số {nums}")
    }
}

/// Per unit and device: the sequence numbers below the highest received
/// that have not arrived.
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
            let max = *have.iter().next_back()?;
            let missing: Vec<u64> = (1..max).filter(|n| !have.contains(n)).collect();
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
