// Evidence (issue 29), walked by visible controls in Thái Nguyên: a commune,
// offline, takes a 12-megapixel photo held sideways (EXIF orientation 6) and
// a scanned PDF; a Word file and a false PDF are refused with a message. The
// photo is kept upright at 1600 pixels with no EXIF, a thumbnail beside it.
// Back online, the upload is cut in the middle of the PDF; the province sees
// the thumbnail and "Chờ tệp" for the PDF; the next round starts where the
// server's copy ends, a tampered last piece is refused (400) and the copy
// dropped, and the round after sends it whole. The province opens both
// originals, byte for byte the commune's. By file: a batch's .zip with its
// files imports at its district (2020, no server), the files checked and
// kept; a file no record lists, one whose bytes do not match its name and a
// damaged zip are refused.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, test } from 'node:test';
import { crc32 } from 'node:zlib';
import {
  applyImport, exportBatch, freePort, importFiles, launch, setupCommune, setupDistrict, startServer, stopAllServers, unitToken,
} from './helpers.mjs';
import { photo } from './photos.mjs';
import { commune, enrol, openDetails, province, pullAll, reviewRow, sendYear } from './two-tier.mjs';

let browser;
after(async () => {
  await browser?.close();
  await stopAllServers();
});

const A = '01864'; // Xã Bằng Thành
const PIECE = 256 * 1024;
const sha = (b) => createHash('sha256').update(b).digest('hex');

/** `jpeg` with an EXIF segment saying "turn 90° clockwise to show"
 * (orientation 6), as a phone held sideways writes it. */
function sideways(jpeg) {
  const tiff = Buffer.from([0x49, 0x49, 0x2a, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0]);
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const len = Buffer.alloc(2);
  len.writeUInt16BE(payload.length + 2);
  return Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0xe1]), len, payload, jpeg.subarray(2)]);
}

/** What the page keeps in its evidence store: each entry's key, the hash of
 * its bytes, type, size, whether sent, an image's size in pixels, and
 * whether its bytes hold an EXIF segment. */
async function kept(page) {
  return page.evaluate(async () => {
    const db = await new Promise((ok, no) => {
      const r = indexedDB.open('papi-tracker-evidence');
      r.onsuccess = () => ok(r.result);
      r.onerror = () => no(r.error);
    });
    // Before the app keeps anything here, this opening makes an empty
    // database: the app must still make its store in it.
    if (!db.objectStoreNames.contains('files')) {
      db.close();
      return [];
    }
    const st = db.transaction('files').objectStore('files');
    const ask = (r) => new Promise((ok) => { r.onsuccess = () => ok(r.result); });
    const [keys, vals] = [await ask(st.getAllKeys()), await ask(st.getAll())];
    const out = [];
    for (let i = 0; i < keys.length; i++) {
      const buf = new Uint8Array(await vals[i].blob.arrayBuffer());
      const hash = [...new Uint8Array(await crypto.subtle.digest('SHA-256', buf))].map((b) => b.toString(16).padStart(2, '0')).join('');
      let dims = null;
      if (vals[i].type.startsWith('image/')) {
        const bm = await createImageBitmap(vals[i].blob);
        dims = [bm.width, bm.height];
      }
      const text = new TextDecoder('latin1').decode(buf.subarray(0, 4096));
      out.push({ key: keys[i], hash, type: vals[i].type, size: buf.length, sent: vals[i].sent, dims, exif: text.includes('Exif') });
    }
    db.close();
    return out;
  });
}

/** The bytes of the file the viewer's "Tải về" saves, and its name. */
async function savedFromViewer(page) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('.evidence-viewer [data-testid=evidence-download]')]);
  return { name: dl.suggestedFilename(), bytes: await readFile(await dl.path()) };
}

async function syncNow(c) {
  await c.click('nav.tabs button:has-text("Lô dữ liệu")');
  await c.waitForSelector('[data-testid=sync-now]:not([disabled])', { timeout: 30000 });
  await c.click('[data-testid=sync-now]');
}

