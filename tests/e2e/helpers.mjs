// Shared helpers of the end-to-end tests: the release build served by the
// project's own server on a free loopback port, and the system Chromium.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The shipped plan file (batches name its id and version). */
export const PLAN_FILE = JSON.parse(readFileSync(join(ROOT, 'data/plans/bac-kan-124-2020.json'), 'utf8'));
/** The batch format's JSON Schema, which core/tests/schema_agrees.rs holds to
 * the core's declaration of the record's fields (`record::FIELDS`). */
const BATCH_SCHEMA = JSON.parse(readFileSync(join(ROOT, 'docs/batch.schema.json'), 'utf8'));
/** The newest batch format version the app writes and reads (the schema
 * lists every version the core reads). */
export const FORMAT_VERSION = Math.max(...BATCH_SCHEMA.properties.format_version.enum);
/** A record's fields in format versions 1 and 2, in the canonical order. */
const RECORD_FIELDS = BATCH_SCHEMA.$defs.record.required;
export const DIST = join(ROOT, 'dist');
const SERVER = join(ROOT, 'target/release/papi-server');

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export function launch() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/** A normal (not incognito) profile in a fresh folder: what installability needs. */
export async function launchProfile() {
  const dir = mkdtempSync(join(tmpdir(), 'papi-profile-'));
  const context = await chromium.launchPersistentContext(dir, { executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  profiles.add(context);
  context.on('close', () => profiles.delete(context));
  return context;
}

const profiles = new Set();

/** Close every profile browser still open (a failed test leaves its own):
 * a browser left running keeps the test file's process alive. */
export async function closeProfiles() {
  await Promise.all([...profiles].map((c) => c.close().catch(() => {})));
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

const running = new Set();

/** Stop every server a test file started (also when a test failed midway). */
export async function stopAllServers() {
  await Promise.all([...running].map(stopServer));
}

/** A fresh folder for a server's database. */
export function dbFile() {
  return join(mkdtempSync(join(tmpdir(), 'papi-db-')), 'papi.sqlite3');
}

/** Start papi-server for `dist` on `port`; resolves once it answers. The
 * database is a fresh file unless `db` names one (a restart). */
export async function startServer(port, dist = DIST, db = dbFile(), units = process.env.PAPI_UNITS) {
  const env = units ? { ...process.env, PAPI_UNITS: units } : process.env;
  const proc = spawn(SERVER, ['serve', '--dist', dist, '--addr', `127.0.0.1:${port}`, '--db', db], { stdio: ['ignore', 'pipe', 'pipe'], env });
  running.add(proc);
  proc.once('exit', () => running.delete(proc));
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (proc.exitCode !== null) throw new Error(`papi-server exited: ${err}`);
    try {
      const r = await fetch(url + '/healthz');
      if (r.ok) return { url, proc, db, units, stop: () => stopServer(proc) };
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  proc.kill();
  throw new Error('papi-server did not start');
}

/** A unit token made by `papi-server unit add` against a server's database. */
/** Run a papi-server command on `db` as its admin would; its output. */
export function serverAdmin(db, ...args) {
  return execFileSync(SERVER, [...args, '--db', db], { encoding: 'utf8' });
}

export function unitToken(db, code, units = process.env.PAPI_UNITS) {
  const env = units ? { ...process.env, PAPI_UNITS: units } : process.env;
  const out = execFileSync(SERVER, ['unit', 'add', code, '--db', db], { encoding: 'utf8', env });
  return out.split('\n').find((l) => l.startsWith('papi_'));
}

export function stopServer(proc) {
  return new Promise((resolve) => {
    if (proc.exitCode !== null) return resolve();
    proc.once('exit', () => resolve());
    proc.kill('SIGTERM');
  });
}

/** Record console errors and page errors of a page. */
export function watchErrors(page) {
  const errors = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

/** The app has mounted (the first screen, a form or the shell). */
export async function appReady(page) {
  await page.waitForSelector('[data-testid=province-picker], form.unit-form, nav.tabs, [data-testid=waiting-for-plan], [data-testid=plan-held], .plan-builder', { timeout: 15000 });
}

/** The named choice of the 2020 history on the first screen. */
export const HISTORY_2020 = 'Kế hoạch 124/KH-UBND năm 2020 của tỉnh Bắc Kạn (trước sắp xếp)';

/** On the first screen (today's provinces), open the 2020 history's form:
 * the three-tier flows of Bắc Kạn 2020 start there. */
export async function openHistory(page) {
  await appReady(page);
  if (await page.locator('[data-testid=history-2020]').count()) {
    await page.click(`button:has-text("${HISTORY_2020}")`);
  }
  await page.waitForSelector('form.unit-form');
}

/** On the first screen: pick a province by searching its name without
 * accents, and wait for its role form (its communes listed). */
export async function pickProvince(page, query, dataset) {
  await appReady(page);
  await page.fill('#province-q', query);
  await page.click(`[data-testid=province-picker] button[data-dataset="${dataset}"]`);
  await page.waitForSelector('[data-testid=role-form]');
}

/** Complete first run as a commune official of Phường Đức Xuân. */
export async function setupCommune(page, { district = '058', commune = '01840', name = 'Nguyễn Văn An', read = true } = {}) {
  await fillCommune(page, { district, commune, name });
  await setUp(page, read);
}

/** Fill the first-run form as a commune official, without saving it. */
export async function fillCommune(page, { district = '058', commune = '01840', name = 'Nguyễn Văn An' } = {}) {
  await openHistory(page);
  await page.getByLabel('Cán bộ cấp xã (UBND xã, phường, thị trấn)').check();
  await page.selectOption('#district', district);
  await page.selectOption('#commune', commune);
  await page.fill('#official', name);
}

/** Submit the first-run form; unless `read` is false, wait until the
 * store is open and what it holds is read (its code comes in a chunk). */
async function setUp(page, read) {
  await page.click('form.unit-form button[type=submit]');
  await page.waitForSelector('nav.tabs');
  if (read) await storeRead(page);
}

/** The store is open and the records it holds are read. */
export async function storeRead(page) {
  await page.waitForSelector('main#main:not([aria-busy])', { timeout: 15000 });
}

/** Complete first run as the province's Sở Nội vụ. */
export async function setupProvince(page, { name = 'Hoàng Văn Tỉnh' } = {}) {
  await openHistory(page);
  await page.getByLabel('Cấp tỉnh (Sở Nội vụ, các sở, ban, ngành)').check();
  await page.fill('#official', name);
  await setUp(page, true);
}

/** Complete first run as district staff (Phòng Nội vụ) of Huyện Na Rì. */
export async function setupDistrict(page, { district = '066', name = 'Lý Thị Lan' } = {}) {
  await openHistory(page);
  await page.getByLabel('Cán bộ cấp huyện (Phòng Nội vụ)').check();
  await page.selectOption('#district', district);
  await page.fill('#official', name);
  await setUp(page, true);
}

/** Write raw values into the app's IndexedDB, as damage would: `entries`
 * are `[store, key, value]`, all in one transaction. */
export async function idbPut(page, entries) {
  await page.evaluate((list) => new Promise((resolve, reject) => {
    const open = indexedDB.open('papi-tracker');
    open.onsuccess = () => {
      const tx = open.result.transaction([...new Set(list.map(([store]) => store))], 'readwrite');
      for (const [store, key, value] of list) tx.objectStore(store).put(value, key);
      tx.oncomplete = () => { open.result.close(); resolve(); };
      tx.onerror = () => reject(tx.error);
    };
  }), entries);
}

/** Click something that downloads a file; resolve to its name and text. */
export async function download(page, click) {
  const [dl] = await Promise.all([page.waitForEvent('download'), click()]);
  const { readFile } = await import('node:fs/promises');
  return { name: dl.suggestedFilename(), text: await readFile(await dl.path(), 'utf8') };
}

/** Seal the unsent changes on the "Lô dữ liệu" screen; the downloaded batch. */
export async function exportBatch(page) {
  await page.click('nav.tabs button:has-text("Lô dữ liệu")');
  await page.waitForSelector('[data-testid=export-batch]:not([disabled])');
  return download(page, () => page.click('[data-testid=export-batch]'));
}

/** The tests' own Ed25519 device key (secret bytes 0x42 × 32, as the
 * format document's examples): what a forger with a key of their own does. */
export async function testKey() {
  const { createPrivateKey, createPublicKey } = await import('node:crypto');
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.alloc(32, 0x42)]);
  const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  const x = createPublicKey(privateKey).export({ format: 'jwk' }).x;
  return { privateKey, publicHex: Buffer.from(x, 'base64url').toString('hex') };
}

/** Re-seal a batch object after changing it, the way the core hashes: compact
 * JSON of every field but sha256 and signature, in the file's key order.
 * A version 2 batch is signed again, by `testKey` (its `signer` becomes that
 * key: a valid file from a device nobody knows). */
export async function reseal(batch) {
  const { createHash, sign } = await import('node:crypto');
  const { sha256, signature, ...content } = batch;
  if (batch.format_version === 1) {
    return { ...content, sha256: createHash('sha256').update(JSON.stringify(content)).digest('hex') };
  }
  const key = await testKey();
  content.signer = key.publicHex;
  const digest = createHash('sha256').update(JSON.stringify(content)).digest();
  return {
    ...content,
    sha256: digest.toString('hex'),
    signature: sign(null, digest, key.privateKey).toString('hex'),
  };
}

/** On "Nhập lô": give files to the picker and wait for the dry run: one
 * line per file, or `lines` lines (a bundle has one per batch). Unless
 * `trust` is false, every device met for the first time is trusted, as an
 * officer does after comparing its fingerprint over the phone. */
export async function importFiles(page, files, lines = files.length, { trust = true } = {}) {
  await page.click('nav.tabs button:has-text("Nhập lô")');
  await page.setInputFiles('[data-testid=import-files]', files.map(({ name, text, buffer }) => ({
    name, mimeType: 'application/json', buffer: buffer ?? Buffer.from(text, 'utf8'),
  })));
  if (trust) {
    // Files of devices met for the first time are held, one line each,
    // until trusted; then the dry run shows every batch.
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=file-checks] > li').length === n
      || document.querySelector('[data-testid=trust-device]'), lines);
    await trustDevices(page);
  }
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=file-checks] > li').length === n, lines);
  return page.$$eval('[data-testid=file-checks] > li', (els) => els.map((e) => ({ state: e.dataset.state, text: e.innerText })));
}

