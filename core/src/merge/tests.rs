use super::*;
use crate::batch::{backup, parse, Bundle, Outbox};
use crate::fixtures::*;
use crate::record::Field;
use proptest::prelude::*;

fn na_ri() -> Scope {
    Scope::District(NA_RI.into())
}

fn batch_of(unit: &str, device: &str, seq: u64, records: Vec<Activity>) -> Batch {
    signed(Batch::seal(
        &header(unit, device, 600 + seq as i64),
        BatchKind::Changes,
        seq,
        records,
    ))
}

fn counts(v: &Verdict) -> (usize, usize, usize, usize) {
    match v {
        Verdict::Accepted(c) => (c.added, c.updated, c.unchanged, c.conflicts.len()),
        other => panic!("not accepted: {other:?}"),
    }
}

#[test]
fn scope_of_a_district_is_itself_and_its_communes() {
    let s = na_ri();
    assert!(s.admits(&UNITS, DONG_XA));
    assert!(s.admits(&UNITS, NA_RI));
    assert!(!s.admits(&UNITS, MINH_KHAI));
    assert!(!s.admits(&UNITS, "06"));
    assert!(!s.admits(&UNITS, "nope"));
    assert!(Scope::Province.admits(&UNITS, MINH_KHAI));
    assert!(Scope::Province.admits(&UNITS, NA_RI));
}

#[test]
fn who_receives() {
    let of = |l, c| Scope::of_receiver(&UNITS, l, c);
    assert_eq!(of(Level::District, NA_RI), Some(na_ri()));
    assert_eq!(of(Level::Province, "06"), Some(Scope::Province));
    assert_eq!(of(Level::Commune, DONG_XA), None);
    assert_eq!(
        of(Level::District, DONG_XA),
        None,
        "a commune is no receiver"
    );
    assert_eq!(
        of(Level::Province, "06.so-tai-chinh"),
        None,
        "nor is a body"
    );
}

#[test]
fn add_update_unchanged_and_conflict() {
    let mut held = Received::default();
    let r1 = record(1, DONG_XA, "dev-a", 0);
    let r2 = record(2, DONG_XA, "dev-a", 1);
    let b1 = batch_of(DONG_XA, "dev-a", 1, vec![r1.clone(), r2.clone()]);
    assert_eq!(
        counts(&held.import(&b1, &na_ri(), &UNITS, at(700))),
        (2, 0, 0, 0)
    );
    // The same batch again: nothing to do, nothing changes.
    let before = held.clone();
    assert_eq!(
        held.import(&b1, &na_ri(), &UNITS, at(701)),
        Verdict::AlreadyImported
    );
    assert_eq!(held, before);

    let r1b = r1.edit(fields("Sửa trên máy A"), &by("dev-a", 10));
    // Device B edited r2 from the same start: same revision, other content.
    let r2b = r2.edit(fields("Sửa trên máy B"), &by("dev-b", 11));
    let older = r1.clone();
    let b2 = batch_of(DONG_XA, "dev-a", 2, vec![r1b.clone()]);
    let b3 = batch_of(DONG_XA, "dev-b", 1, vec![r2b.clone(), older]);
    assert_eq!(
        counts(&held.import(&b2, &na_ri(), &UNITS, at(702))),
        (0, 1, 0, 0)
    );
    let r2a = r2.edit(fields("Sửa trên máy A"), &by("dev-a", 12));
    let b4 = batch_of(DONG_XA, "dev-a", 3, vec![r2a.clone()]);
    assert_eq!(
        counts(&held.import(&b4, &na_ri(), &UNITS, at(703))),
        (0, 1, 0, 0)
    );
    let v = held.import(&b3, &na_ri(), &UNITS, at(704));
    assert_eq!(counts(&v), (0, 0, 1, 1));
    // Tie on revision: the later update wins (dev-a at minute 12).
    assert_eq!(held.records[&RecordKey::of(&r2)], r2a);
    let Verdict::Accepted(c) = v else {
        unreachable!()
    };
    assert_eq!(c.conflicts[0].kept, r2a);
    assert_eq!(c.conflicts[0].other, r2b);
}

