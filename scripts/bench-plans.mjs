// Two-tier budget of issue 15: the province dashboard of Thái Nguyên with its
// 92 communes × 300 activities (≤ 500 ms from the click on "Tổng hợp" to the
// matrix and the unit table on screen). Run after scripts/build.sh:
//   node scripts/bench-plans.mjs
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash, createPrivateKey, createPublicKey, randomUUID, sign } from 'node:crypto';
import { ROOT, appReady, freePort, launch, startServer, stopAllServers, trustDevices } from '../tests/e2e/helpers.mjs';
import { dashboardRuns } from './bench-dashboard.mjs';

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const units = JSON.parse(readFileSync(join(ROOT, 'data/units/thai-nguyen-2025.json'), 'utf8'));
const communes = units.units.filter((u) => u.level === 'commune').map((u) => u.code);
const shipped = JSON.parse(readFileSync(join(ROOT, 'data/plans/bac-kan-124-2020.json'), 'utf8'));
const plan = { ...shipped, id: 'thai-nguyen-papi-2026', version: '2026.1', units: units.id };
const tasks = plan.dimensions.flatMap((d) => d.sub_indicators.flatMap((s) => s.tasks.map((t) => t.id)));
/** Each commune's own device key (Ed25519 from a seed of its index). */
function keyFor(i) {
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.alloc(32, i + 1)]);
  const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  const x = createPublicKey(privateKey).export({ format: 'jwk' }).x;
  return { privateKey, publicHex: Buffer.from(x, 'base64url').toString('hex') };
}

/** A version 2 batch of `unit` with `n` activities of 2026, signed. */
function batch(unit, n, key) {
  const at = '2026-11-20T09:00:00.000Z';
  const records = Array.from({ length: n }, (_, j) => ({
    id: randomUUID(), unit_code: unit, task_id: tasks[j % tasks.length],
    date: new Date(Date.UTC(2026, 0, 2) + (j % 300) * 86400e3).toISOString().slice(0, 10),
    title: `Hoạt động ${j}: niêm yết, tuyên truyền, hội nghị đối thoại`, description: '', participants: '',
    evidence: `VB ${j}/UBND`, status: 'done', author: 'Người ghi thử', device_id: `d-${unit}`,
    created_at: at, updated_at: at, revision: 1, deleted: false,
  })).sort((a, b) => (a.id < b.id ? -1 : 1));
  const content = {
    format: 'papi-tracker.batch', format_version: 2, kind: 'changes', plan: { id: plan.id, version: plan.version },
    units: units.id, unit_code: unit, device_id: `d-${unit}`, seq: 1, created_at: at, signer: key.publicHex, records,
  };
  const canonical = Buffer.from(JSON.stringify(content));
  return JSON.stringify({
    ...content, sha256: createHash('sha256').update(canonical).digest('hex'),
    signature: sign(null, canonical, key.privateKey).toString('hex'),
  });
}

const server = await startServer(await freePort());
const browser = await launch();
try {
  const page = await (await browser.newContext()).newPage();
  await page.goto(server.url);
  await appReady(page);
  await page.getByLabel('Cấp tỉnh (Sở Nội vụ, các sở, ban, ngành)').check();
  await page.fill('#official', 'Đo');
  await page.click('form.unit-form button[type=submit]');
  await page.waitForSelector('nav.tabs');
  await page.click('nav.tabs button:has-text("Cài đặt")');
  await page.click('[data-testid=open-plans]');
  await page.setInputFiles('[data-testid=plan-file]', { name: 'tn.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(plan)) });
  await Promise.all([page.waitForEvent('load'), page.click(`li[data-plan="${plan.id}"] button`)]);
  await appReady(page);
  await page.getByLabel('Cấp tỉnh (Sở Nội vụ, các sở, ban, ngành)').check();
  await page.fill('#official', 'Đo');
  await page.click('form.unit-form button[type=submit]');
  await page.waitForSelector('nav.tabs');
  await page.click('nav.tabs button:has-text("Nhập lô")');
  const files = communes.map((c, i) => ({ name: `${c}.json`, mimeType: 'application/json', buffer: Buffer.from(batch(c, 300, keyFor(i))) }));
  await page.setInputFiles('[data-testid=import-files]', files);
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=file-checks] > li').length === n, files.length, { timeout: 300000 });
  await trustDevices(page);
  const states = await page.$$eval('[data-testid=file-checks] > li', (els) => els.map((e) => e.dataset.state));
  if (states.some((s) => s !== 'ready')) throw new Error(`not all ready: ${[...new Set(states)]}`);
  await page.click('[data-testid=apply-import]');
  await page.waitForFunction(() => !document.querySelector('[data-testid=file-checks] > li[data-state=ready]'), null, { timeout: 300000 });
  const runs = await dashboardRuns(page);
  const rows = await page.locator('[data-testid=matrix] tbody tr').count();
  const total = await page.innerText('[data-testid=grand-total]');
  console.log(`province of Thái Nguyên (${rows} rows, ${total} activities): median ${median(runs).toFixed(0)} ms; runs ${runs.map((x) => x.toFixed(0)).join(', ')} (budget ≤ 500 ms)`);
} finally {
  await browser.close();
  await stopAllServers();
}