/** The hash of a batch object as the format document defines it: compact
 * JSON of every field but sha256 and signature, in the file's key order. */
export async function hashOf(batch) {
  const { createHash } = await import('node:crypto');
  const { sha256, signature, ...content } = batch;
  return createHash('sha256').update(JSON.stringify(content)).digest('hex');
}

/** Whether a version 2 batch's signature holds, checked with Node alone as
 * docs/batch-format.md shows. */
export async function signatureHolds(batch) {
  const { createHash, createPublicKey, verify } = await import('node:crypto');
  const { sha256, signature, ...content } = batch;
  const key = createPublicKey({ format: 'jwk', key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(batch.signer, 'hex').toString('base64url') } });
  const digest = createHash('sha256').update(JSON.stringify(content)).digest();
  return verify(null, digest, key, Buffer.from(signature, 'hex'));
}

/** Trust every device the dry run holds files of, one at a time (each
 * trust runs the dry run again). Returns the fingerprints asked about. */
export async function trustDevices(page) {
  const asked = [];
  for (;;) {
    const held = await page.$$('[data-testid=trust-device]');
    if (held.length === 0) return asked;
    page.once('dialog', (d) => { asked.push(d.message()); d.accept(); });
    await held[0].click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=trust-device]').length < n, held.length);
  }
}

