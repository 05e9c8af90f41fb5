// Sync as people use it: a commune enrolled by link records offline, comes
// back online and its batches reach the server by themselves; the server dies
// in the middle of a sync and comes back: nothing lost, nothing twice; the
// tablet's key is revoked on the server; the district pulls what the server
// received before the revocation, and refuses the same batches as files.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import {
  DIST, applyImport, dbFile, download, freePort, importFiles, launch, makeBatch, receivedCounts, recordActivity,
  serverAdmin, setupCommune, setupDistrict, startServer, stopAllServers, unitToken,
} from './helpers.mjs';

const DONG_XA = { district: '066', commune: '02194', name: 'Hoàng Văn Đức' };

let browser;
after(async () => {
  await browser?.close();
  await stopAllServers();
});

/** Every batch on the server, read with the province's token. */
async function serverBatches(url, token) {
  const out = [];
  let cursor = 0;
  for (;;) {
    const r = await fetch(`${url}/api/v1/batches?after=${cursor}&limit=500`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(r.status, 200);
    const page = await r.json();
    out.push(...page.batches.map((b) => b.batch));
    cursor = page.next;
    if (!page.more) return out;
  }
}

async function waitFor(fn, what, ms = 20000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('offline records reach the server by themselves; a server killed mid-sync loses nothing and doubles nothing; the district pulls them', async () => {
  const port = await freePort();
  const db = dbFile();
  let server = await startServer(port, DIST, db);
  const url = server.url;
  const communeToken = unitToken(db, '02194');
  const districtToken = unitToken(db, '066');
  const provinceToken = unitToken(db, '06');
  browser = await launch();

  // Enrolment link: server and token in one click.
  const context = await browser.newContext({ serviceWorkers: 'block', timezoneId: 'Asia/Ho_Chi_Minh' });
  const page = await context.newPage();
  await page.goto(`${url}/#enrol=${communeToken}`);
  // The first-run screen says what the link did.
  await page.waitForSelector('.notice:has-text("Đã kết nối với máy chủ đồng bộ")');
  await setupCommune(page, DONG_XA);
  assert.equal(new URL(page.url()).hash, '', 'the token leaves the address bar');

  // Offline: records stay on the device. (No service worker here: the
  // activity form's code is fetched first, as the first screen does in the
  // background; the timeline comes in the same chunk.)
  await page.click('nav.tabs button:has-text("Nhật ký hoạt động")');
  await page.waitForSelector('section.timeline');
  await page.click('nav.tabs button:has-text("Nhiệm vụ")');
  await context.setOffline(true);
  await page.waitForSelector('[data-testid=connection][data-state=offline]');
  await recordActivity(page, '2.3-1', { title: 'Ngoại tuyến 1', date: '15/04/2020' });
  await recordActivity(page, '1.1-1', { title: 'Ngoại tuyến 2', date: '16/04/2020' });
  await page.waitForTimeout(6000); // past the 5 s grouping delay
  assert.equal((await serverBatches(url, provinceToken)).length, 0);

  // Back online: sealed and sent with no click.
  await context.setOffline(false);
  const first = await waitFor(async () => {
    const b = await serverBatches(url, provinceToken);
    return b.length === 1 && b;
  }, 'the first batch on the server');
  assert.deepEqual(first[0].records.map((r) => r.title).sort(), ['Ngoại tuyến 1', 'Ngoại tuyến 2']);
  await page.click('nav.tabs button:has-text("Lô dữ liệu")');
  await page.waitForSelector('[data-testid=sync-state]:has-text("Đã gửi hết")');
  await page.waitForSelector('[data-testid=batch-history] td:has-text("Đã gửi lên máy chủ")');

  // Three more batches; the server dies right after committing the second
  // of them (batch 3), before the app hears back.
  let posts = 0;
  await page.route(`${url}/api/v1/batches`, async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    posts += 1;
    if (posts === 2) {
      await route.fetch(); // the server commits it...
      server.proc.kill('SIGKILL'); // ...and dies before the reply arrives
      return route.abort('connectionreset');
    }
    return route.continue();
  });
  await context.setOffline(true);
  for (const t of ['Lô 2', 'Lô 3', 'Lô 4']) {
    await page.click('nav.tabs button:has-text("Nhiệm vụ")');
    await recordActivity(page, '2.3-1', { title: t, date: '20/04/2020' });
    await page.click('nav.tabs button:has-text("Lô dữ liệu")');
    await download(page, () => page.click('[data-testid=export-batch]'));
  }
  await context.setOffline(false);
  await page.waitForSelector('[data-testid=sync-last-error]');
  assert.ok(posts >= 2, 'the second post met the crash');
  // The error shows as the cycle ends; the retry's wait right after.
  await page.waitForFunction(() => /Còn 2 lô chờ gửi; tự thử lại sau \d+ giây/
    .test(document.querySelector('[data-testid=sync-state]')?.textContent ?? ''));
  server = await startServer(port, DIST, db);
  const onServer = await serverBatches(url, provinceToken);
  assert.deepEqual(onServer.map((b) => b.seq), [1, 2, 3], 'the batch committed just before the crash survived');
  await page.click('[data-testid=sync-now]');
  await page.waitForSelector('[data-testid=sync-state]:has-text("Đã gửi hết")');
  const all = await serverBatches(url, provinceToken);
  assert.deepEqual(all.map((b) => b.seq), [1, 2, 3, 4], 'every batch once, in order');
  assert.equal(new Set(all.map((b) => b.sha256)).size, 4);
  const titles = all.flatMap((b) => b.records.map((r) => r.title)).sort();
  assert.deepEqual(titles, ['Lô 2', 'Lô 3', 'Lô 4', 'Ngoại tuyến 1', 'Ngoại tuyến 2']);
  // Sending never removed anything from the device.
  await page.click('nav.tabs button:has-text("Nhật ký hoạt động")');
  await page.waitForFunction(() => document.querySelectorAll('section.timeline li.activity').length === 5);
  // The files, for the district's second path.
  const files = [];
  for (let i = 0; i < 4; i += 1) {
    await page.click('nav.tabs button:has-text("Lô dữ liệu")');
    files.push(await download(page, () => page.click(`[data-testid=batch-history] tbody tr >> nth=${i} >> button`)));
  }
  await context.close();

  // The tablet is lost after it sent them: the server's admin revokes its
  // key (by the fingerprint that `unit keys` lists).
  const fingerprint = serverAdmin(db, 'unit', 'keys', '02194').match(/\d{5}(?: \d{5}){5}/)[0];
  serverAdmin(db, 'unit', 'revoke-key', fingerprint);
  assert.match(serverAdmin(db, 'unit', 'keys', '02194'), /revoked \d{4}-/);

  // The district pulls from the server: what the server received before the
  // revocation still counts. The same batches as files, whose times anyone
  // could write, are refused.
  const dctx = await browser.newContext({ serviceWorkers: 'block' });
  const d = await dctx.newPage();
  await d.goto(url);
  await setupDistrict(d);
  await d.click('nav.tabs button:has-text("Cài đặt")');
  await d.fill('#sync-token', districtToken);
  await d.click('[data-testid=sync-panel] button[type=submit]');
  await d.waitForSelector('.notice:has-text("Đã lưu cài đặt đồng bộ")');
  await d.click('nav.tabs button:has-text("Nhập lô")');
  await d.click('[data-testid=pull]');
  await d.waitForFunction(() => document.querySelectorAll('[data-testid=file-checks] > li[data-state=ready]').length === 4);
  for (const line of await d.$$eval('[data-testid=file-checks] > li', (ls) => ls.map((l) => l.innerText))) {
    assert.match(line, /máy chủ nhận lô ngày \d\d\/\d\d\/\d{4}, trước khi khóa bị thu hồi ngày/);
  }
  assert.equal(await applyImport(d),
    'Đã nhập 4 lô: thêm 5, cập nhật 0, giữ nguyên 0, xung đột 0. Đã nhập trước đó: 0 lô. Bị từ chối: 0 tệp.');
  const checks = await importFiles(d, files);
  assert.deepEqual(checks.map((c) => c.state), ['refused', 'refused', 'refused', 'refused']);
  for (const c of checks) assert.match(c.text, /đã bị thu hồi ngày/);
  assert.deepEqual(await receivedCounts(d), { '02194': 5 });
  // Nothing new on the server the second time.
  await d.click('[data-testid=pull]');
  await d.waitForSelector('.notice:has-text("Máy chủ không có lô mới")');
  await dctx.close();
});

test('a refused batch shows its reason and does not block the next one', async () => {
  const port = await freePort();
  const db = dbFile();
  const server = await startServer(port, DIST, db);
  const token = unitToken(db, '02194');
  const provinceToken = unitToken(db, '06');
  browser ??= await launch();
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
  // The server refuses the first post of this batch as a conflict.
  let first = true;
  await page.route(`${server.url}/api/v1/batches`, async (route) => {
    if (route.request().method() === 'POST' && first) {
      first = false;
      return route.fulfill({ status: 409, contentType: 'application/json', body: JSON.stringify({ error: 'conflict', message: 'đã có lô số 1 với nội dung khác' }) });
    }
    return route.continue();
  });
  await page.goto(`${server.url}/#enrol=${token}`);
  await setupCommune(page, DONG_XA);
  await recordActivity(page, '2.3-1', { title: 'Bị từ chối', date: '15/04/2020' });
  await page.click('nav.tabs button:has-text("Lô dữ liệu")');
  await page.waitForSelector('[data-testid=batch-history] .error-text:has-text("máy chủ từ chối lô (409)")');
  await page.click('nav.tabs button:has-text("Nhiệm vụ")');
  await recordActivity(page, '1.1-1', { title: 'Đi tiếp', date: '16/04/2020' });
  await waitFor(async () => (await serverBatches(server.url, provinceToken)).length === 1, 'batch 2 on the server');
  const [b] = await serverBatches(server.url, provinceToken);
  assert.equal(b.seq, 2);
  await page.click('nav.tabs button:has-text("Lô dữ liệu")');
  await page.waitForSelector('[data-testid=sync-status]:has-text("1 lô (xem lý do trong danh sách lô)")');
  assert.match(await page.innerText('[data-testid=batch-history] tbody tr >> nth=1'), /máy chủ từ chối lô \(409\): đã có lô số 1/);
  // Once the cause is fixed on the server, "Gửi lại" sends it again.
  await page.click('[data-testid=sync-retry]');
  await waitFor(async () => (await serverBatches(server.url, provinceToken)).length === 2, 'batch 1 sent again');
  await page.waitForSelector('[data-testid=sync-retry]', { state: 'detached' });
  assert.doesNotMatch(await page.innerText('[data-testid=batch-history] tbody tr >> nth=1'), /từ chối/);
  await context.close();
});

/** Post a batch file straight to the server with a unit's token. */
async function post(url, token, text) {
  const r = await fetch(`${url}/api/v1/batches`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: text });
  assert.equal(r.status, 201, await r.text());
}

