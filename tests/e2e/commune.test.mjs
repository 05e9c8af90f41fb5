// The commune workspace as an official uses it: set up, record, edit, delete
// and undo, validation, corruption, quota, two tabs, accessibility.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  idbPut, pickProvince, recordActivity, screenShown, serverAndBrowser, seriousViolations, setupCommune, timelineTitles, today, waitForTitles,
  watchErrors,
} from './helpers.mjs';

const env = serverAndBrowser();

async function freshPage(viewport = { width: 1366, height: 768 }) {
  const context = await env.browser.newContext({ viewport });
  const page = await context.newPage();
  await page.goto(env.server.url);
  return { context, page };
}

test('record three, reload, edit one, delete one and undo, reload: all as expected', async () => {
  const { context, page } = await freshPage();
  const errors = watchErrors(page);
  await setupCommune(page);
  await recordActivity(page, '2.3-1', { title: 'Niêm yết dự toán ngân sách xã', date: '15/04/2020', evidence: 'TB số 12/TB-UBND' });
  await recordActivity(page, '1.1-1', { title: 'Tuyên truyền Luật Tiếp cận thông tin', date: '02/05/2020' });
  await recordActivity(page, '2.2-1', { title: 'Bình xét hộ nghèo thôn Nà Cù', date: '20/05/2020' });
  await page.waitForFunction(() => document.querySelectorAll('.notice').length >= 1);
  // Never more than two plain notices at the bottom of the screen, and each closes.
  const shown = await page.locator('.notice').count();
  assert.ok(shown <= 2, `${shown} notices`);
  const last = page.locator('.notice', { hasText: 'Bình xét hộ nghèo thôn Nà Cù' });
  await last.locator('button[aria-label="Đóng thông báo"]').click();
  await last.waitFor({ state: 'detached' });
  assert.match(await page.innerText('article[data-task="2.3-1"] [data-testid=task-summary]'), /1 hoạt động · gần nhất 15\/04\/2020/);

  await page.reload();
  assert.deepEqual(await timelineTitles(page), [
    'Bình xét hộ nghèo thôn Nà Cù', 'Tuyên truyền Luật Tiếp cận thông tin', 'Niêm yết dự toán ngân sách xã',
  ]);

  // Edit one.
  await page.click('li.activity:has-text("Tuyên truyền Luật") button:has-text("Sửa")');
  assert.equal(await page.inputValue('#act-date'), '02/05/2020');
  await page.fill('#act-title', 'Tuyên truyền Luật Tiếp cận thông tin (đợt 2)');
  await page.click('form.activity-form button[type=submit]');
  await page.waitForSelector('form.activity-form', { state: 'detached' });

  // Delete one, then undo.
  await page.click('li.activity:has-text("Bình xét hộ nghèo") button:has-text("Xóa")');
  await page.waitForSelector('.notice button:has-text("Hoàn tác")');
  assert.equal(await page.locator('li.activity:has-text("Bình xét hộ nghèo")').count(), 0);
  await page.click('.notice button:has-text("Hoàn tác")');
  await page.waitForSelector('li.activity:has-text("Bình xét hộ nghèo")');

  // Delete another for good.
  await page.click('li.activity:has-text("Niêm yết dự toán") button:has-text("Xóa")');
  await page.waitForSelector('li.activity:has-text("Niêm yết dự toán")', { state: 'detached' });

  await page.reload();
  assert.deepEqual(await timelineTitles(page), ['Bình xét hộ nghèo thôn Nà Cù', 'Tuyên truyền Luật Tiếp cận thông tin (đợt 2)']);
  assert.match(await page.innerText('li.activity:has-text("đợt 2")'), /sửa lần 2/);
  assert.match(await page.innerText('li.activity:has-text("Bình xét")'), /sửa lần 3/, 'deleted then restored');
  // The deleted record is a tombstone in storage, not gone.
  const stored = await page.evaluate(() => new Promise((resolve) => {
    const open = indexedDB.open('papi-tracker');
    open.onsuccess = () => {
      const req = open.result.transaction('records').objectStore('records').getAll();
      req.onsuccess = () => resolve(req.result.map((s) => JSON.parse(s).record));
    };
  }));
  assert.equal(stored.length, 3);
  assert.deepEqual(stored.filter((r) => r.deleted).map((r) => r.title), ['Niêm yết dự toán ngân sách xã']);
  assert.deepEqual(errors, []);
  await context.close();
});

