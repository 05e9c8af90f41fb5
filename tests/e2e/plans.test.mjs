// Plans as data, two tiers end to end (issue 15): the province of Thái
// Nguyên makes its 2026 plan from a CSV (a bad row first: its problem shown
// with row and column; then fixed), publishes it (offline first: refused;
// a plan of another dataset: refused by the server), a commune enrolled on
// that server (Xã Bằng Thành, 01864, a code that was Xã Bộc Bố in 2020)
// receives the plan by itself, switches to it, records and syncs; the
// province pulls and sees it on its dashboard among the 92 communes.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  launch, freePort, startServer, unitToken, stopAllServers, watchErrors, appReady, openHistory,
  download, recordActivity, applyImport, parseCsv, writeCsv, planRows300,
  setupCommune, setupProvince, exportBatch, importFiles, timelineTitles,
} from './helpers.mjs';

// The server and its token commands serve Thái Nguyên's two-tier units.
process.env.PAPI_UNITS = 'thai-nguyen-2025';

let browser;
after(async () => {
  await browser?.close();
  await stopAllServers();
});

async function uploadCsv(page, name, text) {
  await page.setInputFiles('[data-testid=plan-csv]', { name, mimeType: 'text/csv', buffer: Buffer.from(text, 'utf8') });
}

/** First screen for a commune of Thái Nguyên (its province already named
 * by the link): no district, the province's 92 communes; into the plan's
 * workspace. */
async function setupTwoTierCommune(page, code, name) {
  await page.waitForSelector('[data-testid=role-form]');
  await page.getByLabel('Cán bộ cấp xã (UBND xã, phường)').check();
  assert.equal(await page.locator('#district').count(), 0);
  assert.equal(await page.locator('#commune option[value]:not([value=""])').count(), 92);
  await page.selectOption('#commune', code);
  await page.fill('#official', name);
  await Promise.all([page.waitForEvent('load'), page.click('form.unit-form button[type=submit]')]);
  await page.waitForSelector('nav.tabs');
}

