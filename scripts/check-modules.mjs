#!/usr/bin/env node
// Fails when the modules of the app crate (src/) depend on each other in a
// loop. Dependencies must point one way: screens (ui) -> state -> store and
// platform -> papi_core (ARCHITECTURE.md, "Layers").
//
// A module depends on another when its source names it by path:
// `crate::x` (also inside `use crate::{x, …}`), or `super::x` in a
// sub-module. Three graphs are checked: the top-level modules of src/, the
// sub-modules of src/store/ and those of src/ui/. Test modules (tests.rs)
// are left out: they may use anything.
//
//   node scripts/check-modules.mjs        exit 1 and print each cycle
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("../src/", import.meta.url).pathname;

function files(dir) {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : n.endsWith(".rs") ? [p] : [];
  });
}

// Code without comments and string literals, so that prose and Vietnamese
// text naming a module do not count.
function code(text) {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/\/\/.*$/gm, "")
    .replace(/"(?:[^"\\]|\\.)*"/g, '""');
}

// Module path of a file: src/store/idb_store.rs -> ["store", "idb_store"].
function modPath(file) {
  const parts = relative(root, file).replace(/\.rs$/, "").split("/");
  if (parts.at(-1) === "mod") parts.pop();
  if (parts.length === 1 && parts[0] === "main") return [];
  return parts;
}

// Every crate-relative module path a file names, resolved from `crate::`
// and `super::`, including the items of a `use crate::{a, b::c}` group.
function named(file) {
  const src = code(readFileSync(file, "utf8"));
  const here = modPath(file);
  const out = [];
  const expand = (prefix, body) => {
    // Split a brace group at top-level commas.
    let depth = 0, cur = "";
    for (const ch of body + ",") {
      if (ch === "{") depth++;
      if (ch === "}") depth--;
      if (ch === "," && depth === 0) {
        const item = cur.trim();
        cur = "";
        if (!item) continue;
        const m = item.match(/^([\w:]*?)(?:::)?\{([\s\S]*)\}$/);
        if (m) expand([...prefix, ...m[1].split("::").filter(Boolean)], m[2]);
        else out.push([...prefix, ...item.split(/\s+as\s+/)[0].split("::")]);
        continue;
      }
      cur += ch;
    }
  };
  for (const m of src.matchAll(/\b(crate|super)((?:::\w+)*)(?:::\{([\s\S]*?\}?)\})?/g)) {
    const base = m[1] === "crate" ? [] : here.slice(0, -1);
    const path = [...base, ...m[2].split("::").filter(Boolean)];
    if (m[3] !== undefined) expand(path, m[3]);
    else out.push(path);
  }
  return out;
}

// Dependency graph among the children of `parent` (a module path).
function graph(parent) {
  const g = new Map();
  for (const f of files(root)) {
    const mp = modPath(f);
    if (mp.includes("tests")) continue;
    if (mp.length <= parent.length || parent.some((p, i) => mp[i] !== p)) continue;
    const from = mp[parent.length];
    if (!g.has(from)) g.set(from, new Set());
    for (const p of named(f)) {
      if (p.length <= parent.length || parent.some((x, i) => p[i] !== x)) continue;
      const to = p[parent.length];
      if (to !== from && to !== "self") g.get(from).add(to);
    }
  }
  for (const [k, v] of g) for (const t of [...v]) if (!g.has(t)) v.delete(t);
  return g;
}

// Strongly connected components with more than one module (Tarjan).
function cycles(g) {
  let index = 0;
  const idx = new Map(), low = new Map(), stack = [], on = new Set(), out = [];
  const visit = (v) => {
    idx.set(v, index); low.set(v, index); index++;
    stack.push(v); on.add(v);
    for (const w of g.get(v)) {
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))); }
      else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const c = [];
      let w;
      do { w = stack.pop(); on.delete(w); c.push(w); } while (w !== v);
      if (c.length > 1) out.push(c.sort());
    }
  };
  for (const v of [...g.keys()].sort()) if (!idx.has(v)) visit(v);
  return out;
}

let failed = false;
for (const parent of [[], ["store"], ["ui"]]) {
  const g = graph(parent);
  const name = parent.length ? `src/${parent.join("/")}/` : "src/";
  for (const c of cycles(g)) {
    failed = true;
    const edges = c.flatMap((a) => [...g.get(a)].filter((b) => c.includes(b)).map((b) => `${a} -> ${b}`));
    console.error(`module cycle in ${name}: ${c.join(", ")}\n  ${edges.join("\n  ")}`);
  }
  if (process.argv.includes("--graph")) {
    for (const [k, v] of [...g].sort()) console.log(`${name}${k} -> ${[...v].sort().join(", ")}`);
  }
}
if (failed) process.exit(1);
console.log("no module cycle in src/, src/store/, src/ui/");