test('validation messages come from the core and appear inline, in Vietnamese', async () => {
  const { context, page } = await freshPage();
  await setupCommune(page);
  await page.click('article[data-task="2.3-1"] button:has-text("Ghi hoạt động")');
  // The dialog takes the focus (once its chunk is in) and the page behind
  // it is inert.
  await page.waitForFunction(() => document.activeElement?.id === 'act-title');
  assert.equal(await page.evaluate(() => document.querySelector('main').inert), true);
  await page.fill('#act-date', '31/02/2020');
  await page.click('form.activity-form button[type=submit]');
  assert.match(await page.innerText('#act-date-error'), /Ngày không hợp lệ: nhập theo dạng dd\/mm\/yyyy/);
  assert.match(await page.innerText('#act-title-error'), /Tiêu đề không được để trống/);
  assert.equal(await page.getAttribute('#act-title', 'aria-invalid'), 'true');
  await page.fill('#act-date', '01/01/2019');
  await page.fill('#act-title', 'Họp');
  await page.click('form.activity-form button[type=submit]');
  assert.match(await page.innerText('#act-date-error'), /trước ngày ban hành Kế hoạch \(10\/03\/2020\)/);
  await page.fill('#act-date', '01/01/2099');
  await page.click('form.activity-form button[type=submit]');
  assert.match(await page.innerText('#act-date-error'), /sau hôm nay/);
  // A task the commune has no part in: a warning, not an error. (Closing
  // the form with text typed asks first.)
  page.once('dialog', (d) => d.accept());
  await page.click('form.activity-form button:has-text("Hủy")');
  await page.click('button.chip:has-text("Tất cả")');
  await page.click('article[data-task="4.2-1"] button:has-text("Ghi hoạt động")');
  assert.match(await page.innerText('form.activity-form .warning'), /không được giao chủ trì hay phối hợp/);
  await page.fill('#act-title', 'Phối hợp kiểm tra trường học');
  // Since 01/07/2025 the 2020 unit no longer exists: its successor records.
  await page.fill('#act-date', today());
  await page.click('form.activity-form button[type=submit]');
  assert.match(await page.innerText('#act-date-error'), /Từ ngày 01\/07\/2025 đơn vị này không còn \(đã sắp xếp vào Phường Đức Xuân\)/);
  await page.fill('#act-date', '15/06/2020');
  await page.click('form.activity-form button[type=submit]');
  await page.waitForSelector('form.activity-form', { state: 'detached' });
  await context.close();
});