test('a province makes a plan from a CSV and publishes it; a commune of Thái Nguyên receives it, records, syncs; the province sees it among 92 communes', async () => {
  const port = await freePort();
  const server = await startServer(port);
  const { url, db } = server;
  const provinceToken = unitToken(db, '19');
  const communeToken = unitToken(db, '01864');
  browser = await launch();

  // The province, enrolled by link: its province at once, and with no
  // plan yet, the plan builder.
  const pctx = await browser.newContext({ serviceWorkers: 'block', timezoneId: 'Asia/Ho_Chi_Minh', acceptDownloads: true });
  const p = await pctx.newPage();
  const perrors = watchErrors(p);
  const importMs = [];
  p.on('console', (m) => { const x = /plan-import-ms (\d+)/.exec(m.text()); if (x) importMs.push(Number(x[1])); });
  await p.goto(`${url}/#enrol=${provinceToken}`);
  await p.waitForSelector('[data-testid=role-form]', { timeout: 20000 });
  await p.getByLabel('Sở Nội vụ (lập, theo dõi kế hoạch và tổng hợp toàn tỉnh)').check();
  await p.fill('#official', 'Hoàng Văn Tỉnh');
  await p.click('form.unit-form button[type=submit]');
  await p.waitForSelector('.plan-builder', { timeout: 20000 });
  const template = await download(p, () => p.click('button:has-text("Tải mẫu (CSV)")'));
  const rows = parseCsv(template.text.replace(/^\uFEFF/, ''));
  assert.equal(rows[0][6], 'Cơ quan chủ trì');
  assert.equal(rows.length, 28, 'a header and the 27 example tasks of the template');

  await p.fill('#plan-number', '45/KH-UBND');
  await p.fill('#plan-date', '15/01/2026');
  await p.fill('#plan-title', 'Nâng cao Chỉ số PAPI tỉnh Thái Nguyên năm 2026');
  await p.fill('#plan-id', 'thai-nguyen-papi-2026');
  await p.fill('#plan-version', '2026.1');

  // A bad row: a lead agency the catalogue does not know.
  const bad = rows.map((r) => [...r]);
  bad[2][6] = 'Sở Không Có Thật';
  await uploadCsv(p, 'ke-hoach-loi.csv', writeCsv(bad));
  await p.waitForSelector('[data-testid=plan-problems]');
  const problems = await p.innerText('[data-testid=plan-problems]');
  assert.match(problems, /Nhiệm vụ, dòng 3, cột G/);
  assert.equal(await p.locator('[data-testid=plan-ready]').count(), 0);
  // Not a CSV of the template at all.
  await uploadCsv(p, 'khac.csv', 'a,b,c\n1,2,3\n');
  await p.waitForSelector('[data-testid=plan-problems]:has-text("dòng 1")');

  // Fixed: the template as it came, now the plan of Thái Nguyên 2026.
  await uploadCsv(p, 'ke-hoach.csv', template.text);
  await p.waitForSelector('[data-testid=plan-ready]');
  assert.match(await p.innerText('[data-testid=plan-ready]'), /45\/KH-UBND ngày 15\/01\/2026.*27 nhiệm vụ/s);

  // Offline: the file downloads, the server is not reached.
  await pctx.setOffline(true);
  const file = await download(p, () => p.click('button:has-text("Công bố kế hoạch")'));
  assert.equal(file.name, 'ke-hoach-thai-nguyen-papi-2026-2026.1.json');
  assert.equal(JSON.parse(file.text).units, 'thai-nguyen-2025');
  await p.waitForSelector('[data-testid=publish-outcome].error');
  assert.match(await p.innerText('[data-testid=publish-outcome]'), /không kết nối được máy chủ/);
  await pctx.setOffline(false);
  await p.click('button:has-text("Công bố kế hoạch")');
  await p.waitForSelector('[data-testid=publish-outcome]:has-text("máy chủ đã nhận kế hoạch")');
  const listed = await (await fetch(`${url}/api/v1/plans`, { headers: { Authorization: `Bearer ${communeToken}` } })).json();
  assert.ok(listed.plans.some((x) => x.id === 'thai-nguyen-papi-2026' && x.version === '2026.1'));

  // The workbook template, read back by the XLSX worker; a file that is
  // no workbook is refused with the reason.
  const [xdl] = await Promise.all([p.waitForEvent('download'), p.click('button:has-text("Tải mẫu (Excel)")')]);
  assert.equal(xdl.suggestedFilename(), 'mau-ke-hoach-thai-nguyen-papi-2026.xlsx');
  const xlsx = readFileSync(await xdl.path());
  await p.fill('#plan-id', 'thai-nguyen-papi-2026');
  await p.fill('#plan-version', '2026.5');
  const xlsxType = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
  await p.setInputFiles('[data-testid=plan-csv]', { name: 'ke-hoach.xlsx', mimeType: xlsxType, buffer: Buffer.from('not a workbook') });
  await p.waitForSelector('[data-testid=plan-problems]:has-text("không đọc được tệp Excel")');
  await p.setInputFiles('[data-testid=plan-csv]', { name: 'ke-hoach.xlsx', mimeType: xlsxType, buffer: xlsx });
  await p.waitForSelector('[data-testid=plan-ready]:has-text("2026.5")');
  assert.match(await p.innerText('[data-testid=plan-ready]'), /27 nhiệm vụ/);

  // A 300-task plan CSV: read and checked (its time is a benchmark:
  // scripts/bench-plans.mjs).
  // Each task 7 or 8 times in a row (`planRows300`).
  const big = planRows300(rows);
  assert.equal(big.length, 301);
  await p.fill('#plan-version', '2026.9');
  const before = importMs.length;
  await uploadCsv(p, 'ke-hoach-300.csv', writeCsv(big));
  await p.waitForSelector('[data-testid=plan-ready]:has-text("300 nhiệm vụ"), [data-testid=plan-problems]');
  assert.equal(await p.locator('[data-testid=plan-problems]').count(), 0,
    await p.locator('[data-testid=plan-problems]').innerText().catch(() => ''));
  assert.ok(importMs.length > before);
  const ms = importMs[importMs.length - 1];
  console.log(`# 300-task plan CSV imported in ${ms} ms`);

  // The commune of Thái Nguyên, enrolled by link: the plan arrives by itself.
  const cctx = await browser.newContext({ serviceWorkers: 'block', timezoneId: 'Asia/Ho_Chi_Minh' });
  const c = await cctx.newPage();
  const cerrors = watchErrors(c);
  await c.goto(`${url}/#enrol=${communeToken}`);
  await c.waitForSelector('[data-testid=role-form]', { timeout: 20000 });
  // The link's server serves Thái Nguyên's units: its settings went to the
  // workspace of that server's plan, not to the 2020 plan.
  await c.waitForFunction(() => localStorage.getItem('papi-tracker.sync@thai-nguyen-papi-2026') !== null);
  // The first screen says so.
  await c.waitForSelector('.notice:has-text("Đã kết nối với máy chủ của Tỉnh Thái Nguyên")');
  assert.equal(await c.evaluate(() => localStorage.getItem('papi-tracker.sync')), null);
  await setupTwoTierCommune(c, '01864', 'Nguyễn Thị Thành');
  assert.match(await c.innerText('header.topbar'), /Xã Bằng Thành/);
  await recordActivity(c, '1.2-1', { title: 'Niêm yết công khai năm 2026', date: '02/03/2026' });
  await c.click('nav.tabs button:has-text("Lô dữ liệu")');
  await c.waitForSelector('[data-testid=sync-state]:has-text("Đã gửi hết")', { timeout: 30000 });
  // Its data is in the plan's own database, not the 2020 one.
  const dbs = await c.evaluate(async () => (await indexedDB.databases()).map((d) => d.name).sort());
  assert.ok(dbs.includes('papi-tracker@thai-nguyen-papi-2026'), dbs.join(','));
  // Its sync settings are the workspace's own, taken from the server the
  // plan came from; the pull cursors and fallback records are kept apart too.
  const kept = await c.evaluate(() => JSON.parse(localStorage.getItem('papi-tracker.sync@thai-nguyen-papi-2026')));
  assert.equal(kept.token, communeToken);

  // The province enters its plan (no second set-up), pulls, and sees the commune.
  await Promise.all([p.waitForEvent('load'), p.click('[data-testid=plan-held] [data-testid=enter-plan]')]);
  await p.waitForSelector('nav.tabs');
  await p.click('nav.tabs button:has-text("Nhập lô")');
  await p.click('[data-testid=pull]');
  await p.waitForSelector('[data-testid=file-checks] > li[data-state=ready]');
  assert.match(await applyImport(p), /Đã nhập 1 lô: thêm 1/);
  await p.click('nav.tabs button:has-text("Tổng hợp")');
  await p.waitForSelector('[data-testid=matrix] tbody tr');
  assert.equal(await p.locator('[data-testid=matrix] tbody tr').count(), 93, '92 communes and the province');
  assert.equal(await p.innerText('[data-testid=matrix] tr[data-unit="01864"] td.total'), '1');
  assert.match(await p.innerText('[data-testid=matrix] tr[data-unit="01864"] th'), /Xã Bằng Thành/);
  // Filtered by name, accent-insensitive.
  await p.fill('#matrix-filter', 'bang thanh');
  assert.equal(await p.locator('[data-testid=matrix] tbody tr').count(), 1);
  await p.fill('#status-name', 'bang thanh');
  await p.waitForSelector('[data-testid=unit-status] tbody tr[data-unit="01864"]');
  assert.equal(await p.locator('[data-testid=unit-status] tbody tr').count(), 1);
  // Filtered by former district (history): the communes of 2025 that took
  // over communes of Huyện Pác Nặm, as the data files say.
  await p.fill('#status-name', '');
  const data = (f) => JSON.parse(readFileSync(new URL(`../../data/units/${f}`, import.meta.url), 'utf8'));
  const old = data('bac-kan-2020.json').units;
  const pacNam = old.find((u) => u.level === 'district' && /Pác Nặm/.test(u.name));
  const olds = new Set(old.filter((u) => u.parent_code === pacNam.code).map((u) => u.code));
  const mapping = data('bac-kan-2020-to-thai-nguyen-2025.json');
  const reform = mapping.successors;
  const heirs = new Set(reform.filter((r) => olds.has(r.old_code)).map((r) => r.new_code));
  assert.ok(heirs.has('01864'), [...heirs].join(','));
  assert.equal(await p.locator('#status-filter optgroup option').count(), 8, 'the 8 former districts');
  await p.selectOption('#status-filter', `former:${pacNam.code}`);
  await p.waitForFunction((n) => document.querySelectorAll('[data-testid=unit-status] tbody tr').length === n, heirs.size);
  const shown = await p.$$eval('[data-testid=unit-status] tbody tr', (trs) => trs.map((tr) => tr.dataset.unit));
  assert.deepEqual(new Set(shown), heirs);
  // The report's letterhead comes from the data: the province, two tiers.
  await p.click('nav.tabs button:has-text("Báo cáo năm")');
  const head = await p.innerText('[data-testid=report] .doc-head');
  assert.match(head, /THÁI NGUYÊN/);
  assert.doesNotMatch(head, /BẮC KẠN|HUYỆN/);
  assert.deepEqual(perrors.filter((e) => !/Failed to load resource/.test(e)), []);
  assert.deepEqual(cerrors.filter((e) => !/Failed to load resource/.test(e)), []);
});

