// The split build (issue 17): the first screen needs only the main wasm;
// the screens split off it are precached in the background once the app is
// interactive, the app then says it is whole offline, and every screen of
// every role opens with the server stopped. A screen opened offline before
// its chunk arrived says so and recovers, instead of killing the app.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  freePort, launch, recordActivity, setupCommune, setupDistrict, setupProvince, startServer, stopAllServers, timelineTitles, watchErrors,
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
  ['province', setupProvince, 8],
]) {
  test(`${role}: first screen on the main wasm alone; after the background precache every screen opens with the server stopped`, async () => {
    const port = await freePort();
    const server = await startServer(port);
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = watchErrors(page);
    const requested = [];
    page.on('request', (r) => requested.push(new URL(r.url()).pathname));
    await page.goto(server.url);
    await page.waitForSelector('form.unit-form button[type=submit]');
    const firstScreen = requested.filter(appWasm);
    assert.equal(firstScreen.length, 1, firstScreen.join(' '));
    assert.match(firstScreen[0], /\/papi-tracker_bg\.wasm$/);

    await setup(page);
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
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
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
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
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

test('the store\'s code is off the first screen\'s path: fetched as the official starts on the form, kept at install', async () => {
  const port = await freePort();
  const server = await startServer(port);
  const context = await browser.newContext();
  const page = await context.newPage();
  const requested = [];
  page.on('request', (r) => requested.push(new URL(r.url()).pathname));
  const precache = await swList(server, 'PRECACHE');
  const chunks = await swList(server, 'CHUNKS');
  const startUp = precache.filter((u) => appWasm(u) && !u.endsWith('/papi-tracker_bg.wasm'));
  assert.ok(startUp.some((u) => u.endsWith('/split_start.wasm')), precache.join(' '));
  for (const u of startUp) assert.ok(!chunks.includes(u), `${u} is listed twice`);

  await page.goto(server.url);
  await page.waitForSelector('form.unit-form button[type=submit]');
  // The form shown and left alone: the store's code is not fetched.
  await page.waitForTimeout(1000);
  assert.ok(!requested.some((p) => p.endsWith('/split_start.wasm')), requested.filter(appWasm).join(' '));
  // The official starts on the form: fetched while it is filled in.
  const fetched = page.waitForRequest((r) => r.url().endsWith('/split_start.wasm'));
  await page.click('#official');
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

test('the store\'s code cannot be fetched: said, nothing saved without it, and all read once it comes', async () => {
  const port = await freePort();
  const server = await startServer(port);
  // No service worker: nothing kept, the route decides.
  const context = await browser.newContext({ serviceWorkers: 'block' });
  await context.route('**/split_start.wasm', (r) => r.abort());
  const page = await context.newPage();
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
