// Batches as people use them: a commune seals and downloads batches, keeps a
// history, backs up and restores; a district imports many files in any order
// and as often as it likes, and every bad file is refused with its reason.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import {
  FORMAT_VERSION, ROOT, applyImport, freePort, download, exportBatch, hashOf, idbPut, importFiles, receivedCounts, recordActivity, reseal, serverAndBrowser,
  signatureHolds, trustDevices,
  seriousViolations, setupCommune, setupDistrict, waitForTitles, watchErrors,
} from './helpers.mjs';

const env = serverAndBrowser();
const ajv = new Ajv2020({ allErrors: true });
addFormats(ajv);
// The schema's own format: text in Unicode normalisation form C.
ajv.addFormat('nfc', (s) => s === s.normalize('NFC'));
const validBatch = ajv.compile(JSON.parse(readFileSync(join(ROOT, 'docs/batch.schema.json'), 'utf8')));
function assertSchema(batch) {
  assert.ok(validBatch(batch), JSON.stringify(validBatch.errors));
}
const DONG_XA = { district: '066', commune: '02194', name: 'Hoàng Văn Đức' };
const VAN_VU = { district: '066', commune: '02137', name: 'Triệu Thị Mai' };

async function freshPage({ serviceWorkers = 'allow' } = {}) {
  const context = await env.browser.newContext({ viewport: { width: 1366, height: 768 }, timezoneId: 'Asia/Ho_Chi_Minh', serviceWorkers });
  const page = await context.newPage();
  await page.goto(env.server.url);
  return { context, page };
}

/** A commune that records activities and exports them as batches. */
async function communeWithBatches(who, rounds) {
  const { context, page } = await freshPage();
  await setupCommune(page, who);
  const files = [];
  for (const titles of rounds) {
    for (const title of titles) {
      await page.click('nav.tabs button:has-text("Nhiệm vụ")');
      await recordActivity(page, '2.3-1', { title, date: '15/04/2020' });
    }
    files.push(await exportBatch(page));
  }
  return { context, page, files };
}

test('a commune seals numbered batches, keeps their history and downloads them again byte for byte', async () => {
  const { context, page } = await freshPage();
  const errors = watchErrors(page);
  await setupCommune(page, DONG_XA);
  await page.click('nav.tabs button:has-text("Lô dữ liệu")');
  assert.equal(await page.innerText('[data-testid=pending]'), 'Mọi thay đổi đã được xuất lô.');
  assert.equal(await page.isDisabled('[data-testid=export-batch]'), true);

  await page.click('nav.tabs button:has-text("Nhiệm vụ")');
  await recordActivity(page, '2.3-1', { title: 'Niêm yết dự toán', date: '15/04/2020' });
  await recordActivity(page, '1.1-1', { title: 'Tuyên truyền Luật Tiếp cận thông tin', date: '16/04/2020' });
  await page.click('nav.tabs button:has-text("Lô dữ liệu")');
  assert.equal(await page.innerText('[data-testid=pending]'), 'Có 2 thay đổi chưa xuất lô.');
  const first = await exportBatch(page);
  const b1 = JSON.parse(first.text);
  // Named by the day in Vietnam (UTC+7) when it was sealed.
  const ymd = new Date(Date.parse(b1.created_at) + 7 * 3600e3).toISOString().slice(0, 10).replaceAll('-', '');
  assert.equal(first.name, `papi-02194-1-${ymd}.json`);
  assert.equal(b1.format, 'papi-tracker.batch');
  assert.deepEqual([b1.unit_code, b1.seq, b1.kind, b1.records.length], ['02194', 1, 'changes', 2]);
  assert.equal(await hashOf(b1), b1.sha256, 'the hash is SHA-256 of the documented canonical form');
  assert.ok(await signatureHolds(b1), 'the signature verifies with Node alone, as the format document shows');
  assertSchema(b1);
  assert.equal(validBatch({ ...b1, extra: 1 }), false, 'the schema is strict');
  await page.waitForSelector('[data-testid=batch-history] td:has-text("Đã tải xuống (1 lần)")');
  assert.equal(await page.isDisabled('[data-testid=export-batch]'), true);

  // An edit and a delete make batch 2, with the tombstone.
  await page.click('nav.tabs button:has-text("Nhật ký hoạt động")');
  await page.click('li.activity:has-text("Niêm yết") button:has-text("Xóa")');
  await page.waitForSelector('li.activity:has-text("Niêm yết")', { state: 'detached' });
  const second = await exportBatch(page);
  const b2 = JSON.parse(second.text);
  assert.deepEqual([b2.seq, b2.records.length, b2.records[0].deleted], [2, 1, true]);
  assertSchema(b2);

  // After a reload the history is there; batch 1 downloads again unchanged.
  await page.reload();
  await page.click('nav.tabs button:has-text("Lô dữ liệu")');
  await page.waitForSelector('[data-testid=batch-history] tbody tr >> nth=1');
  const rows = await page.$$eval('[data-testid=batch-history] tbody tr', (r) => r.map((x) => x.innerText));
  assert.match(rows[0], /^2\b/);
  assert.match(rows[1], /^1\b/);
  const again = await download(page, () => page.click('[data-testid=batch-history] tbody tr >> nth=1 >> button'));
  assert.equal(again.name, first.name);
  assert.equal(again.text, first.text);
  await page.waitForSelector('[data-testid=batch-history] td:has-text("Đã tải xuống (2 lần)")');
  assert.deepEqual(await seriousViolations(page), []);
  assert.deepEqual(errors, []);
  await context.close();
});

