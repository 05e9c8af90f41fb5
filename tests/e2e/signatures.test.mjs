// Device signatures as people meet them: a commune's Settings show its key's
// fingerprint; the district trusts a commune's device on first use after
// comparing it, refuses a forged file and the files of a revoked key, shows
// old unsigned files as such (and refuses them when the setting says so);
// the province checks a district's signed bundle the same way.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  FORMAT_VERSION, applyImport, exportBatch, importFiles, makeBatch, recordActivity, reseal, serverAndBrowser,
  setupCommune, setupDistrict, setupProvince, trustDevices, download,
} from './helpers.mjs';

const env = serverAndBrowser();
const DONG_XA = { district: '066', commune: '02194', name: 'Hoàng Văn Đức' };

async function freshPage() {
  const context = await env.browser.newContext({ viewport: { width: 1366, height: 768 }, timezoneId: 'Asia/Ho_Chi_Minh' });
  const page = await context.newPage();
  await page.goto(env.server.url);
  return { context, page };
}

async function ownFingerprint(page) {
  await page.click('nav.tabs button:has-text("Cài đặt")');
  await page.waitForFunction(() => /^\d{5}( \d{5}){5}$/.test(document.querySelector('[data-testid=own-fingerprint]')?.textContent ?? ''));
  return page.innerText('[data-testid=own-fingerprint]');
}

async function recordAndExport(page, title) {
  await page.click('nav.tabs button:has-text("Nhiệm vụ")');
  await recordActivity(page, '2.3-1', { title, date: '15/04/2020' });
  return exportBatch(page);
}

test('a district trusts a device on first use, refuses forgeries and revoked keys, and marks unsigned files', async () => {
  const commune = await freshPage();
  await setupCommune(commune.page, DONG_XA);
  const first = await recordAndExport(commune.page, 'Niêm yết dự toán');
  const fp = await ownFingerprint(commune.page);
  const batch1 = JSON.parse(first.text);
  assert.equal(batch1.format_version, FORMAT_VERSION);
  assert.match(batch1.signer, /^[0-9a-f]{64}$/);
  assert.match(batch1.signature, /^[0-9a-f]{128}$/);
  assert.ok(!first.text.includes('secret') && !first.text.includes('private'), 'no private key in a batch');

  const district = await freshPage();
  await setupDistrict(district.page);
  // An unknown device: held, with the fingerprint to compare; nothing to apply.
  let rows = await importFiles(district.page, [first], 1, { trust: false });
  assert.equal(rows[0].state, 'held');
  assert.ok(rows[0].text.includes(fp), `${rows[0].text} shows ${fp}`);
  assert.equal(await district.page.isDisabled('[data-testid=apply-import]'), true);
  const asked = await trustDevices(district.page);
  assert.equal(asked.length, 1);
  assert.ok(asked[0].includes(fp) && asked[0].includes('Xã Đổng Xá'), asked[0]);
  await district.page.waitForSelector('[data-testid=file-checks] > li[data-state=ready]');
  assert.match(await district.page.innerText('[data-testid=signed]'), /^Đã xác minh: thiết bị \d{5} của Xã Đổng Xá, cán bộ đã đối chiếu từ /);
  await applyImport(district.page);

  // Forged in the commune's name: its number, other content, the hash
  // recomputed, signed by another key. Refused, and the real number 2
  // still goes through afterwards.
  const forged = await reseal({ ...batch1, seq: 2, records: batch1.records.map((r) => ({ ...r, title: 'Giả mạo' })) });
  const stripped = { ...batch1 };
  delete stripped.signature;
  rows = await importFiles(district.page, [
    { name: 'gia-mao.json', text: JSON.stringify(forged) },
    { name: 'bo-chu-ky.json', text: JSON.stringify(stripped) },
  ]);
  assert.equal(rows[0].state, 'refused');
  assert.ok(rows[0].text.includes('giả mạo'), rows[0].text);
  assert.equal(rows[1].state, 'refused');
  assert.ok(rows[1].text.includes('phải có khóa công khai và chữ ký'), rows[1].text);
  const second = await recordAndExport(commune.page, 'Họp dân thôn');
  rows = await importFiles(district.page, [second]);
  assert.equal(rows[0].state, 'ready', rows[0].text);
  await applyImport(district.page);

  // An old release's file (version 1): applied, said to be unsigned; then
  // refused once signatures are required.
  const old = await makeBatch('02137', 'thiet-bi-cu', 1, [{ task: '2.3-1', date: '2020-11-20', title: 'Tệp cũ' }]);
  rows = await importFiles(district.page, [old]);
  assert.equal(rows[0].state, 'ready', rows[0].text);
  assert.ok(rows[0].text.includes('Không có chữ ký'), rows[0].text);
  await district.page.click('[data-testid=file-checks] ~ .form-actions button:has-text("Đóng")');
  await district.page.click('nav.tabs button:has-text("Cài đặt")');
  await district.page.check('[data-testid=require-signatures]');
  rows = await importFiles(district.page, [old]);
  assert.equal(rows[0].state, 'refused');
  assert.ok(rows[0].text.includes('yêu cầu chữ ký'), rows[0].text);

  // The tablet is lost: the district revokes its key. What it sent stays;
  // what it signs from now on is refused.
  await district.page.click('nav.tabs button:has-text("Cài đặt")');
  assert.ok((await district.page.innerText('[data-testid=known-devices]')).includes(fp));
  district.page.once('dialog', (d) => d.accept());
  await district.page.click('[data-testid=revoke-device]');
  await district.page.waitForSelector('[data-testid=known-devices] td:has-text("Đã thu hồi")');
  const third = await recordAndExport(commune.page, 'Sau khi mất máy');
  rows = await importFiles(district.page, [third]);
  assert.equal(rows[0].state, 'refused');
  assert.ok(rows[0].text.includes('thu hồi'), rows[0].text);
  // The revoked device stays revoked: a file in its name signed by another
  // key (a reinstalled or stolen tablet that made itself a new one), or
  // unsigned, is refused as well; a replacement device has a new id.
  const deviceId = JSON.parse(third.text).device_id;
  const record = [{ task: '2.3-1', date: '2020-04-16', title: 'Khóa mới của máy đã thu hồi' }];
  const newKey = await makeBatch(DONG_XA.commune, deviceId, 60, record, '2020-12-02T09:00:00.000Z', { sign: true });
  const unsigned = await makeBatch(DONG_XA.commune, deviceId, 61, record);
  await district.page.click('[data-testid=file-checks] ~ .form-actions button:has-text("Đóng")');
  rows = await importFiles(district.page, [newKey, unsigned], 2, { trust: false });
  assert.ok(!(await district.page.$('[data-testid=trust-device]')), 'no offer to trust the new key');
  for (const row of rows) {
    assert.equal(row.state, 'refused', row.text);
    assert.ok(row.text.includes('đã bị thu hồi'), row.text);
  }
  await district.page.click('nav.tabs button:has-text("Nhập lô")');
  const received = await district.page.innerText('[data-testid=received-units]');
  assert.ok(received.includes('Xã Đổng Xá'), received);
  await commune.context.close();
  await district.context.close();
});

