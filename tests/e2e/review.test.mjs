// The receiver acts (issue 28), walked by visible text in Thái Nguyên
// (two tiers): a commune sends its year; the Sở Nội vụ sends it back with
// a reason and a comment on its activity; the commune sees both, answers,
// corrects and sends again; the province accepts; a later change shows as
// "Có thay đổi sau khi tiếp nhận (1)" with what changed. A reminder reaches
// a commune that has not sent through the server, and another, offline, by
// file (its receiver's key compared by fingerprint once); a forged feedback
// (another key) and a replayed one change nothing.
import assert from 'node:assert/strict';
import { createHash, sign } from 'node:crypto';
import { after, test } from 'node:test';
import { download, freePort, launch, recordActivity, startServer, stopAllServers, testKey, unitToken } from './helpers.mjs';
import { UNITS, commune, enrol, heard, openDetails, province, pullAll, reviewRow, sendYear, synced } from './two-tier.mjs';

let browser;
after(async () => {
  await browser?.close();
  await stopAllServers();
});

const [A, B, C] = ['01864', '05443', '01840']; // Xã Bằng Thành, another xã, Phường Đức Xuân
const OK = (errors) => errors.filter((e) => !/Failed to load resource/.test(e));

test('send back with a reason, answer, send again, accept, a change after; a thread the unit starts; comments withdrawn both ways; reminders by server and by file; forged and replayed feedback change nothing', async () => {
  const server = await startServer(await freePort(), undefined, undefined, UNITS);
  browser ??= await launch();
  const { p, errors: perrors } = await province(browser, server);

  // A sends its year with one activity.
  const a = await commune(browser, server, A);
  await recordActivity(a.c, '1.2-1', { title: 'Đối thoại với Nhân dân', date: '02/03/2026' });
  await sendYear(a.c);
  await synced(a.c);
  const b = await commune(browser, server, B);
  // B records an activity but does not send its year.
  await recordActivity(b.c, '1.2-1', { title: 'Hoạt động của xã chưa gửi', date: '05/03/2026' });
  await synced(b.c);
  const cc = await commune(browser, server, C);

  // The province sends it back, with a reason and a comment on the activity.
  await pullAll(p, 1);
  let row = await reviewRow(p, A);
  assert.match(await row.locator('[data-testid=standing]').innerText(), /^Đã gửi lần 1/);
  await p.fill('#review-reason', 'Thiếu biên bản đối thoại');
  await row.locator('[data-testid=send-back]').click();
  await p.waitForSelector(`tr[data-unit="${A}"] [data-testid=standing]:has-text("Trả lại")`);
  await p.waitForSelector('[data-testid=feedback-delivery]:has-text("Đã gửi 1 phản hồi lên máy chủ")');
  await openDetails(row);
  await row.locator('[data-testid=comment-record]').selectOption({ label: '02/03/2026 Đối thoại với Nhân dân' });
  await row.locator('[data-testid=comment-text]').fill('Cần bổ sung ảnh buổi đối thoại');
  await row.locator('[data-testid=comment-send]').click();
  await p.waitForSelector('[data-testid=feedback-delivery]:has-text("Đã gửi 1 phản hồi")');
  await row.locator('[data-testid=thread]:has-text("Cần bổ sung ảnh buổi đối thoại")').waitFor();

  // A sees the reason in full and the comment, answers, corrects, sends again.
  let said = await heard(a.c);
  assert.match(said, /Báo cáo năm 2026: Trả lại ngày \d\d\/\d\d\/2026: Thiếu biên bản đối thoại/);
  assert.match(said, /Cần bổ sung ảnh buổi đối thoại/);
  await a.c.fill('[data-testid=heard-answer]', 'Đã bổ sung biên bản và ảnh');
  await a.c.click('[data-testid=heard-answer-send]');
  await a.c.waitForSelector('[data-testid=heard-thread]:has-text("Đã bổ sung biên bản và ảnh")');
  // Corrects the activity the comment was about.
  await a.c.click('nav.tabs button:has-text("Nhật ký hoạt động")');
  await a.c.click('li.activity:has-text("Đối thoại với Nhân dân") button:has-text("Sửa")');
  await a.c.fill('#act-title', 'Đối thoại với Nhân dân (có biên bản)');
  await a.c.click('form.activity-form button[type=submit]');
  await a.c.waitForSelector('form.activity-form', { state: 'detached' });
  await sendYear(a.c);
  await synced(a.c);

  // The province sees it sent again, with the answer in the thread; accepts.
  await pullAll(p, 1);
  row = await reviewRow(p, A);
  assert.match(await row.locator('[data-testid=standing]').innerText(), /^Đã gửi lần 2/);
  await openDetails(row);
  await row.locator('[data-testid=thread]:has-text("Đã bổ sung biên bản và ảnh")').waitFor();
  await row.locator('[data-testid=accept]').click();
  await p.waitForSelector(`tr[data-unit="${A}"] [data-testid=standing]:has-text("Đã tiếp nhận")`);
  await openDetails(row);
  const history = await row.locator('[data-testid=history]').innerText();
  for (const step of ['Đơn vị gửi báo cáo (lần 2', 'Trả lại (Hoàng Văn Tỉnh): Thiếu biên bản đối thoại', 'Tiếp nhận (Hoàng Văn Tỉnh)']) {
    assert.ok(history.includes(step), `history has "${step}": ${history}`);
  }
  said = await heard(a.c);
  assert.match(said, /Báo cáo năm 2026: Đã tiếp nhận ngày/);
  // The report limited to the accepted periods says so.
  await p.check('[data-testid=report-accepted-only]');
  assert.match(await p.innerText('[data-testid=report-scope-note]'),
    /chỉ gồm các đơn vị đã được tiếp nhận báo cáo năm 2026 \(1\/\d+ đơn vị\)/);
  await p.uncheck('[data-testid=report-accepted-only]');
  assert.equal(await p.locator('[data-testid=report-scope-note]').count(), 0);
  // So do the dashboard's exports: B's activity (its year not accepted) is
  // left out, and the file's name says so.
  await p.click('nav.tabs button:has-text("Tổng hợp")');
  await p.check('[data-testid=exports-accepted-only]');
  assert.match(await p.innerText('[data-testid=exports-scope-note]'),
    /chỉ gồm các đơn vị đã được tiếp nhận báo cáo năm 2026 \(1\/\d+ đơn vị\)/);
  const limited = await download(p, () => p.click('[data-testid=csv-activities]'));
  assert.match(limited.name, /^papi-19-hoat-dong-2026-da-tiep-nhan\.csv$/);
  assert.match(limited.text, /Đối thoại với Nhân dân \(có biên bản\)/);
  assert.doesNotMatch(limited.text, /Hoạt động của xã chưa gửi/);
  await p.uncheck('[data-testid=exports-accepted-only]');
  const every = await download(p, () => p.click('[data-testid=csv-activities]'));
  assert.equal(every.name, 'papi-19-hoat-dong-2026.csv');
  assert.match(every.text, /Hoạt động của xã chưa gửi/);

  // A changes an activity of the accepted year: the province sees it.
  await recordActivity(a.c, '1.2-1', { title: 'Hoạt động thêm sau tiếp nhận', date: '04/03/2026' });
  await synced(a.c);
  await pullAll(p, 1);
  row = await reviewRow(p, A);
  assert.equal(await row.locator('[data-testid=standing]').innerText(), 'Có thay đổi sau khi tiếp nhận (1)');
  assert.match(await row.locator('[data-testid=standing-note]').innerText(), /04\/03\/2026 Hoạt động thêm sau tiếp nhận/);

  // Reminders to the units that have not sent: B hears it through the server.
  await p.fill('#remind-deadline', '2026-12-15');
  await p.fill('#remind-text', 'Đề nghị gửi báo cáo năm');
  await p.click('[data-testid=remind-unsent]');
  await p.waitForSelector('[data-testid=feedback-delivery]:has-text("phản hồi lên máy chủ")', { timeout: 30000 })
    .catch(async (e) => { throw new Error(`${e.message}: ${(await p.innerText('[data-testid=reminders]')).slice(0, 500)} | ${await p.locator('[data-testid=feedback-delivery]').allInnerTexts()} | ${(await p.innerText('.notices, [role=status]').catch(() => '')).slice(0, 500)}`); });
  const reminded = await (await reviewRow(p, B)).locator('[data-testid=reminded]').innerText();
  assert.match(reminded, /Đã nhắc ngày \d\d\/\d\d\/2026/);
  assert.equal(await (await reviewRow(p, A)).locator('[data-testid=reminded]').count(), 0, 'A has sent: not reminded');
  said = await heard(b.c);
  assert.match(await b.c.innerText('[data-testid=heard-reminders]'),
    /Nhắc gửi báo cáo năm 2026 trước ngày 15\/12\/2026: Đề nghị gửi báo cáo năm/);
  // Until it sends the year.
  await sendYear(b.c);
  await b.c.click('nav.tabs button:has-text("Nhiệm vụ")');
  await b.c.waitForSelector('[data-testid=heard]');
  assert.equal(await b.c.locator('[data-testid=heard-reminders]').count(), 0);

  // A starts a thread of its own on an activity: the province sees it.
  // The province withdraws its earlier comment: A no longer sees it. A
  // withdraws its own: the province no longer sees it.
  await a.c.click('nav.tabs button:has-text("Nhiệm vụ")');
  await a.c.click('[data-testid=heard-new] summary');
  await a.c.selectOption('[data-testid=heard-new-record]', { label: '04/03/2026 Hoạt động thêm sau tiếp nhận' });
  await a.c.fill('[data-testid=heard-new-text]', 'Xin hướng dẫn ghi minh chứng cho hoạt động này');
  await a.c.click('[data-testid=heard-new-send]');
  await a.c.waitForSelector('[data-testid=heard-thread]:has-text("Xin hướng dẫn ghi minh chứng")');
  await synced(a.c);
  await pullAll(p, 1);
  row = await reviewRow(p, A);
  await openDetails(row);
  const thread = row.locator('[data-testid=thread]');
  await thread.locator('li', { hasText: 'Xin hướng dẫn ghi minh chứng' }).waitFor();
  await thread.locator('li', { hasText: 'Cần bổ sung ảnh buổi đối thoại' }).locator('[data-testid=comment-withdraw]').click();
  await thread.locator('li', { hasText: 'Cần bổ sung ảnh buổi đối thoại' }).waitFor({ state: 'detached' });
  for (let i = 0; ; i++) {
    said = await heard(a.c);
    if (!said.includes('Cần bổ sung ảnh buổi đối thoại')) break;
    assert.ok(i < 5, `the withdrawal never reached A: ${said}`);
    await a.c.waitForTimeout(1000);
  }
  assert.match(said, /Đã bổ sung biên bản và ảnh/, 'A\'s answer stays');
  await a.c.locator('[data-testid=heard-thread] li', { hasText: 'Xin hướng dẫn ghi minh chứng' }).locator('[data-testid=heard-withdraw]').click();
  await a.c.locator('[data-testid=heard-thread] li', { hasText: 'Xin hướng dẫn ghi minh chứng' }).waitFor({ state: 'detached' });
  await synced(a.c);
  await pullAll(p, 1);
  row = await reviewRow(p, A);
  await openDetails(row);
  await row.locator('[data-testid=thread] li', { hasText: 'Xin hướng dẫn ghi minh chứng' }).waitFor({ state: 'detached' });

  // A second computer of the Sở Nội vụ sees the same decisions and
  // reminders: it takes in what the office sent from the first.
  const second = await enrol(browser, server.url, unitToken(server.db, '19', UNITS));
  await second.page.getByLabel('Sở Nội vụ (lập, theo dõi kế hoạch và tổng hợp toàn tỉnh)').check();
  await second.page.fill('#official', 'Lê Thị Hai');
  await second.page.click('form.unit-form button[type=submit]');
  // The office's plan is on the server: fetched, then entered.
  await second.page.waitForSelector('[data-testid=enter-plan]', { timeout: 30000 });
  await Promise.all([second.page.waitForEvent('load'), second.page.click('[data-testid=enter-plan]')]);
  await second.page.waitForSelector('nav.tabs', { timeout: 30000 });
  await pullAll(second.page, 3);
  const row2 = await reviewRow(second.page, A);
  await second.page.waitForSelector(`[data-testid=standings] tr[data-unit="${A}"] [data-testid=standing]:has-text("Có thay đổi sau khi tiếp nhận (1)")`);
  await second.page.waitForSelector(`[data-testid=standings] tr[data-unit="${B}"] [data-testid=reminded]`);
  await openDetails(row2);
  assert.match(await row2.locator('[data-testid=history]').innerText(), /Trả lại \(Hoàng Văn Tỉnh\): Thiếu biên bản đối thoại/);
  assert.deepEqual(OK(second.errors), []);
  await second.ctx.close();

  // C, offline, by file: the province's key is compared once, then taken.
  row = await reviewRow(p, C);
  await openDetails(row);
  const file = await download(p, () => row.locator('[data-testid=feedback-file]').click());
  assert.match(file.name, new RegExp(`^phan-hoi-${C}-\\d{8}-[0-9a-f]{8}\\.json$`));
  await cc.ctx.setOffline(true);
  await server.stop();
  const give = async (text, name = file.name) => {
    await cc.c.setInputFiles('[data-testid=feedback-file-input]', { name, mimeType: 'application/json', buffer: Buffer.from(text, 'utf8') });
  };
  // A forgery first: another key in the name of the province's device.
  const genuine = JSON.parse(file.text);
  const forged = await forge(genuine, (f) => {
    f.decisions = [{ unit_code: C, plan_id: f.plan.id, period: '2026', action: 'accept', reason: '', submission: 0, at: f.created_at, author: 'Kẻ giả mạo' }];
    f.reminders = [];
  });
  await give(JSON.stringify(forged), 'gia-mao.json');
  const trustAsk = await cc.c.waitForSelector('[data-testid=feedback-unknown]');
  assert.match(await trustAsk.innerText(), /mã nhận dạng \d{5} \d{5}/);
  await cc.c.click('[data-testid=feedback-unknown] button:has-text("Không nhận")');
  await give(file.text);
  await cc.c.waitForSelector('[data-testid=feedback-unknown]');
  await cc.c.click('[data-testid=feedback-trust]');
  await cc.c.waitForSelector('[data-testid=heard-reminders]');
  assert.match(await cc.c.innerText('[data-testid=heard-reminders]'), /Nhắc gửi báo cáo năm 2026 trước ngày 15\/12\/2026/);
  // The forgery again, now that the province's device is known: refused.
  const state = async () => [
    await cc.c.locator('[data-testid=heard-reminders]').allInnerTexts(),
    await cc.c.locator('[data-testid=heard-standing]').allInnerTexts(),
    await cc.c.locator('[data-testid=heard-thread]').allInnerTexts(),
  ];
  const before = await state();
  await give(JSON.stringify(forged), 'gia-mao.json');
  await cc.c.waitForSelector('[data-testid=heard-problem]');
  assert.match(await cc.c.innerText('[data-testid=heard-problem]'), /Không nhận tệp phản hồi: Không nhận/);
  // And the genuine file replayed: nothing changes.
  await give(file.text);
  await cc.c.waitForSelector('[data-testid=heard-status]:has-text("đã nhận trước đây")');
  assert.deepEqual(await state(), before);
  assert.deepEqual(before[1], ['Báo cáo năm 2026: Chưa gửi']);
  assert.doesNotMatch(await cc.c.innerText('[data-testid=heard]'), /Đã tiếp nhận/);

  for (const e of [perrors, a.errors, b.errors, cc.errors]) assert.deepEqual(OK(e), []);
});

/** A feedback changed and signed by the tests' own key, in the name of the
 * same device: what a forger without the province's key can make. */
async function forge(f, change) {
  const { sha256, signature, ...content } = structuredClone(f);
  change(content);
  const key = await testKey();
  content.signer = key.publicHex;
  const digest = createHash('sha256').update(JSON.stringify(content)).digest();
  return { ...content, sha256: digest.toString('hex'), signature: sign(null, digest, key.privateKey).toString('hex') };
}
