// Drives headless Chromium through the upload / flow / capture benchmark and prints tables.
import { chromium } from 'playwright-core';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from './serve.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sandbox = process.env.SANDBOX_URL;
const rounds = Number(process.env.ROUNDS || 31);
const server = await serve(root);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--enable-precise-memory-info'],
});
const ratio = (a, b) => `${(a / b).toFixed(3)}x`;
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/bench/flow.html?sandbox=${encodeURIComponent(sandbox)}&rounds=${rounds}`);
  await page.waitForFunction(() => window.__results, null, { timeout: 600_000 });
  const r = await page.evaluate(() => window.__results);
  if (r.error) throw new Error(r.error);
  const u = r.uploads.medians;
  const mb = (r.uploads.pageBytes / 1e6).toFixed(1);
  console.log(`\n1. Upload of one ${mb} MB page to the sandbox (Chromium ${browser.version()}; median of ${rounds} interleaved rounds)\n`);
  for (const [k, v] of Object.entries(u)) console.log(`   ${k.padEnd(32)}${v.toFixed(1).padStart(8)} ms`);
  console.log(`   library without progress / raw fetch: ${ratio(u['library (fetch, no progress)'], u['raw fetch'])}   (target <= 1.02x)`);
  console.log(`   library with progress / raw XHR:      ${ratio(u['library (XHR, with progress)'], u['raw XMLHttpRequest'])}   (target <= 1.02x)`);
  console.log(`   raw XHR / raw fetch:                  ${ratio(u['raw XMLHttpRequest'], u['raw fetch'])}`);
  console.log(`   library without progress / (format check, then raw fetch): ${ratio(u['library (fetch, no progress)'], u['format check, then raw fetch'])}`);
  const su = r.smallUploads.medians;
  console.log(`\n1b. The fixed cost of an upload: one ${(r.smallUploads.pageBytes / 1e3).toFixed(1)} KB page (median of ${5 * rounds} interleaved rounds)\n`);
  for (const [k, v] of Object.entries(su)) console.log(`   ${k.padEnd(40)}${v.toFixed(2).padStart(8)} ms`);
  console.log(`   library without progress - raw fetch: ${(su['library (fetch, no progress)'] - su['raw fetch']).toFixed(2)} ms; (format check, then raw fetch) - raw fetch: ${(su['format check, then raw fetch'] - su['raw fetch']).toFixed(2)} ms`);
  console.log(`   a Blob the library encoded (no format read): library - raw fetch: ${(su['library, a Blob it encoded'] - su['raw fetch, a Blob the library encoded']).toFixed(2)} ms`);
  console.log(`\n1c. One library upload of the same page on a timeline (ms from the call, median of ${3 * rounds})\n`);
  for (const [k, v] of Object.entries(r.timeline).sort((x, y) => x[1] - y[1])) console.log(`   ${k.padEnd(32)}${v.toFixed(2).padStart(8)} ms`);
  const m = r.uploads.memory;
  console.log(`\n2. Memory around ten more ${mb} MB uploads through the library`);
  console.log(`   wasm memory: ${m.wasmBefore} -> ${m.wasmAfter} bytes (${m.wasmAfter - m.wasmBefore >= 0 ? '+' : ''}${m.wasmAfter - m.wasmBefore})`);
  if (m.heapBefore !== null) console.log(`   JS heap:     ${(m.heapBefore / 1e6).toFixed(1)} -> ${(m.heapAfter / 1e6).toFixed(1)} MB`);
  const f = r.flows.medians;
  console.log('\n3. Whole flow: info, route, consent, 2 pages + selfie (1 MB each), finalize');
  for (const [k, v] of Object.entries(f)) console.log(`   ${k.padEnd(32)}${v.toFixed(1).padStart(8)} ms   ${r.flows.requests[k]} requests`);
  console.log(`   library / by hand: ${ratio(f['library run()'], f['raw fetch by hand'])}`);
  const c = r.capture;
  console.log(`\n5. prepareFile on a ${(c.inputPixels / 1e6).toFixed(0)} MP JPEG (${(c.inputBytes / 1e6).toFixed(1)} MB): ${c.ms.toFixed(0)} ms -> ${(c.outputBytes / 1e6).toFixed(2)} MB JPEG (2000 px long edge)`);
  await mkdir(join(root, 'bench-results'), { recursive: true });
  await writeFile(join(root, 'bench-results/flow.json'), JSON.stringify({ chromium: browser.version(), date: new Date().toISOString(), rounds, ...r }, null, 2));
  console.log('\nwritten: bench-results/flow.json');
} finally {
  await browser.close();
  server.close();
}