test('two communes, two batches each: the district imports them in reverse order, then one again, and sees each activity once', async () => {
  const a = await communeWithBatches(DONG_XA, [['Đổng Xá 1', 'Đổng Xá 2'], ['Đổng Xá 3']]);
  const b = await communeWithBatches(VAN_VU, [['Văn Vũ 1'], ['Văn Vũ 2', 'Văn Vũ 3']]);
  const files = [...a.files, ...b.files];
  await a.context.close();
  await b.context.close();

  // No service worker: the page's own requests can be held (below).
  const { context, page } = await freshPage({ serviceWorkers: 'block' });
  const errors = watchErrors(page);
  await setupDistrict(page);
  // Only Đổng Xá's second batch first: the gap shows.
  let checks = await importFiles(page, [files[1]]);
  assert.equal(checks[0].state, 'ready');
  assert.match(checks[0].text, /Xã Đổng Xá, lô số 2: sẽ thêm 1, cập nhật 0, giữ nguyên 0, xung đột 0/);
  await applyImport(page);
  assert.deepEqual(await page.$$eval('[data-testid=gaps] li', (l) => l.map((x) => x.textContent)), ['Xã Đổng Xá: thiếu lô số 1']);

  // Then all four, newest first: the one already applied changes nothing.
  checks = await importFiles(page, [...files].reverse());
  assert.deepEqual(checks.map((c) => c.state), ['ready', 'ready', 'same', 'ready']);
  assert.equal(await page.innerText('[data-testid=import-summary]'),
    'Sẽ nhập 3 lô: thêm 5, cập nhật 0, giữ nguyên 0, xung đột 0. Đã nhập trước đó: 1 lô. Bị từ chối: 0 tệp.');
  const summary = await applyImport(page);
  assert.equal(summary, 'Đã nhập 3 lô: thêm 5, cập nhật 0, giữ nguyên 0, xung đột 0. Đã nhập trước đó: 1 lô. Bị từ chối: 0 tệp.');
  assert.equal(await page.locator('[data-testid=gaps]').count(), 0, 'no gap once batch 1 arrived');
  assert.deepEqual(await receivedCounts(page), { '02137': 3, '02194': 3 });

  // One of them again, after a reload: nothing changes. The file is
  // picked before what was received has been read again (its code held
  // on the way): the check waits for it, and does not call the file new.
  let release;
  const held = new Promise((r) => { release = r; });
  await page.route('**/split_received.wasm', async (route) => { await held; await route.continue(); });
  await page.reload();
  await page.click('nav.tabs button:has-text("Nhập lô")');
  await page.setInputFiles('[data-testid=import-files]', [{ name: files[2].name, mimeType: 'application/json', buffer: Buffer.from(files[2].text, 'utf8') }]);
  await page.waitForTimeout(500);
  assert.equal(await page.locator('[data-testid=file-checks] > li').count(), 0, 'no verdict before the received data is read');
  release();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=file-checks] > li').length === 1);
  checks = await page.$$eval('[data-testid=file-checks] > li', (els) => els.map((e) => ({ state: e.dataset.state, text: e.innerText })));
  assert.equal(checks[0].state, 'same');
  assert.equal(await page.isDisabled('[data-testid=apply-import]'), true);
  assert.deepEqual(await receivedCounts(page), { '02137': 3, '02194': 3 });
  await page.click('[data-testid=received-units] tr[data-unit="02194"] button');
  const titles = await page.$$eval('[data-testid=received-activities] .title', (t) => t.map((x) => x.textContent).sort());
  assert.deepEqual(titles, ['Đổng Xá 1', 'Đổng Xá 2', 'Đổng Xá 3']);
  assert.deepEqual(await seriousViolations(page), []);
  assert.deepEqual(errors, []);
  await context.close();
});

