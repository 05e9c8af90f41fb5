// The district and province views: the dashboard's figures, the printed
// year-end report, CSV and XLSX, and forwarding a district's data to the
// province in one bundle.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import ExcelJS from 'exceljs';
import mammoth from 'mammoth';
import {
  applyImport, download, exportBatch, importFiles, makeBatch, openHistory, recordActivity, serverAndBrowser, seriousViolations, setupProvince,
  setupCommune, setupDistrict, watchErrors,
} from './helpers.mjs';

const env = serverAndBrowser();

// Na Rì: Đổng Xá and Văn Vũ report; the other communes do not. Made once:
// the same files (same record ids) every time they are asked for.
let made;
async function naRiBatches() {
  made ??= await makeNaRi();
  return made;
}
async function makeNaRi() {
  return [
    await makeBatch('02194', 'dev-a', 1, [
      { task: '2.3-1', date: '2020-04-15', title: 'Niêm yết dự toán', evidence: 'TB 12/TB-UBND' },
      { task: '2.3-1', date: '2020-05-02', title: 'Niêm yết quyết toán' },
      { task: '1.1-1', date: '2020-05-03', title: 'Tuyên truyền Luật Tiếp cận thông tin', status: 'planned' },
    ], '2020-06-20T09:00:00.000Z'),
    await makeBatch('02137', 'dev-v', 1, [
      { task: '2.3-1', date: '2020-08-01', title: 'Công khai ngân sách thôn' },
    ], '2020-08-05T09:00:00.000Z'),
    await makeBatch('02137', 'dev-v', 3, [
      { task: '4.1-1', date: '2020-09-10', title: 'Hội nghị phòng chống tham nhũng <b>xã</b>' },
    ], '2020-09-12T09:00:00.000Z'),
  ];
}

/** The file `xlsxOf` saved last. */
let lastXlsx;

/** Download the dashboard's XLSX as `name`; its sheet names, and whether
 * each of `strings` is in it (read with Python's zipfile). */
async function xlsxOf(page, name, strings) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=xlsx]')]);
  assert.equal(dl.suggestedFilename(), name);
  const xlsx = join(tmpdir(), `papi-${Date.now()}.xlsx`);
  await dl.saveAs(xlsx);
  lastXlsx = xlsx;
  return execFileSync('python3', ['-c', `
import sys, zipfile, re
z = zipfile.ZipFile(sys.argv[1])
wb = z.read('xl/workbook.xml').decode()
ss = z.read('xl/sharedStrings.xml').decode()
print('|'.join(re.findall(r'<sheet name="([^"]+)"', wb)))
print(*[s in ss for s in sys.argv[2:]])`, xlsx, ...strings], { encoding: 'utf8' }).trim().split('\n');
}

/** The text lines of each page of a PDF, as a real reader (PDF.js)
 * extracts them: the items of a page grouped by their baseline, top to
 * bottom, NFC. */
async function pdfLines(bytes) {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const doc = await pdfjs.getDocument({ data: new Uint8Array(bytes), disableFontFace: true, verbosity: 0 }).promise;
  const pages = [];
  for (let n = 1; n <= doc.numPages; n++) {
    const { items } = await (await doc.getPage(n)).getTextContent();
    const lines = new Map();
    for (const it of items) {
      const y = Math.round(it.transform[5]);
      lines.set(y, (lines.get(y) ?? '') + it.str);
    }
    pages.push([...lines.entries()].sort((a, b) => b[0] - a[0]).map(([, t]) => t.normalize('NFC').trim()).filter(Boolean));
  }
  return pages;
}

/** The XLSX's "Hoạt động" sheet as a real reader (ExcelJS) sees it: the
 * header, the first row's values, and the frozen pane. */
async function activitySheet(file) {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  const ws = wb.getWorksheet('Hoạt động');
  const header = ws.getRow(1).values.slice(1);
  return { header, row: ws.getRow(2).values.slice(1), dateFormat: ws.getRow(2).getCell(header.indexOf('Ngày') + 1).numFmt, views: ws.views };
}