test('closing a form with text typed asks first; focus goes back to the button that opened it', async () => {
  const { context, page } = await freshPage({ width: 1024, height: 600 });
  await setupCommune(page);
  // Set-up ends at the top of the task list, not where its button was.
  assert.equal(await page.evaluate(() => window.scrollY), 0);
  // The tabs stay at the top of a long list, and on a tablet every tab is in view.
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  assert.equal(await page.evaluate(() => Math.round(document.querySelector('nav.tabs').getBoundingClientRect().top)), 0);
  await page.setViewportSize({ width: 768, height: 1024 });
  assert.deepEqual(await page.$$eval('nav.tabs button', (bs) => bs.filter((b) => {
    const r = b.getBoundingClientRect();
    return r.left < 0 || r.right > innerWidth || r.width === 0;
  }).map((b) => b.textContent)), []);
  await page.setViewportSize({ width: 1024, height: 600 });
  await page.evaluate(() => window.scrollTo(0, 0));
  const opener = 'article[data-task="2.3-1"] button:has-text("Ghi hoạt động")';
  const dialogs = [];
  const answer = (accept) => page.once('dialog', (d) => { dialogs.push(d.message()); accept ? d.accept() : d.dismiss(); });

  // Nothing typed: closes at once, no question, focus back on the opener.
  // (The form's code may still be arriving in its chunk: Escape is the
  // form's key once the form has the focus, a frame after it shows.)
  await page.click(opener);
  await page.waitForFunction(() => document.activeElement?.closest('form.activity-form'));
  await page.keyboard.press('Escape');
  await page.waitForSelector('form.activity-form', { state: 'detached' });
  assert.deepEqual(dialogs, []);
  await page.waitForFunction(() => document.activeElement.textContent.trim() === 'Ghi hoạt động'
    && document.activeElement.closest('article')?.dataset.task === '2.3-1');

  // Typed, then Escape, and the person says no: the form and its text stay.
  await page.click(opener);
  await page.fill('#act-title', 'Đang nhập dở');
  answer(false);
  await page.keyboard.press('Escape');
  assert.deepEqual(dialogs, ['Bỏ nội dung đang nhập? Các thay đổi chưa lưu sẽ mất.']);
  assert.equal(await page.inputValue('#act-title'), 'Đang nhập dở');
  // "Hủy", and yes: closed, nothing saved.
  answer(true);
  await page.click('form.activity-form button:has-text("Hủy")');
  await page.waitForSelector('form.activity-form', { state: 'detached' });
  assert.equal(dialogs.length, 2);
  assert.deepEqual(await timelineTitles(page), []);

  // A refused save puts the focus on the first field to fix.
  await page.click('nav.tabs button:has-text("Nhiệm vụ")');
  await page.click(opener);
  await page.fill('#act-date', '31/02/2020');
  await page.click('form.activity-form button[type=submit]');
  await page.waitForSelector('#act-date-error');
  // The focus moves once the errors are on screen (a frame later): wait.
  await page.waitForFunction(() => document.activeElement?.id === 'act-date', null, { timeout: 5000 });
  await page.fill('#act-date', '15/04/2020');
  await page.click('form.activity-form button[type=submit]');
  await page.waitForSelector('#act-date-error', { state: 'detached' });
  await page.waitForSelector('#act-title-error');
  await page.waitForFunction(() => document.activeElement?.id === 'act-title', null, { timeout: 5000 });
  await context.close();
});

test('a corrupted stored entry is reported and set aside; the rest is intact', async () => {
  const { context, page } = await freshPage();
  await setupCommune(page);
  await recordActivity(page, '2.3-1', { title: 'Bản ghi tốt 1', date: '15/04/2020' });
  await recordActivity(page, '1.1-1', { title: 'Bản ghi tốt 2', date: '16/04/2020' });
  await page.waitForSelector('form.activity-form', { state: 'detached' });
  await idbPut(page, [
    ['records', 'corrupt-entry', '{"schema":2,"record":{"title":'],
    ['records', 'wrong-shape', '{"schema":2,"record":{"id":"x"}}'],
  ]);
  await page.reload();
  await page.waitForSelector('.notice.error');
  assert.match(await page.innerText('.notices'), /2 mục dữ liệu bị hỏng đã được cất riêng/);
  assert.deepEqual((await timelineTitles(page)).sort(), ['Bản ghi tốt 1', 'Bản ghi tốt 2']);
  await page.click('nav.tabs button:has-text("Cài đặt")');
  const report = await page.innerText('[data-testid=set-aside]');
  assert.match(report, /corrupt-entry/);
  assert.match(report, /wrong-shape/);
  await context.close();
});

test('a quota error keeps the unsaved record in the form and says what to do', async () => {
  const { context, page } = await freshPage();
  await setupCommune(page);
  await recordActivity(page, '2.3-1', { title: 'Đã lưu trước đó', date: '15/04/2020' });
  await page.waitForSelector('form.activity-form', { state: 'detached' });
  await page.evaluate(() => {
    IDBObjectStore.prototype.put = function () { throw new DOMException('full', 'QuotaExceededError'); };
  });
  await recordActivity(page, '1.1-1', { title: 'Chưa lưu được vì đầy bộ nhớ', date: '16/04/2020', evidence: 'CV 7', expectError: true });
  await page.waitForSelector('[data-testid=save-error]');
  const msg = await page.innerText('[data-testid=save-error]');
  assert.match(msg, /Bộ nhớ của trình duyệt đã đầy/);
  assert.match(msg, /Xuất dữ liệu/);
  assert.equal(await page.inputValue('#act-title'), 'Chưa lưu được vì đầy bộ nhớ');
  assert.equal(await page.inputValue('#act-evidence'), 'CV 7');
  // Still there after a reload (kept on every keystroke), and nothing stored changed.
  await page.reload();
  await page.waitForSelector('form.activity-form');
  assert.equal(await page.inputValue('#act-title'), 'Chưa lưu được vì đầy bộ nhớ');
  await page.click('form.activity-form button[type=submit]');
  await page.waitForSelector('form.activity-form', { state: 'detached' });
  assert.deepEqual((await timelineTitles(page)).sort(), ['Chưa lưu được vì đầy bộ nhớ', 'Đã lưu trước đó']);
  await context.close();
});