test('the province checks a district bundle signed by the district device', async () => {
  const commune = await freshPage();
  await setupCommune(commune.page, DONG_XA);
  const file = await recordAndExport(commune.page, 'Tuyên truyền');
  const district = await freshPage();
  await setupDistrict(district.page);
  await importFiles(district.page, [file]);
  await applyImport(district.page);
  const fp = await ownFingerprint(district.page);
  await district.page.click('nav.tabs button:has-text("Tổng hợp")');
  const bundle = await download(district.page, () => district.page.click('[data-testid=forward]'));
  const parsed = JSON.parse(bundle.text);
  assert.equal(parsed.format_version, 2);
  assert.ok(parsed.batches.every((b) => b.signer === parsed.signer), 'every batch signed by the district device');

  const province = await freshPage();
  await setupProvince(province.page);
  // Held whole (one line) until the district's device is trusted.
  let rows = await importFiles(province.page, [bundle], 1, { trust: false });
  assert.equal(rows[0].state, 'held');
  assert.ok(rows[0].text.includes(fp) && rows[0].text.includes('Huyện Na Rì'), rows[0].text);
  await trustDevices(province.page);
  await province.page.waitForSelector('[data-testid=file-checks] > li[data-state=ready]');
  await applyImport(province.page);
  // History across the 2025 reform: Xã Đổng Xá's activity under the unit
  // that took over (Xã Xuân Dương), and under its own name.
  await province.page.click('nav.tabs button:has-text("Tổng hợp")');
  const row = await province.page.innerText('[data-testid=successor-history] tr[data-successor="02191"]');
  assert.match(row, /^Xã Xuân Dương\s+.*Xã Đổng Xá \(1\).*\s+1$/s);
  // A bundle whose header was changed after signing is refused whole.
  const moved = { ...parsed, created_at: '2020-12-31T00:00:00.000Z' };
  rows = await importFiles(province.page, [{ name: 'goi-sua.json', text: JSON.stringify(moved) }]);
  assert.equal(rows[0].state, 'refused');
  assert.ok(rows[0].text.includes('chữ ký số không hợp lệ'), rows[0].text);
  for (const c of [commune, district, province]) await c.context.close();
});