test('a district imports, reads its dashboard, prints its year-end report and downloads CSV and XLSX', async () => {
  // The device's day is the day in Vietnam, as the report's date is.
  const context = await env.browser.newContext({ viewport: { width: 1366, height: 768 }, timezoneId: 'Asia/Ho_Chi_Minh' });
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(env.server.url);
  await setupDistrict(page);
  await importFiles(page, await naRiBatches());
  await applyImport(page);

  await page.click('nav.tabs button:has-text("Tổng hợp")');
  await page.waitForSelector('[data-testid=matrix]');
  assert.equal(await page.inputValue('#period-year'), '2020', 'opens on the year that has data');
  assert.equal(await page.innerText('[data-testid=grand-total]'), '5');
  const row = async (unit) => page.$$eval(`[data-testid=matrix] tr[data-unit="${unit}"] td`, (tds) => tds.map((t) => (t.querySelector('.n') ?? t).textContent));
  // Each cell shows its latest activity date too, not only on hover.
  const latest = async (unit) => page.$$eval(`[data-testid=matrix] tr[data-unit="${unit}"] td .latest`, (s) => s.map((x) => x.textContent));
  const headers = await page.$$eval('[data-testid=matrix] thead th', (ths) => ths.map((t) => t.textContent));
  const dx = await row('02194');
  assert.equal(dx[headers.indexOf('2.3') - 1], '2');
  assert.equal(dx[headers.indexOf('1.1') - 1], '1');
  assert.equal(dx.at(-1), '3');
  const dxLatest = await latest('02194');
  assert.equal(dxLatest.length, 2, 'one date per cell with activity');
  assert.ok(dxLatest.every((d) => /^\d{2}\/\d{2}\/2020$/.test(d)), dxLatest.join(' '));
  // Drill down: the commune, then the task, then its activities.
  // The unit's name stays in view while the wide table scrolls sideways.
  const stuck = await page.evaluate(() => {
    const wrap = document.querySelector('[data-testid=matrix]').closest('.table-wrap');
    const th = wrap.querySelector('tr[data-unit="02194"] th');
    wrap.scrollLeft = wrap.scrollWidth;
    return { scrolled: wrap.scrollLeft > 0, dx: Math.round(th.getBoundingClientRect().left - wrap.getBoundingClientRect().left) };
  });
  assert.deepEqual(stuck, { scrolled: true, dx: 0 });
  await page.click('[data-testid=matrix] tr[data-unit="02194"] th button');
  // The breakdown, below the table, is brought into view.
  await page.waitForFunction(() => {
    const r = document.querySelector('[data-testid=drill]')?.getBoundingClientRect();
    return r && r.top >= 0 && r.top < innerHeight;
  });
  await page.click('[data-testid=drill] button:has-text("2.3-1")');
  assert.deepEqual(await page.$$eval('[data-testid=drill-activities] .title', (t) => t.map((x) => x.textContent)),
    ['Niêm yết dự toán', 'Niêm yết quyết toán']);
  // Quarter II: only Đổng Xá's three.
  await page.selectOption('#period-quarter', '2');
  await page.waitForFunction(() => document.querySelector('[data-testid=grand-total]').textContent === '3');
  const status = async (unit) => page.innerText(`[data-testid=unit-status] tr[data-unit="${unit}"]`);
  assert.match(await status('02194'), /Đã báo cáo đúng hạn/);
  assert.match(await status('02137'), /Chưa báo cáo \(quá hạn\)/);
  await page.selectOption('#period-quarter', '3');
  assert.match(await status('02137'), /\t2\t2\t12\/09\/2020\t2\tĐã báo cáo đúng hạn/);
  await page.selectOption('#period-quarter', '');
  assert.ok((await page.innerText('[data-testid=untouched]')).includes('2.2-1'), 'commune-led tasks with no activity are listed');
  assert.deepEqual(await seriousViolations(page), []);

  // CSV (UTF-8 with BOM) and XLSX.
  const csv = await download(page, () => page.click('[data-testid=csv-activities]'));
  assert.equal(csv.name, 'papi-066-hoat-dong-2020.csv');
  assert.ok(csv.text.startsWith('\ufeffMã đơn vị,Đơn vị,Thuộc,'));
  assert.equal(csv.text.trim().split('\r\n').length, 1 + 5);
  assert.ok(csv.text.includes('Hội nghị phòng chống tham nhũng <b>xã</b>'));
  const summary = await download(page, () => page.click('[data-testid=csv-summary]'));
  assert.ok(summary.text.split('\r\n')[1].startsWith('02137,Xã Văn Vũ,') || summary.text.includes('02194,Xã Đổng Xá,'));
  assert.deepEqual(await xlsxOf(page, 'papi-066-2020.xlsx', ['Niêm yết quyết toán', 'Xã Đổng Xá']),
    ['Tổng hợp|Hoạt động', 'True True']);
  // Dates are dates (sortable, shown dd/mm/yyyy), counts numbers, the header frozen.
  const sheet = await activitySheet(lastXlsx);
  const day = sheet.row[sheet.header.indexOf('Ngày')];
  assert.ok(day instanceof Date, `the date cell is a date: ${day}`);
  assert.equal(sheet.dateFormat, 'dd/mm/yyyy');
  assert.equal(day.toISOString().slice(0, 4), '2020');
  assert.deepEqual(sheet.views.map((v) => [v.state, v.ySplit]), [['frozen', 1]]);
  const summaryWb = new ExcelJS.Workbook();
  await summaryWb.xlsx.readFile(lastXlsx);
  const total = summaryWb.getWorksheet('Tổng hợp').getRow(4).values.at(-1);
  assert.equal(typeof total, 'number', `a count is a number: ${total}`);

  // The year-end report, as printed.
  await page.click('button:has-text("Báo cáo năm (in)")');
  await page.waitForSelector('[data-testid=report]');
  const text = await page.innerText('[data-testid=report]');
  for (const want of ['UBND HUYỆN NA RÌ', 'PHÒNG NỘI VỤ', 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', 'Độc lập - Tự do - Hạnh phúc',
    'Na Rì, ngày', 'BÁO CÁO', 'Kế hoạch số 124/KH-UBND ngày 10/03/2020', 'I. TỔNG HỢP CHUNG', 'II. KẾT QUẢ THEO TỪNG NỘI DUNG',
    'Nơi nhận:', 'UBND tỉnh Bắc Kạn (qua Sở Nội vụ);', 'TRƯỞNG PHÒNG', 'Lý Thị Lan']) {
    assert.ok(text.includes(want), `the report says "${want}"`);
  }
  // Dated as Nghị định 30 writes it (a leading zero only for days below 10
  // and for January and February): today, but never after the district's
  // last day (30/06/2025: the districts ended with the reform), and the
  // screen says who took over.
  const now = new Date(Math.min(Date.now() + 7 * 3600e3, Date.UTC(2025, 5, 30)));
  const [d, m] = [now.getUTCDate(), now.getUTCMonth() + 1];
  const dated = `Na Rì, ngày ${String(d).padStart(2, '0')} tháng ${m <= 2 ? String(m).padStart(2, '0') : m} năm ${now.getUTCFullYear()}`;
  assert.ok(text.includes(dated), `the report is dated "${dated}"`);
  if (Date.now() > Date.UTC(2025, 5, 30, 17)) {
    const ended = await page.innerText('[data-testid=unit-ended]');
    assert.ok(ended.includes('Huyện Na Rì đã kết thúc hoạt động') && ended.includes('đơn vị kế thừa: Tỉnh Thái Nguyên'), ended);
    assert.ok(!text.includes('năm 2026'), 'no document of the district dated after its end');
  }
  assert.equal(await page.innerText('[data-testid=report-totals]'),
    'Trong kỳ, 42 nhiệm vụ của Kế hoạch có 3 nhiệm vụ đã có hoạt động; tổng số 4 hoạt động đã thực hiện và 1 hoạt động đã lên kế hoạch.');
  const t231 = await page.innerText('[data-task="2.3-1"]');
  assert.match(t231, /Kết quả: 3 hoạt động đã thực hiện, 0 hoạt động kế hoạch\./);
  assert.match(t231, /15\/04\/2020 – Xã Đổng Xá: Niêm yết dự toán \(TB 12\/TB-UBND\)/);
  assert.match(t231, /Chưa có hoạt động: \d+ đơn vị \(xem Phụ lục\)/);
  // Who has no activity is listed once, in the annex, not under every task.
  assert.equal(await page.locator('[data-testid=report] .without').count(), 3, 'a line per task with activity only');
  assert.equal(await page.locator('[data-testid=report] .doc-task').count(), 3, 'only the tasks with activity have a section');
  const vanLang = await page.innerText('[data-testid=annex-units] tr:has-text("Xã Văn Lang")');
  // A commune with nothing at all is said in a few words, not by its 35 tasks.
  assert.match(vanLang, /\t35\tChưa có hoạt động nào trong kỳ$/);
  assert.doesNotMatch(await page.innerText('[data-testid=annex-units] tr[data-unit="02194"]'), /2\.3-1/);
  assert.match(await page.innerText('[data-testid=report]'), /Nhiệm vụ chưa có hoạt động trong kỳ: 1\.2-1, 1\.2-2, 1\.3-1, 1\.4-1\./);
  // Print: only the document, on A4.
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.isVisible('nav.tabs'), false);
  assert.equal(await page.isVisible('[data-testid=print]'), false);
  const pdf = await page.pdf({ format: 'A4', preferCSSPageSize: true });
  const lines = await pdfLines(pdf);
  if (process.env.PAPI_KEEP_PDF) writeFileSync(process.env.PAPI_KEEP_PDF, JSON.stringify(lines, null, 1));
  // A few activities make a short document (issue 30: at most 4 pages), the
  // quốc hiệu on one line, page numbers from page 2 at the top.
  assert.ok(lines.length >= 2 && lines.length <= 4, `the report prints on ${lines.length} A4 pages`);
  assert.ok(lines[0].some((l) => l.replace(/\s+/g, ' ').includes('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM')),
    `the quốc hiệu on one line of page 1: ${lines[0].slice(0, 6).join(' | ')}`);
  assert.notEqual(lines[0][0], '1', 'no number on page 1');
  assert.equal(lines[1][0], '2', `page 2 numbered at its top: ${lines[1].slice(0, 3).join(' | ')}`);
  assert.ok(lines.at(-1).some((l) => l.includes('PHỤ LỤC')) || lines.at(-2).some((l) => l.includes('PHỤ LỤC')), 'the annex prints');
  await page.emulateMedia({ media: 'screen' });
  // The same document as a Word file, read by a real reader (mammoth):
  // real headings and tables, the same words as the page.
  const [wordDl] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=docx]')]);
  assert.equal(wordDl.suggestedFilename(), 'bao-cao-066-2020.docx');
  const wordFile = join(tmpdir(), `papi-${Date.now()}.docx`);
  await wordDl.saveAs(wordFile);
  const { value: html, messages } = await mammoth.convertToHtml({ path: wordFile });
  assert.deepEqual(messages.filter((m) => m.type === 'error'), []);
  for (const want of ['<h1>I. TỔNG HỢP CHUNG</h1>', '<h1>II. KẾT QUẢ THEO TỪNG NỘI DUNG</h1>', '<h2>2. Công khai, minh bạch trong việc ra quyết định ở địa phương</h2>',
    'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', 'Độc lập - Tự do - Hạnh phúc', 'UBND HUYỆN NA RÌ', 'PHÒNG NỘI VỤ', 'PHỤ LỤC', 'Lý Thị Lan',
    'Trong kỳ, 42 nhiệm vụ của Kế hoạch có 3 nhiệm vụ đã có hoạt động', '15/04/2020 – Xã Đổng Xá: Niêm yết dự toán (TB 12/TB-UBND)',
    'Nhiệm vụ chưa có hoạt động trong kỳ: 1.2-1, 1.2-2, 1.3-1, 1.4-1.', dated]) {
    assert.ok(html.includes(want), `the Word file says "${want}"`);
  }
  assert.equal((html.match(/<table>/g) || []).length, 4, 'letterhead, summary, signature and annex tables');
  assert.match(html, /<td><p>Xã Văn Lang<\/p><\/td><td><p>35<\/p><\/td><td><p>Chưa có hoạt động nào trong kỳ<\/p><\/td>/);
  // A deputy signs for the head: "KT." and the deputy's title.
  await page.check('[data-testid=deputy]');
  const signed = await page.innerText('.doc-foot .signature');
  assert.match(signed, /KT\. TRƯỞNG PHÒNG\s+PHÓ TRƯỞNG PHÒNG/);
  await page.uncheck('[data-testid=deputy]');
  assert.doesNotMatch(await page.innerText('.doc-foot .signature'), /KT\./);
  assert.deepEqual(await seriousViolations(page), []);
  assert.deepEqual(errors, []);

  // Forward to the province in one bundle.
  await page.click('nav.tabs button:has-text("Tổng hợp")');
  const bundle = await download(page, () => page.click('[data-testid=forward]'));
  assert.match(bundle.name, /^papi-066-goi-\d{8}\.json$/);
  writeFileSync(join(tmpdir(), 'papi-bundle.json'), bundle.text);
  await context.close();

  // A department records as a commune does: Sở Tài chính, on a task the
  // provincial departments lead.
  const tctx = await env.browser.newContext();
  const tc = await tctx.newPage();
  await tc.goto(env.server.url);
  await openHistory(tc);
  await tc.getByLabel('Cấp tỉnh (Sở Nội vụ, các sở, ban, ngành)').check();
  await tc.selectOption('#body', '06.so-tai-chinh');
  await tc.fill('#official', 'Hà Văn Tài');
  await tc.click('form.unit-form button[type=submit]');
  await tc.waitForSelector('nav.tabs');
  assert.match(await tc.innerText('header.topbar'), /Sở Tài chính/);
  assert.deepEqual(await tc.$$eval('nav.tabs button', (b) => b.map((x) => x.textContent)), ['Nhiệm vụ', 'Nhật ký hoạt động', 'Lô dữ liệu', 'Báo cáo năm', 'Văn bản Kế hoạch', 'Cài đặt'], 'a department sends, it does not receive');
  assert.match(await tc.innerText('article[data-task="2.1-1"]'), /Chủ trì/);
  await recordActivity(tc, '2.1-1', { title: 'Công khai dự toán ngân sách tỉnh', date: '20/05/2020' });
  const deptBatch = await exportBatch(tc);
  assert.match(deptBatch.name, /^papi-06\.so-tai-chinh-1-\d{8}\.json$/);
  await tc.click('nav.tabs button:has-text("Báo cáo năm")');
  const dtext = await tc.innerText('[data-testid=report]');
  for (const want of ['UBND TỈNH BẮC KẠN', 'SỞ TÀI CHÍNH', 'Bắc Kạn, ngày', 'GIÁM ĐỐC', 'Hà Văn Tài']) {
    assert.ok(dtext.includes(want), `the department's report says "${want}"`);
  }
  await tctx.close();

  // The province imports the bundle, the department's batch, and the
  // communes' files too: each activity once.
  const pctx = await env.browser.newContext({ viewport: { width: 1366, height: 768 } });
  const p = await pctx.newPage();
  await p.goto(env.server.url);
  await openHistory(p);
  await p.getByLabel('Cấp tỉnh (Sở Nội vụ, các sở, ban, ngành)').check();
  await p.fill('#official', 'Nông Văn Sở');
  await p.click('form.unit-form button[type=submit]');
  await p.waitForSelector('nav.tabs');
  const checks = await importFiles(p, [bundle, deptBatch], 3);
  assert.deepEqual(checks.map((c) => c.state), ['ready', 'ready', 'ready']);
  assert.match(checks[0].text, /^papi-066-goi-\d{8}\.json · Xã /);
  await applyImport(p);
  const again = await importFiles(p, [bundle, ...await naRiBatches()], 5);
  assert.deepEqual(again.map((c) => c.state), ['same', 'same', 'ready', 'ready', 'ready']);
  assert.equal(await p.innerText('[data-testid=import-summary]'),
    'Sẽ nhập 3 lô: thêm 0, cập nhật 0, giữ nguyên 5, xung đột 0. Đã nhập trước đó: 2 lô. Bị từ chối: 0 tệp.');
  await applyImport(p);
  await p.click('nav.tabs button:has-text("Tổng hợp")');
  await p.waitForSelector('[data-testid=matrix]');
  assert.equal(await p.innerText('[data-testid=grand-total]'), '6');
  const naRi = await p.$$eval('[data-testid=matrix] tr[data-unit="066"] td', (tds) => tds.at(-1).textContent);
  assert.equal(naRi, '5', 'the province rolls Na Rì up as one row');
  const own = await p.$$eval('[data-testid=matrix] tr[data-unit="06"] td', (tds) => tds.at(-1).textContent);
  assert.equal(own, '1', "the provincial bodies' own activities count in the province's row");
  assert.match(await p.innerText('[data-testid=unit-status] tr[data-unit="06.so-tai-chinh"]'), /Sở Tài chính\t1\t1\t/);
  // The province's long list: a commune says its district, and a filter narrows it.
  const listed = () => p.$$eval('[data-testid=unit-status] tbody tr', (trs) => trs.map((t) => t.dataset.unit));
  assert.match(await p.innerText('[data-testid=unit-status] tr[data-unit="02194"] th'), /^Xã Đổng Xá · Huyện Na Rì$/);
  const everyone = await listed();
  await p.selectOption('#status-filter', '066');
  const naRiRows = await listed();
  assert.ok(naRiRows.includes('066') && naRiRows.includes('02194') && !naRiRows.includes('06.so-tai-chinh'), naRiRows.join());
  assert.ok(naRiRows.length < everyone.length);
  await p.selectOption('#status-filter', 'bodies');
  const bodies = await listed();
  assert.ok(bodies.includes('06.so-tai-chinh') && bodies.includes('06') && !bodies.includes('02194') && !bodies.includes('066'), bodies.join());
  await p.selectOption('#status-filter', '');
  assert.deepEqual(await listed(), everyone);
  await p.click('button:has-text("Báo cáo năm (in)")');
  const ptext = await p.innerText('[data-testid=report]');
  assert.ok(ptext.includes('SỞ NỘI VỤ') && ptext.includes('GIÁM ĐỐC') && ptext.includes('Bắc Kạn, ngày'));
  const annexUnits = await p.innerText('[data-testid=annex-units]');
  assert.match(annexUnits, /Thành phố Bắc Kạn/);
  assert.match(annexUnits, /Huyện Pác Nặm/);
  // The province downloads the whole province's XLSX.
  await p.click('nav.tabs button:has-text("Tổng hợp")');
  assert.deepEqual(await xlsxOf(p, 'papi-06-2020.xlsx', ['Công khai dự toán ngân sách tỉnh', 'Sở Tài chính', 'Niêm yết quyết toán']),
    ['Tổng hợp|Hoạt động', 'True True True']);
  await pctx.close();
});

