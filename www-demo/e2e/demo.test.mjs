// End-to-end: the demo page in Debian's Chromium (playwright-core) against the demo server and
// the sandbox, which scripts/test.sh starts (DEMO_URL, SANDBOX_URL, FAKE_CAMERA_Y4M).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { chromium } from 'playwright-core';

const DEMO = process.env.DEMO_URL || 'http://127.0.0.1:8080';
const SANDBOX = process.env.SANDBOX_URL || 'http://127.0.0.1:8360';
const Y4M = process.env.FAKE_CAMERA_Y4M;
const SHOTS = process.env.SCREENSHOT_DIR || 'target/e2e-screenshots';
const BASE_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
  '--disable-component-update', '--no-first-run', '--disable-sync', '--use-fake-device-for-media-stream'];

const browsers = [];
const seen = []; // every response body the pages received: the token must be in none
const requested = []; // every URL the pages requested: an api_key must be in none

async function launch({ camera, url = DEMO }) {
  const args = [...BASE_ARGS, ...(camera
    ? ['--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${Y4M}`]
    : ['--deny-permission-prompts'])];
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args });
  browsers.push(browser);
  const context = await browser.newContext({ viewport: { width: 414, height: 860 }, locale: 'en-GB' });
  const page = await context.newPage();
  page.on('request', (r) => requested.push(r.url()));
  page.on('response', async (r) => {
    const type = r.headers()['content-type'] || '';
    if (/json|text|javascript|svg|event-stream/.test(type)) {
      try { seen.push({ url: r.url(), body: await r.text() }); } catch { /* streaming bodies */ }
    }
  });
  page.on('pageerror', (e) => seen.push({ url: 'pageerror', body: String(e) }));
  await page.goto(url);
  await page.waitForSelector('body[data-ready=true]');
  return page;
}

async function sandbox(path, init) {
  const r = await fetch(`${SANDBOX}${path}`, init);
  return r.json();
}

async function shot(page, name) {
  await page.screenshot({ path: `${SHOTS}/${name}.png` });
}

async function startAndConsent(page, prefix) {
  await page.click('#start');
  await page.waitForSelector('#step-document:not([hidden])');
  if (prefix) await shot(page, `${prefix}-1-document`);
  await page.click('#document-next');
  await page.waitForSelector('#step-consent:not([hidden])');
  await page.check('#cgu');
  await page.check('#biometry');
  if (prefix) await shot(page, `${prefix}-2-consent`);
  await page.click('#consent-next');
  await page.waitForSelector('#step-capture:not([hidden])');
  return page.evaluate(() => Number(new URL(document.getElementById('handoff-link').value).hash.split('=')[1].split('.')[0]));
}

async function captureWithCamera(page, name) {
  try {
    await page.waitForSelector('#preview:not([hidden])', { timeout: 8000 });
  } catch {
    await page.click('#shoot'); // no steady good frame: take it by hand, as a person would
    await page.waitForSelector('#preview:not([hidden])');
  }
  if (name) await shot(page, name);
  await page.click('#accept');
}

async function captureWithFile(page, file) {
  await page.setInputFiles('#file', file);
  await page.waitForSelector('#preview:not([hidden])');
  await page.click('#accept');
}

async function verdict(page) {
  await page.waitForSelector('#verdict:not([hidden])', { timeout: 30000 });
  return page.evaluate(() => ({
    status: document.getElementById('verdict-text').dataset.status,
    text: document.getElementById('verdict-text').textContent,
    name: document.getElementById('id-name').textContent,
    problems: [...document.querySelectorAll('#problems li')].map((li) => li.dataset.code),
  }));
}

async function sampleFile(name, query) {
  const r = await fetch(`${SANDBOX}/_sandbox/samples/${name}?${query}`);
  const buffer = Buffer.from(await r.arrayBuffer());
  return { name, mimeType: r.headers.get('content-type'), buffer };
}

before(async () => { await mkdir(SHOTS, { recursive: true }); await fetch(`${SANDBOX}/_sandbox/faults`, { method: 'DELETE' }); });
after(async () => { await Promise.all(browsers.map((b) => b.close())); });

test('the whole flow with the camera ends in a verified identity shown on the page', async () => {
  const page = await launch({ camera: true });
  await shot(page, 'flow-0-start');
  const id = await startAndConsent(page, 'flow');
  await captureWithCamera(page, 'flow-3-capture-front');
  await captureWithCamera(page);
  await captureWithCamera(page, 'flow-4-selfie');
  const v = await verdict(page);
  await shot(page, 'flow-5-result');
  assert.equal(v.status, 'OK');
  assert.equal(v.name, 'MARTIN');
  const e = await sandbox(`/_sandbox/enrollments/${id}`);
  assert.equal(e.finalize_count, 1);
  assert.equal(e.documents.id_document_image.total_pages, 2);
  assert.equal(e.documents.selfie_image_upload.pages[0].format, 'jpeg');
});