/** The district of Na Rì with its token saved, on "Nhập lô". */
async function districtWithToken(context, url, token) {
  const d = await context.newPage();
  await d.goto(url);
  await setupDistrict(d);
  await d.click('nav.tabs button:has-text("Cài đặt")');
  await d.fill('#sync-token', token);
  await d.click('[data-testid=sync-panel] button[type=submit]');
  await d.waitForSelector('.notice:has-text("Đã lưu cài đặt đồng bộ")');
  await d.click('nav.tabs button:has-text("Nhập lô")');
  return d;
}

/** Click "Tải lô mới từ máy chủ" and wait for `n` lines of dry run. */
async function pullLines(d, n) {
  if (await d.locator('[data-testid=file-checks]').count()) {
    await d.click('.import .form-actions button:has-text("Đóng")');
    await d.waitForSelector('[data-testid=file-checks]', { state: 'detached' });
  }
  await d.click('[data-testid=pull]');
  await d.waitForFunction((k) => document.querySelectorAll('[data-testid=file-checks] > li').length === k, n);
  return d.$$eval('[data-testid=file-checks] > li', (els) => els.map((e) => e.dataset.state));
}

test('a pulled batch refused for good is recorded and passed; a failed write keeps the cursor; the next pull fetches nothing again', async () => {
  const port = await freePort();
  const db = dbFile();
  const server = await startServer(port, DIST, db);
  const communeToken = unitToken(db, '02194');
  const districtToken = unitToken(db, '066');
  for (const seq of [1, 2, 3]) {
    const b = await makeBatch('02194', 'dev-a', seq, [{ task: '2.3-1', date: '2020-04-1' + seq, title: `Lô máy chủ ${seq}` }]);
    await post(server.url, communeToken, b.text);
  }
  browser ??= await launch();
  const context = await browser.newContext({ serviceWorkers: 'block' });
  // What the district receives: batch 2 altered on the way (its hash no
  // longer matches), so the app refuses it for good.
  const afters = [];
  await context.route(`${server.url}/api/v1/batches?*`, async (route) => {
    afters.push(Number(new URL(route.request().url()).searchParams.get('after')));
    const response = await route.fetch();
    const page = await response.json();
    for (const item of page.batches) {
      if (item.batch.seq === 2) item.batch.records[0].title = 'Đã bị sửa trên đường';
    }
    return route.fulfill({ response, json: page });
  });
  const d = await districtWithToken(context, server.url, districtToken);

  // A write that fails (a full disk) while applying: nothing is passed.
  assert.deepEqual(await pullLines(d, 3), ['ready', 'refused', 'ready']);
  await d.evaluate(() => {
    globalThis.__put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function () { throw new DOMException('full', 'QuotaExceededError'); };
  });
  await d.click('[data-testid=apply-import]');
  await d.waitForSelector('[data-testid=file-checks] > li >> nth=0 >> text=/Không nhập được/');
  await d.evaluate(() => { IDBObjectStore.prototype.put = globalThis.__put; });
  assert.deepEqual(afters, [0]);

  // The next pull fetches them again from the start; now they apply.
  assert.deepEqual(await pullLines(d, 3), ['ready', 'refused', 'ready']);
  assert.deepEqual(afters, [0, 0], 'the cursor stayed');
  assert.match(await applyImport(d), /^Đã nhập 2 lô: thêm 2,/);
  assert.deepEqual(await receivedCounts(d), { '02194': 2 });
  const refused = await d.innerText('[data-testid=pull-refused] tbody');
  assert.match(refused, /Xã Đổng Xá\s+2\s+mã kiểm tra \(SHA-256\) không khớp/);

  // Past all three: nothing is downloaded again, also after a reload.
  await d.click('[data-testid=pull]');
  await d.waitForSelector('.notice:has-text("Máy chủ không có lô mới")');
  assert.deepEqual(afters, [0, 0, 3]);
  await d.reload();
  await d.click('nav.tabs button:has-text("Nhập lô")');
  await d.waitForSelector('[data-testid=pull-refused] tbody tr');
  assert.equal(await d.locator('[data-testid=pull-refused] tbody tr').count(), 1);
  const saved = await download(d, () => d.click('[data-testid=pull-refused] tbody tr button'));
  assert.equal(JSON.parse(saved.text).records[0].title, 'Đã bị sửa trên đường', 'the batch as the server sent it');
  // The cursor belongs to this server and this unit.
  const keys = await d.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('papi-tracker.pull-cursor.')));
  assert.deepEqual(keys, [`papi-tracker.pull-cursor.${server.url}|066`]);
  await context.close();
});

