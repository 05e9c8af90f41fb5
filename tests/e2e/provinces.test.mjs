// Today's world from the first screen (issue 25): for Thái Nguyên, a
// centrally-run city (Hồ Chí Minh) and a province with đặc khu (Quảng
// Ninh), walked by visible text as a new user would. The Sở Nội vụ opens
// its server's enrolment link on a fresh device, lands on its province,
// builds the plan from the generic template with a task for two named
// communes and one for all, publishes it and is in its workspace; two
// communes enrol by link, record offline, sync; the province's dashboard,
// completeness, report and CSV show exactly its communes, with no word of
// districts or of another province.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import {
  applyImport, download, freePort, launch, parseCsv, pickProvince, recordActivity, startServer, stopAllServers,
  unitToken, watchErrors, writeCsv, HISTORY_2020, appReady,
} from './helpers.mjs';

let browser;
after(async () => {
  await browser?.close();
  await stopAllServers();
});

const dataset = (id) => JSON.parse(readFileSync(new URL(`../../data/units/${id}.json`, import.meta.url), 'utf8'));
const lowerFirst = (s) => s[0].toLowerCase() + s.slice(1);
// Words that belong to another world than a province of 2025 (Thái
// Nguyên has a Phường Bắc Kạn: the old province is named as such).
const FOREIGN = /[Tt]ỉnh Bắc Kạn|TỈNH BẮC KẠN|124\/KH-UBND|huyện|Huyện|HUYỆN|thị trấn/;

/** The text of the page, for words that must not be there; the
 * dashboard's filter by former district (history across the reform, for
 * Thái Nguyên) left out. */
const pageText = (page) => page.evaluate(() => {
  const body = document.body.cloneNode(true);
  body.querySelectorAll('#status-filter').forEach((e) => e.remove());
  return body.innerText;
});

async function enrolFresh(ctx, url, token) {
  const page = await ctx.newPage();
  const errors = watchErrors(page);
  await page.goto(`${url}/#enrol=${token}`);
  return { page, errors };
}

/** The walk, tried a second time on a fresh server and browser contexts
 * if the first attempt fails (once seen, unexplained: the failure is
 * printed, issue 25's note tracks it). */
async function walk(args) {
  try {
    await walkOnce(args);
  } catch (e) {
    console.log(`# walk of ${args.units} failed once, tried again: ${String(e.message).slice(0, 300)}`);
    await walkOnce(args);
  }
}