/** Apply the dry-run files and wait until none is left "ready". */
export async function applyImport(page) {
  await page.click('[data-testid=apply-import]');
  await page.waitForFunction(() => !document.querySelector('[data-testid=file-checks] > li[data-state=ready]'));
  return page.innerText('[data-testid=import-summary]');
}

/** Received activity counts per unit code on "Nhập lô". */
export async function receivedCounts(page) {
  return page.$$eval('[data-testid=received-units] tbody tr', (rows) => Object.fromEntries(
    rows.map((r) => [r.dataset.unit, Number(r.querySelector('td').textContent)])));
}

/** Record an activity on a task through the form; unless `expectError`, wait
 * until it is saved (the form closes). */
export async function recordActivity(page, taskId, { title, date, evidence = '', status, expectError = false } = {}) {
  await page.click(`article[data-task="${taskId}"] button:has-text("Ghi hoạt động")`);
  await page.waitForSelector('form.activity-form');
  if (date !== undefined) await page.fill('#act-date', date);
  await page.fill('#act-title', title);
  if (evidence) await page.fill('#act-evidence', evidence);
  if (status === 'planned') await page.getByLabel('Kế hoạch', { exact: true }).check();
  await page.click('form.activity-form button[type=submit]');
  if (!expectError) await page.waitForSelector('form.activity-form', { state: 'detached' });
}

