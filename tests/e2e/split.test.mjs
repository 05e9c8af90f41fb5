// The split build (issue 17): the first screen needs only the main wasm;
// the screens split off it are precached in the background once the app is
// interactive, the app then says it is whole offline, and every screen of
// every role opens with the server stopped. A screen opened offline before
// its chunk arrived says so and recovers, instead of killing the app.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  freePort, launch, setupCommune, setupDistrict, setupProvince, startServer, stopAllServers, watchErrors,
} from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => {
  await browser?.close();
  await stopAllServers();
});

const appWasm = (path) => /^\/app-[0-9a-f]+\/.*\.wasm$/.test(path);

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
    const kept = await page.evaluate(async () => {
      const c = await caches.open((await caches.keys()).find((k) => k.startsWith('papi-shell-')));
      return (await c.keys()).map((r) => new URL(r.url).pathname);
    });
    const chunks = JSON.parse((await (await fetch(`${server.url}/sw.js`)).text()).match(/const CHUNKS = (\[[\s\S]*?\]);/)[1]);
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