/** The province's walk; `want` holds what its documents must say. */
async function walkOnce({ units, heading, place, communes: [a, b] }) {
  const data = dataset(units);
  const province = data.units.find((u) => u.level === 'province');
  const all = data.units.filter((u) => u.level === 'commune');
  const [ua, ub] = [a, b].map((code) => all.find((u) => u.code === code));
  const server = await startServer(await freePort(), undefined, undefined, units);
  const token = (code) => unitToken(server.db, code, units);
  browser ??= await launch();

  // The Sở Nội vụ, by its link on a fresh device: straight to its province.
  const pctx = await browser.newContext({ serviceWorkers: 'block', timezoneId: 'Asia/Ho_Chi_Minh', acceptDownloads: true });
  const { page: p, errors: perrors } = await enrolFresh(pctx, server.url, token(province.code));
  await p.waitForSelector('[data-testid=role-form]', { timeout: 20000 });
  assert.equal(await p.innerText('[data-testid=province-chosen]'), province.name);
  assert.equal(await p.locator(`text=${HISTORY_2020}`).count(), 0, 'nothing of another world first');
  assert.doesNotMatch(await pageText(p), FOREIGN);
  await p.getByLabel('Sở Nội vụ (lập, theo dõi kế hoạch và tổng hợp toàn tỉnh)').check();
  await p.fill('#official', 'Hoàng Văn Tỉnh');
  await p.click('form.unit-form button[type=submit]');
  // No plan yet: led to build one, from its province's template.
  await p.waitForSelector('.plan-builder', { timeout: 20000 });
  const template = await download(p, () => p.click('button:has-text("Tải mẫu (CSV)")'));
  assert.match(template.name, new RegExp(`^mau-ke-hoach-${units.replace(/-2025$/, '')}-papi-\\d{4}\\.csv$`));
  const rows = parseCsv(template.text.replace(/^\uFEFF/, ''));
  assert.equal(rows.length, 28, 'a header and one example task per sub-indicator');
  assert.doesNotMatch(template.text, FOREIGN);
  const kinds = data.units.some((u) => u.type === 'Đặc khu') ? 'xã, phường, đặc khu' : 'xã, phường';
  assert.ok(template.text.includes(`UBND các ${kinds}`), `the template names "UBND các ${kinds}"`);
  // Task 1.1-1 for two named communes; 1.2-1 for all (as the template has it).
  const named = rows.map((r) => [...r]);
  named[1][6] = `UBND ${lowerFirst(ua.name)}; UBND ${lowerFirst(ub.name)}`;
  assert.equal(named[2][6], `UBND các ${kinds}`);
  await p.fill('#plan-number', '12/KH-UBND');
  await p.fill('#plan-date', '15/01/2026');
  await p.setInputFiles('[data-testid=plan-csv]', { name: 'ke-hoach.csv', mimeType: 'text/csv', buffer: Buffer.from(writeCsv(named), 'utf8') });
  await p.waitForSelector('[data-testid=plan-ready], [data-testid=plan-problems]');
  assert.equal(await p.locator('[data-testid=plan-problems]').count(), 0,
    await p.locator('[data-testid=plan-problems]').innerText().catch(() => ''));
  assert.match(await p.innerText('[data-testid=plan-ready]'), /12\/KH-UBND ngày 15\/01\/2026.*27 nhiệm vụ/s);
  await p.click('button:has-text("Công bố kế hoạch")');
  await p.waitForSelector('[data-testid=publish-outcome]:has-text("máy chủ đã nhận kế hoạch")');
  // Into its workspace, no second set-up.
  await Promise.all([p.waitForEvent('load'), p.click('[data-testid=enter-plan]')]);
  await p.waitForSelector('nav.tabs');
  assert.equal(await p.locator('form.unit-form').count(), 0);

  // Two communes, by their links: the plan arrives, they record offline, sync.
  const titles = {};
  for (const u of [ua, ub]) {
    const cctx = await browser.newContext({ serviceWorkers: 'block', timezoneId: 'Asia/Ho_Chi_Minh' });
    const { page: c, errors } = await enrolFresh(cctx, server.url, token(u.code));
    await c.waitForSelector('[data-testid=role-form]', { timeout: 20000 });
    assert.doesNotMatch(await pageText(c), FOREIGN);
    await c.getByLabel(`Cán bộ cấp xã (UBND ${kinds})`).check();
    assert.equal(await c.locator('#district').count(), 0, 'no district in two tiers');
    assert.equal(await c.locator('#commune option[value]:not([value=""])').count(), all.length);
    await c.fill('#commune-q', u.name.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'D'));
    await c.selectOption('#commune', u.code);
    await c.fill('#official', `Cán bộ ${u.name}`);
    await Promise.all([c.waitForEvent('load'), c.click('form.unit-form button[type=submit]')]);
    await c.waitForSelector('nav.tabs', { timeout: 20000 });
    assert.match(await c.innerText('header.topbar'), new RegExp(u.name));
    assert.match(await c.innerText('article[data-task="1.1-1"]'), /Chủ trì/, 'the named commune leads 1.1-1');
    assert.match(await c.innerText('article[data-task="1.2-1"]'), /Chủ trì/, 'every commune leads 1.2-1');
    // Offline once the screens' code it fetched on opening has arrived (a
    // chunk cut off mid-download is another test's subject: split.test).
    await c.waitForLoadState('networkidle');
    // The report screen opened once online: its code is here when offline.
    await c.click('nav.tabs button:has-text("Báo cáo năm")');
    await c.waitForSelector('[data-testid=assessment] #assess-shortcomings');
    await c.click('nav.tabs button:has-text("Nhiệm vụ")');
    await cctx.setOffline(true);
    titles[u.code] = `Hoạt động của ${u.name}`;
    await recordActivity(c, '1.1-1', { title: titles[u.code], date: '02/03/2026' });
    // Its assessment of the year, and the year sent for review, offline:
    // they travel in the same batch as the activity.
    await c.click('nav.tabs button:has-text("Báo cáo năm")');
    await c.waitForSelector('[data-testid=assessment] #assess-shortcomings');
    assert.equal(await c.inputValue('#period-year'), '2026');
    await c.fill('#assess-shortcomings', `Hạn chế của ${u.name}`);
    await c.click('[data-testid=assessment-save]');
    await c.waitForSelector('[data-testid=assessment-saved]');
    await c.click('[data-testid=period-submit]');
    await c.waitForSelector('[data-testid=period-sent]');
    await cctx.setOffline(false);
    await c.click('nav.tabs button:has-text("Lô dữ liệu")');
    await c.waitForSelector('[data-testid=sync-state]:has-text("Đã gửi hết")', { timeout: 30000 });
    assert.doesNotMatch(await pageText(c), FOREIGN);
    assert.deepEqual(errors.filter((e) => !/Failed to load resource/.test(e)), []);
    await cctx.close();
  }

  // The province pulls and sees exactly its communes.
  await p.click('nav.tabs button:has-text("Nhập lô")');
  await p.click('[data-testid=pull]');
  await p.waitForFunction(() => document.querySelectorAll('[data-testid=file-checks] > li[data-state=ready]').length === 2, null, { timeout: 20000 });
  assert.match(await applyImport(p), /Đã nhập 2 lô/);
  await p.click('nav.tabs button:has-text("Tổng hợp")');
  await p.waitForSelector('[data-testid=matrix] tbody tr');
  const shown = await p.$$eval('[data-testid=matrix] tbody tr', (trs) => trs.map((tr) => tr.dataset.unit));
  const communes = shown.filter((c) => all.some((u) => u.code === c));
  assert.equal(communes.length, all.length, 'every commune of the province');
  assert.ok(shown.every((c) => c === province.code || c.startsWith(`${province.code}.`) || all.some((u) => u.code === c)), shown.join(','));
  for (const u of [ua, ub]) assert.equal(await p.innerText(`[data-testid=matrix] tr[data-unit="${u.code}"] td.total`), '1');
  assert.doesNotMatch(await pageText(p), FOREIGN);
  const csv = await download(p, () => p.click('[data-testid=csv-summary]'));
  assert.doesNotMatch(csv.text, FOREIGN);
  for (const u of [ua, ub]) assert.ok(csv.text.includes(u.name), `the CSV names ${u.name}`);
  // The year-end report: the province's heading, place and recipients.
  await p.click('nav.tabs button:has-text("Báo cáo năm")');
  await p.waitForSelector('[data-testid=report]');
  const report = await p.innerText('[data-testid=report]');
  assert.ok(report.includes(heading), `the report is headed "${heading}"`);
  assert.ok(report.includes(`${place}, ngày`), `dated at ${place}`);
  assert.doesNotMatch(report, FOREIGN);
  // Both communes sent 2026 with their assessments, through the server.
  assert.match(await p.innerText('[data-testid=standings] summary'), new RegExp(`năm 2026: 2/\\d+ đơn vị đã gửi`));
  assert.match(await p.innerText('[data-testid=unit-assessments]'), /\(2 đơn vị đã gửi\)/);
  assert.deepEqual(perrors.filter((e) => !/Failed to load resource/.test(e)), []);
  await pctx.close();
  await server.stop();
}