test('every kind of bad file is refused with its name and reason, and changes nothing', async () => {
  const c = await communeWithBatches(DONG_XA, [['Hoạt động gốc']]);
  const good = c.files[0];
  await c.context.close();
  const base = JSON.parse(good.text);
  const rec = base.records[0];
  const variant = async (change) => {
    const b = structuredClone(base);
    change(b);
    return JSON.stringify(await reseal(b), null, 1);
  };
  const bad = [
    ['rong.json', ''],
    ['khong-phai-json.json', 'Kính gửi Phòng Nội vụ'],
    ['cat-cut.json', good.text.slice(0, good.text.length / 2)],
    ['dinh-dang-khac.json', JSON.stringify({ format: 'excel-export', rows: [] })],
    ['phien-ban-moi.json', await variant((b) => { b.format_version = FORMAT_VERSION + 1; })],
    ['ke-hoach-khac.json', await variant((b) => { b.plan.id = 'ha-giang-2021'; })],
    ['sua-mot-byte.json', good.text.replace('Hoạt động gốc', 'Hoạt động gộc')],
    ['don-vi-khac.json', await variant((b) => { b.records[0] = { ...rec, unit_code: '02137' }; })],
    ['nhiem-vu-la.json', await variant((b) => { b.records[0] = { ...rec, task_id: '9.9-9' }; })],
    ['ngay-sai.json', await variant((b) => { b.records[0] = { ...rec, date: '2019-01-01' }; })],
    ['xa-huyen-khac.json', await variant((b) => { b.unit_code = '01834'; b.records[0] = { ...rec, unit_code: '01834' }; })],
    ['trung-so-lo.json', await variant((b) => { b.records[0] = { ...rec, title: 'Nội dung khác, cùng số lô' }; })],
    ['tuong-lai.json', await variant((b) => { b.created_at = '2099-01-01T09:00:00.000Z'; })],
  ];
  const big = { name: 'qua-lon.json', buffer: Buffer.alloc(50 * 1000 * 1000, 0x20) };
  // A spreadsheet picked by mistake (an .xlsx is a zip).
  const xlsx = { name: 'bang-tinh.xlsx', buffer: Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]), Buffer.from('[Content_Types].xml')]) };
  // From an old release on another device (unsigned): applied as such.
  const script = await variant((b) => {
    // Version 1 has none of the later versions' fields.
    b.format_version = 1;
    for (const k of ['units', 'signer', 'assessments', 'submissions', 'comments']) delete b[k];
    b.device_id = 'may-phien-ban-cu';
    const { files, ...v1 } = rec;
    b.records[0] = { ...v1, id: '6f1c1f60-8d2e-4a51-9f4e-2b7e3c9d0a11', title: '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>' };
  });

  const { context, page } = await freshPage();
  await setupDistrict(page);
  await importFiles(page, [good]);
  await applyImport(page);
  const before = await receivedCounts(page);
  // From here no file may open a dialog (a script in a title, say).
  let dialogs = 0;
  page.on('dialog', (d) => { dialogs += 1; d.dismiss(); });

  const checks = await importFiles(page, [...bad.map(([name, text]) => ({ name, text })), big, xlsx]);
  const why = Object.fromEntries(checks.map((c, i) => [i < bad.length ? bad[i][0] : [big, xlsx][i - bad.length].name, c]));
  for (const [name, c] of Object.entries(why)) {
    assert.equal(c.state, 'refused', `${name}: ${c.text}`);
    assert.ok(c.text.startsWith(name), `${name} is named`);
  }
  const expect = {
    'rong.json': 'tệp rỗng', 'khong-phai-json.json': 'không phải JSON hợp lệ (lỗi ở dòng 1, cột 1)',
    'cat-cut.json': 'bị cắt cụt', 'dinh-dang-khac.json': 'định dạng "excel-export"',
    'phien-ban-moi.json': 'hãy cập nhật ứng dụng', 'ke-hoach-khac.json': 'kế hoạch khác ("ha-giang-2021")',
    'sua-mot-byte.json': 'SHA-256) không khớp', 'don-vi-khac.json': 'ghi đơn vị "02137", khác đơn vị của lô',
    'nhiem-vu-la.json': 'Nhiệm vụ không có trong Kế hoạch', 'ngay-sai.json': 'trước ngày ban hành Kế hoạch',
    'xa-huyen-khac.json': 'Phường Nguyễn Thị Minh Khai không thuộc phạm vi', 'trung-so-lo.json': 'chữ ký không khớp thiết bị đã biết',
    'qua-lon.json': 'tệp quá lớn (50 MB, tối đa 20 MB)', 'bang-tinh.xlsx': 'đây là tệp Excel, Word hoặc tệp nén', 'tuong-lai.json': 'lô ghi ngày tạo 01/01/2099 sau hôm nay',
  };
  for (const [name, text] of Object.entries(expect)) assert.ok(why[name].text.includes(text), `${name}: ${why[name].text}`);
  assert.equal(await page.isDisabled('[data-testid=apply-import]'), true);
  assert.deepEqual(await receivedCounts(page), before, 'nothing stored changed');

  // Markup in a record is text: shown, never run. Among bad files, the
  // good one alone is applied; the bad ones still change nothing.
  const mixed = await importFiles(page, [...bad.slice(6, 9).map(([name, text]) => ({ name, text })), { name: 'co-ma.json', text: script }]);
  assert.deepEqual(mixed.map((c) => c.state), ['refused', 'refused', 'refused', 'ready']);
  await applyImport(page);
  assert.deepEqual(
    (await page.$$eval('[data-testid=file-checks] > li', (els) => els.map((e) => e.dataset.state))),
    ['refused', 'refused', 'refused', 'applied'],
  );
  assert.deepEqual(await receivedCounts(page), { ...before, '02194': before['02194'] + 1 });
  await page.click('[data-testid=received-units] tr[data-unit="02194"] button');
  await page.waitForSelector('[data-testid=received-activities] .title:has-text("<script>")');
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  assert.equal(await page.locator('[data-testid=received-activities] img').count(), 0);
  assert.equal(dialogs, 0);
  await context.close();
});

