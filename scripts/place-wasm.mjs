// Trunk post-build hook (before gen-sw.mjs): put the split app wasm built by
// scripts/build-wasm.sh into the build, in one folder named by the hash of
// all its files (/app-<hash>/: the main module, its JS, the chunks, their
// loader, and public/boot.js), and start it from index.html. One folder per
// version: a page of one version never loads a chunk of another.
//   node scripts/place-wasm.mjs [DIR]   (DIR defaults to $TRUNK_STAGING_DIR;
//   the wasm is taken from $PAPI_WASM_DIR, default $CARGO_TARGET_DIR/wasm-out)
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { minify } from 'terser';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = process.argv[2] || process.env.TRUNK_STAGING_DIR;
const src = process.env.PAPI_WASM_DIR || join(process.env.CARGO_TARGET_DIR || join(root, 'target'), 'wasm-out');
if (!dir) {
  console.error('place-wasm: no build directory (pass one, or run as a Trunk hook)');
  process.exit(2);
}
const BUILDS = ['papi-tracker', 'papi-first-visit'];
if (BUILDS.some((b) => !existsSync(join(src, `${b}_bg.wasm`)))) {
  console.error(`place-wasm: no split wasm in ${src}: run scripts/build-wasm.sh ${src} first (scripts/build.sh does)`);
  process.exit(1);
}
function walk(d, rel = '') {
  return readdirSync(d).sort().flatMap((name) => {
    const p = join(d, name);
    return statSync(p).isDirectory() ? walk(p, rel + name + '/') : [rel + name];
  });
}
// The manifest (which chunks each split point needs) goes along: gen-sw.mjs
// reads it, and does not list it for the service worker.
const files = walk(src);
// The loader is on the first visit's path: minified (terser).
const boot = (await minify(readFileSync(join(root, 'public/boot.js'), 'utf8'), { module: true })).code;
const hash = createHash('sha256');
for (const f of files) hash.update(f).update('\0').update(readFileSync(join(src, f))).update('\0');
hash.update('boot.js\0').update(boot);
const name = 'app-' + hash.digest('hex').slice(0, 16);
const out = join(dir, name);
mkdirSync(out, { recursive: true });
for (const f of files) cpSync(join(src, f), join(out, f));
writeFileSync(join(out, 'boot.js'), boot);

const MARK = '<!-- papi-app -->';
const index = join(dir, 'index.html');
const html = readFileSync(index, 'utf8');
if (!html.includes(MARK)) {
  console.error(`place-wasm: ${index} has no ${MARK}`);
  process.exit(1);
}
// Which build starts (public/boot.js): the first-visit build (the first-run
// form alone) when this browser keeps nothing of the app: no key of it in
// localStorage, no enrolment link and no 2020 history asked for; otherwise
// the app. A localStorage that
// cannot be read counts as keeping something (the app copes with it). The
// chosen build's JS and wasm are requested at once (the loader fetches the
// same URLs, so the preloads are used).
const tags = `<link rel="modulepreload" href="/${name}/boot.js">
    <script>
    (function () {
      function fresh() {
        try {
          if (/[#&]enrol=/.test(location.hash)) return false;
          // The first screen's 2020 history, chosen in the first-visit
          // build, opens in the app (src/ui/welcome.rs, open_history).
          if (sessionStorage.getItem('papi-tracker.first-run-history')) return false;
          for (var i = 0; i < localStorage.length; i++) {
            if (String(localStorage.key(i)).indexOf('papi-tracker') === 0) return false;
          }
          return true;
        } catch (e) { return false; }
      }
      var build = fresh() ? 'papi-first-visit' : 'papi-tracker';
      window.papiBuild = build;
      function preload(rel, file, as) {
        var l = document.createElement('link');
        l.rel = rel;
        l.href = '/${name}/' + file;
        if (as) { l.as = as; l.type = 'application/wasm'; l.crossOrigin = 'anonymous'; }
        document.head.appendChild(l);
      }
      preload('modulepreload', build + '.js');
      preload('preload', build + '_bg.wasm', 'fetch');
    })();
    </script>
    <script type="module">import { start } from '/${name}/boot.js'; start(window.papiBuild);</script>`;
writeFileSync(index, html.replace(MARK, tags));
const chunks = files.filter((f) => f.endsWith('.wasm') && !BUILDS.some((b) => f === `${b}_bg.wasm`));
console.log(`place-wasm: /${name}/ with the main module and ${chunks.length} chunks`);
