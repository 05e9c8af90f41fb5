// The release build renders the whole plan in Chromium without a console error.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serverAndBrowser, setupCommune, watchErrors } from './helpers.mjs';

const env = serverAndBrowser();

test('shows the 8 dimensions, 27 sub-indicators and 42 tasks with their agencies', async () => {
  const page = await env.browser.newPage({ viewport: { width: 1366, height: 768 } });
  const errors = watchErrors(page);
  await page.goto(env.server.url);
  await setupCommune(page);
  await page.click('button.chip:has-text("Tất cả")');
  assert.equal(await page.locator('section.dimension').count(), 8);
  assert.equal(await page.locator('section.sub').count(), 27);
  assert.equal(await page.locator('article.task').count(), 42);
  const card = page.locator('article[data-task="2.4-1"]');
  assert.match(await card.innerText(), /Sở Tài nguyên môi trường, UBND các huyện, thành phố/);
  assert.match(await card.innerText(), /Phối hợp/);
  // A commune leads 21 tasks and the default filter shows them.
  await page.click('button.chip:has-text("Tôi chủ trì")');
  assert.equal(await page.locator('article.task').count(), 21);
  assert.deepEqual(errors, []);
});

test('search is accent-insensitive', async () => {
  const page = await env.browser.newPage();
  await page.goto(env.server.url);
  await setupCommune(page);
  await page.click('button.chip:has-text("Tất cả")');
  const ids = async () => page.$$eval('article.task', (els) => els.map((e) => e.dataset.task));
  await page.fill('#plan-search', 'cong khai ngan sach');
  // "Công khai, minh bạch ngân sách xã"; 2.1-1 also has "công khai" and "ngành".
  assert.deepEqual(await ids(), ['2.1-1', '2.3-1']);
  await page.fill('#plan-search', 'ngân sách'.normalize('NFD'));
  assert.ok((await ids()).includes('2.3-1'), 'NFD input finds NFC text');
  await page.fill('#plan-search', 'DUONG GIAO THONG');
  assert.deepEqual(await ids(), ['1.4-1']);
  await page.fill('#plan-search', 'không có nhiệm vụ nào như thế này');
  assert.equal(await page.locator('article.task').count(), 0);
  assert.match(await page.innerText('main'), /Không có nhiệm vụ nào khớp/);
});