#[test]
fn a_tombstone_wins_over_older_revisions_in_any_order() {
    let r = record(1, DONG_XA, "dev-a", 0);
    let gone = r.delete(&by("dev-a", 5));
    let b1 = batch_of(DONG_XA, "dev-a", 1, vec![r.clone()]);
    let b2 = batch_of(DONG_XA, "dev-a", 2, vec![gone.clone()]);
    for order in [[&b1, &b2], [&b2, &b1]] {
        let mut held = Received::default();
        for b in order {
            held.import(b, &na_ri(), &UNITS, at(700));
        }
        assert!(held.records[&RecordKey::of(&r)].deleted);
    }
}

#[test]
fn same_number_other_content_is_a_conflict_and_the_first_is_kept() {
    let mut held = Received::default();
    let first = batch_of(DONG_XA, "dev-a", 4, vec![record(1, DONG_XA, "dev-a", 0)]);
    let second = batch_of(DONG_XA, "dev-a", 4, vec![record(2, DONG_XA, "dev-a", 0)]);
    held.import(&first, &na_ri(), &UNITS, at(700));
    let before = held.clone();
    let v = held.import(&second, &na_ri(), &UNITS, at(701));
    assert!(
        matches!(&v, Verdict::Refused(Refusal::SeqConflict { key, kept, .. }) if key.seq == 4 && *kept == first.sha256)
    );
    assert_eq!(held, before);
    let Verdict::Refused(r) = v else {
        unreachable!()
    };
    assert!(r.message_vi(&UNITS).contains("Xã Đổng Xá đã có lô số 4"));
}

#[test]
fn out_of_scope_and_foreign_records_are_refused_whole() {
    let mut held = Received::default();
    let other = batch_of(
        MINH_KHAI,
        "dev-x",
        1,
        vec![record(9, MINH_KHAI, "dev-x", 0)],
    );
    let v = held.import(&other, &na_ri(), &UNITS, at(700));
    assert!(matches!(&v, Verdict::Refused(Refusal::OutOfScope { .. })));
    assert!(held.records.is_empty() && held.receipts.is_empty());

    // Văn Vũ uses a record id Đổng Xá already holds: two records, neither
    // refused, neither changed.
    let mine = record(1, DONG_XA, "dev-a", 0);
    held.import(
        &batch_of(DONG_XA, "dev-a", 1, vec![mine.clone()]),
        &na_ri(),
        &UNITS,
        at(700),
    );
    let mut theirs = mine.edit(fields("Chiếm"), &by("dev-v", 9));
    theirs.unit_code = VAN_VU.into();
    let fresh = record(5, VAN_VU, "dev-v", 0);
    let v = held.import(
        &batch_of(VAN_VU, "dev-v", 1, vec![fresh, theirs.clone()]),
        &na_ri(),
        &UNITS,
        at(701),
    );
    assert_eq!(counts(&v), (2, 0, 0, 0));
    assert_eq!(held.records[&RecordKey::of(&mine)], mine);
    assert_eq!(held.records[&RecordKey::of(&theirs)], theirs);
    assert_eq!(held.records.len(), 3);
}

#[test]
fn backups_are_imported_idempotently_beside_numbered_batches() {
    let recs = vec![
        record(1, DONG_XA, "dev-a", 0),
        record(2, DONG_XA, "dev-a", 1),
    ];
    let b = signed(backup(
        crate::batch::Holding::records(&recs),
        &header(DONG_XA, "dev-a", 50),
    ));
    let later = signed(backup(
        crate::batch::Holding::records(&recs),
        &header(DONG_XA, "dev-a", 90),
    ));
    let mut held = Received::default();
    assert_eq!(
        counts(&held.import(&b, &na_ri(), &UNITS, at(700))),
        (2, 0, 0, 0)
    );
    assert_eq!(
        counts(&held.import(&later, &na_ri(), &UNITS, at(700))),
        (0, 0, 2, 0)
    );
    assert_eq!(
        held.import(&b, &na_ri(), &UNITS, at(700)),
        Verdict::AlreadyImported
    );
    assert!(gaps(held.receipts.values()).is_empty());
}

