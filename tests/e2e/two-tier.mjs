// The two tiers of Thái Nguyên walked by visible text, for the tests of
// the receiver's acts (review.test.mjs) and of evidence (evidence.test.mjs):
// the province enrols and publishes its plan, a commune enrols, sends its
// year, syncs; the province pulls and opens a unit's review row.
import { applyImport, download, parseCsv, unitToken, watchErrors, writeCsv } from './helpers.mjs';

export const UNITS = 'thai-nguyen-2025';

export async function enrol(browser, url, token, ctxOptions = {}) {
  const ctx = await browser.newContext({ serviceWorkers: 'block', timezoneId: 'Asia/Ho_Chi_Minh', acceptDownloads: true, ...ctxOptions });
  const page = await ctx.newPage();
  const errors = watchErrors(page);
  await page.goto(`${url}/#enrol=${token}`);
  await page.waitForSelector('[data-testid=role-form]', { timeout: 20000 });
  return { ctx, page, errors };
}

/** The province's Sở Nội vụ: enrols, publishes its template as the plan. */
export async function province(browser, server) {
  const { ctx, page: p, errors } = await enrol(browser, server.url, unitToken(server.db, '19', UNITS));
  await p.getByLabel('Sở Nội vụ (lập, theo dõi kế hoạch và tổng hợp toàn tỉnh)').check();
  await p.fill('#official', 'Hoàng Văn Tỉnh');
  await p.click('form.unit-form button[type=submit]');
  await p.waitForSelector('.plan-builder', { timeout: 20000 });
  const template = await download(p, () => p.click('button:has-text("Tải mẫu (CSV)")'));
  const rows = parseCsv(template.text.replace(/^\uFEFF/, ''));
  await p.fill('#plan-number', '12/KH-UBND');
  await p.fill('#plan-date', '15/01/2026');
  await p.setInputFiles('[data-testid=plan-csv]', { name: 'ke-hoach.csv', mimeType: 'text/csv', buffer: Buffer.from(writeCsv(rows), 'utf8') });
  await p.waitForSelector('[data-testid=plan-ready]');
  await p.click('button:has-text("Công bố kế hoạch")');
  await p.waitForSelector('[data-testid=publish-outcome]:has-text("máy chủ đã nhận kế hoạch")');
  await Promise.all([p.waitForEvent('load'), p.click('[data-testid=enter-plan]')]);
  await p.waitForSelector('nav.tabs');
  return { ctx, p, errors };
}

/** A commune by its link; its first screen shown, every chunk fetched. */
export async function commune(browser, server, code) {
  const { ctx, page: c, errors } = await enrol(browser, server.url, unitToken(server.db, code, UNITS));
  await c.getByLabel('Cán bộ cấp xã (UBND xã, phường)').check();
  await c.selectOption('#commune', code);
  await c.fill('#official', `Cán bộ ${code}`);
  await Promise.all([c.waitForEvent('load'), c.click('form.unit-form button[type=submit]')]);
  await c.waitForSelector('nav.tabs', { timeout: 20000 });
  await c.waitForSelector('[data-testid=heard]');
  await c.click('nav.tabs button:has-text("Báo cáo năm")');
  await c.waitForSelector('[data-testid=assessment] #assess-shortcomings');
  await c.click('nav.tabs button:has-text("Nhiệm vụ")');
  await c.waitForLoadState('networkidle');
  return { ctx, c, errors };
}

export async function sendYear(c) {
  await c.click('nav.tabs button:has-text("Báo cáo năm")');
  await c.waitForSelector('[data-testid=period-submit]');
  await c.click('[data-testid=period-submit]');
  await c.waitForSelector('[data-testid=period-sent]');
}

export async function synced(c) {
  await c.waitForTimeout(300);
  await c.click('nav.tabs button:has-text("Lô dữ liệu")');
  await c.waitForSelector('[data-testid=sync-state]:has-text("Đã gửi hết")', { timeout: 30000 });
}

/** The province pulls what the server holds and applies it: at least `n`
 * batches (a commune's changes may have gone up in more than one). */
export async function pullAll(p, n) {
  await p.click('nav.tabs button:has-text("Nhập lô")');
  for (let i = 0; ; i++) {
    await p.click('[data-testid=pull]');
    try {
      await p.waitForFunction((k) => document.querySelectorAll('[data-testid=file-checks] > li[data-state=ready]').length >= k, n, { timeout: 5000 });
      break;
    } catch (e) {
      if (i >= 4) throw new Error(`nothing to pull: ${await p.innerText('main').catch(() => '')}`.slice(0, 1500));
    }
  }
  await applyImport(p);
}

/** The province's review of 2026, the row of `unit`. */
export async function reviewRow(p, unit) {
  await p.click('nav.tabs button:has-text("Báo cáo năm")');
  await p.waitForSelector('[data-testid=standings]');
  await p.evaluate(() => { document.querySelector('[data-testid=standings]').open = true; });
  return p.locator(`[data-testid=standings] tr[data-unit="${unit}"]`);
}

/** Open a unit's row details (history, reminder, comments), once. */
export async function openDetails(row) {
  const d = row.locator('[data-testid=unit-details]');
  if (!(await d.evaluate((e) => e.open))) await d.locator('summary').click();
  await d.locator('[data-testid=history]').waitFor();
}

/** What the commune's first screen says it heard, after fetching. */
export async function heard(c) {
  await c.click('nav.tabs button:has-text("Nhiệm vụ")');
  await c.reload();
  await c.waitForSelector('[data-testid=heard-status]', { timeout: 20000 });
  return c.innerText('[data-testid=heard]');
}