test('two tabs on the same unit do not lose each other\'s writes', async () => {
  const { context, page: a } = await freshPage();
  await setupCommune(a);
  const b = await context.newPage();
  await b.goto(env.server.url);
  await b.waitForSelector('nav.tabs');
  await recordActivity(a, '2.3-1', { title: 'Từ tab A', date: '15/04/2020' });
  await recordActivity(b, '1.1-1', { title: 'Từ tab B', date: '16/04/2020' });
  await a.waitForSelector('form.activity-form', { state: 'detached' });
  await b.waitForSelector('form.activity-form', { state: 'detached' });
  // Each tab sees the other's record without a reload.
  await waitForTitles(a, ['Từ tab A', 'Từ tab B']);
  await waitForTitles(b, ['Từ tab A', 'Từ tab B']);
  // Both open the same record for editing; A saves first, B's stale save is refused.
  await a.click('li.activity:has-text("Từ tab A") button:has-text("Sửa")');
  await b.click('li.activity:has-text("Từ tab A") button:has-text("Sửa")');
  await a.fill('#act-title', 'Sửa ở tab A');
  await a.click('form.activity-form button[type=submit]');
  await a.waitForSelector('form.activity-form', { state: 'detached' });
  await b.fill('#act-title', 'Sửa ở tab B');
  await b.click('form.activity-form button[type=submit]');
  assert.match(await b.innerText('[data-testid=save-error]'), /vừa được sửa ở một cửa sổ khác/);
  assert.equal(await b.inputValue('#act-title'), 'Sửa ở tab B', 'B keeps its text');
  b.once('dialog', (d) => d.accept());
  await b.click('form.activity-form button:has-text("Hủy")');
  await b.reload();
  assert.deepEqual((await timelineTitles(b)).sort(), ['Sửa ở tab A', 'Từ tab B']);
  await context.close();
});

test('an unsaved form in one tab survives another tab saving and a reload', async () => {
  const { context, page: a } = await freshPage();
  await setupCommune(a);
  const b = await context.newPage();
  await b.goto(env.server.url);
  await b.waitForSelector('nav.tabs');
  await a.click('article[data-task="2.3-1"] button:has-text("Ghi hoạt động")');
  await a.fill('#act-title', 'Nháp ở tab A');
  await b.click('article[data-task="1.1-1"] button:has-text("Ghi hoạt động")');
  await b.fill('#act-title', 'Nháp ở tab B');
  await b.fill('#act-date', '16/04/2020');
  await b.click('form.activity-form button[type=submit]');
  await b.waitForSelector('form.activity-form', { state: 'detached' });
  await a.reload();
  await a.waitForSelector('form.activity-form');
  assert.equal(await a.inputValue('#act-title'), 'Nháp ở tab A');
  // Closing the tab does not lose it either: a new tab picks it up.
  await a.close();
  const c = await context.newPage();
  await c.goto(env.server.url);
  await c.waitForSelector('form.activity-form');
  assert.equal(await c.inputValue('#act-title'), 'Nháp ở tab A');
  await c.fill('#act-date', '17/04/2020');
  await c.click('form.activity-form button[type=submit]');
  await c.waitForSelector('form.activity-form', { state: 'detached' });
  await waitForTitles(c, ['Nháp ở tab A', 'Nháp ở tab B']);
  await context.close();
});

