// Trunk post-build hook (after gen-sw.mjs): write a brotli (.br) and a gzip
// (.gz) copy beside every text and wasm file of the build, compressed once
// at the highest levels, which papi-server sends to browsers that accept
// them (ServeDir precompressed_br / precompressed_gzip) instead of
// compressing each response on the fly.
//   node scripts/precompress.mjs [DIR]   (DIR defaults to $TRUNK_STAGING_DIR)
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { brotliCompressSync, constants as zc, gzipSync } from 'node:zlib';

const dir = process.argv[2] || process.env.TRUNK_STAGING_DIR;
if (!dir) {
  console.error('precompress: no build directory (pass one, or run as a Trunk hook)');
  process.exit(2);
}
const KINDS = new Set(['.html', '.js', '.css', '.wasm', '.json', '.webmanifest', '.svg']);
function walk(d) {
  return readdirSync(d).flatMap((name) => {
    const p = join(d, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}
let raw = 0;
let br = 0;
let gz = 0;
for (const f of walk(dir).filter((p) => KINDS.has(extname(p)))) {
  const bytes = readFileSync(f);
  const b = brotliCompressSync(bytes, {
    params: {
      [zc.BROTLI_PARAM_QUALITY]: zc.BROTLI_MAX_QUALITY,
      [zc.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      [zc.BROTLI_PARAM_MODE]: extname(f) === '.wasm' ? zc.BROTLI_MODE_GENERIC : zc.BROTLI_MODE_TEXT,
    },
  });
  const g = gzipSync(bytes, { level: 9 });
  raw += bytes.length;
  // A copy no smaller than the file is not worth a request header; an older
  // copy of a file that changed must never be served in its place.
  for (const [ext, copy] of [['.br', b], ['.gz', g]]) {
    if (copy.length < bytes.length) writeFileSync(f + ext, copy);
    else rmSync(f + ext, { force: true });
  }
  br += Math.min(b.length, bytes.length);
  gz += Math.min(g.length, bytes.length);
}
const kb = (n) => (n / 1024).toFixed(1);
console.log(`precompress: ${kb(raw)} KB raw, ${kb(gz)} KB gzip, ${kb(br)} KB brotli`);