test('a full backup restores into an empty browser; a backup of another unit is refused', async () => {
  const c = await communeWithBatches(DONG_XA, [['Sao lưu 1', 'Sao lưu 2']]);
  await c.page.click('nav.tabs button:has-text("Nhật ký hoạt động")');
  await c.page.click('li.activity:has-text("Sao lưu 2") button:has-text("Sửa")');
  await c.page.fill('#act-title', 'Sao lưu 2 (đã sửa)');
  await c.page.click('form.activity-form button[type=submit]');
  await c.page.waitForSelector('form.activity-form', { state: 'detached' });
  await c.page.click('nav.tabs button:has-text("Lô dữ liệu")');
  const backup = await download(c.page, () => c.page.click('[data-testid=backup]'));
  // The device's private key never leaves the browser: held as a
  // non-extractable key, or (where the browser lacks Ed25519) as a stored
  // secret that is in no file this device writes.
  const stored = await c.page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('papi-tracker-keys');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const get = open.result.transaction('keys').objectStore('keys').get('device');
      get.onsuccess = () => resolve({
        public: get.result.public,
        extractable: get.result.private ? get.result.private.extractable : null,
        secret: get.result.secret ?? null,
      });
    };
  }));
  assert.match(stored.public, /^[0-9a-f]{64}$/);
  assert.ok(stored.extractable === false || stored.secret, JSON.stringify(stored));
  if (stored.secret) {
    for (const text of [backup.text, ...c.files.map((f) => f.text)]) assert.ok(!text.includes(stored.secret));
  }
  assert.equal(JSON.parse(backup.text).signer, stored.public);
  await c.context.close();
  assert.match(backup.name, /^papi-02194-saoluu-\d{8}\.json$/);
  assert.equal(JSON.parse(backup.text).kind, 'backup');
  assertSchema(JSON.parse(backup.text));

  const { context, page } = await freshPage();
  await setupCommune(page, DONG_XA);
  await page.click('nav.tabs button:has-text("Lô dữ liệu")');
  await page.setInputFiles('[data-testid=restore]', { name: backup.name, mimeType: 'application/json', buffer: Buffer.from(backup.text) });
  await page.waitForSelector('.notice:has-text("Đã khôi phục 2 hoạt động")');
  await page.reload();
  await waitForTitles(page, ['Sao lưu 1', 'Sao lưu 2 (đã sửa)']);
  // Restoring again writes nothing new.
  await page.click('nav.tabs button:has-text("Lô dữ liệu")');
  await page.setInputFiles('[data-testid=restore]', { name: backup.name, mimeType: 'application/json', buffer: Buffer.from(backup.text) });
  await page.waitForSelector('.notice:has-text("Đã khôi phục 0 hoạt động")');
  await context.close();

  const other = await freshPage();
  await setupCommune(other.page, VAN_VU);
  await other.page.click('nav.tabs button:has-text("Lô dữ liệu")');
  await other.page.setInputFiles('[data-testid=restore]', { name: backup.name, mimeType: 'application/json', buffer: Buffer.from(backup.text) });
  await other.page.waitForSelector(`.notice.error:has-text("Tệp ${backup.name}: là dữ liệu của Xã Đổng Xá")`);
  await waitForTitles(other.page, []);
  await other.context.close();
});

