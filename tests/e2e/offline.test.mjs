// The installable PWA: starts and works with the network really gone, is
// installable, and offers updates without losing an open form.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  closeProfiles, freePort, launch, launchProfile, makeBuildB, recordActivity, setupCommune, startServer, stopAllServers, timelineTitles, watchErrors,
} from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => {
  await closeProfiles();
  await browser?.close();
  await stopAllServers();
});

async function controlled(page) {
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 15000 });
}

/** The app has said "Sẵn sàng dùng khi không có mạng": the service worker
 * holds every chunk, the activity form's among them. Until then a screen
 * opened offline says its code has not arrived (split.test.mjs). */
async function offlineReady(page) {
  await page.waitForFunction(() => window.papiOffline?.ready === true, null, { timeout: 60000 });
}

/** One online visit on a fresh port: first run done, service worker in control. */
async function visitOnce() {
  const port = await freePort();
  const server = await startServer(port);
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(server.url);
  await setupCommune(page);
  await controlled(page);
  return { port, server, context, page };
}

test('after one visit it starts, records and keeps activities with the network gone', async () => {
  const port = await freePort();
  let server = await startServer(port);
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(server.url);
  await setupCommune(page);
  await controlled(page);
  await offlineReady(page);
  await page.waitForSelector('[data-testid=connection][data-state=online]');

  // Cut the network for real: the server is gone and the browser is offline.
  await server.stop();
  await context.setOffline(true);
  await page.reload();
  await page.waitForSelector('nav.tabs');
  await page.waitForSelector('[data-testid=connection][data-state=offline]');
  assert.equal(await page.innerText('[data-testid=connection]'), 'Ngoại tuyến');
  await recordActivity(page, '2.3-1', { title: 'Ghi khi mất mạng', date: '15/04/2020' });
  await page.waitForSelector('form.activity-form', { state: 'detached' });
  await page.reload();
  await page.waitForSelector('nav.tabs');
  assert.deepEqual(await timelineTitles(page), ['Ghi khi mất mạng']);

  // Back online: the indicator follows a real answer from the server.
  server = await startServer(port);
  await context.setOffline(false);
  await page.waitForSelector('[data-testid=connection][data-state=online]', { timeout: 10000 });
  // Offline fetch failures are expected in the console; nothing else is.
  assert.deepEqual(errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|Failed to load resource|Failed to fetch/.test(e)), []);
  await context.close();
  await server.stop();
});

test('a request that fails while the browser thinks it is online shows offline', async () => {
  let { port, server, context, page } = await visitOnce();
  await server.stop();
  await page.evaluate(() => window.papiProbe());
  await page.waitForSelector('[data-testid=connection][data-state=offline]');
  server = await startServer(port);
  await page.evaluate(() => window.papiProbe());
  await page.waitForSelector('[data-testid=connection][data-state=online]');
  await context.close();
  await server.stop();
});

test('installable: the manifest parses, a service worker controls the page, Chromium reports no errors', async () => {
  const server = await startServer(await freePort());
  // Chromium never offers to install from an incognito context.
  const context = await launchProfile();
  const page = await context.newPage();
  await page.goto(server.url);
  await controlled(page);
  const manifest = await page.evaluate(async () => {
    const href = document.querySelector('link[rel=manifest]').href;
    return JSON.parse(await (await fetch(href)).text());
  });
  assert.equal(manifest.lang, 'vi');
  assert.equal(manifest.display, 'standalone');
  assert.equal(manifest.short_name, 'Theo dõi PAPI');
  for (const size of ['192x192', '512x512']) assert.ok(manifest.icons.some((i) => i.sizes === size));
  assert.ok(manifest.icons.some((i) => i.purpose === 'maskable'));
  const cdp = await context.newCDPSession(page);
  const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
  assert.deepEqual(installabilityErrors, []);
  // The precache list came from the build: every file the build emitted.
  const cached = await page.evaluate(async () => {
    const keys = await caches.keys();
    const c = await caches.open(keys.find((k) => k.startsWith('papi-shell-')));
    return (await c.keys()).map((r) => new URL(r.url).pathname).sort();
  });
  assert.ok(cached.includes('/index.html') && cached.includes('/manifest.webmanifest'));
  assert.ok(cached.some((p) => p.endsWith('_bg.wasm')) && cached.some((p) => p.endsWith('.css')));
  // The XLSX worker is not precached (communes never need it); once used it
  // is kept like the rest, for offline exports.
  assert.ok(!cached.some((p) => p.startsWith('/papi-xlsx')), cached.join(' '));
  await page.evaluate(async () => { await (await fetch('/papi-xlsx_bg.wasm')).arrayBuffer(); });
  // The worker stores its copy after it has answered: wait for it.
  const lazy = await page.waitForFunction(async () => {
    const keys = await caches.keys();
    const c = await caches.open(keys.find((k) => k.startsWith('papi-shell-')));
    const kept = (await c.keys()).map((r) => new URL(r.url).pathname).filter((p) => p.startsWith('/papi-xlsx'));
    return kept.length > 0 && kept;
  }, null, { timeout: 10000 });
  assert.deepEqual(await lazy.jsonValue(), ['/papi-xlsx_bg.wasm']);
  await context.close();
  await server.stop();
});