test('a sideways photo kept upright and small, a PDF kept as it is; the upload cut, resumed where it stopped, a tampered piece refused; the province opens both, byte for byte; the .zip by file at a fresh province device', async () => {
  const server = await startServer(await freePort(), undefined, undefined, 'thai-nguyen-2025');
  browser ??= await launch();
  const { p } = await province(browser, server);
  const { ctx, c, errors } = await commune(browser, server, A);

  const shot = sideways(await photo(c, 4000, 3000));
  // A scan of about 1.2 MB: five pieces on the wire.
  const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n', 'latin1'), randomBytes(1_200_000), Buffer.from('\n%%EOF\n', 'latin1')]);

  // Offline, in the form: two refused, two attached.
  await ctx.setOffline(true);
  await c.click('article[data-task="1.2-1"] button:has-text("Ghi hoạt động")');
  await c.waitForSelector('form.activity-form');
  await c.fill('#act-date', '02/03/2026');
  await c.fill('#act-title', 'Niêm yết công khai kế hoạch');
  await c.setInputFiles('[data-testid=evidence-input]', [
    { name: 'bao-cao.docx', mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', buffer: Buffer.from('PK\u0003\u0004 not a scan') },
    { name: 'gia.pdf', mimeType: 'application/pdf', buffer: Buffer.from('<html>not a pdf</html>') },
  ]);
  const refused = await c.locator('[data-testid=evidence-problem]').innerText();
  assert.match(refused, /"bao-cao\.docx".*không phải ảnh hay tệp PDF/);
  assert.match(refused, /"gia\.pdf" mang tên PDF nhưng không phải tệp PDF/);
  await c.setInputFiles('[data-testid=evidence-input]', [
    { name: 'IMG_0001.jpg', mimeType: 'image/jpeg', buffer: shot },
    { name: 'bien-ban.pdf', mimeType: 'application/pdf', buffer: pdf },
  ]);
  await c.waitForFunction(() => document.querySelectorAll('[data-testid=evidence-editor] .evidence-item').length === 2, null, { timeout: 30000 });
  assert.equal(await c.locator('[data-testid=evidence-problem]').count(), 0, 'a good pick clears the last problems');
  const photoCaption = c.locator('.evidence-item', { has: c.locator('img[data-testid=evidence-thumb]') }).locator('[data-testid=evidence-caption]');
  await photoCaption.fill('  Ảnh bảng tin xã  ');
  await c.click('form.activity-form button[type=submit]');
  await c.waitForSelector('form.activity-form', { state: 'detached' });

  // Kept: the PDF as it is; the photo upright, 1600 pixels long, no EXIF;
  // its thumbnail 320 pixels long and under 100 KB; every key its hash.
  const store = await kept(c);
  assert.equal(store.length, 3);
  for (const e of store) assert.equal(e.key, e.hash, 'kept under the hash of its bytes');
  const keptPdf = store.find((e) => e.type === 'application/pdf');
  assert.equal(keptPdf.hash, sha(pdf));
  const images = store.filter((e) => e.type === 'image/jpeg').sort((x, y) => y.size - x.size);
  assert.deepEqual(images[0].dims, [1200, 1600], 'turned upright and made 1600 pixels long');
  assert.deepEqual(images[1].dims, [240, 320]);
  assert.ok(images[1].size <= 100_000 && images[0].size < 1_000_000, `sizes ${images.map((i) => i.size)}`);
  assert.ok(!images[0].exif && !images[1].exif, 'no EXIF (no place, no camera) leaves the device');
  assert.ok(store.every((e) => !e.sent));
  const [keptPhoto, keptThumb] = images;

  // The timeline shows the thumbnails; the caption was trimmed on save.
  await c.click('nav.tabs button:has-text("Nhật ký hoạt động")');
  await c.waitForSelector('section.timeline [data-testid=evidence-strip] img[data-testid=evidence-thumb]');
  assert.match(await c.locator('section.timeline [data-testid=evidence-strip]').innerText(), /^Ảnh bảng tin xã$/m);

  await sendYear(c);

  // Online: the third piece of the PDF is cut, and every piece of it after
  // that while `hold` lasts (the app retries by itself).
  const through = [];
  let seen = 0;
  let hold = true;
  let tamper = false;
  await c.route('**/api/v1/files/*', async (route) => {
    const req = route.request();
    const name = new URL(req.url()).pathname.split('/').pop();
    if (req.method() !== 'PUT' || name !== keptPdf.hash) return route.continue();
    const range = req.headers()['content-range'];
    seen += 1;
    if (seen >= 3 && hold) return route.abort('failed');
    through.push(range);
    if (tamper && range.endsWith(`-${pdf.length - 1}/${pdf.length}`)) {
      const body = Buffer.from(req.postDataBuffer());
      body[body.length - 1] ^= 0xff;
      return route.continue({ postData: body });
    }
    return route.continue();
  });
  await ctx.setOffline(false);
  await c.click('nav.tabs button:has-text("Lô dữ liệu")');
  await c.waitForFunction(() => document.querySelector('[data-testid=sync-last-error]')?.textContent.includes('không kết nối'), null, { timeout: 30000 });
  assert.deepEqual(through, [`bytes 0-${PIECE - 1}/${pdf.length}`, `bytes ${PIECE}-${2 * PIECE - 1}/${pdf.length}`]);

  // The province has the batch: the photo's thumbnail (sent first) shows;
  // the PDF is not whole on the server yet.
  await pullAll(p, 1);
  const row = await reviewRow(p, A);
  await openDetails(row);
  const evidence = row.locator('[data-testid=unit-evidence]');
  await evidence.locator('img[data-testid=evidence-thumb]').waitFor({ timeout: 20000 });
  await evidence.locator('[data-testid=evidence-open]', { hasText: 'PDF' }).click();
  await p.waitForSelector('.evidence-viewer [data-testid=evidence-pending]', { timeout: 20000 });
  assert.match(await p.innerText('.evidence-viewer'), /Chờ tệp minh chứng/);
  await p.click('.evidence-viewer button:has-text("Đóng")');

  // The next round starts where the server's copy ends; its last piece,
  // tampered on the way, does not hash: refused, the copy dropped.
  tamper = true;
  hold = false;
  await syncNow(c);
  await c.waitForFunction(() => document.querySelector('[data-testid=sync-last-error]')?.textContent.includes('từ chối tệp'), null, { timeout: 30000 });
  assert.equal(through[2], `bytes ${2 * PIECE}-${3 * PIECE - 1}/${pdf.length}`, 'resumed after the two pieces the server holds');
  const tampered = through.length;
  assert.equal(tampered, Math.ceil(pdf.length / PIECE));

  // The round after sends it whole, from its first byte.
  tamper = false;
  await syncNow(c);
  await c.waitForSelector('[data-testid=sync-files]:has-text("Đã gửi hết")', { timeout: 30000 });
  const whole = through.slice(tampered);
  assert.equal(whole.length, Math.ceil(pdf.length / PIECE));
  assert.ok(whole[0].startsWith('bytes 0-'));
  assert.ok((await kept(c)).every((e) => e.sent), 'every file marked sent');

  // The province opens both originals: the commune's bytes exactly.
  await evidence.locator('[data-testid=evidence-open]', { hasText: 'PDF' }).click();
  await p.waitForSelector('.evidence-viewer a[data-testid=evidence-original]', { timeout: 20000 });
  const savedPdf = await savedFromViewer(p);
  assert.equal(sha(savedPdf.bytes), sha(pdf));
  assert.match(savedPdf.name, /^minh-chung-[0-9a-f]{12}\.pdf$/);
  await p.click('.evidence-viewer button:has-text("Đóng")');
  const photoButton = evidence.locator('[data-testid=evidence-open]', { has: p.locator('img') });
  await photoButton.click();
  await p.waitForSelector('.evidence-viewer img[data-testid=evidence-original]', { timeout: 20000 });
  assert.ok(await p.$eval('.evidence-viewer img[data-testid=evidence-original]', (img) => img.decode().then(() => img.naturalWidth)) === 1200, 'the image shows');
  assert.equal(sha((await savedFromViewer(p)).bytes), keptPhoto.hash);
  assert.match(await p.innerText('.evidence-viewer h2'), /Ảnh bảng tin xã/);
  const provinceStore = await kept(p);
  assert.ok(provinceStore.some((e) => e.key === keptThumb.hash) && provinceStore.some((e) => e.key === keptPhoto.hash),
    'what the province opened is kept for offline');

  assert.deepEqual(errors.filter((e) => !/Failed to load resource|ERR_FAILED|ERR_INTERNET_DISCONNECTED/.test(e)), []);

  // By file too: the batch that lists the files, with them, as one .zip,
  // imported at a fresh device of the province (the file alone, no pull),
  // whose review then opens them offline.
  await c.click('nav.tabs button:has-text("Lô dữ liệu")');
  const [zdl] = await Promise.all([c.waitForEvent('download'), c.locator('[data-testid=batch-zip]').first().click()]);
  const zip = await readFile(await zdl.path());
  const fresh = await enrol(browser, server.url, unitToken(server.db, '19', 'thai-nguyen-2025'));
  const f = fresh.page;
  await f.getByLabel('Sở Nội vụ (lập, theo dõi kế hoạch và tổng hợp toàn tỉnh)').check();
  await f.fill('#official', 'Lê Thị Hai');
  await f.click('form.unit-form button[type=submit]');
  await f.waitForSelector('[data-testid=enter-plan]', { timeout: 30000 });
  await Promise.all([f.waitForEvent('load'), f.click('[data-testid=enter-plan]')]);
  await f.waitForSelector('nav.tabs', { timeout: 30000 });
  const lines = await importFiles(f, [{ name: zdl.suggestedFilename(), buffer: zip }], 1);
  assert.equal(lines[0].state, 'ready', lines[0].text);
  assert.match(await f.innerText('[data-testid=carried-files]'), /3 tệp khớp với hoạt động trong lô \(lưu khi áp dụng\); 0 tệp bị từ chối/);
  await applyImport(f);
  await f.waitForSelector('[data-testid=carried-kept]:has-text("Đã lưu 3 tệp minh chứng")');
  const frow = await reviewRow(f, A);
  await openDetails(frow);
  // No server from here: the files come from the device.
  await fresh.ctx.setOffline(true);
  await frow.locator('[data-testid=unit-evidence] [data-testid=evidence-open]', { hasText: 'PDF' }).click();
  await f.waitForSelector('.evidence-viewer a[data-testid=evidence-original]', { timeout: 20000 });
  assert.equal(sha((await savedFromViewer(f)).bytes), sha(pdf));
  await fresh.ctx.close();
});

/** A zip of stored entries, as any zip tool writes one. */
function storedZip(entries) {
  const parts = [];
  const central = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const n = Buffer.from(name);
    const crc = crc32(data) >>> 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x21, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(n.length, 26);
    parts.push(local, n, data);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(0x21, 14);
    cd.writeUInt32LE(crc, 16);
    cd.writeUInt32LE(data.length, 20);
    cd.writeUInt32LE(data.length, 24);
    cd.writeUInt16LE(n.length, 28);
    cd.writeUInt32LE(offset, 42);
    central.push(cd, n);
    offset += 30 + n.length + data.length;
  }
  const dir = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, dir, end]);
}

