// Photos made in the page for the evidence tests and benchmark: a JPEG of
// `w` × `h` pixels with shapes and text (not noise: it compresses as a
// photo of a notice board does); `seed` makes each one differ.
export async function photo(page, w, h, seed = 7) {
  const b64 = await page.evaluate(async ([w, h, seed]) => {
    const cv = new OffscreenCanvas(w, h);
    const g = cv.getContext('2d');
    const grad = g.createLinearGradient(0, 0, w, h);
    grad.addColorStop(0, '#2a6');
    grad.addColorStop(1, '#c42');
    g.fillStyle = grad;
    g.fillRect(0, 0, w, h);
    const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (let i = 0; i < 6000; i++) {
      g.fillStyle = `hsl(${rnd() * 360},60%,${30 + rnd() * 50}%)`;
      g.fillRect(rnd() * w, rnd() * h, 10 + rnd() * 200, 10 + rnd() * 200);
    }
    g.fillStyle = '#fff';
    g.font = '160px sans-serif';
    for (let y = 300; y < h; y += 400) g.fillText('BIÊN BẢN ĐỐI THOẠI VỚI NHÂN DÂN', 100, y);
    const blob = await cv.convertToBlob({ type: 'image/jpeg', quality: 0.95 });
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let s = '';
    for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
    return btoa(s);
  }, [w, h, seed]);
  return Buffer.from(b64, 'base64');
}