#[test]
fn overlay_plans_each_file_after_the_ones_before_it() {
    let r = record(1, DONG_XA, "dev-a", 0);
    let r2 = r.edit(fields("Sửa"), &by("dev-a", 5));
    let b1 = batch_of(DONG_XA, "dev-a", 1, vec![r.clone()]);
    let b2 = batch_of(DONG_XA, "dev-a", 2, vec![r2.clone()]);
    let held = Received::default();
    let mut o = Overlay::new(&held);
    assert_eq!(counts(&o.plan(&b1, &na_ri(), &UNITS, at(0))), (1, 0, 0, 0));
    assert_eq!(counts(&o.plan(&b2, &na_ri(), &UNITS, at(0))), (0, 1, 0, 0));
    assert_eq!(
        o.plan(&b1, &na_ri(), &UNITS, at(0)),
        Verdict::AlreadyImported
    );
    assert!(held.records.is_empty(), "a dry run changes nothing");
}

#[test]
fn gaps_are_reported_per_device() {
    let mut held = Received::default();
    for seq in [1, 2, 3, 5, 7] {
        let b = batch_of(
            DONG_XA,
            "dev-a",
            seq,
            vec![record(seq as u8, DONG_XA, "dev-a", 0)],
        );
        held.import(&b, &na_ri(), &UNITS, at(700));
    }
    let g = gaps(held.receipts.values());
    assert_eq!(g.len(), 1);
    assert_eq!(
        g[0].missing.ranges,
        vec![
            SeqRange { first: 4, last: 4 },
            SeqRange { first: 6, last: 6 }
        ]
    );
    assert_eq!(g[0].message_vi(&UNITS), "Xã Đổng Xá: thiếu lô số 4, 6");
    held.import(
        &batch_of(DONG_XA, "dev-b", 3, vec![record(40, DONG_XA, "dev-b", 0)]),
        &na_ri(),
        &UNITS,
        at(700),
    );
    let g = gaps(held.receipts.values());
    assert_eq!(g.len(), 2);
    assert!(g[1]
        .message_vi(&UNITS)
        .starts_with("Xã Đổng Xá (thiết bị dev-b): thiếu lô số 1–2"));
}

#[test]
fn gaps_are_ranges_whatever_the_numbers() {
    // The largest number allowed, alone: one range, computed at once.
    let m = Missing::below_highest([crate::batch::MAX_SEQ]);
    assert_eq!(m.count, crate::batch::MAX_SEQ - 1);
    assert_eq!(m.label_vi(), format!("1–{}", crate::batch::MAX_SEQ - 1));
    // Every other number up to 1,000: 500 ranges, 20 listed, all counted.
    let m = Missing::below_highest((2..=1000).step_by(2));
    assert_eq!(
        (m.total_ranges, m.ranges.len(), m.count),
        (500, MAX_LISTED_RANGES, 500)
    );
    assert!(
        m.label_vi().ends_with(", … (500 khoảng, 500 lô)"),
        "{}",
        m.label_vi()
    );
    let mut both = m.clone();
    both.extend(&Missing::below_highest([5]));
    assert_eq!(
        (both.ranges.len(), both.total_ranges, both.count),
        (MAX_LISTED_RANGES, 501, 504)
    );
    assert!(Missing::below_highest([1, 2, 3]).is_empty());
}

proptest! {
    #[test]
    fn gap_ranges_are_exactly_the_missing_numbers(have in prop::collection::btree_set(1u64..300, 0..60)) {
        let m = Missing::below_highest(have.iter().copied());
        let max = have.iter().next_back().copied().unwrap_or(0);
        let expected: Vec<u64> = (1..max).filter(|n| !have.contains(n)).collect();
        prop_assert_eq!(m.count as usize, expected.len());
        let listed: Vec<u64> = m.ranges.iter().flat_map(|r| r.first..=r.last).collect();
        prop_assert!(expected.starts_with(&listed));
        prop_assert!(m.ranges.len() <= MAX_LISTED_RANGES);
    }
}