test('a batch and its evidence as one .zip import at the district by file; a stranger file, a false one and a damaged zip are refused', async () => {
  const server = await startServer(await freePort());
  browser ??= await launch();
  const cctx = await browser.newContext({ serviceWorkers: 'block', acceptDownloads: true });
  const c = await cctx.newPage();
  await c.goto(server.url);
  await setupCommune(c);
  const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n', 'latin1'), randomBytes(300_000)]);
  await c.click('article[data-task="2.3-1"] button:has-text("Ghi hoạt động")');
  await c.waitForSelector('form.activity-form');
  await c.fill('#act-date', '15/04/2020');
  await c.fill('#act-title', 'Niêm yết dự toán ngân sách xã');
  await c.setInputFiles('[data-testid=evidence-input]', [
    { name: 'IMG_0002.jpg', mimeType: 'image/jpeg', buffer: await photo(c, 2000, 1500) },
    { name: 'du-toan.pdf', mimeType: 'application/pdf', buffer: pdf },
  ]);
  await c.waitForFunction(() => document.querySelectorAll('[data-testid=evidence-editor] .evidence-item').length === 2, null, { timeout: 30000 });
  await c.click('form.activity-form button[type=submit]');
  await c.waitForSelector('form.activity-form', { state: 'detached' });
  const commune = await kept(c);
  assert.equal(commune.length, 3);
  await exportBatch(c);
  const [dl] = await Promise.all([c.waitForEvent('download'), c.click('[data-testid=batch-zip]')]);
  assert.match(dl.suggestedFilename(), /^papi-.*\.zip$/);
  const zip = await readFile(await dl.path());
  await c.waitForSelector('.notice:has-text("với 3 tệp minh chứng")');

  // A zip of strangers: a file no record lists, and the PDF's name on
  // other bytes of its size.
  const other = randomBytes(1000);
  const strangers = storedZip([
    { name: `tep-minh-chung/${sha(other)}`, data: other },
    { name: `tep-minh-chung/${sha(pdf)}`, data: randomBytes(pdf.length) },
  ]);

  const dctx = await browser.newContext({ serviceWorkers: 'block' });
  const d = await dctx.newPage();
  await d.goto(server.url);
  await setupDistrict(d, { district: '058' });
  const lines = await importFiles(d, [{ name: dl.suggestedFilename(), buffer: zip }, { name: 'la.zip', buffer: strangers }], 1);
  assert.equal(lines[0].state, 'ready', lines[0].text);
  const carried = await d.innerText('[data-testid=carried-files]');
  assert.match(carried, /3 tệp khớp với hoạt động trong lô \(lưu khi áp dụng\); 2 tệp bị từ chối/);
  assert.match(carried, /la\.zip: "tep-minh-chung\/[0-9a-f]{64}": không hoạt động nào trong các lô được nhận nhắc tới tệp này/);
  assert.match(carried, /la\.zip: .*nội dung không khớp mã băm/);
  assert.equal((await kept(d)).length, 0, 'nothing kept before applying');
  await applyImport(d);
  await d.waitForSelector('[data-testid=carried-kept]:has-text("Đã lưu 3 tệp minh chứng")');
  const district = await kept(d);
  assert.deepEqual(district.map((e) => e.key).sort(), commune.map((e) => e.key).sort());
  for (const e of district) assert.equal(e.key, e.hash);
  assert.ok(district.every((e) => e.sent), 'a received file is not this device\'s to send');

  // A zip damaged on the way (a byte of the PDF changed): that entry is
  // refused, nothing else changes.
  const damaged = Buffer.from(zip);
  damaged[damaged.indexOf(Buffer.from('%PDF-1.4')) + 100] ^= 0xff;
  const again = await importFiles(d, [{ name: 'hong.zip', buffer: damaged }], 2, { trust: false });
  assert.ok(again.some((l) => l.state === 'refused' && /hong\.zip/.test(l.text) && /tep-minh-chung\/[0-9a-f]{64}.*không đọc được/.test(l.text)), JSON.stringify(again));
  assert.deepEqual((await kept(d)).map((e) => e.hash).sort(), district.map((e) => e.hash).sort());
});

