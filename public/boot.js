// The boot screen while the app's wasm downloads (Trunk's data-initializer,
// see index.html): how much has arrived, and a clear message with a retry
// button when the download fails or stalls. The first visit on a slow
// connection takes seconds; without this the page would stay blank.
const STALL_MS = 20000;

export default function () {
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