test('no serious or critical accessibility violation on any screen, laptop and tablet', async () => {
  for (const viewport of [{ width: 1366, height: 768 }, { width: 800, height: 1280 }]) {
    const { context, page } = await freshPage(viewport);
    await page.waitForSelector('[data-testid=province-picker]');
    const found = {};
    found.firstRun = await seriousViolations(page);
    await pickProvince(page, 'quang ninh', 'quang-ninh-2025');
    found.roleForm = await seriousViolations(page);
    await page.click('button:has-text("Đổi tỉnh, thành phố")');
    await setupCommune(page);
    await recordActivity(page, '2.3-1', { title: 'Niêm yết', date: '15/04/2020' });
    await page.waitForSelector('form.activity-form', { state: 'detached' });
    await page.click('article[data-task="2.3-1"] button:has-text("Xem hoạt động")');
    found.plan = await seriousViolations(page);
    await page.click('article[data-task="2.3-1"] button:has-text("Ghi hoạt động")');
    await page.click('form.activity-form button:has-text("Lưu")');
    await page.fill('#act-title', '');
    await page.click('form.activity-form button[type=submit]');
    found.form = await seriousViolations(page);
    await page.click('form.activity-form button:has-text("Hủy")');
    for (const [name, label] of [['timeline', 'Nhật ký hoạt động'], ['batches', 'Lô dữ liệu'], ['planText', 'Văn bản Kế hoạch'], ['settings', 'Cài đặt']]) {
      await page.click(`nav.tabs button:has-text("${label}")`);
      await screenShown(page);
      found[name] = await seriousViolations(page);
    }
    for (const [screen, v] of Object.entries(found)) {
      assert.deepEqual(v, [], `${screen} at ${viewport.width}×${viewport.height}`);
    }
    // Touch targets: every button and input is at least 44 px tall.
    const small = await page.$$eval('button, input[type=text], input[type=password], input[type=search], select', (els) =>
      els.filter((e) => e.offsetParent !== null && e.getBoundingClientRect().height < 44).map((e) => e.outerHTML.slice(0, 80)));
    assert.deepEqual(small, []);
    await context.close();
  }
});

test('the unit is changeable in Settings and each unit sees its own records', async () => {
  const { context, page } = await freshPage();
  await setupCommune(page);
  const deviceId = await (async () => {
    await page.click('nav.tabs button:has-text("Cài đặt")');
    return page.innerText('dl.kv code');
  })();
  assert.match(deviceId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  await page.click('nav.tabs button:has-text("Nhiệm vụ")');
  await recordActivity(page, '2.3-1', { title: 'Của phường Đức Xuân', date: '15/04/2020' });
  await page.waitForSelector('form.activity-form', { state: 'detached' });
  // Move to Xã Bằng Thành (Pác Nặm), found by typing without accents.
  await page.click('nav.tabs button:has-text("Cài đặt")');
  await page.fill('#district-q', 'pac nam');
  await page.selectOption('#district', '060');
  await page.fill('#commune-q', 'bang thanh');
  assert.equal(await page.locator('#commune option').count(), 2, '"— Chọn —" and Xã Bằng Thành');
  await page.selectOption('#commune', '01858');
  await page.click('form.unit-form button[type=submit]');
  assert.match(await page.innerText('header.topbar'), /Xã Bằng Thành/);
  assert.deepEqual(await timelineTitles(page), []);
  // The device id does not change with the unit, and survives a reload.
  await page.reload();
  await page.click('nav.tabs button:has-text("Cài đặt")');
  assert.equal(await page.innerText('dl.kv code'), deviceId);
  // Back to Đức Xuân: its record is still there.
  await page.selectOption('#district', '058');
  await page.selectOption('#commune', '01840');
  await page.click('form.unit-form button[type=submit]');
  assert.deepEqual(await timelineTitles(page), ['Của phường Đức Xuân']);
  // A missing choice is refused with a clear message, nothing changes.
  await page.click('nav.tabs button:has-text("Cài đặt")');
  await page.fill('#official', '   ');
  await page.click('form.unit-form button[type=submit]');
  assert.match(await page.innerText('form.unit-form [role=alert]'), /Hãy nhập họ và tên/);
  await page.reload();
  assert.match(await page.innerText('header.topbar'), /Phường Đức Xuân/);
  await context.close();
});