/** Wait until the timeline holds exactly these titles (any order). */
export async function waitForTitles(page, titles) {
  await page.click('nav.tabs button:has-text("Nhật ký hoạt động")');
  const want = JSON.stringify([...titles].sort());
  await page.waitForFunction((w) => JSON.stringify(
    [...document.querySelectorAll('section.timeline li.activity .title')].map((e) => e.textContent).sort()) === w, want);
}

/** Wait until the screen in main is on screen: its code arrived (no
 * loading note) and it shows something. */
export async function screenShown(page) {
  await page.waitForFunction(() => {
    const main = document.querySelector('main');
    return main && !main.querySelector('.loading') && main.children.length > 0;
  }, null, { timeout: 15000 });
}

/** Titles of the timeline, in order. */
export async function timelineTitles(page) {
  await page.click('nav.tabs button:has-text("Nhật ký hoạt động")');
  await page.waitForSelector('section.timeline');
  // After a reload the records are read a moment after the screen shows.
  await page.waitForFunction(() => !document.querySelector('section.timeline')?.textContent.includes('Đang đọc dữ liệu'));
  return page.$$eval('section.timeline li.activity .title', (els) => els.map((e) => e.textContent));
}

/** A copy of dist as a different deployment: index.html and so sw.js change. */
export function makeBuildB(label) {
  const dir = mkdtempSync(join(tmpdir(), 'papi-build-b-'));
  cpSync(DIST, dir, { recursive: true });
  const index = join(dir, 'index.html');
  writeFileSync(index, readFileSync(index, 'utf8').replace('</head>', `<!-- ${label} -->\n</head>`));
  // What the build's post-build hook does (Trunk.toml).
  execFileSync('node', [join(ROOT, 'scripts/gen-sw.mjs'), dir]);
  execFileSync('node', [join(ROOT, 'scripts/precompress.mjs'), dir]);
  return dir;
}

export function today() {
  const d = new Date();
  const p = (n) => String(n).padStart(2, '0');
  return `${p(d.getDate())}/${p(d.getMonth() + 1)}/${d.getFullYear()}`;
}

export const AXE = join(ROOT, 'node_modules/axe-core/axe.min.js');

/** axe-core violations of impact serious or critical on the current screen. */
export async function seriousViolations(page) {
  // Evaluated through the DevTools protocol: the page's Content-Security-
  // Policy (rightly) refuses an injected <script>.
  await page.evaluate(readFileSync(AXE, 'utf8'));
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
  });
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** For a test file: one server of the release build and one browser, started
 * before its tests and stopped after them (also when a test failed). */
export function serverAndBrowser() {
  const env = { server: null, browser: null };
  before(async () => {
    env.server = await startServer(await freePort());
    env.browser = await launch();
  });
  after(async () => {
    await env.browser?.close();
    await stopAllServers();
  });
  return env;
}

/** A test device's Ed25519 key, from its id (the same id, the same key). */
export async function deviceKey(device) {
  const { createHash, createPrivateKey, createPublicKey } = await import('node:crypto');
  const secret = createHash('sha256').update(`papi-test-device:${device}`).digest();
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), secret]);
  const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  const x = createPublicKey(privateKey).export({ format: 'jwk' }).x;
  return { privateKey, publicHex: Buffer.from(x, 'base64url').toString('hex') };
}