/// One step of a random history: a device creates, edits or deletes one of
/// a few records, and perhaps seals a batch afterwards. Devices 0-1 belong
/// to Đổng Xá and 2-3 to Văn Vũ; devices of one unit share record ids, so
/// concurrent edits (same revision, other content) happen.
#[derive(Debug, Clone)]
struct Step {
    device: usize,
    record: u8,
    delete: bool,
    seal: bool,
    /// Also change an entry of the device's unit: 0 and 1 the assessment
    /// of 2020 or of its first half, 2 the submission of 2020, 3 the
    /// unit's comment on its first record; anything else, none.
    entry: u8,
}

fn step() -> impl Strategy<Value = Step> {
    (
        0usize..4,
        0u8..4,
        any::<bool>(),
        prop::bool::weighted(0.3),
        0u8..7,
    )
        .prop_map(|(device, record, delete, seal, entry)| Step {
            device,
            record,
            delete,
            seal,
            entry,
        })
}

/// What one device holds of its unit's entries.
#[derive(Debug, Clone, Default)]
struct DeviceEntries {
    assessments: Vec<crate::assessment::Assessment>,
    submissions: Vec<crate::submission::Submission>,
    comments: Vec<crate::comment::Comment>,
}

impl DeviceEntries {
    /// Change an entry on `device` at step `t` (`Step::entry`).
    fn change(&mut self, entry: u8, device: &str, t: i64) {
        let period = |p: &str| p.parse::<crate::review::ReviewPeriod>().unwrap();
        match entry {
            0 | 1 => {
                let period = period(if entry == 0 { "2020" } else { "2020-H1" });
                let list = &mut self.assessments;
                let i = list
                    .iter()
                    .position(|a| a.period == period)
                    .unwrap_or_else(|| {
                        list.push(crate::assessment::Assessment {
                            period,
                            revision: 0,
                            ..filled_assessment()
                        });
                        list.len() - 1
                    });
                let a = &mut list[i];
                a.revision += 1;
                a.results = format!("Sửa lúc {t} trên {device}");
                a.device_id = device.into();
                a.updated_at = at(t);
            }
            2 => {
                let s = self.submissions.first().cloned();
                let revision = s.map_or(1, |s| s.revision + 1);
                self.submissions = vec![crate::submission::Submission {
                    period: period("2020"),
                    revision,
                    note: format!("Gửi lúc {t} trên {device}"),
                    device_id: device.into(),
                    at: at(t),
                    ..filled_submission()
                }];
            }
            3 => {
                let c = self.comments.first().cloned();
                let revision = c.map_or(1, |c| c.revision + 1);
                self.comments = vec![crate::comment::Comment {
                    revision,
                    text: format!("Ý kiến lúc {t} trên {device}"),
                    device_id: device.into(),
                    updated_at: at(t),
                    ..crate::fixtures::filled_comment()
                }];
            }
            _ => {}
        }
    }
}

const DEVICES: [&str; 4] = ["dev-0", "dev-1", "dev-2", "dev-3"];

fn unit_of(device: usize) -> &'static str {
    if device < 2 {
        DONG_XA
    } else {
        VAN_VU
    }
}

