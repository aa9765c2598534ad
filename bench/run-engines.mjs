// The quality check per frame and the 9 MB upload ratio in each engine, side by side in one run
// (BENCHMARKS.md §9): the same pages as run-quality.mjs and run-flow.mjs, in Chromium
// (playwright-core), Firefox ESR and WebKitGTK (WebDriver, drivers started by scripts/bench.sh:
// FIREFOX_WEBDRIVER, WEBKIT_WEBDRIVER). Numbers, never pass/fail.
import { chromium } from 'playwright-core';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from './serve.mjs';
import { Page, capabilities } from '../www-demo/e2e/webdriver.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sandbox = process.env.SANDBOX_URL;
const rounds = Number(process.env.ROUNDS || 15);
const server = await serve(root);
const base = `http://127.0.0.1:${server.address().port}`;
const engines = (process.env.ENGINES || 'chromium firefox webkit').split(/\s+/).filter(Boolean);

// What differs per engine, probed in the page (README, "Engines").
async function probe() {
  const canvas = document.createElement('canvas');
  canvas.width = 64; canvas.height = 48;
  canvas.getContext('2d').fillRect(0, 0, 10, 10);
  const jpeg = await new Promise((r) => canvas.toBlob((b) => r(b ? b.type : null), 'image/jpeg', 0.9));
  const webp = await new Promise((r) => canvas.toBlob((b) => r(b ? b.type : null), 'image/webp', 0.9));
  // the smallest step of performance.now() seen in a busy loop
  let step = Infinity;
  for (let i = 0, last = performance.now(); i < 200000; i++) {
    const t = performance.now();
    if (t > last) { step = Math.min(step, t - last); last = t; }
  }
  // nested setTimeout(0): the clamp after 5 levels
  const nested = await new Promise((resolve) => {
    let n = 0; const t0 = performance.now();
    const tick = () => (++n < 20 ? setTimeout(tick, 0) : resolve((performance.now() - t0) / 20));
    setTimeout(tick, 0);
  });
  return {
    jpeg, webp,
    requestVideoFrameCallback: 'requestVideoFrameCallback' in HTMLVideoElement.prototype,
    imageCapture: typeof ImageCapture === 'function',
    xhrUploadProgress: 'onprogress' in new XMLHttpRequest().upload,
    performanceNowStepMs: step,
    nestedTimeoutMs: nested,
    simdValidated: WebAssembly.validate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11])),
  };
}

// Opens `url` in `engine`, waits for window.__results and returns them with the engine's version.
async function measure(engine, url) {
  if (engine === 'chromium') {
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    });
    try {
      const page = await browser.newPage();
      await page.goto(url);
      await page.waitForFunction(() => window.__results, null, { timeout: 900_000 });
      return { version: `Chromium ${browser.version()}`, results: await page.evaluate(() => window.__results), features: await page.evaluate(probe) };
    } finally {
      await browser.close();
    }
  }
  const driver = engine === 'firefox' ? process.env.FIREFOX_WEBDRIVER : process.env.WEBKIT_WEBDRIVER;
  if (!driver) throw new Error(`${engine}: no driver URL (scripts/bench.sh starts them)`);
  const page = await Page.open(driver, capabilities(engine));
  try {
    await page.goto(url);
    await page.waitForFunction(() => !!window.__results, null, { timeout: 900_000 });
    const version = await page.evaluate(() => navigator.userAgent);
    return { version: `${engine}: ${version}`, results: await page.evaluate(() => window.__results), features: await page.evaluate(probe) };
  } finally {
    await page.close();
  }
}

const out = {};
try {
  for (const engine of engines) {
    console.log(`  ${engine}: quality page...`);
    const quality = await measure(engine, `${base}/bench/quality.html`);
    if (quality.results.error) throw new Error(`${engine}: ${quality.results.error}`);
    console.log(`  ${engine}: upload page...`);
    const flow = await measure(engine, `${base}/bench/flow.html?sandbox=${encodeURIComponent(sandbox)}&rounds=${rounds}&only=uploads`);
    if (flow.results.error) throw new Error(`${engine}: ${flow.results.error}`);
    out[engine] = { version: quality.version, quality: quality.results, uploads: flow.results.uploads, features: quality.features };
  }
  const cols = engines.map((e) => e.padStart(14)).join('');
  console.log(`\n9. The same measurements in the three engines, one run (ms per frame, median of 15 rounds of 40)\n`);
  for (const e of engines) console.log(`   ${out[e].version}`);
  console.log(`\n   quality check, ms/frame     ${cols}`);
  const rows = out[engines[0]].quality.map((r) => [r.size, r.impl]);
  for (const [size, impl] of rows) {
    const cells = engines.map((e) => {
      const r = out[e].quality.find((q) => q.size === size && q.impl === impl);
      return (r ? r.msPerFrame.toFixed(3) + (r.agree ? '' : '!') : '-').padStart(14);
    }).join('');
    console.log(`   ${size.padEnd(10)}${impl.padEnd(18)}${cells}`);
  }
  console.log(`   (! = the simd128 answer differed from plain JS on that frame)`);
  console.log(`\n   one ${(out[engines[0]].uploads.pageBytes / 1e6).toFixed(1)} MB page, median of ${rounds} interleaved rounds, ms`);
  for (const k of Object.keys(out[engines[0]].uploads.medians)) {
    console.log(`   ${k.padEnd(30)}${engines.map((e) => out[e].uploads.medians[k].toFixed(1).padStart(14)).join('')}`);
  }
  const ratio = (e, a, b) => (out[e].uploads.medians[a] / out[e].uploads.medians[b]).toFixed(3).padStart(14);
  console.log(`   ${'library / raw fetch'.padEnd(30)}${engines.map((e) => ratio(e, 'library (fetch, no progress)', 'raw fetch')).join('')}`);
  console.log(`   ${'library+progress / raw XHR'.padEnd(30)}${engines.map((e) => ratio(e, 'library (XHR, with progress)', 'raw XMLHttpRequest')).join('')}`);
  console.log(`   ${'progress events (all uploads)'.padEnd(30)}${engines.map((e) => String(out[e].uploads.progressEvents).padStart(14)).join('')}`);
  console.log(`\n   what differs (probed in the page)`);
  for (const k of Object.keys(out[engines[0]].features)) {
    const cell = (v) => String(typeof v === 'number' ? +v.toFixed(4) : v).padStart(14);
    console.log(`   ${k.padEnd(30)}${engines.map((e) => cell(out[e].features[k])).join('')}`);
  }
  await mkdir(join(root, 'bench-results'), { recursive: true });
  await writeFile(join(root, 'bench-results/engines.json'), JSON.stringify({ date: new Date().toISOString(), rounds, ...out }, null, 2));
  console.log('\nwritten: bench-results/engines.json');
} finally {
  server.close();
}
