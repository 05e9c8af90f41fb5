//! The storage layer in a real browser (wasm-bindgen-test, headless Chromium):
//! both backends, corruption, legacy migration, conflicts and quota errors.

use chrono::{NaiveDate, TimeZone, Utc};
use gloo_storage::{LocalStorage, Storage};
use papi_core::activity::new_id;
use papi_core::apply::Applied;
use papi_core::record::Field;
use papi_core::{Activity, ActivityFields, Author, Status};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

use super::legacy::{V1_BACKUP_KEY, V1_KEY};
use super::*;

wasm_bindgen_test_configure!(run_in_browser);

fn rec(n: u8, title: &str) -> Activity {
    let by = Author {
        name: "Lưu Thị Hoa",
        device_id: "test",
        now: Utc.with_ymd_and_hms(2020, 6, 1, 9, 0, n as u32).unwrap(),
    };
    Activity::create(
        new_id([n; 16]),
        "01840",
        ActivityFields::new(
            "2.3-1",
            NaiveDate::from_ymd_opt(2020, 5, 1 + n as u32 % 28).unwrap(),
            title,
            Status::Done,
        )
        .with(Field::DESCRIPTION, "Niêm yết tại trụ sở")
        .with(Field::EVIDENCE, &format!("TB {n}")),
        &by,
    )
}

fn later(s: u32) -> Author<'static> {
    Author {
        name: "Tab",
        device_id: "test",
        now: Utc.with_ymd_and_hms(2020, 6, 2, 9, 0, s).unwrap(),
    }
}

async fn fresh_idb(name: &str) -> Backend {
    let f = idb::Factory::new().unwrap();
    let _ = f.delete(name).unwrap().await;
    Backend::Idb(IdbStore::open_named(name).await.expect("open IndexedDB"))
}

fn clear_local() {
    LocalStorage::clear();
}

async fn backends(tag: &str) -> Vec<Backend> {
    clear_local();
    vec![
        fresh_idb(&format!("papi-test-{tag}")).await,
        Backend::Local(LocalStore),
    ]
}

#[wasm_bindgen_test]
async fn saves_and_loads_one_entry_per_record() {
    for b in backends("roundtrip").await {
        for n in 1..=3 {
            assert_eq!(b.save(&rec(n, "Hoạt động"), None).await, Ok(Saved::Written));
        }
        let edited = rec(2, "x").edit(rec(2, "Đã sửa").fields, &later(1));
        assert_eq!(b.save(&edited, Some(1)).await, Ok(Saved::Written));
        let loaded = b.load_all().await.unwrap();
        assert_eq!(loaded.records.len(), 3, "{}", b.label_vi());
        assert!(loaded.set_aside.is_empty());
        let two = b.get(&rec(2, "").id.to_string()).await.unwrap().unwrap();
        assert_eq!((two.fields.title(), two.revision), ("Đã sửa", 2));
        // Replaying an older version is a no-op, never a downgrade.
        assert_eq!(b.save(&rec(2, "cũ"), None).await, Ok(Saved::AlreadyCurrent));
        clear_local();
    }
}

#[wasm_bindgen_test]
async fn a_stale_edit_from_another_tab_is_refused() {
    for b in backends("conflict").await {
        let base = rec(5, "Gốc");
        b.save(&base, None).await.unwrap();
        let tab1 = base.edit(base.fields.clone().with(Field::TITLE, "Tab 1"), &later(1));
        let tab2 = base.edit(base.fields.clone().with(Field::TITLE, "Tab 2"), &later(2));
        assert_eq!(b.save(&tab1, Some(1)).await, Ok(Saved::Written));
        match b.save(&tab2, Some(1)).await {
            Err(StoreError::Conflict(cur)) => assert_eq!(cur.fields.title(), "Tab 1"),
            other => panic!("{}: expected a conflict, got {other:?}", b.label_vi()),
        }
        let kept = b.get(&base.id.to_string()).await.unwrap().unwrap();
        assert_eq!(kept.fields.title(), "Tab 1", "tab 1's update is not lost");
        clear_local();
    }
}