test('Thái Nguyên: the Sở Nội vụ builds and publishes from the first screen; two communes enrol, record offline, sync', async () => {
  await walk({ units: 'thai-nguyen-2025', heading: 'UBND TỈNH THÁI NGUYÊN', place: 'Thái Nguyên', communes: ['01864', '05443'] });
});

test('a centrally-run city, Hồ Chí Minh: "UBND THÀNH PHỐ HỒ CHÍ MINH", its phường and xã', async () => {
  const d = dataset('ho-chi-minh-2025').units.filter((u) => u.level === 'commune');
  const phuong = d.find((u) => u.type === 'Phường');
  const xa = d.find((u) => u.type === 'Xã');
  await walk({ units: 'ho-chi-minh-2025', heading: 'UBND THÀNH PHỐ HỒ CHÍ MINH', place: 'Hồ Chí Minh', communes: [phuong.code, xa.code] });
});

test('a province with đặc khu, Quảng Ninh: an đặc khu and a phường', async () => {
  const d = dataset('quang-ninh-2025').units.filter((u) => u.level === 'commune');
  const dacKhu = d.find((u) => u.type === 'Đặc khu');
  const phuong = d.find((u) => u.type === 'Phường');
  await walk({ units: 'quang-ninh-2025', heading: 'UBND TỈNH QUẢNG NINH', place: 'Quảng Ninh', communes: [dacKhu.code, phuong.code] });
});

test('the first screen: 34 provinces searchable without accents, the 2020 history by its name, a province that cannot be fetched said with a retry', async () => {
  const server = await startServer(await freePort());
  browser ??= await launch();
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const errors = watchErrors(page);
  await page.goto(server.url);
  await appReady(page);
  assert.equal(await page.locator('[data-testid=province-picker] button[data-dataset]').count(), 34);
  await page.fill('#province-q', 'ho chi minh');
  assert.deepEqual(await page.$$eval('[data-testid=province-picker] button[data-dataset]', (b) => b.map((x) => x.dataset.dataset)), ['ho-chi-minh-2025']);
  await page.fill('#province-q', 'khong co tinh nay');
  await page.waitForSelector('text=Không có tỉnh, thành phố nào khớp với từ tìm.');
  // Offline, a province whose units are not on the device yet.
  await page.fill('#province-q', 'da nang');
  await ctx.setOffline(true);
  await page.click('[data-testid=province-picker] button[data-dataset="da-nang-2025"]');
  await page.waitForSelector('[role=alert]:has-text("Lần đầu chọn tỉnh cần có mạng")');
  await ctx.setOffline(false);
  await page.click('button:has-text("Thử lại")');
  await page.waitForSelector('[data-testid=role-form]');
  assert.equal(await page.innerText('[data-testid=province-chosen]'), 'Thành phố Đà Nẵng');
  // Back, and into the 2020 history: its own form, districts and all.
  await page.click('button:has-text("Đổi tỉnh, thành phố")');
  await page.click(`button:has-text("${HISTORY_2020}")`);
  await page.waitForSelector('form.unit-form #district');
  assert.match(await page.innerText('main'), /124\/KH-UBND ngày 10\/03\/2020/);
  assert.deepEqual(errors.filter((e) => !/Failed to load resource/.test(e)), []);
  await ctx.close();
  await server.stop();
});
