// PAPI Tracker service worker. scripts/gen-sw.mjs fills in VERSION and
// PRECACHE from the build's own output; never edit the list by hand.
const VERSION = '__VERSION__';
const PRECACHE = __PRECACHE__;
// Files of this version kept only once used (the XLSX worker: districts
// export, communes never need it), then served offline like the rest.
const LAZY = __LAZY__;
const CACHE = 'papi-shell-' + VERSION;

self.addEventListener('install', (event) => {
  // Keep every shell file. Each is revalidated with the server (a 304 costs
  // no body, so the files the page has just loaded are not downloaded
  // again), whatever caching headers the host sends. No skipWaiting: a new
  // version waits until the user agrees.
  // Files kept on first use by an earlier version (a district that exported
  // XLSX) are kept by this one too, so an update never takes away what
  // worked offline.
  event.waitUntil(usedBefore().then((used) => caches.open(CACHE).then((cache) =>
    cache.addAll(PRECACHE.concat(used).map((url) => new Request(url, { cache: 'no-cache' }))))));
});

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
  if (LAZY.includes(url.pathname)) {
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