#[wasm_bindgen_test]
async fn corrupted_entries_are_set_aside_and_the_rest_kept() {
    // IndexedDB: a non-JSON entry and a JSON entry of the wrong shape.
    let b = fresh_idb("papi-test-corrupt").await;
    for n in 1..=3 {
        b.save(&rec(n, "Tốt"), None).await.unwrap();
    }
    put_raw(&b, "bad-1", "{hỏng").await;
    put_raw(&b, "bad-2", "{\"schema\":2,\"record\":{\"id\":5}}").await;
    let loaded = b.load_all().await.unwrap();
    assert_eq!(loaded.records.len(), 3);
    let keys: Vec<_> = loaded.set_aside.iter().map(|s| s.key.as_str()).collect();
    assert_eq!(keys, vec!["bad-1", "bad-2"]);
    assert!(loaded.set_aside[0].reason.contains("JSON"));
    // Set aside, not lost: the raw text is kept; the next load is clean.
    let again = b.load_all().await.unwrap();
    assert_eq!((again.records.len(), again.set_aside.len()), (3, 0));
    assert!(aside_text(&b, "bad-1").await.contains("{hỏng"));

    // localStorage backend.
    clear_local();
    let l = Backend::Local(LocalStore);
    l.save(&rec(1, "Tốt"), None).await.unwrap();
    LocalStorage::raw()
        .set_item("papi-tracker.r.zzz", "not json")
        .unwrap();
    let loaded = l.load_all().await.unwrap();
    assert_eq!((loaded.records.len(), loaded.set_aside.len()), (1, 1));
    assert!(LocalStorage::raw()
        .get_item("papi-tracker.set-aside.zzz")
        .unwrap()
        .unwrap()
        .contains("not json"));
    clear_local();
}

#[wasm_bindgen_test]
async fn data_of_the_previous_layout_is_read_by_this_one() {
    clear_local();
    let b = fresh_idb("papi-test-legacy").await;
    // Exactly what the schema-1 prototype wrote: one array, `result` field.
    let v1 = r#"[
      {"id":"0a0a0a0a-0a0a-4a0a-8a0a-0a0a0a0a0a0a","unit_code":"01840","task_id":"1.1-1","date":"2020-04-02","title":"Tuyên truyền pháp luật","description":"","participants":"Nhân dân thôn Nà Cù","result":"BC 3","status":"done","author":"Cũ","created_at":"2020-04-02T08:00:00Z"},
      {"title":"thiếu mã"}
    ]"#;
    LocalStorage::raw().set_item(V1_KEY, v1).unwrap();
    let loaded = b.load_all().await.unwrap();
    assert_eq!(loaded.migrated, 1);
    assert_eq!(loaded.records.len(), 1);
    assert_eq!(loaded.records[0].fields.text(Field::EVIDENCE), "BC 3");
    assert_eq!(loaded.set_aside.len(), 1, "the bad element is reported");
    assert!(LocalStorage::raw().get_item(V1_KEY).unwrap().is_none());
    assert_eq!(
        LocalStorage::raw()
            .get_item(V1_BACKUP_KEY)
            .unwrap()
            .as_deref(),
        Some(v1),
        "old data kept as a backup"
    );
    // A second start does not migrate again or duplicate anything.
    let again = b.load_all().await.unwrap();
    assert_eq!((again.migrated, again.records.len()), (0, 1));
    clear_local();
}

#[wasm_bindgen_test]
async fn a_full_store_reports_quota_and_stores_nothing() {
    let b = fresh_idb("papi-test-quota").await;
    b.save(&rec(1, "Có sẵn"), None).await.unwrap();
    let patch = js_sys::Function::new_no_args(
        "const p = IDBObjectStore.prototype; globalThis.__put = p.put; \
         p.put = function () { throw new DOMException('full', 'QuotaExceededError'); };",
    );
    let unpatch = js_sys::Function::new_no_args("IDBObjectStore.prototype.put = globalThis.__put;");
    patch.call0(&JsValue::NULL).unwrap();
    let result = b.save(&rec(2, "Mới"), None).await;
    unpatch.call0(&JsValue::NULL).unwrap();
    assert_eq!(result, Err(StoreError::Quota));
    assert!(StoreError::Quota.message_vi().contains("Xuất dữ liệu"));
    let loaded = b.load_all().await.unwrap();
    assert_eq!(loaded.records.len(), 1, "what was stored is untouched");
}

