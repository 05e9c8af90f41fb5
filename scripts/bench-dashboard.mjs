// The dashboard timing shared by scripts/bench.mjs and scripts/bench-plans.mjs:
// from the click on "Tổng hợp" to the matrix, its totals and the unit table
// on screen, `n` runs, each from "Nhập lô".
export async function dashboardRuns(page, n = 5) {
  const runs = [];
  for (let i = 0; i < n; i++) {
    await page.click('nav.tabs button:has-text("Nhập lô")');
    await page.waitForSelector('[data-testid=dropzone]');
    runs.push(await page.evaluate(() => new Promise((resolve) => {
      const t = performance.now();
      const done = () => document.querySelector('[data-testid=grand-total]') && document.querySelector('[data-testid=unit-status] tbody tr');
      const obs = new MutationObserver(() => {
        if (done()) { obs.disconnect(); requestAnimationFrame(() => resolve(performance.now() - t)); }
      });
      obs.observe(document.body, { childList: true, subtree: true });
      [...document.querySelectorAll('nav.tabs button')].find((b) => b.textContent === 'Tổng hợp').click();
    })));
  }
  return runs;
}
