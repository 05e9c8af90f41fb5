// The split build (issue 17): the first visit's first screen needs only the
// first-visit build (the first-run form alone), a later visit's only the
// app's main wasm; the screens split off it are precached in the background once the app is
// interactive, the app then says it is whole offline, and every screen of
// every role opens with the server stopped. A screen opened offline before
// its chunk arrived says so and recovers, instead of killing the app.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  freePort, launch, pickProvince, recordActivity, setupCommune, setupDistrict, setupProvince, startServer, stopAllServers, timelineTitles, watchErrors,
} from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => {
  await browser?.close();
  await stopAllServers();
});

const appWasm = (path) => /^\/app-[0-9a-f]+\/.*\.wasm$/.test(path);

/** The paths the service worker's cache holds. */
function keptPaths(page) {
  return page.evaluate(async () => {
    const c = await caches.open((await caches.keys()).find((k) => k.startsWith('papi-shell-')));
    return (await c.keys()).map((r) => new URL(r.url).pathname);
  });
}

/** A context with no service worker (nothing kept: the network and the
 * routes decide) and a page in it; `abort`: a URL pattern whose requests
 * fail. */
async function withoutWorker(abort) {
  const context = await browser.newContext({ serviceWorkers: 'block' });
  if (abort) await context.route(abort, (r) => r.abort());
  return { context, page: await context.newPage() };
}

/** A list of the service worker's (PRECACHE, CHUNKS). */
async function swList(server, name) {
  const sw = await (await fetch(`${server.url}/sw.js`)).text();
  return JSON.parse(sw.match(new RegExp(`const ${name} = (\\[[\\s\\S]*?\\]);`))[1]);
}

/** Click every tab and wait until each screen is on screen (not loading,
 * not failed); open and close the activity form. The tabs' names. */
async function everyScreen(page) {
  const tabs = await page.$$eval('nav.tabs button', (bs) => bs.map((b) => b.textContent.trim()));
  for (const name of tabs) {
    await page.click(`nav.tabs button:has-text("${name}")`);
    await page.waitForFunction(() => {
      const main = document.querySelector('main');
      return main && !main.querySelector('.loading') && main.children.length > 0;
    }, null, { timeout: 15000 });
    assert.equal(await page.locator('main [role=alert]:has-text("Chưa tải được màn hình")').count(), 0, name);
  }
  await page.click('nav.tabs button:has-text("Nhiệm vụ")');
  await page.click('article.task button:has-text("Ghi hoạt động") >> nth=0');
  await page.waitForSelector('form.activity-form #act-title', { timeout: 15000 });
  // Escape is the form's key once the form has the focus.
  await page.waitForFunction(() => document.activeElement?.closest('form.activity-form'));
  await page.keyboard.press('Escape');
  await page.waitForSelector('form.activity-form', { state: 'detached' });
  return tabs;
}

for (const [role, setup, expected] of [
  ['commune', setupCommune, 6],
  ['district', setupDistrict, 8],
  ['province', setupProvince, 9],
]) {
  test(`${role}: first screen on the first-visit build alone, then the app; after the background precache every screen opens with the server stopped`, async () => {
    const port = await freePort();
    const server = await startServer(port);
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = watchErrors(page);
    const requested = [];
    page.on('request', (r) => requested.push(new URL(r.url()).pathname));
    await page.goto(server.url);
    await page.waitForSelector('[data-testid=province-picker]');
    const firstScreen = requested.filter(appWasm);
    assert.equal(firstScreen.length, 1, firstScreen.join(' '));
    assert.match(firstScreen[0], /\/papi-first-visit_bg\.wasm$/);

    await setup(page);
    // The form saved, the app took over.
    assert.ok(requested.some((p) => p.endsWith('/papi-tracker_bg.wasm')), requested.filter(appWasm).join(' '));
    // The service worker has kept every chunk, and the app says so.
    await page.waitForFunction(() => window.papiOffline?.ready === true, null, { timeout: 60000 });
    assert.equal(await page.innerText('#offline-ready'), 'Sẵn sàng dùng khi không có mạng');
    const kept = await keptPaths(page);
    const chunks = await swList(server, 'CHUNKS');
    assert.ok(chunks.length > 0);
    for (const c of chunks) assert.ok(kept.includes(c), `${c} not kept`);

    await server.stop();
    await context.setOffline(true);
    await page.reload();
    await page.waitForSelector('nav.tabs');
    const tabs = await everyScreen(page);
    assert.equal(tabs.length, expected, tabs.join(', '));
    assert.deepEqual(errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|Failed to load resource|Failed to fetch/.test(e)), []);
    await context.close();
  });
}