test('a busy server (429 with Retry-After) is left alone as long as it asked', async () => {
  const port = await freePort();
  const db = dbFile();
  const server = await startServer(port, DIST, db);
  const token = unitToken(db, '02194');
  browser ??= await launch();
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
  let posts = 0;
  await page.route(`${server.url}/api/v1/batches`, async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    posts += 1;
    return route.fulfill({
      status: 429, headers: { 'Retry-After': '120' }, contentType: 'application/json',
      body: JSON.stringify({ error: 'rate_limited', message: 'quá nhiều yêu cầu' }),
    });
  });
  await page.goto(`${server.url}/#enrol=${token}`);
  await setupCommune(page, DONG_XA);
  await recordActivity(page, '2.3-1', { title: 'Chờ máy chủ', date: '15/04/2020' });
  await page.click('nav.tabs button:has-text("Lô dữ liệu")');
  await page.waitForSelector('[data-testid=sync-state]:has-text("Máy chủ đang bận")');
  assert.match(await page.innerText('[data-testid=sync-state]'), /còn 1 lô chờ gửi, tự thử lại lúc \d\d\/\d\d\/\d{4} \d\d:\d\d \(sau 120 giây\)/);
  assert.equal(posts, 1);
  // The usual backoff would have tried again after 2 s; "Gửi ngay" waits too.
  await page.waitForTimeout(5000);
  await page.click('[data-testid=sync-now]');
  await page.waitForTimeout(1500);
  assert.equal(posts, 1, 'no request before the server said');
  assert.match(await page.innerText('[data-testid=sync-state]'), /Máy chủ đang bận/);
  await context.close();
});

