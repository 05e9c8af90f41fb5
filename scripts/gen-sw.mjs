// Trunk post-build hook: write sw.js into the build output with the list of
// files to precache and a cache version, both taken from the build itself
// (every file Trunk emitted, and a hash of their contents).
//   node scripts/gen-sw.mjs [DIR]   (DIR defaults to $TRUNK_STAGING_DIR)
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = process.argv[2] || process.env.TRUNK_STAGING_DIR;
if (!dir) {
  console.error('gen-sw: no build directory (pass one, or run as a Trunk hook)');
  process.exit(2);
}
// Which chunks each split point needs (scripts/place-wasm.mjs copies it).
const MANIFEST = '__wasm_split_manifest.json';
const SKIP = new Set(['sw.js', 'sw-template.js', MANIFEST]);
// Cached on first use instead of at install (see LAZY in the template):
// the XLSX worker.
// The provinces' unit datasets too (/units/): a device keeps only its own
// province's, fetched when picked (src/home.rs).
const isLazy = (url) => url.startsWith('/papi-xlsx') || url.startsWith('/units/');
// The app's screens split off the main wasm (scripts/place-wasm.mjs):
// precached in the background once the app is interactive (see CHUNKS in
// the template), not on the first screen's critical path.
// Except the chunks of the start-up (the store's opening and reading,
// src/start.rs): a later visit needs them to show the records, so they are
// kept at install with the critical files, even by a first visit that ends
// before the background precache.
const startUp = new Set(readdirSync(dir).filter((d) => existsSync(join(dir, d, MANIFEST))).flatMap((d) => {
  const { start } = JSON.parse(readFileSync(join(dir, d, MANIFEST), 'utf8'));
  if (!start) {
    console.error(`gen-sw: /${d}/${MANIFEST} has no "start" split point (src/start.rs)`);
    process.exit(1);
  }
  return start.map((m) => `/${d}/${m}.wasm`);
}));
const isChunk = (url) => /^\/app-[0-9a-f]+\/.*\.wasm$/.test(url) && !/\/papi-(tracker|first-visit)_bg\.wasm$/.test(url) && !startUp.has(url);
function walk(d) {
  return readdirSync(d).flatMap((name) => {
    const p = join(d, name);
    if (statSync(p).isDirectory()) return walk(p);
    // Compressed copies (precompress.mjs) are the same files, not others.
    return SKIP.has(name) || /\.(br|gz)$/.test(name) ? [] : [p];
  });
}
const files = walk(dir).sort();
const hash = createHash('sha256');
const urls = [];
for (const f of files) {
  const url = '/' + relative(dir, f).split(sep).join('/');
  urls.push(url);
  hash.update(url).update('\0').update(readFileSync(f)).update('\0');
}
if (!urls.includes('/index.html')) {
  console.error(`gen-sw: ${dir} has no index.html`);
  process.exit(1);
}
const version = hash.digest('hex').slice(0, 16);
const template = readFileSync(fileURLToPath(new URL('../public/sw-template.js', import.meta.url)), 'utf8');
const precache = urls.filter((u) => !isLazy(u) && !isChunk(u));
const lazy = urls.filter(isLazy);
const chunks = urls.filter(isChunk);
const sw = template.replace('__VERSION__', version)
  .replace('__PRECACHE__', JSON.stringify(precache, null, 2))
  .replace('__CHUNKS__', JSON.stringify(chunks, null, 2))
  .replace('__LAZY__', JSON.stringify(lazy, null, 2));
writeFileSync(join(dir, 'sw.js'), sw);
console.log(`gen-sw: ${precache.length} files to precache (${startUp.size} start-up chunks), ${chunks.length} chunks in the background, ${lazy.length} on first use, version ${version}`);