test('a screen opened offline before its chunk arrived says so, and opens once the network is back', async () => {
  const port = await freePort();
  let server = await startServer(port);
  // No service worker: nothing is precached in the background.
  const { context, page } = await withoutWorker();
  await page.goto(server.url);
  await setupCommune(page);
  await server.stop();
  await context.setOffline(true);
  await page.click('nav.tabs button:has-text("Báo cáo năm")');
  await page.waitForSelector('main [role=alert]:has-text("Chưa tải được màn hình này")', { timeout: 15000 });
  // The app is alive: other screens still work.
  await page.click('nav.tabs button:has-text("Nhiệm vụ")');
  await page.waitForSelector('article.task');
  await page.click('nav.tabs button:has-text("Báo cáo năm")');
  await page.waitForSelector('main [role=alert]:has-text("Chưa tải được màn hình này")', { timeout: 15000 });
  server = await startServer(port);
  await context.setOffline(false);
  await page.click('main [role=alert] button:has-text("Thử lại")');
  await page.waitForFunction(() => {
    const main = document.querySelector('main');
    return !main.querySelector('.loading') && !main.querySelector('[role=alert]') && main.children.length > 0;
  }, null, { timeout: 15000 });
  await context.close();
  await server.stop();
});

test('the activity form opened before its code arrived still gives the focus back to its button', async () => {
  const port = await freePort();
  const server = await startServer(port);
  // No service worker, so the page's own requests can be held.
  const { context, page } = await withoutWorker();
  let release;
  const held = new Promise((r) => { release = r; });
  await page.route('**/split_daily.wasm', async (route) => { await held; await route.continue(); });
  await page.goto(server.url);
  await setupCommune(page);
  const opener = 'article[data-task="2.3-1"] button:has-text("Ghi hoạt động")';
  await page.click(opener);
  // While the form's code is on its way, the page behind it is inert and
  // the browser takes the focus off the button.
  await page.waitForFunction(() => document.activeElement === document.body, null, { timeout: 5000 });
  release();
  await page.waitForFunction(() => document.activeElement?.closest('form.activity-form'), null, { timeout: 15000 });
  await page.keyboard.press('Escape');
  await page.waitForSelector('form.activity-form', { state: 'detached' });
  await page.waitForFunction(() => document.activeElement.textContent.trim() === 'Ghi hoạt động'
    && document.activeElement.closest('article')?.dataset.task === '2.3-1', null, { timeout: 5000 });
  await context.close();
  await server.stop();
});

test('the store\'s code is off the first screen\'s path: kept at install, fetched by the app\'s own form as the official starts on it', async () => {
  const port = await freePort();
  const server = await startServer(port);
  const context = await browser.newContext();
  const page = await context.newPage();
  const requested = [];
  page.on('request', (r) => requested.push(new URL(r.url()).pathname));
  const precache = await swList(server, 'PRECACHE');
  const chunks = await swList(server, 'CHUNKS');
  const startUp = precache.filter((u) => appWasm(u) && !/\/papi-(tracker|first-visit)_bg\.wasm$/.test(u));
  assert.ok(startUp.some((u) => u.endsWith('/split_start.wasm')), precache.join(' '));
  for (const u of startUp) assert.ok(!chunks.includes(u), `${u} is listed twice`);

  // A fresh device: the first-visit build never asks for the store's code.
  await page.goto(server.url);
  await page.waitForSelector('[data-testid=province-picker]');
  await page.click('#province-q');
  await page.waitForTimeout(1000);
  assert.ok(!requested.some((p) => p.endsWith('/split_start.wasm')), requested.filter(appWasm).join(' '));

  // A device that has run the app (its id kept) but has no unit: the app's
  // own first-run form, which fetches the store's code while it is filled in.
  await page.evaluate(() => localStorage.setItem('papi-tracker.device-id', JSON.stringify('split-test-device')));
  requested.length = 0;
  await page.reload();
  await page.waitForSelector('[data-testid=province-picker]');
  assert.ok(requested.some((p) => p.endsWith('/papi-tracker_bg.wasm')), requested.filter(appWasm).join(' '));
  assert.ok(!requested.some((p) => p.endsWith('/split_start.wasm')), requested.filter(appWasm).join(' '));
  const fetched = page.waitForRequest((r) => r.url().endsWith('/split_start.wasm'));
  await page.click('#province-q');
  await fetched;
  await setupCommune(page);
  await recordActivity(page, '2.3-1', { title: 'Sau khi cài đặt', date: '15/04/2020' });
  // The install has kept every start-up chunk.
  await page.evaluate(() => navigator.serviceWorker.ready);
  const kept = await keptPaths(page);
  for (const u of startUp) assert.ok(kept.includes(u), `${u} not kept at install`);
  await context.close();
  await server.stop();
});

/** A fresh device with no service worker (`withoutWorker`), on the
 * first-visit form filled in as a commune official of today's Thái Nguyên
 * (the 2020 history's form is the app's: the first-visit build hands over
 * for it). */
