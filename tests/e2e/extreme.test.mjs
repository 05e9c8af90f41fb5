// No accepted batch can make a screen crash: a province-year of valid but
// extreme data (the largest allowed numbers, the longest allowed texts) from
// every commune, imported at the province and at a district, and every
// receiving screen opened on it. (How fast they render is measured by the
// benchmark, scripts/bench.mjs: "Screens with extreme data".)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  ROOT, applyImport, importFiles, makeBatch, serverAndBrowser, setupDistrict, setupProvince, watchErrors,
} from './helpers.mjs';

const env = serverAndBrowser();
const UNITS = JSON.parse(readFileSync(join(ROOT, 'data/units/bac-kan-2020.json'), 'utf8')).units;
const MAX_SEQ = 10_000_000;
const MAX_REVISION = 1_000_000;

/** The longest texts the format allows, in Vietnamese letters. */
const longest = (i) => ({
  title: `${i} `.padEnd(200, 'Ễ'),
  description: `${'ạ'.repeat(1999)}\n${'ố'.repeat(2000)}`,
  participants: 'ư'.repeat(1000),
  evidence: 'đ'.repeat(500),
  author: 'Ạ'.repeat(100),
  revision: MAX_REVISION,
});

/** Per commune: batch 1 and batch MAX_SEQ (so everything between is a gap),
 * each with `per` records of the longest texts at the highest revision. */
async function extremeYear(communes, per) {
  const files = [];
  for (const [k, c] of communes.entries()) {
    for (const seq of [1, MAX_SEQ]) {
      const recs = Array.from({ length: per }, (_, j) => ({
        task: '2.3-1', date: `2020-${String(3 + ((k + j) % 10)).padStart(2, '0')}-15`, ...longest(j),
      }));
      files.push(await makeBatch(c.code, `dev-${c.code}`, seq, recs, '2020-12-20T09:00:00.000Z'));
    }
  }
  return files;
}

async function openEveryReceivingScreen(page) {
  await page.click('nav.tabs button:has-text("Tổng hợp")');
  // The gap is one range, not ten million numbers.
  await page.waitForSelector(`[data-testid=unit-status] tbody tr[data-unit="02194"]:has-text("2–${MAX_SEQ - 1}")`);
  await page.click('nav.tabs button:has-text("Báo cáo năm")');
  await page.waitForSelector('[data-testid=report]');
  await page.click('nav.tabs button:has-text("Nhập lô")');
  await page.waitForSelector('[data-testid=received-units] tbody tr');
  const text = await page.innerText('main');
  assert.match(text, new RegExp(`thiếu lô số 2–${MAX_SEQ - 1}`));
}

test('a province-year of extreme but valid data opens on every receiving screen', async () => {
  const communes = UNITS.filter((u) => u.level === 'commune');
  const files = await extremeYear(communes, 3);
  const context = await env.browser.newContext({ viewport: { width: 1366, height: 768 } });
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(env.server.url);
  await setupProvince(page);
  const lines = await importFiles(page, files);
  assert.ok(lines.every((l) => l.state === 'ready'), JSON.stringify(lines.find((l) => l.state !== 'ready')));
  await applyImport(page);
  await openEveryReceivingScreen(page);
  // Reloaded: the stored entries are read back and shown again.
  await page.reload();
  await page.waitForSelector('nav.tabs');
  await openEveryReceivingScreen(page);
  assert.deepEqual(errors, []);

  // A district takes its own communes' part of the same files.
  const naRi = new Set(communes.filter((c) => c.parent_code === '066').map((c) => c.code));
  // Another browser profile: the district's own settings and store.
  const dContext = await env.browser.newContext({ viewport: { width: 1366, height: 768 } });
  const district = await dContext.newPage();
  const dErrors = watchErrors(district);
  await district.goto(env.server.url);
  await setupDistrict(district);
  const own = files.filter((f) => naRi.has(JSON.parse(f.text).unit_code));
  await importFiles(district, own);
  await applyImport(district);
  await openEveryReceivingScreen(district);
  assert.deepEqual(dErrors, []);
  await context.close();
  await dContext.close();
});
