// The parts of the report only a person writes (issue 30): a commune types
// its assessment of the year, it travels up in its batch (format version
// 3), and the province reads it, puts the communes' shortcomings and
// proposals into its own report, quotes its PAPI score, and sends the
// document as a Word file.
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import mammoth from 'mammoth';
import {
  applyImport, exportBatch, importFiles, recordActivity, serverAndBrowser, setupCommune, setupProvince, watchErrors,
} from './helpers.mjs';

const env = serverAndBrowser();

async function openReport(page, year) {
  await page.click('nav.tabs button:has-text("Báo cáo năm")');
  await page.waitForSelector('[data-testid=report]');
  await page.selectOption('#period-year', String(year));
  await page.selectOption('#period-quarter', '');
  await page.waitForSelector('[data-testid=assessment] #assess-results');
}

test('a commune\'s assessment of its year reaches the province, which compiles it into its own report and Word file', async () => {
  const context = await env.browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(env.server.url);
  await setupCommune(page, { district: '066', commune: '02194', name: 'Hoàng Văn Tư' });
  await recordActivity(page, '2.3-1', { title: 'Niêm yết dự toán', date: '15/04/2020' });
  await openReport(page, 2020);
  // Nothing written yet: the printed parts III–V are their headings.
  let doc = await page.innerText('[data-testid=report]');
  assert.match(doc, /III\. ĐÁNH GIÁ CHUNG\n+1\. Kết quả nổi bật\n+2\. Hạn chế, khó khăn và nguyên nhân\n+IV\. PHƯƠNG HƯỚNG, GIẢI PHÁP\n+V\. ĐỀ XUẤT, KIẾN NGHỊ\n/);
  // A quarter has no assessment of its own.
  await page.selectOption('#period-quarter', '2');
  await page.waitForSelector('[data-testid=assessment-quarter]');
  await page.selectOption('#period-quarter', '');
  await page.fill('#assess-results', 'Niêm yết công khai dự toán đúng hạn.\nNgười dân được biết qua bảng tin.');
  await page.fill('#assess-shortcomings', 'Thôn Nà Pài chưa có bảng tin.');
  await page.fill('#assess-proposals', 'Đề nghị hỗ trợ kinh phí làm bảng tin.');
  await page.click('[data-testid=assessment-save]');
  await page.waitForSelector('[data-testid=assessment-saved]');
  assert.match(await page.innerText('[data-testid=assessment-saved]'), /Đã lưu lần 1 lúc \d{2}\/\d{2}\/\d{4}, người ghi: Hoàng Văn Tư\./);
  doc = await page.innerText('[data-testid=report]');
  assert.match(doc, /1\. Kết quả nổi bật\n+Niêm yết công khai dự toán đúng hạn\.\n+Người dân được biết qua bảng tin\.\n+2\. Hạn chế, khó khăn và nguyên nhân\n+Thôn Nà Pài chưa có bảng tin\./);
  assert.match(doc, /IV\. PHƯƠNG HƯỚNG, GIẢI PHÁP\n+V\. ĐỀ XUẤT, KIẾN NGHỊ\n+Đề nghị hỗ trợ kinh phí làm bảng tin\./);
  // Saving the same text again makes no new version.
  await page.click('[data-testid=assessment-save]');
  await page.waitForSelector('text=Phần đánh giá không có gì thay đổi.');
  // Kept on the device: after a reload it is still there.
  await page.reload();
  await page.waitForSelector('nav.tabs');
  await openReport(page, 2020);
  assert.equal(await page.inputValue('#assess-shortcomings'), 'Thôn Nà Pài chưa có bảng tin.');

  // A half year has an assessment of its own.
  await page.selectOption('#period-quarter', 'h1');
  await page.waitForFunction(() => document.querySelector('#assess-results')?.value === '');
  assert.match(await page.innerText('[data-testid=report]'), /\(Kỳ báo cáo: 6 tháng đầu năm 2020\)/);
  await page.fill('#assess-results', 'Sáu tháng đầu năm: niêm yết dự toán đúng hạn.');
  await page.click('[data-testid=assessment-save]');
  await page.waitForSelector('[data-testid=assessment-saved]');
  await page.selectOption('#period-quarter', '');
  await page.waitForFunction(() => document.querySelector('#assess-shortcomings')?.value === 'Thôn Nà Pài chưa có bảng tin.');

  // The commune says its year is ready for review, with a note.
  await page.fill('#submit-note', 'Đã đủ hoạt động và đánh giá năm 2020.');
  await page.click('[data-testid=period-submit]');
  await page.waitForSelector('[data-testid=period-sent]');
  assert.match(await page.innerText('[data-testid=period-sent]'), /^Đã gửi lần 1 ngày \d{2}\/\d{2}\/\d{4}: “Đã đủ hoạt động và đánh giá năm 2020\.”\.$/);
  assert.equal(await page.innerText('[data-testid=period-submit]'), 'Gửi lại báo cáo kỳ này');

  // It travels in the next batch, format version 3, with the record.
  const batch = await exportBatch(page);
  const sealed = JSON.parse(batch.text);
  assert.equal(sealed.format_version, 3);
  assert.equal(sealed.records.length, 1);
  assert.deepEqual(sealed.assessments.map((a) => [a.period, a.shortcomings, a.revision, a.author]),
    [['2020', 'Thôn Nà Pài chưa có bảng tin.', 1, 'Hoàng Văn Tư'], ['2020-H1', '', 1, 'Hoàng Văn Tư']]);
  assert.deepEqual(sealed.submissions.map((x) => [x.period, x.note, x.revision, x.author]),
    [['2020', 'Đã đủ hoạt động và đánh giá năm 2020.', 1, 'Hoàng Văn Tư']]);
  assert.deepEqual(sealed.comments, []);
  assert.deepEqual(sealed.records[0].files, []);
  assert.deepEqual(errors, []);

  // The province: imports the batch, reads the commune's assessment.
  const pctx = await env.browser.newContext({ acceptDownloads: true });
  const p = await pctx.newPage();
  await p.goto(env.server.url);
  await setupProvince(p, { name: 'Hoàng Văn Tỉnh' });
  // Its PAPI results, kept on this device (the dashboard's card).
  await p.evaluate(() => localStorage.setItem('papi-tracker.papi-scores.bac-kan-2020', JSON.stringify({
    2019: { year: 2019, total: 42.51, dimensions: [5.4, 5.2, 5.1, 5.3, 5.5, 5.2, 5.4, 5.41], rank: 12, of: 63, source: 'Báo cáo PAPI 2019, tr. 12' },
  })));
  await importFiles(p, [batch]);
  await applyImport(p);
  await openReport(p, 2020);
  // The province sees who has sent the year, and who not.
  const standings = await p.innerText('[data-testid=standings] summary');
  const [, sentCount, ofCount] = standings.match(/Tình trạng gửi báo cáo năm 2020: (\d+)\/(\d+) đơn vị đã gửi/);
  assert.equal(sentCount, '1');
  assert.ok(Number(ofCount) > 100, standings);
  await p.click('[data-testid=standings] summary');
  assert.match(await p.innerText('[data-testid=standings] tr[data-unit="02194"]'), /Xã Đổng Xá\tĐã gửi lần 1 ngày \d{2}\/\d{2}\/\d{4}\tĐã đủ hoạt động và đánh giá năm 2020\./);
  assert.match(await p.innerText('[data-testid=standings] tr[data-unit="02137"]'), /Xã Văn Vũ\tChưa gửi/);
  // The dashboard's status table says it too, per unit.
  await p.click('nav.tabs button:has-text("Tổng hợp")');
  await p.selectOption('#period-year', '2020');
  await p.selectOption('#period-quarter', '');
  await p.waitForSelector('[data-testid=unit-status] tr[data-unit="02194"] [data-testid=review-standing]');
  assert.match(await p.innerText('[data-testid=unit-status] tr[data-unit="02194"] [data-testid=review-standing]'), /^Đã gửi lần 1 ngày \d{2}\/\d{2}\/\d{4}$/);
  assert.equal(await p.innerText('[data-testid=unit-status] tr[data-unit="02137"] [data-testid=review-standing]'), 'Chưa gửi');
  await p.selectOption('#period-quarter', '2');
  await p.waitForFunction(() => document.querySelector('[data-testid=unit-status] tr[data-unit="02194"] [data-testid=review-standing]')?.textContent === '—');
  await openReport(p, 2020);
  // The province reports to no one: it has nothing to send.
  assert.equal(await p.locator('[data-testid=send-period]').count(), 0);
  const units = await p.innerText('[data-testid=unit-assessments]');
  assert.match(units, /Đánh giá của các đơn vị \(1 đơn vị đã gửi\)/);
  await p.click('[data-testid=unit-assessments] summary');
  assert.match(await p.innerText('[data-testid=unit-assessments]'), /Hạn chế, khó khăn và nguyên nhân: Thôn Nà Pài chưa có bảng tin\./);
  await p.fill('#assess-shortcomings', 'Một số xã chưa niêm yết đúng hạn.');
  await p.click('[data-testid=assessment-compile]');
  assert.equal(await p.inputValue('#assess-shortcomings'), 'Một số xã chưa niêm yết đúng hạn.\n- Xã Đổng Xá: Thôn Nà Pài chưa có bảng tin.');
  assert.equal(await p.inputValue('#assess-proposals'), '- Xã Đổng Xá: Đề nghị hỗ trợ kinh phí làm bảng tin.');
  await p.click('[data-testid=assessment-papi]');
  assert.equal(await p.inputValue('#assess-results'), 'Theo kết quả Chỉ số PAPI năm 2019 (Báo cáo PAPI 2019, tr. 12), tỉnh Bắc Kạn đạt 42,51 điểm, xếp thứ 12/63 tỉnh, thành phố.');
  await p.click('[data-testid=assessment-save]');
  await p.waitForSelector('[data-testid=assessment-saved]');
  const pdoc = await p.innerText('[data-testid=report]');
  assert.match(pdoc, /2\. Hạn chế, khó khăn và nguyên nhân\n+Một số xã chưa niêm yết đúng hạn\.\n+- Xã Đổng Xá: Thôn Nà Pài chưa có bảng tin\./);
  assert.match(pdoc, /xếp thứ 12\/63 tỉnh, thành phố\./);

  // The Word file carries the same parts, read by a real reader.
  const [dl] = await Promise.all([p.waitForEvent('download'), p.click('[data-testid=docx]')]);
  const file = join(tmpdir(), `papi-assess-${Date.now()}.docx`);
  await dl.saveAs(file);
  const { value: text } = await mammoth.extractRawText({ path: file });
  const words = text.replace(/\s+/g, ' ');
  assert.match(words, /III\. ĐÁNH GIÁ CHUNG 1\. Kết quả nổi bật Theo kết quả Chỉ số PAPI năm 2019/);
  assert.match(words, /- Xã Đổng Xá: Thôn Nà Pài chưa có bảng tin\. IV\. PHƯƠNG HƯỚNG, GIẢI PHÁP V\. ĐỀ XUẤT, KIẾN NGHỊ - Xã Đổng Xá: Đề nghị hỗ trợ kinh phí làm bảng tin\./);

  // The review (issue 28): sending back needs a reason, which the row shows.
  await openReport(p, 2020);
  await p.click('[data-testid=standings] summary');
  const row = (unit) => `[data-testid=standings] tr[data-unit="${unit}"]`;
  await p.click(`${row('02194')} [data-testid=send-back]`);
  assert.match(await p.innerText('[data-testid=review-problem]'), /cần ghi lý do/);
  assert.match(await p.innerText(`${row('02194')} [data-testid=standing]`), /^Đã gửi lần 1/);
  await p.fill('#review-reason', 'Thiếu biên bản niêm yết');
  await p.click(`${row('02194')} [data-testid=send-back]`);
  await p.waitForFunction((sel) => /^Trả lại ngày \d{2}\/\d{2}\/\d{4}: Thiếu biên bản niêm yết$/.test(document.querySelector(sel)?.textContent ?? ''), `${row('02194')} [data-testid=standing]`);

  // The commune corrects an activity and sends the year again.
  const edit = async (title) => {
    await page.click('nav.tabs button:has-text("Nhật ký hoạt động")');
    await page.click('li.activity button:has-text("Sửa")');
    await page.fill('#act-title', title);
    await page.click('form.activity-form button[type=submit]');
    await page.waitForSelector('form.activity-form', { state: 'detached' });
  };
  await edit('Niêm yết dự toán (kèm biên bản)');
  await openReport(page, 2020);
  await page.click('[data-testid=period-submit]');
  await page.waitForFunction(() => /^Đã gửi lần 2/.test(document.querySelector('[data-testid=period-sent]')?.textContent ?? ''));
  const second = await exportBatch(page);
  await importFiles(p, [second]);
  await applyImport(p);
  await openReport(p, 2020);
  await p.click('[data-testid=standings] summary');
  assert.match(await p.innerText(`${row('02194')} [data-testid=standing]`), /^Đã gửi lần 2 ngày /);
  await p.click(`${row('02194')} [data-testid=accept]`);
  await p.waitForFunction((sel) => /^Đã tiếp nhận ngày /.test(document.querySelector(sel)?.textContent ?? ''), `${row('02194')} [data-testid=standing]`);

  // A change after the acceptance still travels, and shows, with what changed.
  await edit('Niêm yết dự toán (sửa sau khi tiếp nhận)');
  const third = await exportBatch(page);
  await importFiles(p, [third]);
  await applyImport(p);
  await openReport(p, 2020);
  await p.click('[data-testid=standings] summary');
  assert.equal(await p.innerText(`${row('02194')} [data-testid=standing]`), 'Có thay đổi sau khi tiếp nhận (1)');
  assert.equal(await p.innerText(`${row('02194')} [data-testid=standing-note]`), 'Đã thay đổi: 15/04/2020 Niêm yết dự toán (sửa sau khi tiếp nhận)');
  // The dashboard says so too.
  await p.click('nav.tabs button:has-text("Tổng hợp")');
  await p.waitForSelector('[data-testid=unit-status] tr[data-unit="02194"] [data-testid=review-standing]');
  assert.equal(await p.innerText('[data-testid=unit-status] tr[data-unit="02194"] [data-testid=review-standing]'), 'Có thay đổi sau khi tiếp nhận (1)');
  // Accepted again: locked as it is now.
  await openReport(p, 2020);
  await p.click('[data-testid=standings] summary');
  await p.click(`${row('02194')} [data-testid=accept]`);
  await p.waitForFunction((sel) => /^Đã tiếp nhận ngày /.test(document.querySelector(sel)?.textContent ?? ''), `${row('02194')} [data-testid=standing]`);
  // Kept on the device: after a reload, the same.
  await p.reload();
  await p.waitForSelector('nav.tabs');
  await openReport(p, 2020);
  await p.click('[data-testid=standings] summary');
  assert.match(await p.innerText(`${row('02194')} [data-testid=standing]`), /^Đã tiếp nhận ngày /);
  await context.close();
  await pctx.close();
});