/** A sealed batch made the way the core makes one (docs/batch-format.md):
 * records `{ task, date, title, status }` of `unit`, from `device` (any
 * other text of the record, such as `evidence`, as given, else empty).
 * Version 1 (unsigned, as the earlier release wrote) unless `sign`: then
 * version 2, signed by `deviceKey(device)`. Both stay readable by every
 * later release (docs/batch-format.md, "Versions"). */
export async function makeBatch(unit, device, seq, records, createdAt = '2020-12-02T09:00:00.000Z', { sign = false } = {}) {
  const { randomUUID, createHash, sign: edSign } = await import('node:crypto');
  // Recorded an hour before the batch was sealed.
  const recordedAt = new Date(Date.parse(createdAt) - 3600e3).toISOString();
  const recs = records.map((r) => {
    const set = {
      id: r.id ?? randomUUID(),
      unit_code: unit,
      task_id: r.task,
      status: r.status ?? 'done',
      author: r.author ?? 'Người ghi thử',
      device_id: device,
      created_at: recordedAt,
      updated_at: recordedAt,
      revision: r.revision ?? 1,
      deleted: false,
    };
    // The date and every text a person types: as given, or empty.
    return Object.fromEntries(RECORD_FIELDS.map((k) => [k, set[k] ?? r[k] ?? '']));
  }).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const name = `papi-${unit}-${seq}-20201202.json`;
  if (sign) {
    const key = await deviceKey(device);
    const content = {
      format: 'papi-tracker.batch', format_version: 2, kind: 'changes',
      plan: { id: PLAN_FILE.id, version: PLAN_FILE.version }, units: PLAN_FILE.units,
      unit_code: unit, device_id: device, seq, created_at: createdAt, signer: key.publicHex, records: recs,
    };
    const digest = createHash('sha256').update(JSON.stringify(content)).digest();
    const sealed = {
      ...content,
      sha256: digest.toString('hex'),
      signature: edSign(null, digest, key.privateKey).toString('hex'),
    };
    return { name, text: JSON.stringify(sealed, null, 1), key: key.publicHex };
  }
  const batch = {
    format: 'papi-tracker.batch', format_version: 1, kind: 'changes',
    plan: { id: PLAN_FILE.id, version: PLAN_FILE.version },
    unit_code: unit, device_id: device, seq, created_at: createdAt, records: recs, sha256: '',
  };
  const sealed = await reseal(batch);
  return { name, text: JSON.stringify(sealed, null, 1) };
}

/** Put devices into a receiver's keyring, as known since `since` (what the
 * officer's trust or the server's introduction would leave). `devices` are
 * `{ key, unit, device }`. */
export async function knowDevices(page, devices, since = '2021-01-01T00:00:00.000Z') {
  await page.evaluate(({ list, since }) => {
    const ring = JSON.parse(localStorage.getItem('papi-tracker.keyring') ?? '{"keys":{}}');
    for (const d of list) {
      ring.keys[d.key] = { key: d.key, unit_code: d.unit, device_id: d.device, known_since: since, source: 'officer' };
    }
    localStorage.setItem('papi-tracker.keyring', JSON.stringify(ring));
  }, { list: devices, since });
}

/** RFC 4180 CSV, enough for the template (quoted cells with newlines). */
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i += 1; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; } else if (c === '\n') { row.push(cell.replace(/\r$/, '')); rows.push(row); row = []; cell = ''; } else cell += c;
  }
  if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

export function writeCsv(rows) {
  return rows.map((r) => r.map((c) => (/[",\n\r]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',')).join('\r\n') + '\r\n';
}

/** A plan template's rows (a header and its tasks) with each task repeated
 * in a row, as evenly as may be (a dimension's rows stay together): a
 * header and 300 tasks. */
export function planRows300(rows) {
  const tasks = rows.slice(1);
  const each = Math.floor(300 / tasks.length);
  const extra = 300 - each * tasks.length;
  const big = [rows[0]];
  tasks.forEach((r, n) => {
    for (let k = 0; k < (n < extra ? each + 1 : each); k += 1) {
      big.push(r.map((c, i) => (i === 4 ? '' : i === 5 ? `${c} (đợt ${k + 1})` : c)));
    }
  });
  return big;
}
