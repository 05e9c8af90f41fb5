use super::*;
use crate::batch::{backup, parse, Outbox};
use crate::fixtures::*;
use proptest::prelude::*;

fn na_ri() -> Scope {
    Scope::District(NA_RI.into())
}

fn batch_of(unit: &str, device: &str, seq: u64, records: Vec<Activity>) -> Batch {
    Batch::seal(
        &header(unit, device, 600 + seq as i64),
        BatchKind::Changes,
        seq,
        records,
    )
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
    assert_eq!(held.records[&r2.id], r2a);
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
        assert!(held.records[&r.id].deleted);
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

    // Văn Vũ claims a record id Đổng Xá already holds.
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
    let before = held.clone();
    let v = held.import(
        &batch_of(VAN_VU, "dev-v", 1, vec![fresh, theirs]),
        &na_ri(),
        &UNITS,
        at(701),
    );
    assert!(matches!(
        v,
        Verdict::Refused(Refusal::RecordOfOtherUnit { .. })
    ));
    assert_eq!(held, before, "nothing of a refused batch is applied");
}

#[test]
fn backups_are_imported_idempotently_beside_numbered_batches() {
    let recs = vec![
        record(1, DONG_XA, "dev-a", 0),
        record(2, DONG_XA, "dev-a", 1),
    ];
    let b = backup(&recs, &header(DONG_XA, "dev-a", 50));
    let later = backup(&recs, &header(DONG_XA, "dev-a", 90));
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
    assert_eq!(g[0].missing, vec![4, 6]);
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
        .starts_with("Xã Đổng Xá (thiết bị dev-b): thiếu lô số 1, 2"));
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
}

fn step() -> impl Strategy<Value = Step> {
    (0usize..4, 0u8..4, any::<bool>(), prop::bool::weighted(0.3)).prop_map(
        |(device, record, delete, seal)| Step {
            device,
            record,
            delete,
            seal,
        },
    )
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
    let mut outboxes: Vec<Outbox> = (0..4).map(|d| Outbox::new(unit_of(d))).collect();
    let mut batches = vec![];
    let mut seal = |d: usize, t: i64, stores: &Vec<Vec<Activity>>, outboxes: &mut Vec<Outbox>| {
        if let Some((b, next)) =
            outboxes[d].seal_next(&stores[d], &header(unit_of(d), DEVICES[d], t))
        {
            outboxes[d] = next;
            batches.push(b);
        }
    };
    for (t, s) in steps.iter().enumerate() {
        let t = t as i64 + 1;
        let d = s.device;
        let n = s.record + if d < 2 { 0 } else { 100 };
        let who = by(DEVICES[d], t);
        let store = &mut stores[d];
        match store
            .iter_mut()
            .find(|r| r.id == crate::activity::new_id([n; 16]))
        {
            None => {
                let mut r = record(n, unit_of(d), DEVICES[d], t);
                r.fields.title = format!("Tạo {n} trên {}", DEVICES[d]);
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
        if s.seal {
            seal(d, t, &stores, &mut outboxes);
        }
    }
    for d in 0..4 {
        seal(d, steps.len() as i64 + 10, &stores, &mut outboxes);
    }
    batches
}

/// The expected end state: per record, the greatest version in any batch.
fn expected(batches: &[Batch]) -> HashMap<Uuid, Activity> {
    let mut m: HashMap<Uuid, Activity> = HashMap::new();
    for r in batches.iter().flat_map(|b| &b.records) {
        match m.get(&r.id) {
            Some(cur) if cur.version_cmp(r).is_ge() => {}
            _ => {
                m.insert(r.id, r.clone());
            }
        }
    }
    m
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

        let mut shuffled: Vec<&Batch> = batches.iter().collect();
        for i in &dups {
            if !batches.is_empty() {
                shuffled.push(&batches[i.index(batches.len())]);
            }
        }
        let mut keyed: Vec<(u32, usize, &Batch)> = shuffled
            .into_iter()
            .enumerate()
            .map(|(i, b)| (order[i % order.len()], i, b))
            .collect();
        keyed.sort_by_key(|(k, i, _)| (*k, *i));
        let mut other = Received::default();
        // What a receiver stores: one entry per applied batch.
        let mut stored = Vec::new();
        for (_, _, b) in &keyed {
            if let Verdict::Accepted(c) = other.import(b, &na_ri(), &UNITS, at(0)) {
                let entry = AppliedBatch::new(b, &c, at(0));
                stored.push((entry.receipt.id(), crate::storage::encode_received(&entry)));
            }
        }
        prop_assert_eq!(&other.records, &in_order.records);
        // When each record first arrived does not depend on the order either.
        prop_assert_eq!(&other.delivered, &in_order.delivered);
        // Read back in another order (a store lists by key), the entries
        // make the same state.
        stored.sort();
        let reread = Received::from_entries(
            stored.iter().map(|(k, t)| crate::storage::decode_received(k, t).unwrap()),
        );
        prop_assert_eq!(&reread, &other);
        prop_assert_eq!(other.receipts.keys().collect::<Vec<_>>(), in_order.receipts.keys().collect::<Vec<_>>());

        // Importing everything again changes nothing.
        let before = other.clone();
        for b in &batches {
            prop_assert_eq!(other.import(b, &na_ri(), &UNITS, at(5)), Verdict::AlreadyImported);
        }
        prop_assert_eq!(other, before);
    }
}