test('a plan file of a dataset this build lacks is refused with the reason; a good one joins the list', async () => {
  const port = await freePort();
  const { url } = await startServer(port);
  browser ??= await launch();
  const ctx = await browser.newContext({ serviceWorkers: 'block' });
  const page = await ctx.newPage();
  await page.goto(url);
  await openHistory(page);
  await page.getByLabel('Cán bộ cấp xã (UBND xã, phường, thị trấn)').check();
  await page.selectOption('#district', '058');
  await page.selectOption('#commune', '01840');
  await page.fill('#official', 'Nguyễn Văn An');
  await page.click('form.unit-form button[type=submit]');
  await page.waitForSelector('nav.tabs');
  await page.click('nav.tabs button:has-text("Cài đặt")');
  await page.click('[data-testid=open-plans]');
  const shipped = JSON.parse(readFileSync(new URL('../../data/plans/bac-kan-124-2020.json', import.meta.url), 'utf8'));
  const put = (plan, name) => page.setInputFiles('[data-testid=plan-file]', { name, mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(plan)) });
  await put({ ...shipped, id: 'ha-noi-2030', units: 'ha-noi-2030' }, 'ha-noi.json');
  await page.waitForSelector('p.error[role=alert]:has-text("ha-noi-2030")');
  await put({ ...shipped, id: 'thai-nguyen-papi-2027', version: '2027.1', units: 'thai-nguyen-2025' }, 'tn.json');
  await page.waitForSelector('li[data-plan="thai-nguyen-papi-2027"] button:has-text("Chuyển sang kế hoạch này")');
  assert.match(await page.innerText('[data-testid=active-plan]'), /124\/KH-UBND/);
  await ctx.close();
});