test('a commune\'s report opens on the year that has its activities, worded as a sentence', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await page.goto(env.server.url);
  await setupCommune(page, { district: '066', commune: '02194', name: 'Hoàng Văn Tư' });
  await recordActivity(page, '2.3-1', { title: 'Niêm yết dự toán', date: '15/04/2020' });
  await page.waitForSelector('form.activity-form', { state: 'detached' });
  await page.click('nav.tabs button:has-text("Báo cáo năm")');
  await page.waitForSelector('[data-testid=report]');
  // Today is years after 2020: the report starts on 2020, which has the activity.
  assert.equal(await page.inputValue('#period-year'), '2020');
  const doc = await page.innerText('[data-testid=report]');
  assert.match(doc, /\(Kỳ báo cáo: năm 2020\)/);
  assert.match(doc, /Thực hiện Kế hoạch số 124\/KH-UBND, UBND xã Đổng Xá báo cáo kết quả thực hiện trên địa bàn xã Đổng Xá như sau:/);
  assert.match(await page.innerText('[data-testid=report-totals]'), /tổng số 1 hoạt động đã thực hiện và 0 hoạt động đã lên kế hoạch/);
  await page.selectOption('#period-quarter', '2');
  assert.match(await page.innerText('[data-testid=report]'), /\(Kỳ báo cáo: quý II\/2020\)/);
  await context.close();
});