/// The stored text of an entry set aside under `key` (IndexedDB).
async fn aside_text(b: &Backend, key: &str) -> String {
    let Backend::Idb(s) = b else { unreachable!() };
    let tx = s
        .db_for_tests()
        .transaction(&["set_aside"], idb::TransactionMode::ReadOnly)
        .unwrap();
    let v = tx
        .object_store("set_aside")
        .unwrap()
        .get(JsValue::from_str(key))
        .unwrap()
        .await
        .unwrap();
    v.and_then(|v| v.as_string()).expect("an entry set aside")
}

/// Put raw text under a key of the IndexedDB records store.
async fn put_raw(b: &Backend, key: &str, text: &str) {
    let Backend::Idb(s) = b else { unreachable!() };
    put_raw_in(s, "records", key, text).await;
}

#[wasm_bindgen_test]
async fn a_newer_releases_entry_is_never_overwritten_nor_moved() {
    clear_local();
    let b = fresh_idb("papi-test-future").await;
    let r = rec(7, "Cũ");
    let future = format!(
        r#"{{"schema":{},"record":{{"anything":"new"}}}}"#,
        papi_core::storage::SCHEMA + 1
    );
    let future = future.as_str();
    put_raw(&b, &r.id.to_string(), future).await;
    match b.save(&r, None).await {
        Err(StoreError::Failed(m)) => assert!(m.contains("phiên bản mới hơn"), "{m}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    let loaded = b.load_all().await.unwrap();
    assert_eq!(loaded.records.len(), 0);
    assert_eq!(loaded.set_aside.len(), 1, "reported");
    // Still in place for the newer release to read.
    let again = b.load_all().await.unwrap();
    assert_eq!(again.set_aside.len(), 1);
    // Same in the localStorage backend.
    let l = Backend::Local(LocalStore);
    LocalStorage::raw()
        .set_item(&format!("papi-tracker.r.{}", r.id), future)
        .unwrap();
    assert!(matches!(l.save(&r, None).await, Err(StoreError::Failed(_))));
    assert_eq!(
        LocalStorage::raw()
            .get_item(&format!("papi-tracker.r.{}", r.id))
            .unwrap()
            .as_deref(),
        Some(future)
    );
    clear_local();
}

#[wasm_bindgen_test]
async fn saving_over_a_corrupted_entry_keeps_the_old_bytes_aside() {
    clear_local();
    let b = fresh_idb("papi-test-overwrite").await;
    let r = rec(8, "Mới");
    put_raw(&b, &r.id.to_string(), "{hỏng").await;
    assert_eq!(b.save(&r, None).await, Ok(Saved::Written));
    assert!(aside_text(&b, &r.id.to_string()).await.contains("{hỏng"));
    assert_eq!(
        b.get(&r.id.to_string())
            .await
            .unwrap()
            .unwrap()
            .fields
            .title(),
        "Mới"
    );
}

#[wasm_bindgen_test]
async fn records_saved_in_the_fallback_move_into_indexeddb() {
    clear_local();
    let l = Backend::Local(LocalStore);
    l.save(&rec(9, "Lưu khi không có IndexedDB"), None)
        .await
        .unwrap();
    let b = fresh_idb("papi-test-fallback").await;
    let loaded = b.load_all().await.unwrap();
    assert_eq!(loaded.records.len(), 1);
    assert_eq!(loaded.migrated, 1);
    assert!(LocalStorage::raw()
        .get_item(&format!("papi-tracker.r.{}", rec(9, "").id))
        .unwrap()
        .is_none());
    assert_eq!(b.load_all().await.unwrap().migrated, 0, "moved once");
    clear_local();
}

fn header<'a>(unit: &'a str, plan: &'a papi_core::Plan) -> papi_core::batch::Header<'a> {
    papi_core::batch::Header {
        plan,
        units: "bac-kan-2020",
        unit_code: unit,
        device_id: "test",
        created_at: Utc.with_ymd_and_hms(2020, 6, 3, 9, 0, 0).unwrap(),
        signer: "test",
    }
}

#[wasm_bindgen_test]
async fn sealing_numbers_batches_once_even_with_two_tabs() {
    use papi_core::batch::Outbox;
    let plan = papi_core::Plan::from_json(papi_core::BAC_KAN_124_2020).unwrap();
    let b = fresh_idb("papi-test-seal").await;
    let idb = b.idb().unwrap();
    let recs = vec![rec(1, "Một"), rec(2, "Hai")];
    let (start, rebuilt) = idb.outbox("01840").await.unwrap();
    assert_eq!(rebuilt, None);
    assert_eq!(start, Outbox::new("01840"));
    let (b1, next) = start
        .seal_next(
            papi_core::batch::Holding::records(&recs),
            &header("01840", &plan),
        )
        .unwrap();
    let stored = idb.seal(&start, &b1, &next).await.unwrap();
    assert_eq!((stored.seq, stored.records), (1, 2));
    // A second tab that read the outbox before the seal cannot reuse number 1.
    let again = idb.seal(&start, &b1, &next).await;
    assert!(matches!(again, Err(StoreError::Failed(_))), "{again:?}");
    assert_eq!(idb.outbox("01840").await.unwrap().0, next);
    let (list, unreadable) = idb.batches("01840").await.unwrap();
    assert!(unreadable.is_empty());
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].text, b1.to_json(), "the file is kept byte for byte");
    // Bookkeeping changes; the text never does.
    let updated = idb
        .update_batch("01840", 1, |s| {
            s.downloads += 1;
            s.text = "tampered".into();
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (updated.downloads, updated.text.as_str()),
        (1, b1.to_json().as_str())
    );
    // Other units' batches are not listed.
    assert!(idb.batches("0184").await.unwrap().0.is_empty());
    // The fallback store says what it cannot do.
    assert!(Backend::Local(LocalStore).idb().is_err());
}

#[wasm_bindgen_test]
async fn a_batch_is_applied_whole_once_and_never_over_a_newer_version() {
    use papi_core::merge::{AppliedBatch, Changes};
    let plan = papi_core::Plan::from_json(papi_core::BAC_KAN_124_2020).unwrap();
    let b = fresh_idb("papi-test-apply").await;
    let idb = b.idb().unwrap();
    let one = rec(1, "Một");
    let newer = one.edit(rec(1, "Một (sửa)").fields, &later(5));
    let at = Utc.with_ymd_and_hms(2020, 6, 4, 9, 0, 0).unwrap();
    let entry = |unit: &str, recs: Vec<Activity>, seq| {
        let b = papi_core::batch::Batch::seal(
            &header(unit, &plan),
            papi_core::batch::BatchKind::Changes,
            seq,
            recs.clone(),
        );
        let c = Changes {
            writes: recs,
            ..Default::default()
        };
        AppliedBatch::new(&b, &c, at, None)
    };
    let (empty, _) = idb.load_received().await.unwrap();
    assert_eq!(empty, Default::default());
    assert_eq!(idb.received_seen(), Some(0));
    // Batch 2 (the edit) arrives first, then batch 1 (the original).
    let e2 = entry("01840", vec![newer.clone()], 2);
    assert_eq!(idb.apply_batch(&e2, 0).await.unwrap(), Applied::Written(1));
    let e1 = entry("01840", vec![one.clone(), rec(2, "Hai")], 1);
    assert_eq!(idb.apply_batch(&e1, 1).await.unwrap(), Applied::Written(2));
    let (held, bad) = idb.load_received().await.unwrap();
    assert!(bad.is_empty());
    assert_eq!(held.records.len(), 2);
    assert_eq!(
        held.records[&papi_core::merge::RecordKey::of(&one)]
            .fields
            .title(),
        "Một (sửa)",
        "the older version read back later does not win"
    );
    assert_eq!(held.receipts.len(), 2);
    // The same batch again; the same number with other content.
    assert_eq!(idb.apply_batch(&e1, 2).await.unwrap(), Applied::Duplicate);
    let other = entry("01840", vec![rec(3, "Ba")], 1);
    assert_eq!(
        idb.apply_batch(&other, 2).await.unwrap(),
        Applied::SeqConflict {
            kept: e1.receipt.sha256.clone()
        }
    );

    // Another tab applies a batch: this tab's dry run is stale and nothing
    // of its batch is written.
    let tab2 = IdbStore::open_named("papi-test-apply").await.unwrap();
    tab2.load_received().await.unwrap();
    let e3 = entry("01840", vec![rec(4, "Bốn")], 3);
    assert_eq!(tab2.apply_batch(&e3, 2).await.unwrap(), Applied::Written(1));
    let e4 = entry("01840", vec![rec(5, "Năm")], 4);
    assert_eq!(idb.apply_batch(&e4, 2).await.unwrap(), Applied::Stale);
    let (after, _) = idb.load_received().await.unwrap();
    assert_eq!(after.records.len(), 3);
    assert!(!after.receipts.contains_key(&e4.receipt.id()));
    // Read again, the store's state is the basis: now it applies.
    assert_eq!(idb.received_seen(), Some(3));
    assert_eq!(idb.apply_batch(&e4, 3).await.unwrap(), Applied::Written(1));

    // An unreadable entry is listed, left in place, and hides nothing else.
    let tx = idb
        .db_for_tests()
        .transaction(&["received"], idb::TransactionMode::ReadWrite)
        .unwrap();
    tx.object_store("received")
        .unwrap()
        .put(
            &JsValue::from_str("{hỏng"),
            Some(&JsValue::from_str("01840/x/9")),
        )
        .unwrap()
        .await
        .unwrap();
    tx.await.unwrap();
    let (last, bad) = idb.load_received().await.unwrap();
    assert_eq!(last.records.len(), 4);
    assert_eq!(bad.len(), 1);
    assert!(bad[0].key.ends_with("01840/x/9") && bad[0].reason.contains("JSON"));
    assert_eq!(idb.received_seen(), Some(5), "the unreadable entry counts");
    assert_eq!(
        idb.apply_batch(&entry("01840", vec![rec(6, "Sáu")], 5), 5)
            .await
            .unwrap(),
        Applied::Written(1)
    );
    // The batches of one file (a bundle) go in one transaction, each
    // decided on its own.
    let seven = entry("01840", vec![rec(7, "Bảy")], 7);
    let results = idb
        .apply_batches(
            &[
                seven.clone(),
                e1.clone(),
                entry("01843", vec![rec(8, "Tám")], 1),
            ],
            6,
        )
        .await
        .unwrap();
    assert_eq!(
        results,
        vec![Applied::Written(1), Applied::Duplicate, Applied::Written(1)]
    );
    assert_eq!(idb.received_seen(), Some(8));
    // Against a stale count, nothing of the file is written.
    let results = idb
        .apply_batches(&[entry("01840", vec![rec(9, "Chín")], 9), seven], 7)
        .await
        .unwrap();
    assert_eq!(results, vec![Applied::Stale, Applied::Stale]);
    let (last, _) = idb.load_received().await.unwrap();
    assert_eq!(last.records.len(), 7);
}

/// Entries are stored as UTF-8 bytes; those an earlier release stored as
/// JSON strings still read, and still count as held.
#[wasm_bindgen_test]
async fn received_entries_stored_as_strings_by_an_earlier_release_still_read() {
    use papi_core::merge::{AppliedBatch, Changes};
    let plan = papi_core::Plan::from_json(papi_core::BAC_KAN_124_2020).unwrap();
    let b = fresh_idb("papi-test-received-text").await;
    let idb = b.idb().unwrap();
    let at = Utc.with_ymd_and_hms(2020, 6, 4, 9, 0, 0).unwrap();
    let entry = |seq, r: Activity| {
        let b = papi_core::batch::Batch::seal(
            &header("01840", &plan),
            papi_core::batch::BatchKind::Changes,
            seq,
            vec![r.clone()],
        );
        let c = Changes {
            writes: vec![r],
            ..Default::default()
        };
        AppliedBatch::new(&b, &c, at, None)
    };
    let old = entry(1, rec(1, "Một"));
    let text = papi_core::storage::encode_received(&old);
    put_raw_in(idb, "received", &old.receipt.id(), &text).await;
    let (held, bad) = idb.load_received().await.unwrap();
    assert!(bad.is_empty(), "{bad:?}");
    assert_eq!(held.records.len(), 1);
    assert_eq!(idb.apply_batch(&old, 1).await.unwrap(), Applied::Duplicate);
    // A new one is written as bytes, and both read back.
    assert_eq!(
        idb.apply_batch(&entry(2, rec(2, "Hai")), 1).await.unwrap(),
        Applied::Written(1)
    );
    let tx = idb
        .db_for_tests()
        .transaction(&["received"], idb::TransactionMode::ReadOnly)
        .unwrap();
    let stored = tx
        .object_store("received")
        .unwrap()
        .get(JsValue::from_str("01840/test/2"))
        .unwrap()
        .await
        .unwrap()
        .unwrap();
    assert!(wasm_bindgen::JsCast::is_instance_of::<js_sys::Uint8Array>(
        &stored
    ));
    let (held, bad) = idb.load_received().await.unwrap();
    assert!(bad.is_empty(), "{bad:?}");
    assert_eq!(held.records.len(), 2);
}

/// Put raw text under a key of any IndexedDB store.
async fn put_raw_in(idb: &IdbStore, store: &str, key: &str, text: &str) {
    let tx = idb
        .db_for_tests()
        .transaction(&[store], idb::TransactionMode::ReadWrite)
        .unwrap();
    tx.object_store(store)
        .unwrap()
        .put(&JsValue::from_str(text), Some(&JsValue::from_str(key)))
        .unwrap()
        .await
        .unwrap();
    tx.await.unwrap();
}

#[wasm_bindgen_test]
async fn a_corrupted_outbox_or_batch_never_blocks_sealing_nor_vanishes() {
    let plan = papi_core::Plan::from_json(papi_core::BAC_KAN_124_2020).unwrap();
    let b = fresh_idb("papi-test-faults").await;
    let idb = b.idb().unwrap();
    let recs = vec![rec(1, "Một"), rec(2, "Hai")];
    // Two batches sealed, then the second one's entry and the outbox are
    // damaged, and a garbage entry sits among the received ones.
    let (o0, _) = idb.outbox("01840").await.unwrap();
    let (b1, o1) = o0
        .seal_next(
            papi_core::batch::Holding::records(&recs[..1]),
            &header("01840", &plan),
        )
        .unwrap();
    idb.seal(&o0, &b1, &o1).await.unwrap();
    let (b2, o2) = o1
        .seal_next(
            papi_core::batch::Holding::records(&recs),
            &header("01840", &plan),
        )
        .unwrap();
    idb.seal(&o1, &b2, &o2).await.unwrap();
    put_raw_in(idb, "batches", "01840/0000000002", "{\"unit_code\":").await;
    put_raw_in(idb, "outbox", "01840", "{\"unit_code\":\"01840\",\"next_s").await;
    put_raw_in(idb, "received", "01843/x/1", "rác").await;

    // The unreadable batch is listed, not dropped.
    let (list, unreadable) = idb.batches("01840").await.unwrap();
    assert_eq!(list.iter().map(|b| b.seq).collect::<Vec<_>>(), vec![1]);
    assert_eq!(unreadable.len(), 1);
    assert_eq!(unreadable[0].kind, EntryKind::Batch);
    assert_eq!(unreadable[0].key, "batches/01840/0000000002");
    assert_eq!(unreadable[0].raw, "{\"unit_code\":");

    // The outbox is rebuilt past every number held (2, though its entry is
    // unreadable), and the damaged one is kept aside and reported.
    let (rebuilt, fault) = idb.outbox("01840").await.unwrap();
    assert_eq!(rebuilt.next_seq, 3);
    assert!(rebuilt.sealed.is_empty());
    let fault = fault.expect("reported");
    assert_eq!(
        (fault.kind, fault.key.as_str()),
        (EntryKind::Outbox, "outbox/01840")
    );
    assert!(fault.raw.contains("next_s"));
    assert!(fault.reason.contains("số 3"), "{}", fault.reason);
    // Read again: the rebuilt one is stored, nothing more to report.
    assert_eq!(idb.outbox("01840").await.unwrap(), (rebuilt.clone(), None));

    // Sealing goes on with number 3, and re-seals every record.
    let (b3, o3) = rebuilt
        .seal_next(
            papi_core::batch::Holding::records(&recs),
            &header("01840", &plan),
        )
        .unwrap();
    assert_eq!((b3.seq, b3.records.len()), (3, 2));
    idb.seal(&rebuilt, &b3, &o3).await.unwrap();
    assert_eq!(idb.outbox("01840").await.unwrap().0.next_seq, 4);

    // The report survives a reload: the outbox copy in the set-aside store;
    // the received entry, left in place, found by every read.
    let known = idb.set_aside_entries().await.unwrap();
    let outbox = known
        .iter()
        .find(|f| f.key == "outbox/01840")
        .expect("kept");
    assert_eq!(outbox.kind, EntryKind::Outbox);
    assert!(outbox.raw.contains("next_s"));
    let (_, bad) = idb.load_received().await.unwrap();
    assert_eq!(bad.len(), 1);
    assert_eq!(
        (bad[0].kind, bad[0].key.as_str(), bad[0].raw.as_str()),
        (EntryKind::Received, "received/01843/x/1", "rác")
    );
}
