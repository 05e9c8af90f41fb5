// The boot screen of a first visit: shown while the wasm downloads, with its
// progress; removed when the app mounts; and a clear message with a retry
// button when the download fails.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { appReady, freePort, launch, startServer, stopAllServers, watchErrors } from './helpers.mjs';

let browser;
let server;
before(async () => {
  browser = await launch();
  server = await startServer(await freePort());
});
after(async () => {
  await browser?.close();
  await stopAllServers();
});

// No service worker: these are first visits, and a worker's own fetches
// would bypass the routes below.
const firstVisit = () => browser.newContext({ serviceWorkers: 'block' });

test('a slow first visit shows the download progress, then the app replaces it', async () => {
  const context = await firstVisit();
  const page = await context.newPage();
  const errors = watchErrors(page);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  // About 6 s for the wasm: long enough to see the bar move.
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 100, downloadThroughput: 500000 / 8, uploadThroughput: 500000 / 8,
  });
  await page.goto(server.url, { waitUntil: 'commit' });
  await page.waitForSelector('#boot[role=status]');
  // Part of the wasm has arrived: the text and the bar say how much.
  const seen = await (await page.waitForFunction(() => {
    const m = document.getElementById('boot-msg')?.textContent.match(/^Đang tải ứng dụng… (\d+)%$/);
    const pct = m && Number(m[1]);
    return pct > 0 && pct < 100 && { pct, bar: document.getElementById('boot-progress').value };
  }, null, { timeout: 30000, polling: 50 })).jsonValue();
  assert.equal(seen.bar, seen.pct);
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  await appReady(page);
  assert.equal(await page.locator('#boot').count(), 0, 'the boot screen is gone once the app is on screen');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a failed download says what happened and offers a reload that recovers', async () => {
  const context = await firstVisit();
  const page = await context.newPage();
  await page.route(/_bg\.wasm$/, (route) => route.abort('internetdisconnected'));
  await page.goto(server.url);
  await page.waitForSelector('#boot.boot-failed', { timeout: 15000 });
  assert.equal(await page.innerText('#boot-msg'), 'Không tải được ứng dụng.');
  assert.match(await page.innerText('#boot-note'), /Lần mở đầu tiên cần có mạng.*bấm “Tải lại”/s);
  assert.equal(await page.locator('form.unit-form, nav.tabs').count(), 0);
  // The network is back: the button reloads and the app starts.
  await page.unroute(/_bg\.wasm$/);
  await page.getByRole('button', { name: 'Tải lại' }).click();
  await appReady(page);
  assert.equal(await page.locator('#boot').count(), 0);
  await context.close();
});

test('a browser without WebAssembly is told so instead of a blank page', async () => {
  const context = await firstVisit();
  await context.addInitScript(() => { delete globalThis.WebAssembly; });
  const page = await context.newPage();
  await page.goto(server.url);
  await page.waitForSelector('#boot.boot-failed');
  assert.equal(await page.innerText('#boot-msg'), 'Trình duyệt này không chạy được ứng dụng (quá cũ, hoặc đã tắt WebAssembly).');
  assert.match(await page.innerText('#boot-note'), /Chrome, Edge hoặc Firefox/);
  await context.close();
});
