// Where the main wasm's bytes go (BENCHMARKS.md, issue 17): the split main
// module before its wasm-opt (scripts/build-wasm.sh leaves it in
// target/wasm-split/) is optimised again with its function names kept, and
// every function body is counted for the code that owns it: an app or core
// module when its name mentions one (framework code instantiated for an app
// type counts for that module), else its crate. The data section is split
// into the JSON files compiled in (plan and units) and the rest.
//   node scripts/size-breakdown.mjs [MAIN_WASM]
// Gzip figures of a group are of its bytes alone (gzip -9): they add up to
// more than the module's gzip, and say which groups weigh most.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FEATURES = ['bulk-memory', 'nontrapping-float-to-int', 'sign-ext', 'mutable-globals', 'reference-types', 'multivalue']
  .map((f) => `--enable-${f}`);
// The JSON files `papi_core` compiles in (core/src/lib.rs).
const DATA_FILES = ['data/plans/bac-kan-124-2020.json', 'data/units/bac-kan-2020.json', 'data/units/thai-nguyen-2025.json'];

/** A LEB128 number at `at`: [value, next offset]. */
function leb(b, at) {
  let v = 0;
  let shift = 0;
  for (;;) {
    const x = b[at++];
    v += (x & 0x7f) * 2 ** shift;
    shift += 7;
    if (x < 0x80) return [v, at];
  }
}

/** The module's sections: id, payload start and end. */
function sections(b) {
  const out = [];
  for (let at = 8; at < b.length;) {
    const id = b[at];
    const [size, start] = leb(b, at + 1);
    out.push({ id, start, end: start + size });
    at = start + size;
  }
  return out;
}

/** How many functions the module imports (their indices come first). */
function importedFunctions(b, sec) {
  let [n, at] = leb(b, sec.start);
  let funcs = 0;
  const skipName = (p) => { const [l, q] = leb(b, p); return q + l; };
  const skipLimits = (p) => { const flags = b[p]; let [, q] = leb(b, p + 1); if (flags & 1) [, q] = leb(b, q); return q; };
  for (; n > 0; n--) {
    at = skipName(skipName(at));
    const kind = b[at++];
    if (kind === 0) { [, at] = leb(b, at); funcs++; } else if (kind === 1) at = skipLimits(at + 1);
    else if (kind === 2) at = skipLimits(at);
    else if (kind === 3) at += 2;
    else throw new Error(`import kind ${kind}`);
  }
  return funcs;
}

/** Function bodies (as byte ranges) and their names. */
function functions(b) {
  const secs = sections(b);
  const imports = secs.find((s) => s.id === 2);
  const first = imports ? importedFunctions(b, imports) : 0;
  const code = secs.find((s) => s.id === 10);
  const bodies = [];
  let [n, at] = leb(b, code.start);
  for (; n > 0; n--) {
    const [size, start] = leb(b, at);
    bodies.push(b.subarray(start, start + size));
    at = start + size;
  }
  const names = new Map();
  for (const s of secs.filter((x) => x.id === 0)) {
    const [l, p] = leb(b, s.start);
    if (b.toString('utf8', p, p + l) !== 'name') continue;
    for (let at2 = p + l; at2 < s.end;) {
      const sub = b[at2];
      const [size, start] = leb(b, at2 + 1);
      if (sub === 1) {
        let [count, q] = leb(b, start);
        for (; count > 0; count--) {
          let idx; let len;
          [idx, q] = leb(b, q);
          [len, q] = leb(b, q);
          names.set(idx, b.toString('utf8', q, q + len));
          q += len;
        }
      }
      at2 = start + size;
    }
  }
  const data = secs.find((x) => x.id === 11);
  return {
    fns: bodies.map((body, i) => ({ body, name: names.get(first + i) ?? '' })),
    data: data ? b.subarray(data.start, data.end) : Buffer.alloc(0),
  };
}

/** The code a function counts for: `app::x`, `core::x` or a crate. */
export function owner(mangled) {
  // `12papi_tracker2ui…` in a path, `papi_tracker..ui..` in a generic's text.
  const own = /papi_(tracker|core)(?:(\d+)([a-z_0-9]+)|\.\.([a-z_0-9]+))/.exec(mangled);
  if (own) {
    const module = own[4] ?? own[3].slice(0, Number(own[2]));
    return `papi_${own[1]}::${module}`;
  }
  // Legacy mangling: _ZN<len><crate>…; v0: …Cs<disambiguator>_<len><crate>…
  const legacy = /^_ZN(\d+)/.exec(mangled);
  if (legacy) return mangled.substr(legacy[0].length, Number(legacy[1])).replace(/^_\$LT\$/, '<');
  // (v0 puts a `_` between the length and an identifier starting with one.)
  const v0 = /Cs[0-9A-Za-z]*_(\d+)_?([a-z_][a-z0-9_]*)/.exec(mangled);
  return v0 ? v0[2].slice(0, Number(v0[1])) : '(no name: glue wasm-bindgen made)';
}

/** The crate of a `<T as Trait>` impl (the trait's) or `<T>` method (the type's). */
function implCrate(mangled) {
  const m = /^_ZN\d+_\$LT\$(.*?)\.\./.exec(mangled);
  if (!m) return null;
  const head = m[1].split('$u20$as$u20$').pop().replace(/^(\$RF\$|mut\$u20\$|\$BP\$|const\$u20\$)+/, '');
  return /^[a-z_][a-z0-9_]*$/.test(head) ? head : null;
}

