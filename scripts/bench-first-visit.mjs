// First visit on a weak connection (issue 17), for one or more builds side
// by side (not a test: figures for BENCHMARKS.md / docs/first-visit.md):
//   node scripts/bench-first-visit.mjs [LABEL=DIST ...]   (default: now=dist)
// For each build, on a fresh profile served by papi-server on loopback:
// - the critical path: every file the page itself requests until the
//   first-run form is ready to use (html, js, css, the main wasm), as gzip -9
//   and brotli -11 bodies, and the bytes on the wire;
// - the same visit on slow 3G (400 kbit/s, 400 ms latency) with the CPU
//   throttled 4×: time to the first-run form (3 runs, median), and then the
//   time until the app says it is whole offline (the service worker has
//   precached the split-off screens in the background);
// - what the service worker precaches in the background (gzip, brotli).
// Prints a markdown section, and returns its figures when imported.
import { brotliCompressSync, constants as zc, gzipSync } from 'node:zlib';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DIST, freePort, launch, startServer, stopAllServers } from '../tests/e2e/helpers.mjs';

const kb = (n) => (n / 1024).toFixed(1);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

function walk(d) {
  return readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : [join(d, n)]));
}
function sizes(dist) {
  const map = new Map();
  for (const f of walk(dist).filter((p) => !/\.(br|gz)$/.test(p))) {
    const buf = readFileSync(f);
    map.set('/' + relative(dist, f), {
      raw: buf.length, gz: gzipSync(buf, { level: 9 }).length,
      br: brotliCompressSync(buf, { params: { [zc.BROTLI_PARAM_QUALITY]: 11 } }).length,
    });
  }
  return map;
}
// The split-off screens, as the build's service worker lists them (none in a
// build without splitting).
function chunks(dist) {
  const m = readFileSync(join(dist, 'sw.js'), 'utf8').match(/const CHUNKS = (\[[\s\S]*?\]);/);
  return m ? JSON.parse(m[1]) : [];
}
const offlineReady = () => window.papiOffline?.ready === true;
// The first screen ready to use: the province list (since issue 25), or
// an earlier build's first-run form.
const FIRST_SCREEN = '[data-testid=province-picker] button[data-dataset], form.unit-form button[type=submit]';
// The largest province's dataset (Thành phố Hồ Chí Minh, 168 units).
const LARGEST = 'ho-chi-minh-2025';

/** A fresh profile on slow 3G (400 kbit/s, 400 ms latency) with the CPU
 * throttled 4×, navigated to `url` and waited on until the first-run form
 * is ready to use. */
export async function firstRunOnSlow3g(browser, url) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 400, downloadThroughput: 400000 / 8, uploadThroughput: 400000 / 8,
  });
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  await page.goto(url, { waitUntil: 'commit', timeout: 120000 });
  await page.waitForSelector(FIRST_SCREEN, { state: 'visible', timeout: 120000 });
  return { context, page };
}

export async function measure(label, dist) {
  const files = sizes(dist);
  const background = chunks(dist);
  const port = await freePort();
  const server = await startServer(port, dist);
  const browser = await launch();
  const fig = { label };
  try {
    // Critical path, fast link: what the page requests until the form works.
    {
      const context = await browser.newContext();
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.enable');
      const seen = new Set();
      let wire = 0;
      let done = false;
      cdp.on('Network.responseReceived', (e) => { if (!done) seen.add(new URL(e.response.url).pathname); });
      cdp.on('Network.loadingFinished', (e) => { if (!done) wire += e.encodedDataLength; });
      await page.goto(server.url);
      await page.waitForSelector(FIRST_SCREEN, { state: 'visible' });
      done = true;
      const paths = [...seen].map((p) => (p === '/' ? '/index.html' : p)).filter((p) => files.has(p));
      fig.critical = paths.sort();
      fig.criticalGz = paths.reduce((a, p) => a + files.get(p).gz, 0);
      fig.criticalBr = paths.reduce((a, p) => a + files.get(p).br, 0);
      fig.criticalWire = wire;
      fig.mainWasm = paths.filter((p) => p.endsWith('.wasm')).map((p) => ({ path: p, ...files.get(p) }));
      await context.close();
    }
    fig.backgroundGz = background.reduce((a, p) => a + files.get(p).gz, 0);
    fig.backgroundBr = background.reduce((a, p) => a + files.get(p).br, 0);
    fig.backgroundFiles = background.length;
    // Slow 3G, CPU 4×: first-run form ready, then whole offline.
    fig.slow = [];
    fig.ready = [];
    for (let i = 0; i < 3; i++) {
      const { context, page } = await firstRunOnSlow3g(browser, server.url);
      fig.slow.push(await page.evaluate(() => performance.now()));
      // The province picked: its communes listed (fetched on that link).
      if (await page.locator(`button[data-dataset="${LARGEST}"]`).count()) {
        const t0 = await page.evaluate(() => performance.now());
        await page.click(`button[data-dataset="${LARGEST}"]`);
        await page.waitForFunction(() => document.querySelectorAll('#commune option').length > 100, null, { timeout: 60000 });
        (fig.pick ??= []).push(await page.evaluate((t) => performance.now() - t, t0));
      }
      // A build without split screens is whole offline once its service
      // worker is active (it precached everything at install).
      if (background.length) await page.waitForFunction(offlineReady, null, { timeout: 180000, polling: 100 });
      else await page.evaluate(() => navigator.serviceWorker.ready);
      fig.ready.push(await page.evaluate(() => performance.now()));
      await context.close();
    }
  } finally {
    await browser.close();
    await stopAllServers();
  }
  return fig;
}

export function section(figs) {
  const lines = [];
  lines.push('| build | critical path gzip -9 | brotli -11 | on the wire | files on it | slow 3G, CPU 4×: first-run form (median of 3) | then whole offline (median) | precached in the background gzip / brotli |');
  lines.push('|---|---:|---:|---:|---|---:|---:|---:|');
  for (const f of figs) {
    lines.push(`| ${f.label} | **${kb(f.criticalGz)} KB** | ${kb(f.criticalBr)} KB | ${kb(f.criticalWire)} KB | ${f.critical.length} (main wasm ${f.mainWasm.map((w) => `${kb(w.gz)} KB gzip`).join(', ')}) | **${(median(f.slow) / 1000).toFixed(1)} s** (${f.slow.map((t) => (t / 1000).toFixed(1)).join(', ')}) | ${(median(f.ready) / 1000).toFixed(1)} s | ${f.backgroundFiles ? `${kb(f.backgroundGz)} / ${kb(f.backgroundBr)} KB in ${f.backgroundFiles} chunks` : 'nothing (all at install)'} |`);
  }
  lines.push('');
  for (const f of figs) lines.push(`- ${f.label}, the critical path: ${f.critical.map((p) => p.replace(/-[0-9a-f]{10,16}/, '-HASH')).join(', ')}`);
  for (const f of figs.filter((x) => x.pick)) lines.push(`- ${f.label}, slow 3G, CPU 4×: the province picked (Thành phố Hồ Chí Minh) to its 168 communes listed: **${(median(f.pick) / 1000).toFixed(2)} s** median (${f.pick.map((t) => (t / 1000).toFixed(2)).join(', ')})`);
  return lines;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const builds = (args.length ? args : [`now=${DIST}`]).map((a) => a.split('='));
  const figs = [];
  for (const [label, dist] of builds) figs.push(await measure(label, dist));
  console.log(section(figs).join('\n'));
}
