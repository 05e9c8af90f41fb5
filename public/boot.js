// The app's loader (scripts/place-wasm.mjs puts it beside the wasm and calls
// it from index.html) and the boot screen while the main wasm downloads: how
// much has arrived, and a clear message with a retry button when the
// download fails or stalls. The first visit on a slow connection takes
// seconds; without this the page would stay blank. The screens split off
// the main wasm (#[lazy]) are fetched by the app itself when first opened.
// Two builds sit side by side (scripts/build-wasm.sh): the app, and the
// first-visit build, the first-run form alone (src/first_visit.rs), started
// when this browser keeps nothing of the app yet (index.html chooses).

const STALL_MS = 20000;

// Fetch the main wasm of `build` (papi-tracker or papi-first-visit),
// reporting progress, and start it.
export async function start(build = 'papi-tracker') {
  const hooks = bootScreen();
  const url = new URL(`./${build}_bg.wasm`, import.meta.url);
  try {
    hooks.onStart?.();
    const { default: init } = await import(`./${build}.js`);
    const res = await fetch(url);
    if (!res.ok) throw new Error(`HTTP ${res.status} ${url.pathname}`);
    // The body as it arrives (the length on the wire, when the server
    // compresses, is less than the bytes counted: the bar stops at 100).
    // A page the service worker serves gets the wasm from its cache in an
    // instant: no progress to show, and the response as it is, which lets
    // the browser reuse the wasm it compiled on the last visit (a rebuilt
    // Response would compile it anew on every start).
    const total = navigator.serviceWorker?.controller ? 0 : Number(res.headers.get('content-length')) || 0;
    let current = 0;
    const counted = res.body && total ? new Response(res.body.pipeThrough(new TransformStream({
      transform(chunk, ctl) {
        current += chunk.byteLength;
        hooks.onProgress?.({ current, total });
        ctl.enqueue(chunk);
      },
    })), { headers: { 'content-type': 'application/wasm' } }) : res;
    await init({ module_or_path: counted });
    hooks.onComplete?.();
    hooks.onSuccess?.();
  } catch (e) {
    hooks.onComplete?.();
    hooks.onFailure?.(e);
    return;
  }
  window.papiBootDone = true;
  window.dispatchEvent(new CustomEvent('papi-booted'));
}

// The first-visit build, its form saved, hands over to the app
// (src/first_visit.rs calls this): a reload, after which index.html starts
// the app. Only once the app can come, from the service worker's cache or
// the network: a reload offline before the worker has kept it would leave
// a browser error page. Until then the page says so and tries again when
// the network or the worker changes, and every few seconds.
// `said` is what the page says while it waits (by default: the unit saved).
window.papiHandOver = async function handOver(said) {
  if (await appReachable()) {
    location.reload();
    return;
  }
  if (!document.getElementById('hand-over')) {
    window.papiStatus('hand-over', typeof said === 'string' ? said
      : 'Đã lưu thông tin đơn vị. Máy đang không có mạng nên chưa tải được phần còn lại của ứng dụng; ứng dụng sẽ tự mở khi có mạng.');
    const again = () => window.papiHandOver(said);
    window.addEventListener('online', again);
    navigator.serviceWorker?.addEventListener('controllerchange', again);
    setInterval(again, 5000);
  }
};

async function appReachable() {
  const wasm = new URL('./papi-tracker_bg.wasm', import.meta.url).href;
  try {
    if (navigator.serviceWorker?.controller && await caches.match(wasm)) return true;
  } catch (e) {
    // No cache to ask (e.g. storage blocked): the network decides.
  }
  try {
    return (await fetch('/index.html', { cache: 'no-store' })).ok;
  } catch (e) {
    return false;
  }
}

function bootScreen() {
  const $ = (id) => document.getElementById(id);
  // Tells index.html's fallback timer that the loader runs.
  window.papiBootStarted = true;
  // index.html's inline script has already said this browser cannot run
  // it; should the app start anyway, it replaces the message.
  if (window.papiBootUnsupported) return { onSuccess() { $('boot')?.remove(); } };
  let stall = null;
  const retry = () => {
    const b = $('boot-retry');
    if (b) b.hidden = false;
  };
  const watch = () => {
    clearTimeout(stall);
    stall = setTimeout(() => {
      const note = $('boot-note');
      if (note) note.textContent = 'Mạng chậm hoặc bị ngắt: chưa nhận thêm dữ liệu trong 20 giây. Có thể chờ thêm, hoặc bấm “Tải lại”.';
      retry();
    }, STALL_MS);
  };
  return {
    onStart: watch,
    onProgress({ current, total }) {
      watch();
      const bar = $('boot-progress');
      if (!bar || !total) return;
      const pct = Math.min(100, Math.floor((current / total) * 100));
      bar.value = pct;
      $('boot-msg').textContent = `Đang tải ứng dụng… ${pct}%`;
    },
    onComplete() { clearTimeout(stall); },
    // The app has mounted itself by now (its main runs inside init).
    onSuccess() { $('boot')?.remove(); },
    onFailure(error) {
      console.error('PAPI Tracker could not start:', error);
      const msg = $('boot-msg');
      if (!msg) return;
      msg.textContent = navigator.onLine
        ? 'Không tải được ứng dụng.'
        : 'Không tải được ứng dụng: máy đang không có mạng.';
      $('boot-note').textContent = 'Lần mở đầu tiên cần có mạng; sau đó ứng dụng chạy được khi không có mạng. '
        + 'Hãy kiểm tra kết nối rồi bấm “Tải lại”. Chi tiết lỗi: ' + String(error && error.message || error);
      $('boot-progress').hidden = true;
      $('boot').classList.add('boot-failed');
      retry();
    },
  };
}