const gz = (bufs) => gzipSync(Buffer.concat(bufs), { level: 9 }).length;

/** Code and data of the main module by owner: rows sorted by raw size. */
export function breakdown(mainWasm) {
  const dir = mkdtempSync(join(tmpdir(), 'papi-size-'));
  const named = join(dir, 'main.wasm');
  execFileSync(join(ROOT, 'node_modules/.bin/wasm-opt'), ['-Oz', '-g', ...FEATURES, mainWasm, '-o', named], { stdio: 'inherit' });
  const { fns, data } = functions(readFileSync(named));
  const groups = new Map();
  for (const f of fns) {
    let key = owner(f.name);
    if (key.startsWith('<') || key === '_') key = implCrate(f.name) ?? key;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(f.body);
  }
  const rows = [...groups].map(([key, bodies]) => ({
    key, bodies, count: bodies.length, raw: bodies.reduce((a, x) => a + x.length, 0), gz: gz(bodies),
  }));
  rows.sort((a, b) => b.raw - a.raw);
  let rest = Buffer.from(data);
  const json = [];
  for (const f of DATA_FILES) {
    const text = readFileSync(join(ROOT, f));
    const at = rest.indexOf(text);
    if (at < 0) continue;
    json.push(text);
    rest = Buffer.concat([rest.subarray(0, at), rest.subarray(at + text.length)]);
  }
  const code = fns.map((f) => f.body);
  const ours = (r) => r.key.startsWith('papi_');
  const stack = rows.filter((r) => !ours(r)).flatMap((r) => r.bodies);
  return {
    rows,
    stack: { raw: stack.reduce((a, x) => a + x.length, 0), gz: gz(stack) },
    code: { raw: code.reduce((a, x) => a + x.length, 0), gz: gz(code) },
    json: { files: json.length, raw: json.reduce((a, x) => a + x.length, 0), gz: gz(json) },
    otherData: { raw: rest.length, gz: gz([rest]) },
  };
}

/** The kind of code a row is, for the summary. */
export function kind(key) {
  if (key.startsWith('papi_tracker::')) return 'the app (src/)';
  if (key.startsWith('papi_core::')) return 'the core (papi_core)';
  if (/^(leptos|tachys|reactive_graph|leptos_\w+|any_spawner|send_wrapper|or_poisoned|throw_error|wasm_split_helpers|next_tuple|drain_filter_polyfill|slotmap|oco_ref)/.test(key)) return 'Leptos';
  if (/^(wasm_bindgen|js_sys|web_sys|wasm_bindgen_futures|gloo_\w+|idb|wasm_streams|console_error_panic_hook)/.test(key)) return 'browser bindings (wasm-bindgen, web-sys, idb, gloo)';
  if (/^(serde|itoa|zmij)/.test(key)) return 'serde, serde_json (with itoa, zmij)';
  if (/^(core|alloc|std|dlmalloc|hashbrown|__rustc|compiler_builtins)/.test(key)) return 'Rust std (fmt, alloc, collections)';
  return 'other crates';
}

/** Markdown lines: the summary by kind, then the heaviest owners. */
export function section(b, top = 25) {
  const kinds = new Map();
  for (const r of b.rows) {
    const k = kind(r.key);
    const g = kinds.get(k) ?? { raw: 0, count: 0, keys: [] };
    g.raw += r.raw; g.count += r.count; g.keys.push(r.key);
    kinds.set(k, g);
  }
  const kb = (n) => (n / 1024).toFixed(1);
  const lines = ['| code of | functions | raw KB | share of the code |', '|---|---:|---:|---:|'];
  for (const [k, g] of [...kinds].sort((x, y) => y[1].raw - x[1].raw)) {
    lines.push(`| ${k} | ${g.count} | ${kb(g.raw)} | ${((100 * g.raw) / b.code.raw).toFixed(0)} % |`);
  }
  lines.push(`| **all code** | ${b.rows.reduce((a, r) => a + r.count, 0)} | **${kb(b.code.raw)}** (${kb(b.code.gz)} gzip) | 100 % |`);
  lines.push(`| of which not the app's nor the core's (the stack) | | ${kb(b.stack.raw)} (${kb(b.stack.gz)} gzip) | |`);
  lines.push(`| data: the plan and units JSON compiled in (${b.json.files} files) | | ${kb(b.json.raw)} (${kb(b.json.gz)} gzip) | |`);
  lines.push(`| data: everything else (strings, tables, panic locations) | | ${kb(b.otherData.raw)} (${kb(b.otherData.gz)} gzip) | |`);
  lines.push('', `The ${top} heaviest owners (gzip of each alone):`, '', '| owner | functions | raw KB | gzip KB alone |', '|---|---:|---:|---:|');
  for (const r of b.rows.slice(0, top)) lines.push(`| ${r.key} | ${r.count} | ${kb(r.raw)} | ${kb(r.gz)} |`);
  return lines;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const main = process.argv[2] ?? join(process.env.CARGO_TARGET_DIR ?? join(ROOT, 'target'), 'wasm-split/papi-tracker_bg.wasm');
  console.log(section(breakdown(main)).join('\n'));
}