test('files dropped on the import area are checked like picked ones', async () => {
  const c = await communeWithBatches(VAN_VU, [['Kéo thả 1']]);
  const f = c.files[0];
  await c.context.close();
  const { context, page } = await freshPage();
  await setupDistrict(page);
  await page.click('nav.tabs button:has-text("Nhập lô")');
  const dt = await page.evaluateHandle(({ name, text }) => {
    const d = new DataTransfer();
    d.items.add(new File([text], name, { type: 'application/json' }));
    return d;
  }, f);
  await page.dispatchEvent('[data-testid=dropzone]', 'drop', { dataTransfer: dt });
  await page.waitForSelector('[data-testid=trust-device]');
  await trustDevices(page);
  await page.waitForSelector('[data-testid=file-checks] li[data-state=ready]');
  await applyImport(page);
  assert.deepEqual(await receivedCounts(page), { '02137': 1 });
  await context.close();
});

test('batches sealed for a server that never answered, and never downloaded, bring a reminder', async () => {
  const context = await env.browser.newContext({ timezoneId: 'Asia/Ho_Chi_Minh' });
  const page = await context.newPage();
  await page.clock.install({ time: new Date('2026-03-02T08:00:00+07:00') });
  await page.goto(env.server.url);
  await setupCommune(page, DONG_XA);
  // A server address where nothing listens: the sync seals, then fails.
  await page.click('nav.tabs button:has-text("Cài đặt")');
  await page.fill('#sync-server', `http://127.0.0.1:${await freePort()}`);
  await page.fill('#sync-token', 'ma-thu');
  await page.click('[data-testid=sync-panel] button[type=submit]');
  await page.waitForSelector('.notice:has-text("Đã lưu cài đặt đồng bộ")');
  await page.click('nav.tabs button:has-text("Nhiệm vụ")');
  await recordActivity(page, '2.3-1', { title: 'Chỉ có trên máy', date: '15/04/2020' });
  await page.click('nav.tabs button:has-text("Cài đặt")');
  await page.click('[data-testid=sync-now]');
  await page.waitForSelector('[data-testid=sync-last-error]');
  // (A retry may be under way meanwhile: "Đang gửi…" for a moment.)
  await page.waitForSelector('[data-testid=sync-state]:has-text("Còn 1 lô chờ gửi")');
  assert.equal(await page.locator('[data-testid=uncopied-reminder]').count(), 0);
  await page.clock.setSystemTime(new Date('2026-03-05T09:00:00+07:00'));
  await page.reload();
  await page.waitForSelector('[data-testid=uncopied-reminder]');
  assert.match(await page.innerText('[data-testid=uncopied-reminder]'),
    /Có 1 lô dữ liệu chỉ có trên máy này \(chưa tải tệp về, chưa gửi được lên máy chủ\), lô đầu tiên từ 02\/03\/2026 08:0\d/);
  await page.click('[data-testid=uncopied-reminder] button');
  await download(page, () => page.click('[data-testid=batch-history] tbody tr >> nth=0 >> button'));
  await page.waitForSelector('[data-testid=uncopied-reminder]', { state: 'detached' });
  await context.close();
});