async function firstVisitFilled(server, abort) {
  const { context, page } = await withoutWorker(abort);
  await page.goto(server.url);
  assert.equal(await page.evaluate(() => window.papiBuild), 'papi-first-visit');
  await pickProvince(page, 'thai nguyen', 'thai-nguyen-2025');
  await page.fill('#commune-q', 'phu binh');
  await page.selectOption('#commune', '05908');
  await page.fill('#official', 'Nguyễn Văn An');
  return { context, page };
}

/** The home this device keeps, and then that the app has opened on it
 * (its province has no plan on the device yet: the app says it waits). */
async function keptThenOpened(page) {
  const kept = await page.evaluate(() => JSON.parse(localStorage.getItem('papi-tracker.home')));
  assert.deepEqual(kept, { dataset: 'thai-nguyen-2025', unit_code: '05908', official_name: 'Nguyễn Văn An' });
  return async () => {
    await page.waitForSelector('[data-testid=waiting-for-plan]', { timeout: 20000 });
    assert.equal(await page.evaluate(() => window.papiBuild), 'papi-tracker');
  };
}

test('the app cannot be fetched when the first-visit form hands over: said, with a retry; the unit chosen is kept', async () => {
  const server = await startServer(await freePort());
  const { context, page } = await firstVisitFilled(server, '**/papi-tracker_bg.wasm');
  await page.click('form.unit-form button[type=submit]');
  await page.waitForSelector('#boot.boot-failed #boot-msg:has-text("Không tải được ứng dụng")', { timeout: 15000 });
  await page.waitForSelector('#boot-retry:visible');
  const opened = await keptThenOpened(page);

  await context.unroute('**/papi-tracker_bg.wasm');
  await page.click('#boot-retry');
  await opened();
  await context.close();
  await server.stop();
});

test('the 2020 history chosen in the first-visit build opens in the app; offline before the app was kept, said, and opened once the network is back', async () => {
  const server = await startServer(await freePort());
  const { context, page } = await withoutWorker();
  await page.goto(server.url);
  await page.waitForSelector('[data-testid=history-2020]');
  assert.equal(await page.evaluate(() => window.papiBuild), 'papi-first-visit');
  await context.setOffline(true);
  await page.click('[data-testid=history-2020]');
  await page.waitForSelector('#hand-over:has-text("chưa mở được dữ liệu năm 2020")', { timeout: 15000 });
  assert.equal(await page.locator('[data-testid=province-picker]').count(), 1, 'not reloaded into an error page');
  await context.setOffline(false);
  // The app, on the 2020 form (districts and all).
  await page.waitForSelector('form.unit-form #district', { timeout: 20000 });
  assert.equal(await page.evaluate(() => window.papiBuild), 'papi-tracker');
  assert.match(await page.innerText('main'), /124\/KH-UBND ngày 10\/03\/2020/);
  await context.close();
  await server.stop();
});

test('the first-visit form saved offline before the app was kept: said, nothing reloaded, and the app opens once the network is back', async () => {
  const server = await startServer(await freePort());
  const { context, page } = await firstVisitFilled(server);
  await context.setOffline(true);
  await page.click('form.unit-form button[type=submit]');
  await page.waitForSelector('#hand-over:has-text("chưa tải được phần còn lại của ứng dụng")', { timeout: 15000 });
  // Still the page it was: not reloaded into a browser error.
  await page.waitForTimeout(6000);
  assert.equal(await page.locator('[data-testid=role-form]').count(), 1);
  const opened = await keptThenOpened(page);

  await context.setOffline(false);
  await opened();
  await context.close();
  await server.stop();
});

test('the store\'s code cannot be fetched: said, nothing saved without it, and all read once it comes', async () => {
  const port = await freePort();
  const server = await startServer(port);
  // No service worker: nothing kept, the route decides.
  const { context, page } = await withoutWorker('**/split_start.wasm');
  await page.goto(server.url);
  await setupCommune(page, { read: false });
  await page.waitForSelector('.notices [role=alert]:has-text("Chưa tải được phần đọc dữ liệu")', { timeout: 15000 });
  assert.equal(await page.getAttribute('main#main', 'aria-busy'), 'true');
  // The app is alive; the activity form cannot save without the store.
  await page.click('article[data-task="2.3-1"] button:has-text("Ghi hoạt động")');
  await page.waitForSelector('form.activity-form button[type=submit][disabled]');
  await page.waitForFunction(() => document.activeElement?.closest('form.activity-form'));
  await page.keyboard.press('Escape');
  await page.waitForSelector('form.activity-form', { state: 'detached' });

  await context.unroute('**/split_start.wasm');
  await page.reload();
  await page.waitForSelector('nav.tabs');
  await recordActivity(page, '2.3-1', { title: 'Khi đã có mạng', date: '15/04/2020' });
  await page.reload();
  await page.waitForSelector('nav.tabs');
  assert.deepEqual(await timelineTitles(page), ['Khi đã có mạng']);
  assert.equal(await page.locator('.notices [role=alert]').count(), 0);
  await context.close();
  await server.stop();
});