/** Start the app again on the newer version of the plan in use (Các kế hoạch). */
async function useNewVersion(page) {
  await page.waitForSelector('[data-testid=use-new-version]');
  await Promise.all([page.waitForEvent('load'), page.click('[data-testid=use-new-version]')]);
  await appReady(page);
}

test('a new version drops a task: its records stay readable, counted where they were, and travel in batches naming the new version', async () => {
  const { url } = await startServer(await freePort());
  browser ??= await launch();
  const options = { serviceWorkers: 'block', acceptDownloads: true, timezoneId: 'Asia/Ho_Chi_Minh' };

  // A commune of the 2020 plan records against 2.3-1 and 1.1-1.
  const cctx = await browser.newContext(options);
  const c = await cctx.newPage();
  const cerrors = watchErrors(c);
  await c.goto(url);
  await setupCommune(c);
  await recordActivity(c, '2.3-1', { title: 'Niêm yết dự toán năm 2020', date: '15/04/2020' });
  await recordActivity(c, '1.1-1', { title: 'Họp dân về quy hoạch', date: '20/04/2020' });

  // The province makes version 2026.1 of the same plan, dated 2026, from
  // the template without the row of 2.3-1; the builder says what is kept.
  const pctx = await browser.newContext(options);
  const p = await pctx.newPage();
  const perrors = watchErrors(p);
  await p.goto(url);
  await setupProvince(p);
  await p.click('nav.tabs button:has-text("Cài đặt")');
  await p.click('[data-testid=open-plans]');
  await p.click('button:has-text("Mở công cụ lập kế hoạch")');
  const template = await download(p, () => p.click('button:has-text("Tải mẫu (CSV)")'));
  const rows = parseCsv(template.text.replace(/^\uFEFF/, ''));
  await p.fill('#plan-id', 'bac-kan-124-2020');
  await p.fill('#plan-version', '2026.1');
  await p.fill('#plan-number', '15/KH-UBND');
  await p.fill('#plan-date', '10/01/2026');
  await p.fill('#plan-title', 'Nâng cao Chỉ số PAPI tỉnh Bắc Kạn (sửa đổi)');
  await uploadCsv(p, 'ke-hoach-2026.csv', writeCsv(rows.filter((r) => r[4] !== '2.3-1')));
  await p.waitForSelector('[data-testid=plan-ready]');
  assert.match(await p.innerText('[data-testid=plan-ready]'), /41 nhiệm vụ/);
  assert.match(await p.innerText('[data-testid=plan-retired]'), /2\.3-1 \(đến phiên bản 2020\.2\)/);
  const file = await download(p, () => p.click('button:has-text("Công bố kế hoạch")'));
  assert.equal(file.name, 'ke-hoach-bac-kan-124-2020-2026.1.json');
  const plan = JSON.parse(file.text);
  assert.equal(plan.records_from, '2020-03-10', 'records still date from the first version');

  // The commune takes the file and starts on the new version.
  await c.click('nav.tabs button:has-text("Cài đặt")');
  await c.click('[data-testid=open-plans]');
  await c.setInputFiles('[data-testid=plan-file]', { name: file.name, mimeType: 'application/json', buffer: Buffer.from(file.text) });
  await useNewVersion(c);
  assert.match(await c.innerText('header.topbar'), /Phường Đức Xuân/);
  // 2.3-1 is shown under 2.3, read-only, with its record; nothing new
  // can be recorded against it.
  const card = c.locator('article[data-task="2.3-1"]');
  await card.waitFor();
  assert.equal(await card.getAttribute('data-retired'), 'true');
  assert.match(await card.innerText(), /Không còn trong kế hoạch/);
  assert.match(await card.locator('[data-testid=retired-task]').innerText(), /phiên bản 2020\.2/);
  assert.equal(await card.locator('button:has-text("Ghi hoạt động")').count(), 0);
  assert.match(await card.locator('[data-testid=task-summary]').innerText(), /1 hoạt động · gần nhất 15\/04\/2020/);
  await card.locator('button:has-text("Xem hoạt động")').click();
  await card.locator('li.activity .title:has-text("Niêm yết dự toán năm 2020")').waitFor();
  assert.equal(await card.locator('li.activity button:has-text("Sửa")').count(), 0);
  assert.deepEqual((await timelineTitles(c)).sort(), ['Họp dân về quy hoạch', 'Niêm yết dự toán năm 2020']);
  // The batch names the new version and carries every record, 2.3-1's too.
  const batch = await exportBatch(c);
  const sent = JSON.parse(batch.text);
  assert.equal(sent.plan.version, '2026.1');
  assert.deepEqual(sent.records.map((r) => r.task_id).sort(), ['1.1-1', '2.3-1']);

  // The province starts on the new version and imports it: the record of
  // 2.3-1 counts under 2.3, as before, and the report lists it there.
  await useNewVersion(p);
  await importFiles(p, [batch]);
  assert.match(await applyImport(p), /Đã nhập 1 lô: thêm 2/);
  await p.click('nav.tabs button:has-text("Tổng hợp")');
  await p.waitForSelector('[data-testid=matrix] tbody tr[data-unit="058"]');
  const heads = await p.$$eval('[data-testid=matrix] thead th', (ths) => ths.map((t) => t.textContent));
  const cells = await p.$$eval('[data-testid=matrix] tbody tr[data-unit="058"] > *', (tds) => tds.map((t) => t.querySelector('.n')?.textContent ?? t.textContent));
  assert.equal(cells[heads.indexOf('2.3')], '1');
  assert.equal(cells[heads.indexOf('1.1')], '1');
  assert.equal(cells[cells.length - 1], '2');
  await p.click('nav.tabs button:has-text("Báo cáo năm")');
  const task = p.locator('[data-testid=report] .doc-task[data-task="2.3-1"]');
  await task.waitFor();
  assert.match(await task.innerText(), /không còn trong kế hoạch hiện hành/);
  assert.match(await task.innerText(), /1 hoạt động đã thực hiện/);
  assert.match(await task.innerText(), /Niêm yết dự toán năm 2020/);
  assert.deepEqual(perrors.filter((e) => !/Failed to load resource/.test(e)), []);
  assert.deepEqual(cerrors.filter((e) => !/Failed to load resource/.test(e)), []);
  await cctx.close();
  await pctx.close();
});
