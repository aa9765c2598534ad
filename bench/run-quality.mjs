// Drives headless Chromium through the quality benchmark page and prints the table.
import { chromium } from 'playwright-core';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from './serve.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const server = await serve(root);
const { port } = server.address();
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
});
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${port}/bench/quality.html`);
  await page.waitForFunction(() => window.__results, null, { timeout: 180_000 });
  const results = await page.evaluate(() => window.__results);
  if (results.error) throw new Error(results.error);
  const version = browser.version();
  console.log(`\nQuality check per frame (Chromium ${version}; median of 15 interleaved rounds of 40 frames)\n`);
  console.log('size        implementation    ms/frame      fps   vs plain JS');
  for (const size of [...new Set(results.map((r) => r.size))]) {
    const rows = results.filter((r) => r.size === size);
    const js = rows.find((r) => r.impl === 'plain JS').msPerFrame;
    for (const r of rows) {
      console.log(`${size.padEnd(12)}${r.impl.padEnd(18)}${r.msPerFrame.toFixed(3).padStart(8)}${r.fps.toFixed(0).padStart(9)}${(js / r.msPerFrame).toFixed(2).padStart(10)}x`);
    }
    if (!rows[0].agree) console.log('  !! wasm and JS results differ');
  }
  await mkdir(join(root, 'bench-results'), { recursive: true });
  await writeFile(join(root, 'bench-results/quality.json'), JSON.stringify({ chromium: version, date: new Date().toISOString(), results }, null, 2));
  console.log('\nwritten: bench-results/quality.json');
} finally {
  await browser.close();
  server.close();
}