/// Run a history on four devices; return every batch they sealed.
fn history(steps: &[Step]) -> Vec<Batch> {
    let mut stores: Vec<Vec<Activity>> = vec![vec![]; 4];
    let mut entries: Vec<DeviceEntries> = vec![DeviceEntries::default(); 4];
    let mut outboxes: Vec<Outbox> = (0..4).map(|d| Outbox::new(unit_of(d))).collect();
    let mut batches = vec![];
    let mut seal = |d: usize,
                    t: i64,
                    stores: &[Vec<Activity>],
                    entries: &[DeviceEntries],
                    outboxes: &mut [Outbox]| {
        let held = crate::batch::Holding {
            records: &stores[d],
            assessments: &entries[d].assessments,
            submissions: &entries[d].submissions,
            comments: &entries[d].comments,
        };
        if let Some((b, next)) = outboxes[d].seal_next(held, &header(unit_of(d), DEVICES[d], t)) {
            outboxes[d] = next;
            batches.push(signed(b));
        }
    };
    for (t, s) in steps.iter().enumerate() {
        let t = t as i64 + 1;
        let d = s.device;
        // Both units use the same few ids: records are named by unit and id.
        let n = s.record;
        let who = by(DEVICES[d], t);
        let store = &mut stores[d];
        match store
            .iter_mut()
            .find(|r| r.id == crate::activity::new_id([n; 16]))
        {
            None => {
                let mut r = record(n, unit_of(d), DEVICES[d], t);
                r.fields
                    .texts
                    .set(Field::TITLE, format!("Tạo {n} trên {}", DEVICES[d]));
                store.push(r);
            }
            Some(r) if s.delete => *r = r.delete(&who),
            Some(r) => {
                *r = r.edit(
                    fields(&format!("Sửa {n} lúc {t} trên {}", DEVICES[d])),
                    &who,
                )
            }
        }
        entries[d].change(s.entry, DEVICES[d], t);
        if s.seal {
            seal(d, t, &stores, &entries, &mut outboxes);
        }
    }
    for d in 0..4 {
        seal(d, steps.len() as i64 + 10, &stores, &entries, &mut outboxes);
    }
    batches
}

/// The expected unit entries: per (unit, plan, key), the greatest version
/// in any batch.
fn expected_entries(batches: &[Batch]) -> Entries {
    let mut p = Entries::default();
    for b in batches {
        p.keep_all(&b.unit_code, &b.plan.id, &b.assessments);
        p.keep_all(&b.unit_code, &b.plan.id, &b.submissions);
        p.keep_all(&b.unit_code, &b.plan.id, &b.comments);
    }
    p
}

/// The expected end state: per record, the greatest version in any batch.
fn expected(batches: &[Batch]) -> HashMap<RecordKey, Activity> {
    let mut m: HashMap<RecordKey, Activity> = HashMap::new();
    for r in batches.iter().flat_map(|b| &b.records) {
        match m.get(&RecordKey::of(r)) {
            Some(cur) if cur.version_cmp(r).is_ge() => {}
            _ => {
                m.insert(RecordKey::of(r), r.clone());
            }
        }
    }
    m
}

/// The files a receiver may be handed for a history: each batch, a genuine
/// bundle of Na Rì carrying backups of everything, and a forged bundle that
/// claims to come from another district (refused whole wherever it comes).
fn files(batches: &[Batch]) -> Vec<String> {
    let mut out: Vec<String> = batches.iter().map(|b| b.to_json()).collect();
    let all: Vec<&Activity> = batches.iter().flat_map(|b| &b.records).collect();
    let latest: HashMap<RecordKey, &Activity> = all.iter().fold(HashMap::new(), |mut m, r| {
        let e = m.entry(RecordKey::of(r)).or_insert(*r);
        if r.version_cmp(e).is_gt() {
            *e = *r;
        }
        m
    });
    let genuine = Bundle::seal(
        &header(NA_RI, "dev-h", 900),
        latest.values().copied(),
        &expected_entries(batches),
    )
    .sign_with(&device_key("dev-h"));
    let mut forged = genuine.clone();
    forged.from = "058".into();
    out.push(genuine.to_json());
    out.push(forged.to_json());
    out
}

