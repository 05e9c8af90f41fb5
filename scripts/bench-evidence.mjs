// Evidence on the device (issue 29), not a test: figures for BENCHMARKS.md.
//   scripts/build.sh && node scripts/bench-evidence.mjs
// A commune official (the 2020 history's Phường Đức Xuân, served by
// papi-server on loopback) attaches a 12-megapixel photo (4000 × 3000 JPEG,
// shapes and text, about 2–4 MB) in the activity form, the CPU throttled 4×:
// the app's own measure `evidence-downscale` (decode upright, draw at 1600
// pixels, encode JPEG 80%, the thumbnail) for each of 5 photos, and the
// median. Prints a markdown row.
import { freePort, launch, setupCommune, startServer, stopAllServers } from '../tests/e2e/helpers.mjs';
import { photo } from '../tests/e2e/photos.mjs';

const RUNS = 5;
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

export async function downscale() {
  const server = await startServer(await freePort());
  const browser = await launch();
  try {
    const ctx = await browser.newContext({ serviceWorkers: 'block' });
    const page = await ctx.newPage();
    await page.goto(server.url);
    await setupCommune(page);
    const photos = [];
    for (let i = 0; i < RUNS; i++) photos.push(await photo(page, 4000, 3000, 11 + i * 7));
    const cdp = await ctx.newCDPSession(page);
    await page.click('article[data-task="2.3-1"] button:has-text("Ghi hoạt động")');
    await page.waitForSelector('[data-testid=evidence-input]', { state: 'attached' });
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    const times = [];
    for (let i = 0; i < RUNS; i++) {
      await page.setInputFiles('[data-testid=evidence-input]', { name: `IMG_${i}.jpg`, mimeType: 'image/jpeg', buffer: photos[i] });
      await page.waitForFunction((n) => document.querySelectorAll('[data-testid=evidence-editor] .evidence-item').length === n, i + 1, { timeout: 60000 });
      const all = await page.evaluate(() => performance.getEntriesByName('evidence-downscale').map((e) => e.duration));
      times.push(all[all.length - 1]);
    }
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
    const sizes = photos.map((p) => p.length);
    return { times, median: median(times), sizes };
  } finally {
    await browser.close();
    await stopAllServers();
  }
}

const r = await downscale();
const s = (ms) => (ms / 1000).toFixed(2);
const mb = (n) => (n / 1e6).toFixed(1);
console.log(`| a 12-megapixel photo downscaled on the device, CPU 4×, ≤ 1.5 s (#29; \`node scripts/bench-evidence.mjs\`, ${new Date().toLocaleDateString('en-GB')}) | median ${s(r.median)} s (${r.times.map(s).join(', ')}) from the pick to the kept 1600-pixel JPEG and its thumbnail; photos of ${r.sizes.map(mb).join(', ')} MB | ${r.median <= 1500 ? 'met' : '**not met**'} |`);
