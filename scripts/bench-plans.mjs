// Budgets of issue 15, measured in the release build (scripts/bench.mjs
// calls `twoTier`; alone, after scripts/build.sh: node scripts/bench-plans.mjs):
// - the province dashboard of Thái Nguyên with its 92 communes × 300
//   activities (≤ 500 ms from the click on "Tổng hợp" to the matrix and the
//   unit table on screen);
// - a 300-task plan spreadsheet (CSV) read and checked in the plan builder
//   (≤ 1 s; the builder logs "plan-import-ms N").
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash, createPrivateKey, createPublicKey, randomUUID, sign } from 'node:crypto';
import {
  ROOT, appReady, openHistory, freePort, launch, parseCsv, planRows300, startServer, stopAllServers, trustDevices, writeCsv,
} from '../tests/e2e/helpers.mjs';
import { dashboardRuns } from './bench-dashboard.mjs';

export const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
// The province measured: Thái Nguyên (92 communes) unless BENCH_UNITS
// names another 2025 dataset (ho-chi-minh-2025: the largest, 168 units).
const UNITS_ID = process.env.BENCH_UNITS || 'thai-nguyen-2025';
const units = JSON.parse(readFileSync(join(ROOT, `data/units/${UNITS_ID}.json`), 'utf8'));
const provinceName = units.units.find((u) => u.level === 'province').name;
const communes = units.units.filter((u) => u.level === 'commune').map((u) => u.code);
const shipped = JSON.parse(readFileSync(join(ROOT, 'data/plans/bac-kan-124-2020.json'), 'utf8'));
const plan = { ...shipped, id: `${UNITS_ID.replace(/-2025$/, '')}-papi-2026`, version: '2026.1', units: units.id };
const tasks = plan.dimensions.flatMap((d) => d.sub_indicators.flatMap((s) => s.tasks.map((t) => t.id)));
/** Each commune's own device key (Ed25519 from a seed of its index). */
function keyFor(i) {
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.alloc(32, i + 1)]);
  const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  const x = createPublicKey(privateKey).export({ format: 'jwk' }).x;
  return { privateKey, publicHex: Buffer.from(x, 'base64url').toString('hex') };
}

/** A version 3 batch of `unit` with `n` activities of 2026, signed; every
 * other commune has also sent its year for review (a submission). */
function batch(unit, n, key, sent = false) {
  const at = '2026-11-20T09:00:00.000Z';
  const records = Array.from({ length: n }, (_, j) => ({
    id: randomUUID(), unit_code: unit, task_id: tasks[j % tasks.length],
    date: new Date(Date.UTC(2026, 0, 2) + (j % 300) * 86400e3).toISOString().slice(0, 10),
    title: `Hoạt động ${j}: niêm yết, tuyên truyền, hội nghị đối thoại`, description: '', participants: '',
    evidence: `VB ${j}/UBND`, status: 'done', author: 'Người ghi thử', device_id: `d-${unit}`,
    created_at: at, updated_at: at, revision: 1, deleted: false, files: [],
  })).sort((a, b) => (a.id < b.id ? -1 : 1));
  const submissions = sent
    ? [{ period: '2026', note: 'Gửi báo cáo năm', at, revision: 1, author: 'Người ghi thử', device_id: `d-${unit}` }]
    : [];
  const content = {
    format: 'papi-tracker.batch', format_version: 3, kind: 'changes', plan: { id: plan.id, version: plan.version },
    units: units.id, unit_code: unit, device_id: `d-${unit}`, seq: 1, created_at: at, signer: key.publicHex, records,
    assessments: [], submissions, comments: [],
  };
  const canonical = Buffer.from(JSON.stringify(content));
  // The signature covers the SHA-256 digest of the canonical bytes
  // (docs/batch-format.md, "Signatures").
  const digest = createHash('sha256').update(canonical).digest();
  return JSON.stringify({
    ...content, sha256: digest.toString('hex'),
    signature: sign(null, digest, key.privateKey).toString('hex'),
  });
}

/** The plan template (the builder's CSV) with each task 7 or 8 times: 300 tasks. */
function bigCsv(template) {
  const big = planRows300(parseCsv(template));
  if (big.length !== 301) throw new Error(`300 tasks expected, got ${big.length - 1}`);
  return writeCsv(big);
}