test('a new version is offered, applied only on consent, and the open form survives', async () => {
  let { port, server, context, page } = await visitOnce();
  const cacheA = await page.evaluate(async () => (await caches.keys()).filter((k) => k.startsWith('papi-shell-')));
  assert.equal(cacheA.length, 1);

  // An unsaved form is open when the new version arrives.
  await page.click('article[data-task="2.3-1"] button:has-text("Ghi hoạt động")');
  await page.fill('#act-title', 'Đang nhập dở khi có bản mới');
  await page.fill('#act-date', '15/04/2020');
  await page.fill('#act-evidence', 'CV 99');
  await page.evaluate(() => { window.__samePage = true; });
  // The XLSX worker was used under build A (kept on first use).
  await page.evaluate(async () => { await (await fetch('/papi-xlsx_bg.wasm')).arrayBuffer(); });
  await page.waitForFunction(async () => {
    const c = await caches.open((await caches.keys()).find((k) => k.startsWith('papi-shell-')));
    return (await c.match('/papi-xlsx_bg.wasm')) !== undefined;
  });

  await server.stop();
  server = await startServer(port, makeBuildB('build B'));
  await page.evaluate(() => window.papiCheckUpdate());
  // The new build's worker keeps every file and chunk before it says so.
  await page.waitForSelector('.update-banner', { timeout: 60000 });
  assert.match(await page.innerText('.update-banner'), /Đã có phiên bản mới — Tải lại/);
  // Nothing reloads by itself; the form is untouched.
  assert.equal(await page.evaluate(() => window.__samePage), true);
  assert.equal(await page.inputValue('#act-title'), 'Đang nhập dở khi có bản mới');

  await Promise.all([page.waitForEvent('load'), page.click('.update-banner button')]);
  await page.waitForSelector('form.activity-form');
  assert.equal(await page.evaluate(() => window.__samePage), undefined, 'the page reloaded');
  assert.equal(await page.inputValue('#act-title'), 'Đang nhập dở khi có bản mới');
  assert.equal(await page.inputValue('#act-evidence'), 'CV 99');
  const cacheB = await page.evaluate(async () => (await caches.keys()).filter((k) => k.startsWith('papi-shell-')));
  assert.equal(cacheB.length, 1, 'the old cache is removed on activate');
  assert.notDeepEqual(cacheB, cacheA);
  // What build A had kept on first use, build B keeps from its install: no
  // export stops working offline after an update.
  const keptB = await page.evaluate(async (k) => {
    const c = await caches.open(k);
    return (await c.keys()).map((r) => new URL(r.url).pathname).filter((p) => p.startsWith('/papi-xlsx'));
  }, cacheB[0]);
  assert.deepEqual(keptB, ['/papi-xlsx_bg.wasm']);
  await page.click('form.activity-form button[type=submit]');
  await page.waitForSelector('form.activity-form', { state: 'detached' });
  assert.deepEqual(await timelineTitles(page), ['Đang nhập dở khi có bản mới']);
  await context.close();
  await server.stop();
});