test('the province keeps its PAPI scores by year beside the plan\'s progress: typed or imported, each with its source; wrong figures refused and said', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(env.server.url);
  await setupProvince(page);
  await page.click('nav.tabs button:has-text("Tổng hợp")');
  await page.waitForSelector('[data-testid=papi-scores]');
  // The plan's progress per dimension is there before any score.
  assert.equal(await page.locator('[data-testid=papi-plan-progress] td').count(), 8 + 1);
  const type = async (values) => {
    for (const [i, v] of values.entries()) await page.fill(`#papi-col-${i}`, v);
    await page.click('[data-testid=papi-score-form] button[type=submit]');
  };
  const year = ['2024', '50', '5,5', '5,5', '5,5', '5,5', '5,5', '5,5', '5,5', '5,5', '12', '63', 'Báo cáo PAPI 2024, tr. 20'];
  await type(year);
  assert.match(await page.innerText('[data-testid=papi-score-problems]'), /tổng điểm 50 khác tổng 8 nội dung \(44.00\)/);
  assert.equal(await page.locator('[data-testid=papi-score-table] tr[data-year]').count(), 0, 'nothing kept');
  year[1] = '44';
  year[12] = '';
  await type(year);
  assert.match(await page.innerText('[data-testid=papi-score-problems]'), /chưa ghi nguồn số liệu/);
  year[12] = 'Báo cáo PAPI 2024, tr. 20';
  await type(year);
  await page.waitForSelector('[data-testid=papi-score-table] tr[data-year="2024"]');
  assert.equal(await page.locator('[data-testid=papi-score-problems]').count(), 0);
  // A sheet of another year, and a bad one refused whole with its row.
  const csv = (rows) => ({ name: 'papi.csv', mimeType: 'text/csv', buffer: Buffer.from(['Năm,Tổng điểm,1,2,3,4,5,6,7,8,Xếp hạng,Trên tổng số tỉnh,Nguồn', ...rows].join('\r\n')) });
  await page.setInputFiles('#papi-score-file', csv(['2022,40,5,5,5,5,5,5,5,5,20,63,Báo cáo PAPI 2022', '2021,40,5,5,5,5,5,5,5,5,,,']));
  assert.match(await page.innerText('[data-testid=papi-score-problems]'), /dòng 3: chưa ghi nguồn số liệu/);
  assert.equal(await page.locator('[data-testid=papi-score-table] tr[data-year]').count(), 1);
  await page.setInputFiles('#papi-score-file', csv(['2023,"43,2",5.4,5.4,5.4,5.4,5.4,5.4,5.4,5.4,15,63,Báo cáo PAPI 2023']));
  await page.waitForSelector('[data-testid=papi-score-table] tr[data-year="2023"]');
  assert.match(await page.innerText('[data-testid=papi-score-table] tr[data-year="2023"]'), /43,20\t5,40/);
  // Kept on the device.
  await page.reload();
  await page.click('nav.tabs button:has-text("Tổng hợp")');
  await page.waitForSelector('[data-testid=papi-score-table] tr[data-year="2024"]');
  assert.deepEqual(await page.$$eval('[data-testid=papi-score-table] tr[data-year]', (r) => r.map((x) => x.dataset.year)), ['2024', '2023']);
  assert.match(await page.innerText('[data-testid=papi-score-table] tr[data-year="2024"]'), /44,00[\s\S]*12\/63\tBáo cáo PAPI 2024, tr. 20/);
  assert.deepEqual(errors, []);
  await context.close();
});