/// Import one file whole: every batch it holds, or none when it is refused.
fn import_file(held: &mut Received, text: &str) -> Vec<(Batch, Verdict)> {
    match crate::batch::parse_file(text.as_bytes(), &PLAN, &UNITS, now()) {
        Ok(list) => list
            .into_iter()
            .map(|b| {
                let v = held.import(&b, &na_ri(), &UNITS, at(0));
                (b, v)
            })
            .collect(),
        Err(_) => vec![],
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn any_order_and_any_duplication_end_in_the_same_state(
        steps in prop::collection::vec(step(), 1..40),
        order in prop::collection::vec(any::<u32>(), 60),
        dups in prop::collection::vec(any::<prop::sample::Index>(), 0..6),
    ) {
        let batches = history(&steps);
        // Every batch survives its own file round trip through the parser.
        for b in &batches {
            prop_assert_eq!(&parse(b.to_json().as_bytes(), &PLAN, &UNITS, now()).unwrap(), b);
        }
        let mut in_order = Received::default();
        for b in &batches {
            prop_assert!(matches!(in_order.import(b, &na_ri(), &UNITS, at(0)), Verdict::Accepted(_)));
        }
        prop_assert_eq!(&in_order.records, &expected(&batches));
        prop_assert_eq!(&in_order.entries, &expected_entries(&batches));

        // The same files, bundles (genuine and forged) included, in
        // order and then shuffled with duplicates: the same state.
        let files = files(&batches);
        let mut reference = Received::default();
        for f in &files {
            import_file(&mut reference, f);
        }
        prop_assert_eq!(&reference.records, &in_order.records, "a genuine bundle adds nothing new");
        let mut shuffled: Vec<&String> = files.iter().collect();
        for i in &dups {
            shuffled.push(&files[i.index(files.len())]);
        }
        let mut keyed: Vec<(u32, usize, &String)> = shuffled
            .into_iter()
            .enumerate()
            .map(|(i, f)| (order[i % order.len()], i, f))
            .collect();
        keyed.sort_by_key(|(k, i, _)| (*k, *i));
        let mut other = Received::default();
        // What a receiver stores: one entry per applied batch.
        let mut stored = Vec::new();
        for (_, _, f) in &keyed {
            for (b, v) in import_file(&mut other, f) {
                if let Verdict::Accepted(c) = v {
                    let entry = AppliedBatch::new(&b, &c, at(0), None);
                    stored.push((entry.receipt.id(), crate::storage::encode_received(&entry)));
                }
            }
        }
        prop_assert_eq!(&other.records, &reference.records);
        prop_assert_eq!(&other.entries, &reference.entries);
        prop_assert_eq!(&reference.entries, &in_order.entries, "nor to the unit entries");
        // When each record first arrived does not depend on the order either.
        prop_assert_eq!(&other.delivered, &reference.delivered);
        // Read back in another order (a store lists by key), the entries
        // make the same state.
        stored.sort();
        let reread = Received::from_entries(
            stored.iter().map(|(k, t)| crate::storage::decode_received(k, t).unwrap()),
        );
        prop_assert_eq!(&reread, &other);
        prop_assert_eq!(other.receipts.keys().collect::<Vec<_>>(), reference.receipts.keys().collect::<Vec<_>>());

        // Importing everything again changes nothing.
        let before = other.clone();
        for f in &files {
            for (_, v) in import_file(&mut other, f) {
                prop_assert_eq!(v, Verdict::AlreadyImported);
            }
        }
        prop_assert_eq!(other, before);
    }
}

#[test]
fn combine_keeps_one_newest_version_per_unit_and_id() {
    let mut held = Received::default();
    let r = record(1, DONG_XA, "dev-a", 0);
    let newer = r.edit(fields("Mới hơn"), &by("dev-a", 5));
    held.import(
        &batch_of(DONG_XA, "dev-a", 1, vec![newer.clone()]),
        &na_ri(),
        &UNITS,
        at(700),
    );
    // The same id in another unit is another record.
    let other = record(1, NA_RI, "dev-h", 0);
    let own = [r.clone(), other.clone()];
    let mut all = combine(&own, &held);
    all.sort_by_key(|a| RecordKey::of(a));
    assert_eq!(all.len(), 2);
    assert!(
        all.contains(&&newer),
        "the received version is newer than the own copy"
    );
    assert!(all.contains(&&other));
    // The own version wins when it is the newer one.
    let newest = newer.edit(fields("Mới nhất"), &by("dev-a", 9));
    assert!(combine([&newest], &held).contains(&&newest));
}
