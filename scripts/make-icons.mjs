// Render public/icons/icon.svg into the manifest's PNG icons with the
// system Chromium (no image tools needed):
//   node scripts/make-icons.mjs
// The PNGs are committed; run this again after changing the SVG.
import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../public/icons/', import.meta.url));
const svg = readFileSync(dir + 'icon.svg', 'utf8');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
// "maskable" uses the same art: it already keeps to the central safe zone.
for (const [name, size] of [['icon-192.png', 192], ['icon-512.png', 512], ['icon-maskable-512.png', 512]]) {
  const page = await browser.newPage({ viewport: { width: size, height: size } });
  await page.setContent(`<style>html,body{margin:0}svg{display:block;width:${size}px;height:${size}px}</style>${svg}`);
  await page.screenshot({ path: dir + name, omitBackground: false });
  await page.close();
  console.log('wrote', name);
}
await browser.close();