test('an unreadable document ends in KO with its reason shown', async () => {
  const page = await launch({ camera: true });
  await startAndConsent(page);
  const tiny = await sampleFile('id_document.png', 'width=150&height=95');
  await captureWithFile(page, tiny);
  await captureWithFile(page, tiny);
  await captureWithFile(page, await sampleFile('selfie.jpg', ''));
  const v = await verdict(page);
  await shot(page, 'ko-result');
  assert.equal(v.status, 'KO');
  assert.ok(v.problems.includes('MDL_INPUT_INVALID'), JSON.stringify(v));
  assert.match(v.text, /could not verify/);
});

test('a refused camera falls back to files and still ends in OK', async () => {
  const page = await launch({ camera: false });
  await startAndConsent(page);
  await page.waitForSelector('#camera-error:not([hidden])');
  const error = await page.textContent('#camera-error');
  assert.match(error, /not allowed/);
  await shot(page, 'denied-fallback');
  const card = await sampleFile('id_document.jpg', 'width=1000&height=630&name=DURAND');
  await captureWithFile(page, card);
  await captureWithFile(page, card);
  await captureWithFile(page, await sampleFile('selfie.jpg', ''));
  const v = await verdict(page);
  assert.equal(v.status, 'OK');
  assert.equal(v.name, 'DURAND');
});

test('a network fault mid-upload is retried and every page arrives once', async () => {
  const page = await launch({ camera: false });
  const id = await startAndConsent(page);
  const card = await sampleFile('id_document.jpg', 'width=1000&height=630');
  await captureWithFile(page, card);
  await captureWithFile(page, card);
  await fetch(`${SANDBOX}/_sandbox/faults`, {
    method: 'PUT',
    body: JSON.stringify([{ endpoint: 'upload', kind: 'status', status: 503, skip: 1, times: 1 },
      { endpoint: 'upload', kind: 'drop', skip: 2, times: 1 }]),
  });
  await captureWithFile(page, await sampleFile('selfie.jpg', ''));
  const v = await verdict(page);
  await fetch(`${SANDBOX}/_sandbox/faults`, { method: 'DELETE' });
  assert.equal(v.status, 'OK');
  const e = await sandbox(`/_sandbox/enrollments/${id}`);
  assert.deepEqual(e.documents.id_document_image.pages.map((p) => p.uploads), [1, 1]);
  assert.equal(e.documents.selfie_image_upload.pages[0].uploads, 1);
  const stats = await sandbox('/_sandbox/stats');
  assert.ok(stats.faults_injected.upload >= 2, JSON.stringify(stats));
});

test('a second device resumes from the link, and the api_key is in no request line', async () => {
  const first = await launch({ camera: false });
  await first.click('#start');
  await first.waitForSelector('#step-document:not([hidden])');
  const link = await first.inputValue('#handoff-link');
  const key = link.split('=')[1].split('.')[1];
  assert.match(key, /^[0-9a-f]{32}$/);
  assert.ok(await first.evaluate(() => document.getElementById('qr').complete && document.getElementById('qr').naturalWidth > 0), 'QR shown');
  const second = await launch({ camera: false, url: link });
  await second.waitForSelector('#step-document:not([hidden])');
  assert.equal(new URL(second.url()).hash, '', 'the key left the address bar');
  await second.click('#document-next');
  await second.waitForSelector('#step-consent:not([hidden])');
  assert.ok(requested.some((u) => u.includes('/enrollment/flow/enrollment_info/')), 'the second device used the flow');
  for (const u of requested) assert.ok(!u.includes(key), `the api_key is in ${u}`);
});

test('the page is in French when asked, and the token never reaches it', async () => {
  const page = await launch({ camera: false });
  await page.click('#lang');
  assert.equal(await page.textContent('#start'), 'Commencer');
  assert.equal(await page.getAttribute('html', 'lang'), 'fr');
  // what every page received, across all the tests above
  const tokenLike = /\b[0-9a-f]{40}\b/;
  for (const r of seen) {
    assert.ok(!tokenLike.test(r.body), `a token-like value reached the page in ${r.url}`);
    assert.ok(r.url !== 'pageerror', r.body);
  }
  const stats = await (await fetch(`${DEMO}/demo/stats`)).json();
  assert.equal(stats.logins, 1, 'the demo server logs in once and reuses its token');
});
