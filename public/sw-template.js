// PAPI Tracker service worker. scripts/gen-sw.mjs fills in VERSION and
// PRECACHE from the build's own output; never edit the list by hand.
const VERSION = '__VERSION__';
const PRECACHE = __PRECACHE__;
// Files of this version kept only once used (the XLSX worker: districts
// export, communes never need it), then served offline like the rest.
const LAZY = __LAZY__;
// The screens split off the main wasm: on a first visit, fetched in the
// background once the page says the app is interactive ("papi-precache"),
// so they never compete with the first screen; on an update, with the rest
// at install, so a new version is whole before it takes over.
const CHUNKS = __CHUNKS__;
const CACHE = 'papi-shell-' + VERSION;

self.addEventListener('install', (event) => {
  // Keep every shell file. Each is revalidated with the server (a 304 costs
  // no body, so the files the page has just loaded are not downloaded
  // again), whatever caching headers the host sends. No skipWaiting: a new
  // version waits until the user agrees.
  // Files kept on first use by an earlier version (a district that exported
  // XLSX) are kept by this one too, so an update never takes away what
  // worked offline.
  event.waitUntil(Promise.all([usedBefore(), isUpdate()]).then(([used, update]) => caches.open(CACHE)
    .then((cache) => cache.addAll(PRECACHE.concat(used, update ? CHUNKS : [])
      .map((url) => new Request(url, { cache: 'no-cache' }))))));
});

function isUpdate() {
  return caches.keys().then((keys) => keys.some((k) => k.startsWith('papi-shell-') && k !== CACHE));
}

// Every chunk not yet kept, then tell the page: from now on every screen
// opens offline.
function precacheChunks() {
  return caches.open(CACHE).then((cache) => Promise.all(CHUNKS.map((url) => cache.match(url)
    .then((hit) => (hit ? 0 : fetch(url, { cache: 'no-cache' }).then((res) => {
      if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
      return res.clone().arrayBuffer().then((buf) => cache.put(url, res).then(() => buf.byteLength));
    }))))))
    .then((sizes) => sizes.reduce((a, b) => a + b, 0));
}

function usedBefore() {
  return caches.keys().then((keys) => Promise.all(
    keys.filter((k) => k.startsWith('papi-shell-') && k !== CACHE).map((k) => caches.open(k)
      .then((c) => Promise.all(LAZY.map((url) => c.match(url).then((hit) => (hit ? url : null))))))))
    .then((lists) => [...new Set(lists.flat().filter(Boolean))]);
}

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(
        keys.filter((k) => k.startsWith('papi-shell-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener('message', (event) => {
  if (event.data === 'skipWaiting') self.skipWaiting();
  if (event.data === 'papi-precache') {
    const reply = (msg) => event.source && event.source.postMessage(msg);
    event.waitUntil(precacheChunks().then(
      (bytes) => reply({ type: 'papi-offline-ready', version: VERSION, bytes }),
      (e) => reply({ type: 'papi-offline-failed', error: String(e && e.message || e) })));
  }
});

// Cache-first for the shell; the app page itself for every navigation.
// Anything else (e.g. /healthz, future sync calls) goes to the network.
self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (req.mode === 'navigate') {
    event.respondWith(caches.open(CACHE).then((c) => c.match('/index.html'))
      .then((hit) => hit || caches.match('/index.html'))
      .then((hit) => hit || fetch(req)));
    return;
  }
  if (LAZY.includes(url.pathname) || CHUNKS.includes(url.pathname)) {
    event.respondWith(caches.open(CACHE).then((c) => c.match(url.pathname).then((hit) => hit
      || fetch(req).then((res) => {
        // The worker stays alive until the copy is stored.
        if (res.ok) event.waitUntil(c.put(url.pathname, res.clone()));
        return res;
      }))));
    return;
  }
  if (!PRECACHE.includes(url.pathname)) return;
  event.respondWith(caches.open(CACHE).then((c) => c.match(url.pathname)).then((hit) => hit || fetch(req)));
});