/** Five times: the 300-task CSV into the plan builder, read and checked (ms each). */
async function csvImports(page) {
  const ms = [];
  page.on('console', (m) => { const x = /plan-import-ms (\d+)/.exec(m.text()); if (x) ms.push(Number(x[1])); });
  await page.click('nav.tabs button:has-text("Cài đặt")');
  await page.click('[data-testid=open-plans]');
  await page.click('button:has-text("Mở công cụ lập kế hoạch")');
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('button:has-text("Tải mẫu (CSV)")')]);
  const csv = bigCsv(readFileSync(await dl.path(), 'utf8').replace(/^\uFEFF/, ''));
  await page.fill('#plan-number', '45/KH-UBND');
  await page.fill('#plan-date', '15/01/2026');
  await page.fill('#plan-title', 'Nâng cao Chỉ số PAPI tỉnh Thái Nguyên năm 2026');
  await page.fill('#plan-id', 'thai-nguyen-papi-2026-do');
  for (let i = 0; i < 5; i += 1) {
    const before = ms.length;
    await page.fill('#plan-version', `2026.${10 + i}`);
    await page.setInputFiles('[data-testid=plan-csv]', { name: `ke-hoach-300-${i}.csv`, mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
    await page.waitForSelector(`[data-testid=plan-ready]:has-text("2026.${10 + i}"), [data-testid=plan-problems]`);
    if (await page.locator('[data-testid=plan-problems]').count()) {
      throw new Error(`the 300-task CSV has problems: ${(await page.innerText('[data-testid=plan-problems]')).slice(0, 400)}`);
    }
    if (ms.length === before) throw new Error('the builder logged no plan-import-ms');
  }
  return ms.slice(-5);
}

/** The two-tier figures of issue 15: the dashboard's runs and the CSV imports (ms). */
export async function twoTier(browser, server) {
  const page = await (await browser.newContext({ acceptDownloads: true })).newPage();
  await page.goto(server.url);
  await openHistory(page);
  await page.getByLabel('Cấp tỉnh (Sở Nội vụ, các sở, ban, ngành)').check();
  await page.fill('#official', 'Đo');
  await page.click('form.unit-form button[type=submit]');
  await page.waitForSelector('nav.tabs');
  await page.click('nav.tabs button:has-text("Cài đặt")');
  await page.click('[data-testid=open-plans]');
  await page.setInputFiles('[data-testid=plan-file]', { name: 'tn.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(plan)) });
  await Promise.all([page.waitForEvent('load'), page.click(`li[data-plan="${plan.id}"] button`)]);
  await page.waitForSelector('[data-testid=role-form]');
  await page.getByLabel('Sở Nội vụ (lập, theo dõi kế hoạch và tổng hợp toàn tỉnh)').check();
  await page.fill('#official', 'Đo');
  await page.click('form.unit-form button[type=submit]');
  await page.waitForSelector('nav.tabs');
  await page.click('nav.tabs button:has-text("Nhập lô")');
  const files = communes.map((c, i) => ({ name: `${c}.json`, mimeType: 'application/json', buffer: Buffer.from(batch(c, 300, keyFor(i), i % 2 === 0)) }));
  await page.setInputFiles('[data-testid=import-files]', files);
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=file-checks] > li').length === n, files.length, { timeout: 300000 });
  await trustDevices(page);
  const states = await page.$$eval('[data-testid=file-checks] > li', (els) => els.map((e) => e.dataset.state));
  if (states.some((s) => s !== "ready")) throw new Error(`not all ready: ${(await page.innerText("[data-testid=file-checks]")).slice(0, 600)}`);
  await page.click('[data-testid=apply-import]');
  await page.waitForFunction(() => !document.querySelector('[data-testid=file-checks] > li[data-state=ready]'), null, { timeout: 300000 });
  const runs = await dashboardRuns(page);
  const rows = await page.locator('[data-testid=matrix] tbody tr').count();
  const total = await page.innerText('[data-testid=grand-total]');
  const review = await reviewRuns(page);
  const standing = await page.innerText('[data-testid=standings] summary');
  const csv = await csvImports(page);
  await page.context().close();
  return { runs, rows, total, review, standing, csv };
}

/** Five times: from the click on "Báo cáo năm" until the review of the
 * year (every commune's standing, each row's history and reminder) and
 * the report are on screen (ms each). */
async function reviewRuns(page, n = 5) {
  const out = [];
  for (let i = 0; i < n; i++) {
    await page.click('nav.tabs button:has-text("Nhập lô")');
    await page.waitForSelector('[data-testid=dropzone]');
    out.push(await page.evaluate((want) => new Promise((resolve) => {
      const t = performance.now();
      const done = () => document.querySelector('[data-testid=report] .doc-foot, [data-testid=report] footer')
        && document.querySelectorAll('[data-testid=standings] tr[data-unit]').length >= want;
      const obs = new MutationObserver(() => {
        if (done()) { obs.disconnect(); requestAnimationFrame(() => resolve(performance.now() - t)); }
      });
      obs.observe(document.body, { childList: true, subtree: true });
      [...document.querySelectorAll('nav.tabs button')].find((b) => b.textContent === 'Báo cáo năm').click();
    }), communes.length));
  }
  return out;
}

/** The section of BENCHMARKS.md. */
export function section(t) {
  return [
    `## Two tiers: ${provinceName} (issues 15, 25)`,
    '',
    `The province's workspace on a plan of the 2025 units (${communes.length} communes), each commune's signed batch (format version 3) of 300 activities imported (${t.total} activities), every other commune having sent its year for review. Dashboard: click on "Tổng hợp" until the matrix (${t.rows} rows) and the unit table are on screen, **median ${median(t.runs).toFixed(0)} ms** (runs ${t.runs.map((x) => x.toFixed(0)).join(', ')}; budget ≤ 500 ms). Review screen (issue 28): click on "Báo cáo năm" until the report and every commune's standing are on screen (a row's history, reminders and comments are drawn when it is opened) ("${t.standing}"), **median ${median(t.review).toFixed(0)} ms** (runs ${t.review.map((x) => x.toFixed(0)).join(', ')}; budget ≤ 500 ms). A 300-task plan CSV read and checked in the plan builder (every agency text resolved, every problem placed): **median ${median(t.csv).toFixed(0)} ms** (runs ${t.csv.join(', ')}; budget ≤ 1 s).`,
    '',
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const server = await startServer(await freePort());
  const browser = await launch();
  try {
    console.log(section(await twoTier(browser, server)).join('\n'));
  } finally {
    await browser.close();
    await stopAllServers();
  }
}