test('a full disk refuses a new file with a clear message; what is typed and kept stays; with room it attaches', async () => {
  const server = await startServer(await freePort());
  browser ??= await launch();
  const ctx = await browser.newContext({ serviceWorkers: 'block' });
  const c = await ctx.newPage();
  await c.goto(server.url);
  await setupCommune(c);
  await c.click('article[data-task="2.3-1"] button:has-text("Ghi hoạt động")');
  await c.waitForSelector('form.activity-form');
  await c.fill('#act-title', 'Họp dân thôn Nà Cù');
  const scan = Buffer.concat([Buffer.from('%PDF-1.4\n', 'latin1'), randomBytes(400_000)]);
  const cdp = await ctx.newCDPSession(c);
  const usage = await c.evaluate(async () => (await navigator.storage.estimate()).usage);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: server.url, quotaSize: usage + 100_000 });
  await c.setInputFiles('[data-testid=evidence-input]', { name: 'bien-ban.pdf', mimeType: 'application/pdf', buffer: scan });
  await c.waitForSelector('[data-testid=evidence-problem]');
  assert.match(await c.innerText('[data-testid=evidence-problem]'), /Bộ nhớ của trình duyệt không còn đủ chỗ cho tệp này \(400,0 KB\)\. Các hoạt động và tệp đã lưu vẫn còn nguyên/);
  assert.equal(await c.locator('[data-testid=evidence-editor] .evidence-item').count(), 0);
  assert.equal(await c.inputValue('#act-title'), 'Họp dân thôn Nà Cù');
  assert.equal((await kept(c)).length, 0);
  // Room again (the officer cleared space): the same pick attaches.
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: server.url });
  await c.setInputFiles('[data-testid=evidence-input]', { name: 'bien-ban.pdf', mimeType: 'application/pdf', buffer: scan });
  await c.waitForSelector('[data-testid=evidence-editor] .evidence-item');
  assert.equal(await c.locator('[data-testid=evidence-problem]').count(), 0);
  await c.click('form.activity-form button[type=submit]');
  await c.waitForSelector('form.activity-form', { state: 'detached' });
  assert.deepEqual((await kept(c)).map((e) => e.hash), [sha(scan)]);
});
