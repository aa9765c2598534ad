// Drives headless Chromium through the capture benchmark (bench/capture.html) and prints the
// tables of BENCHMARKS.md's section 7.
import { chromium } from 'playwright-core';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from './serve.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const server = await serve(root);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
});
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/bench/capture.html`);
  await page.waitForFunction(() => window.__results, null, { timeout: 600_000 });
  const r = await page.evaluate(() => window.__results);
  if (r.error) throw new Error(r.error);
  console.log(`\n7. Capture checks per frame (Chromium ${browser.version()}; median of 15 interleaved rounds over ${r.frames} frames of 640 × 360 and ${r.faceFrames} of 640 × 480 from the test set)\n`);
  const rows = Object.keys(r.simd128);
  console.log(`   ${''.padEnd(46)}${'simd128'.padStart(10)}${'scalar'.padStart(10)}`);
  for (const k of rows) console.log(`   ${k.padEnd(46)}${r.simd128[k].toFixed(3).padStart(8)} ms${r.scalar[k].toFixed(3).padStart(8)} ms`);
  console.log(`\n   crop of a ${r.crop.photo} photo (simd128, median of 7):`);
  for (const [k, v] of Object.entries(r.crop)) if (k !== 'photo') console.log(`   ${k.padEnd(46)}${v.toFixed(0).padStart(8)} ms`);
  await mkdir(join(root, 'bench-results'), { recursive: true });
  await writeFile(join(root, 'bench-results/capture.json'), JSON.stringify({ chromium: browser.version(), date: new Date().toISOString(), ...r }, null, 2));
  console.log('\nwritten: bench-results/capture.json');
} finally {
  await browser.close();
  server.close();
}