test('an enrolment link asks before replacing a server and token already set', async () => {
  const port = await freePort();
  const db = dbFile();
  const server = await startServer(port, DIST, db);
  const first = unitToken(db, '02194');
  const second = unitToken(db, '02194');
  browser ??= await launch();
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
  const settings = () => page.evaluate(() => JSON.parse(localStorage.getItem('papi-tracker.sync')));
  // Nothing set: the link applies at once.
  await page.goto(`${server.url}/#enrol=${first}`);
  await setupCommune(page, DONG_XA);
  // The link is applied in the background (it asks the server first).
  await page.waitForFunction(() => localStorage.getItem('papi-tracker.sync') !== null);
  assert.equal(await page.locator('[data-testid=enrol-confirm][open]').count(), 0);
  assert.deepEqual(await settings(), { server: server.url, token: first });
  // Set to another server: a second link asks, showing the current one.
  await page.evaluate(() => localStorage.setItem('papi-tracker.sync', JSON.stringify({ server: 'https://noivu.backan.gov.vn', token: 'papi_cu' })));
  await page.goto('about:blank');
  await page.goto(`${server.url}/#enrol=${second}`);
  await page.waitForSelector('[data-testid=enrol-confirm][open]');
  assert.equal(await page.innerText('[data-testid=enrol-current]'), 'https://noivu.backan.gov.vn');
  assert.equal(new URL(page.url()).hash, '', 'the token leaves the address bar at once');
  await page.click('[data-testid=enrol-keep]');
  await page.waitForSelector('.notice:has-text("Đã giữ nguyên cài đặt đồng bộ")');
  assert.deepEqual(await settings(), { server: 'https://noivu.backan.gov.vn', token: 'papi_cu' });
  // Again, and replace.
  await page.goto('about:blank');
  await page.goto(`${server.url}/#enrol=${second}`);
  await page.waitForSelector('[data-testid=enrol-confirm][open]');
  await page.click('[data-testid=enrol-replace]');
  await page.waitForSelector('.notice:has-text("Đã kết nối với máy chủ đồng bộ")');
  assert.deepEqual(await settings(), { server: server.url, token: second });
  assert.equal(await page.locator('[data-testid=enrol-confirm][open]').count(), 0);
  // The same link once more changes nothing and asks nothing.
  await page.goto('about:blank');
  await page.goto(`${server.url}/#enrol=${second}`);
  await page.waitForSelector('nav.tabs');
  assert.equal(await page.locator('[data-testid=enrol-confirm][open]').count(), 0);
  await context.close();
});