test('changes left unexported for three days bring a reminder that leads to the export', async () => {
  const context = await env.browser.newContext({ timezoneId: 'Asia/Ho_Chi_Minh' });
  const page = await context.newPage();
  await page.clock.install({ time: new Date('2026-03-02T08:00:00+07:00') });
  await page.goto(env.server.url);
  await setupCommune(page, DONG_XA);
  await recordActivity(page, '2.3-1', { title: 'Chưa xuất', date: '15/04/2020' });
  assert.equal(await page.locator('[data-testid=export-reminder]').count(), 0);
  await page.clock.setSystemTime(new Date('2026-03-05T09:00:00+07:00'));
  await page.reload();
  await page.waitForSelector('[data-testid=export-reminder]');
  assert.match(await page.innerText('[data-testid=export-reminder]'), /Có 1 thay đổi chưa xuất lô, thay đổi đầu tiên từ 02\/03\/2026 08:00/);
  await page.click('[data-testid=export-reminder] button');
  await download(page, () => page.click('[data-testid=export-batch]'));
  await page.waitForSelector('[data-testid=export-reminder]', { state: 'detached' });
  await context.close();
});

test('a damaged outbox or sealed batch is listed with a download and never blocks the next batch', async () => {
  const { context, page } = await freshPage();
  await setupCommune(page, DONG_XA);
  await recordActivity(page, '2.3-1', { title: 'Trước khi hỏng', date: '15/04/2020' });
  const first = await exportBatch(page);
  assert.match(first.name, /^papi-02194-1-/);
  await idbPut(page, [
    ['outbox', '02194', '{"unit_code":"02194","next_se'],
    ['batches', '02194/0000000001', '{"hỏng'],
  ]);
  await page.reload();
  // Said at once (in one notice or two, as the stores are read), and
  // listed below.
  await page.waitForSelector('.notice.error:has-text("dữ liệu bị hỏng đã được cất riêng")');
  while (await page.locator('.notice.error .notice-close').count() > 0) {
    await page.locator('.notice.error .notice-close').first().click();
  }
  await page.click('nav.tabs button:has-text("Lô dữ liệu")');
  const faults = page.locator('[data-testid=set-aside] li');
  await faults.first().waitFor();
  assert.equal(await faults.count(), 2);
  assert.match(await page.innerText('[data-testid=set-aside] li[data-kind=Outbox]'), /Trạng thái xuất lô.*lô tiếp theo là số 2/);
  assert.match(await page.innerText('[data-testid=set-aside] li[data-kind=Batch]'), /Lô đã xuất/);
  const raw = await download(page, () => page.click('[data-testid=set-aside] li[data-kind=Batch] button'));
  assert.equal(raw.text, '{"hỏng', 'the entry exactly as stored');
  const outbox = await download(page, () => page.click('[data-testid=set-aside] li[data-kind=Outbox] button'));
  assert.equal(outbox.text, '{"unit_code":"02194","next_se');
  // Sealing goes on with a number never used, and carries every record again.
  await page.click('nav.tabs button:has-text("Nhiệm vụ")');
  await recordActivity(page, '1.1-1', { title: 'Sau khi hỏng', date: '16/04/2020' });
  const second = await exportBatch(page);
  assert.match(second.name, /^papi-02194-2-/);
  assert.deepEqual(JSON.parse(second.text).records.map((r) => r.title).sort(), ['Sau khi hỏng', 'Trước khi hỏng']);
  // Still listed after another reload, never silently dropped.
  await page.reload();
  await page.click('nav.tabs button:has-text("Cài đặt")');
  await page.waitForSelector('[data-testid=set-aside] li[data-kind=Batch]');
  assert.equal(await page.locator('[data-testid=set-aside] li').count(), 2);
  await context.close();
});
