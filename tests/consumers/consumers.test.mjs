// The packed npm package (npm pack) in the places users put it: a plain page, a Vite 7 app, a
// page under a strict CSP, Node (a flow through fetch), SSR-style imports without a DOM, and
// TypeScript --strict. Needs target/npm/id360-flow-*.tgz (scripts/build-pkg.sh) and a sandbox
// (SANDBOX_URL).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile, cp } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from '../../bench/serve.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const SANDBOX = process.env.SANDBOX_URL || 'http://127.0.0.1:8361';
const WORK = join(ROOT, 'target/consumers');
const BIN = join(ROOT, 'node_modules/.bin');
let browser;
const servers = [];

const FLOW_JS = (from, initArgs = '') => `
import init, { Id360Flow, Id360Error, simdSupported } from '${from}';
const sandbox = new URLSearchParams(location.search).get('sandbox');
async function main() {
  await init(${initArgs});
  const created = await (await fetch(sandbox + '/_sandbox/enrollments', { method: 'POST',
    body: JSON.stringify({ process: '0b1e5e1f-3f6a-4d8e-9c1a-000000000002' }) })).json();
  const card = await (await fetch(sandbox + '/_sandbox/samples/id_document.jpg?width=800&height=504')).blob();
  const flow = new Id360Flow({ apiKey: created.api_key, environment: { baseUrl: sandbox } });
  await flow.run({ document: [card] });
  await flow.finalize(); // a second finalize resolves and sends nothing
  let code = null;
  try { await flow.uploadIdDocument([card]); } catch (e) { code = e instanceof Id360Error ? e.code : 'not an Id360Error'; }
  const admin = await (await fetch(sandbox + '/_sandbox/enrollments/' + created.id)).json();
  return { finalized: admin.finalize_count, afterFinalize: code, simd: simdSupported() };
}
main().then((r) => { window.__result = r; }, (e) => { window.__result = { error: String(e && e.message || e) }; });
`;

/** Runs tsc; on errors, fails with what it printed. */
function tsc(args, cwd) {
  try {
    execFileSync(join(BIN, 'tsc'), args, { cwd, stdio: 'pipe' });
  } catch (e) {
    assert.fail(`tsc ${args.join(' ')} (in ${cwd}):\n${e.stdout}${e.stderr}`);
  }
}

async function inBrowser(dir, headers = {}, page = 'index.html') {
  const server = await serve(dir, headers);
  servers.push(server);
  const p = await browser.newPage();
  const violations = [];
  p.on('console', (m) => { if (/Content Security Policy|Refused/.test(m.text())) violations.push(m.text()); });
  await p.goto(`http://127.0.0.1:${server.address().port}/${page}?sandbox=${encodeURIComponent(SANDBOX)}`);
  await p.waitForFunction(() => window.__result, null, { timeout: 60000 });
  const result = await p.evaluate(() => window.__result);
  await p.close();
  return { result, violations };
}

before(async () => {
  const tarballs = (await readdir(join(ROOT, 'target/npm'))).filter((f) => f.endsWith('.tgz'));
  assert.ok(tarballs.length, 'no tarball: run scripts/build-pkg.sh');
  await rm(WORK, { recursive: true, force: true });
  await mkdir(WORK, { recursive: true });
  await writeFile(join(WORK, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', join(ROOT, 'target/npm', tarballs.sort().at(-1))], { cwd: WORK });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
});

after(async () => { await browser?.close(); for (const s of servers) s.close(); });

test('a plain page with <script type="module"> runs a flow against the sandbox', async () => {
  const dir = join(WORK, 'plain');
  await mkdir(dir, { recursive: true });
  await cp(join(WORK, 'node_modules'), join(dir, 'node_modules'), { recursive: true });
  await writeFile(join(dir, 'index.html'), '<!doctype html><script type="module" src="./main.js"></script>');
  await writeFile(join(dir, 'main.js'), FLOW_JS('./node_modules/id360-flow/index.js'));
  const { result } = await inBrowser(dir);
  assert.deepEqual(result, { finalized: 1, afterFinalize: 'out_of_order', simd: true });
});

test('init also takes an explicit URL, or the bytes', async () => {
  const dir = join(WORK, 'plain');
  await writeFile(join(dir, 'explicit.html'), '<!doctype html><script type="module" src="./explicit.js"></script>');
  await writeFile(join(dir, 'explicit.js'), FLOW_JS('./node_modules/id360-flow/index.js',
    "{ module_or_path: new URL('./node_modules/id360-flow/id360_flow_bg.wasm', location.href) }"));
  const { result } = await inBrowser(dir, {}, 'explicit.html');
  assert.equal(result.finalized, 1, JSON.stringify(result));
  await writeFile(join(dir, 'bytes.html'), '<!doctype html><script type="module" src="./bytes.js"></script>');
  await writeFile(join(dir, 'bytes.js'), FLOW_JS('./node_modules/id360-flow/index.js',
    "{ module_or_path: await (await fetch('./node_modules/id360-flow/id360_flow_bg.wasm')).arrayBuffer() }"));
  const bytes = await inBrowser(dir, {}, 'bytes.html');
  assert.equal(bytes.result.finalized, 1, JSON.stringify(bytes.result));
});

test('under script-src \'self\' \'wasm-unsafe-eval\' (no unsafe-eval, no inline script) it still works', async () => {
  const dir = join(WORK, 'plain');
  const csp = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' http://127.0.0.1:*";
  const { result, violations } = await inBrowser(dir, { 'content-security-policy': csp });
  assert.equal(result.finalized, 1, JSON.stringify(result));
  assert.deepEqual(violations, []);
});

test('a Vite 7 production build finds the wasm without manual copying', async () => {
  const dir = join(WORK, 'vite');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'index.html'), '<!doctype html><script type="module" src="./main.js"></script>');
  await writeFile(join(dir, 'main.js'), FLOW_JS('id360-flow'));
  execFileSync(join(BIN, 'vite'), ['build', dir, '--logLevel', 'warn'], { cwd: WORK });
  const assets = await readdir(join(dir, 'dist/assets'));
  assert.ok(assets.some((a) => a.endsWith('.wasm')), assets.join(' '));
  const { result } = await inBrowser(join(dir, 'dist'));
  assert.deepEqual(result, { finalized: 1, afterFinalize: 'out_of_order', simd: true });
});

// The start of a Node script against the sandbox (its URL is the script's argument): \`init()\`,
// a fresh enrollment \`created\`, a sample \`card\` and its \`flow\`.
const NODE_FLOW = (imports) => `
    import init, { ${imports} } from 'id360-flow';
    await init();
    const sandbox = process.argv[1];
    const created = await (await fetch(sandbox + '/_sandbox/enrollments', { method: 'POST', body: JSON.stringify({ process: '0b1e5e1f-3f6a-4d8e-9c1a-000000000002' }) })).json();
    const card = await (await fetch(sandbox + '/_sandbox/samples/id_document.jpg?width=800&height=504')).blob();
    const flow = new Id360Flow({ apiKey: created.api_key, environment: { baseUrl: sandbox } });
`;

/** Runs a Node script (an ES module) beside the installed package; what it printed, as JSON. */
const inNode = (script) =>
  JSON.parse(execFileSync('node', ['--input-type=module', '-e', script, SANDBOX], { cwd: WORK }).toString());

test('Node imports the package and runs a flow through fetch', async () => {
  const script = NODE_FLOW('Id360Flow') + `
    const progress = [];
    await flow.run({ document: [card], onProgress: (p) => progress.push(p.loaded === p.total) });
    const admin = await (await fetch(sandbox + '/_sandbox/enrollments/' + created.id)).json();
    console.log(JSON.stringify({ finalized: admin.finalize_count, progress }));
  `;
  assert.deepEqual(inNode(script), { finalized: 1, progress: [true] });
});

test('a caller value that throws, or of the wrong type, is an Id360Error and nothing stays stuck', async () => {
  // A JS exception thrown inside a wasm call skips the Rust code after it: before, a Proxy page
  // array left the flow's queue held (every later call pending for good), and analyzeGrey(null)
  // left the analyzer borrowed ("recursive use of an object" on every later call).
  const script = NODE_FLOW('Id360Flow, Id360Error, QualityAnalyzer') + `
    const code = async (f) => { try { await f(); return 'no error'; } catch (e) { return e instanceof Id360Error ? e.code : 'not an Id360Error: ' + e; } };
    const within = (p, ms) => Promise.race([p, new Promise((r) => setTimeout(() => r('pending after ' + ms + ' ms'), ms))]);
    const out = {};
    const a = new QualityAnalyzer();
    out.greyNull = await code(() => a.analyzeGrey(null, 4, 4));
    out.greyArray = await code(() => a.analyzeGrey(Array(16).fill(0), 4, 4));
    const detached = new Uint8ClampedArray(new ArrayBuffer(16));
    structuredClone(detached.buffer, { transfer: [detached.buffer] });
    out.greyDetached = await code(() => a.analyzeGrey(detached, 4, 4));
    out.greyInherits = await code(() => a.analyzeGrey(Object.create(Uint8Array.prototype), 4, 4));
    out.greyProxy = await code(() => a.analyzeGrey(new Proxy(new Uint8Array(16), {}), 4, 4));
    out.imageDataProxy = await code(() => a.analyzeImageData({ data: new Proxy(new Uint8ClampedArray(64), {}), width: 4, height: 4 }));
    // numbers that used to wrap as u32 parameters (-1 → 4294967295, 2 ** 32 + 64 → 64), and RGB
    const g = new Uint8Array(64 * 48);
    out.badNumbers = await Promise.all([[g, 64, 48, -1], [g, 64, 48, NaN], [g, 64, 48, 1.5], [g, 2 ** 32 + 64, 48], [g, -64, -48],
      [new Uint8Array(64 * 48 * 3), 64, 48]].map((args) => code(() => a.analyzeGrey(...args))));
    out.greyClamped = a.analyzeGrey(new Uint8ClampedArray(64 * 64).fill(128), 64, 64).brightness > 0.4;
    out.greyAfter = typeof a.analyzeGrey(new Uint8Array(64 * 64), 64, 64).ok;
    const keysThrow = new Proxy({}, { ownKeys() { throw new Error('ownKeys'); } });
    out.optionsProxy = await code(() => new Id360Flow(keysThrow));
    const pages = new Proxy([card], { get(t, k) { if (k === '0') throw new Error('page getter'); return t[k]; } });
    await flow.enrollmentInfo();
    out.proxyPages = await within(code(() => flow.run({ document: pages })), 5000);
    out.longArray = await within(code(() => flow.uploadIdDocument(new Array(2 ** 32 - 1))), 5000);
    // the api_key given as the environment by mistake is not quoted in the error
    const quoted = (environment) => { try { new Id360Flow({ apiKey: created.api_key, environment }); return 'accepted'; } catch (e) { return e.message.includes(created.api_key) ? 'quoted' : e.code; } };
    out.keyAsEnvironment = [quoted(created.api_key), quoted({ baseUrl: created.api_key }), quoted({ baseUrl: 'https://' + created.api_key + '.invalid/x?y' })];
    // options that are not plain objects: refused, not read as empty options (the front alone
    // was sent as a one-page document, and the back could never be added)
    out.twoPages = await code(() => flow.uploadIdDocument(card, card));
    out.mapTerms = await code(() => flow.acceptTerms(new Map([['biometry', true]])));
    out.dateOptions = await code(() => flow.uploadSelfie(card, new Date()));
    out.nullProto = await code(() => new QualityAnalyzer(Object.create(null)).free());
    // a throwing callback, or an async one that rejects: the upload goes on, and the exception is
    // reported (console.error in Node; an unhandled rejection used to end the process)
    const reported = [];
    console.error = (e) => reported.push(String(e && e.message));
    out.afterwards = await within(code(() => flow.run({ document: [card],
      onProgress: () => { throw new Error('broken bar'); }, onStep: async () => { throw new Error('async step'); } })), 20000);
    await new Promise((r) => setTimeout(r, 50));
    out.reported = [...new Set(reported)].sort();
    const admin = await (await fetch(sandbox + '/_sandbox/enrollments/' + created.id)).json();
    out.finalized = admin.finalize_count;
    console.log(JSON.stringify(out));
  `;
  assert.deepEqual(inNode(script), {
    greyNull: 'invalid_input', greyArray: 'invalid_input', greyDetached: 'invalid_input', greyInherits: 'invalid_input',
    greyProxy: 'invalid_input', imageDataProxy: 'invalid_input', badNumbers: Array(6).fill('invalid_input'), greyClamped: true, greyAfter: 'boolean',
    optionsProxy: 'invalid_input', proxyPages: 'invalid_input', longArray: 'invalid_input',
    keyAsEnvironment: ['invalid_input', 'invalid_input', 'invalid_input'], twoPages: 'invalid_input', mapTerms: 'invalid_input', dateOptions: 'invalid_input', nullProto: 'no error',
    afterwards: 'no error', reported: ['async step', 'broken bar'], finalized: 1,
  });
});

test('a page whose reading throws or never ends is an Id360Error, and the flow goes on', async () => {
  // Found by fuzzing: a throwing size getter threw through wasm (uncaught, and the flow's queue
  // held for good); a read that never settled held it too, whatever the timeouts and signals;
  // a revoked Proxy as cropDocument's corners threw through wasm; prepareFile and cropDocument
  // waited for good on a Blob whose read never settles (now bounded by their timeoutMs).
  const script = NODE_FLOW('Id360Flow, Id360Error, cropDocument, prepareFile') + `
    const code = async (f) => { try { await f(); return 'no error'; } catch (e) { return e instanceof Id360Error ? e.code : 'not an Id360Error: ' + e; } };
    const within = (p, ms) => Promise.race([p, new Promise((r) => setTimeout(() => r('pending after ' + ms + ' ms'), ms))]);
    const uncaught = [];
    process.on('uncaughtException', (e) => uncaught.push(String(e.message)));
    const slow = new Id360Flow({ apiKey: created.api_key, environment: { baseUrl: sandbox }, uploadTimeoutMs: 1000 });
    await slow.selectRoute();
    await slow.acceptTerms();
    const out = {};
    const sizeThrows = new Blob([card]);
    Object.defineProperty(sizeThrows, 'size', { get() { throw new Error('size getter'); } });
    out.sizeThrows = await within(code(() => slow.uploadIdDocument([sizeThrows])), 5000);
    const neverRead = new Blob([card]);
    neverRead.slice = () => ({ arrayBuffer: () => new Promise(() => {}) });
    out.neverRead = await within(code(() => slow.uploadIdDocument([neverRead])), 5000);
    const { proxy, revoke } = Proxy.revocable([], {});
    revoke();
    out.revokedCorners = await within(code(() => cropDocument(card, proxy)), 5000);
    out.prepareNeverRead = await within(code(() => prepareFile(neverRead, { timeoutMs: 300 })), 5000);
    out.cropNeverRead = await within(code(() => cropDocument(neverRead, null, { timeoutMs: 300 })), 5000);
    out.badTimeout = await within(code(() => prepareFile(card, { timeoutMs: 0 })), 5000);
    out.afterwards = await within(code(() => slow.uploadIdDocument([card])), 10000);
    out.uncaught = uncaught;
    console.log(JSON.stringify(out));
  `;
  assert.deepEqual(inNode(script), {
    sizeThrows: 'invalid_input', neverRead: 'timeout', revokedCorners: 'invalid_input',
    prepareNeverRead: 'timeout', cropNeverRead: 'timeout', badTimeout: 'invalid_input', afterwards: 'no error', uncaught: [],
  });
});

test('run() checks every page before it sends anything', async () => {
  // Found by fuzzing: a page of a format ID360 does not take (or an empty page list, three
  // pages, an empty page, a selfie the process does not take) failed only after the route and
  // the consent (and the document, for a selfie) were sent.
  const script = NODE_FLOW('Id360Flow, Id360Error') + `
    const code = async (f) => { try { await f(); return 'no error'; } catch (e) { return e instanceof Id360Error ? e.code + '@' + e.step : 'not an Id360Error: ' + e; } };
    const gif = new Blob([new Uint8Array([71, 73, 70, 56, 57, 97, 1, 0, 1, 0, 0, 0, 0])]);
    const out = {};
    out.gifPage = await code(() => flow.run({ document: [card, gif] }));
    out.selfieNotTaken = await code(() => flow.run({ document: [card], selfie: card }));
    out.noPage = await code(() => flow.run({ document: [] }));
    out.threePages = await code(() => flow.run({ document: [card, card, card] }));
    out.emptyPage = await code(() => flow.run({ document: [card, new Blob([])] }));
    out.requests = (await (await fetch(sandbox + '/_sandbox/enrollments/' + created.id)).json()).flow_requests;
    out.then = await code(() => flow.run({ document: [card] }));
    console.log(JSON.stringify(out));
  `;
  assert.deepEqual(inNode(script), {
    gifPage: 'unsupported_format@document', selfieNotTaken: 'invalid_input@selfie', noPage: 'invalid_input@document', threePages: 'invalid_input@document',
    emptyPage: 'invalid_input@document', requests: 1, then: 'no error',
  });
});

test('enrollmentInfo() is read once: its status is the first one, not refreshed after finalize()', async () => {
  // As README (Methods) and the package README say: the verdict reaches the integrator's server.
  const script = NODE_FLOW('Id360Flow') + `
    const admin = async () => (await fetch(sandbox + '/_sandbox/enrollments/' + created.id)).json();
    const first = (await flow.enrollmentInfo()).status;
    await flow.run({ document: [card] });
    const requests = (await admin()).flow_requests;
    const after = (await flow.enrollmentInfo()).status;
    console.log(JSON.stringify({ first, after, newRequests: (await admin()).flow_requests - requests }));
  `;
  assert.deepEqual(inNode(script), { first: 'STARTED', after: 'STARTED', newRequests: 0 });
  for (const file of [join(ROOT, 'README.md'), join(WORK, 'node_modules/id360-flow/README.md')]) {
    assert.match(await readFile(file, 'utf8'), /not refreshed after `finalize\(\)`|never refreshed — after `finalize\(\)`/, file);
  }
});

test('the errors that are not Id360Errors are the ones README (Errors) lists', async () => {
  const script = `
    import init, { Id360Flow, Id360Error, QualityAnalyzer, guideRect } from 'id360-flow';
    const seen = {};
    const record = (name, e) => { seen[name] = [e instanceof Id360Error, e?.constructor?.name, String(e?.message)]; };
    const options = { apiKey: 'k', environment: 'preproduction' };
    try { new Id360Flow(options); } catch (e) { record('beforeInit', e); }
    try { guideRect('id_card', 640, 480); } catch (e) { record('beforeInitFunction', e); }
    await init({ module_or_path: new Response('<!doctype html>', { status: 404 }) }).catch((e) => record('http404', e));
    await init({ module_or_path: new Uint8Array([60, 33, 100, 111]) }).catch((e) => record('notWasm', e));
    await init();
    try { Id360Flow(options); } catch (e) { record('withoutNew', e); }
    const flow = new Id360Flow(options);
    flow.free();
    try { flow.enrollmentInfo(); } catch (e) { record('afterFree', e); }
    try { new QualityAnalyzer({ region: 'nowhere' }); } catch (e) { record('libraryError', e); }
    console.log(JSON.stringify(seen));
  `;
  const seen = JSON.parse(execFileSync('node', ['--input-type=module', '-e', script], { cwd: WORK }).toString());
  assert.deepEqual(seen.libraryError.slice(0, 1), [true], JSON.stringify(seen));
  const [beforeInit, beforeInitFunction, http404, notWasm, withoutNew, afterFree] =
    ['beforeInit', 'beforeInitFunction', 'http404', 'notWasm', 'withoutNew', 'afterFree'].map((k) => seen[k]);
  assert.deepEqual(beforeInit?.slice(0, 2), [false, 'TypeError'], JSON.stringify(seen));
  assert.match(beforeInit[2], /reading '[a-z]+'/);
  assert.deepEqual(beforeInitFunction?.slice(0, 2), [false, 'TypeError'], JSON.stringify(seen));
  assert.deepEqual(http404?.slice(0, 2), [false, 'Error'], JSON.stringify(seen));
  assert.match(http404[2], /^failed to fetch Wasm: 404/);
  assert.deepEqual(notWasm?.slice(0, 2), [false, 'CompileError'], JSON.stringify(seen));
  assert.deepEqual(withoutNew?.slice(0, 2), [false, 'TypeError'], JSON.stringify(seen));
  assert.match(withoutNew[2], /cannot be invoked without 'new'/);
  assert.deepEqual(afterFree, [false, 'Error', 'null pointer passed to rust'], JSON.stringify(seen));
  // README lists each of them, and no longer says that every throw is an Id360Error
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  for (const text of ["reading 'z'", 'failed to fetch Wasm: 404', 'WebAssembly.CompileError', 'null pointer passed to rust', "cannot be invoked without 'new'"]) {
    assert.ok(readme.includes(text), text);
  }
  assert.doesNotMatch(readme, /Every throw and rejection is an `Id360Error`/);
});

test('a copy of a library object holds no wasm pointer: freeing it cannot free the original', async () => {
  // A state store or undo history that spreads or deep-clones its state (lodash's cloneDeep: same
  // prototype, own enumerable properties) used to copy the pointer; freeing the copy, then the
  // original (or the garbage collector doing it), freed the memory twice: a trap, and every later
  // call of the module failed.
  const script = `
    import init, { Id360Flow, QualityAnalyzer, version } from 'id360-flow';
    await init();
    const grey = new Uint8Array(64 * 64);
    const message = (f) => { try { f(); return 'ran'; } catch (e) { return e.message; } };
    const qa = new QualityAnalyzer();
    const flow = new Id360Flow({ apiKey: 'k', environment: 'preproduction' });
    const out = { keys: [Object.keys(qa), Object.keys(flow), JSON.stringify(flow), Object.keys({ ...qa })] };
    const clone = Object.assign(Object.create(Object.getPrototypeOf(qa)), qa);
    out.cloneCall = message(() => clone.analyzeGrey(grey, 64, 64));
    out.cloneFree = message(() => clone.free());
    out.original = typeof qa.analyzeGrey(grey, 64, 64).ok;
    out.originalFree = message(() => qa.free());
    out.after = [version().length > 0, typeof new QualityAnalyzer().analyzeGrey(grey, 64, 64).ok];
    console.log(JSON.stringify(out));
  `;
  const out = JSON.parse(execFileSync('node', ['--input-type=module', '-e', script], { cwd: WORK }).toString());
  assert.deepEqual(out, {
    keys: [[], [], '{}', []],
    cloneCall: 'null pointer passed to rust', cloneFree: 'null pointer passed to rust',
    original: 'boolean', originalFree: 'ran', after: [true, 'boolean'],
  });
});

test('a method called on an object of another class throws a TypeError and reads or frees nothing', async () => {
  // Found by fuzzing: the glue reads whatever pointer \`this\` holds, so a flow's \`state\` read
  // an analyzer's memory as a flow's, an analyzer's method called on a flow trapped or answered
  // garbage, and finalize() called on an analyzer later crashed the process.
  const script = NODE_FLOW('Id360Flow, QualityAnalyzer, Camera') + `
    const grey = new Uint8Array(64 * 48).fill(128);
    const caught = async (f) => { try { await f(); return 'ran'; } catch (e) { return e.constructor.name + ': ' + e.message; } };
    const qa = new QualityAnalyzer();
    const out = {};
    out.stateOnAnalyzer = await caught(() => Object.getOwnPropertyDescriptor(Id360Flow.prototype, 'state').get.call(qa));
    out.analyzeOnFlow = await caught(() => QualityAnalyzer.prototype.analyzeGrey.call(flow, grey, 64, 48));
    out.finalizeOnAnalyzer = await caught(() => Id360Flow.prototype.finalize.call(qa));
    out.freeCameraOnFlow = await caught(() => Camera.prototype.free.call(flow));
    out.unbound = await caught(() => { const { selectRoute } = flow; return selectRoute(); });
    // both objects are whole afterwards
    out.analyzer = qa.analyzeGrey(grey, 64, 48).reasons.includes('low_resolution');
    out.flow = (await flow.enrollmentInfo()).routes.length > 0;
    // the classes carry their names (the minified glue's were single letters, which is what
    // util.inspect printed for an Id360Error)
    out.names = [Camera.name, Id360Flow.name, QualityAnalyzer.name];
    const refused = await flow.selectRoute(123456).catch((e) => e);
    out.inspected = (await import('node:util')).inspect(refused).split(':')[0];
    await new Promise((r) => setTimeout(r, 200)); // a late crash would end the process here
    console.log(JSON.stringify(out));
  `;
  const not = (c, m) => `TypeError: ${c}.${m}: \`this\` is not an object of class ${c}`;
  assert.deepEqual(inNode(script), {
    stateOnAnalyzer: not('Id360Flow', 'state'), analyzeOnFlow: not('QualityAnalyzer', 'analyzeGrey'),
    finalizeOnAnalyzer: not('Id360Flow', 'finalize'), freeCameraOnFlow: not('Camera', 'free'),
    unbound: not('Id360Flow', 'selectRoute'), analyzer: true, flow: true,
    names: ['Camera', 'Id360Flow', 'QualityAnalyzer'], inspected: 'Id360Error',
  });
});

test('importing touches no window, navigator or document (SSR)', async () => {
  const script = `
    for (const name of ['window', 'document', 'navigator', 'self', 'location']) {
      Object.defineProperty(globalThis, name, { configurable: true, get() { throw new Error('touched ' + name + ' at import'); } });
    }
    const node = await import('id360-flow');
    const browserEntry = await import('./node_modules/id360-flow/index.js');
    console.log(typeof node.Id360Flow, typeof browserEntry.Camera, typeof node.default);
  `;
  const out = execFileSync('node', ['--input-type=module', '-e', script], { cwd: WORK }).toString().trim();
  assert.equal(out, 'function function function');
});

test('the TypeScript declarations type-check a consumer under --strict and have no any', async () => {
  const dts = ['index.d.ts', 'node.d.ts', 'id360_flow.d.ts'];
  for (const f of dts) {
    const text = await readFile(join(WORK, 'node_modules/id360-flow', f), 'utf8');
    // (as a type: doc comments are English, "no report comes any more")
    const code = text.split('\n').filter((l) => !/^\s*(\*|\/\*|\/\/)/.test(l)).join('\n');
    assert.ok(!/\bany\b/.test(code), `${f} uses the type any`);
    assert.ok(!/\bunknown more\b/.test(text), `${f}: a doc comment was rewritten`);
  }
  await writeFile(join(WORK, 'consumer.ts'), `
    import init, { Id360Flow, Id360Error, Camera, prepareFile, cropDocument, guideRect, type Id360ErrorCode, type UploadProgress, type QualityReport, type FlowSnapshot, type RetryEvent, type Corner, type EnrollmentInfo, type GuideRect } from 'id360-flow';
    function explain(code: Id360ErrorCode): string {
      switch (code) {
        case 'invalid_input': case 'unsupported_format': case 'payload_too_large': case 'out_of_order':
        case 'unauthorized': case 'not_found': case 'rate_limited': case 'server': case 'network':
        case 'timeout': case 'aborted': case 'invalid_response': case 'permission_denied':
        case 'no_camera': case 'camera_in_use': case 'insecure_context': case 'unsupported':
        case 'no_document':
          return code;
        default: { const never: never = code; return never; }
      }
    }
    export async function main(video: HTMLVideoElement, file: File): Promise<void> {
      await init();
      const flow = new Id360Flow({ apiKey: 'k', environment: { baseUrl: 'https://proxy.example' }, retries: 2,
        onRetry: (e: RetryEvent) => { const d: number = e.delayMs; const c: Id360ErrorCode = e.code; console.log(d, c, e.status ?? 0); } });
      const info: EnrollmentInfo = await flow.enrollmentInfo();
      const pagesMax: number | undefined = info.documents[0]?.maxPages;
      const snapshot: FlowSnapshot = flow.state;
      const route0: number | null = snapshot.routeId;
      const uploaded: number[] | undefined = snapshot.documents['id_document_image']?.uploadedPages;
      console.log(pagesMax, route0, uploaded, info.raw['status']);
      const route: number = await flow.selectRoute(info.routes[0]?.id);
      await flow.acceptTerms({ biometry: true });
      const camera = await Camera.open(video, { facing: 'environment' });
      const g: GuideRect = guideRect('id_card', camera.width, camera.height);
      const report = camera.checkQuality({ region: 'selfie' });
      const faceWidth: number | undefined = report?.face?.box?.width;
      const corner: Corner | undefined = camera.checkQuality({ region: 'id_card' })?.document?.corners?.[3];
      console.log(faceWidth, corner?.x);
      const blob: Blob = await camera.autoCapture({ region: 'id_card', crop: true, onQuality: (r: QualityReport) => r.document?.corners?.[0]?.x });
      const back: Blob = await camera.autoCapture({ region: 'id_card', differentFrom: blob });
      const page = await prepareFile(file, { maxEdge: 1600 });
      const flat: Blob = await cropDocument(file, [{ x: 1, y: 1 }, { x: 9, y: 1 }, { x: 9, y: 6 }, { x: 1, y: 6 }], { kind: 'passport' });
      // the corners may be left out, or be undefined or null (the document is then found)
      const found: Blob[] = [await cropDocument(file), await cropDocument(file, undefined, { kind: 'passport' }), await cropDocument(file, null)];
      // @ts-expect-error: corners are { x, y } points
      await cropDocument(file, 'top-left');
      // @ts-expect-error: a face report has no corners
      camera.checkQuality({ region: 'selfie' })?.face?.corners;
      await flow.uploadIdDocument([blob, back, page, flat, ...found].slice(0, 2), { onProgress: (p: UploadProgress) => p.documentLoaded / p.documentTotal });
      try { await flow.finalize(); } catch (e) { if (e instanceof Id360Error) console.log(explain(e.code), e.status, route, g.width); }
      // @ts-expect-error: routeId is null before a route is selected
      flow.state.routeId.toFixed();
      // @ts-expect-error: an unknown code is not an Id360ErrorCode
      explain('nope');
      // @ts-expect-error: the api_key is required
      new Id360Flow({ environment: 'production' });
    }
  `);
  tsc(['--strict', '--noEmit', '--target', 'es2022', '--module', 'es2022', '--moduleResolution', 'bundler', '--lib', 'es2022,dom', 'consumer.ts'], WORK);
});

test('a Node or SSR TypeScript project without the DOM lib (lib es2022, types node, no skipLibCheck) compiles', async () => {
  // The declarations name DOM types (HTMLVideoElement, ImageData, RequestInfo, WebAssembly…):
  // every shipped .d.ts references the DOM lib itself, so such a project needs no `lib: ["dom"]`.
  const dir = join(WORK, 'node-ts');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'server.ts'), `
    import init, { Id360Flow, Id360Error, simdUsed, type EnrollmentInfo } from 'id360-flow';
    import { readFile } from 'node:fs/promises';
    export async function start(apiKey: string, path: string): Promise<string | undefined> {
      await init({ simd: simdUsed() });
      const flow = new Id360Flow({ apiKey, environment: 'preproduction', signal: AbortSignal.timeout(60000) });
      const info: EnrollmentInfo = await flow.enrollmentInfo();
      try {
        await flow.run({ document: [new Blob([await readFile(path)])] });
      } catch (e) {
        if (!(e instanceof Id360Error)) throw e;
        return e.code;
      }
      return info.status;
    }
  `);
  const tsconfig = (module, moduleResolution) => JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, target: 'es2022', module, moduleResolution, lib: ['es2022'], types: ['node'] },
    files: ['server.ts'],
  });
  for (const [module, resolution] of [['nodenext', 'nodenext'], ['es2022', 'bundler']]) {
    await writeFile(join(dir, 'tsconfig.json'), tsconfig(module, resolution));
    tsc(['-p', dir], dir);
  }
});

test('the READMEs\' code snippets type-check under --strict, as they are written', async () => {
  // Every ```js/```ts block that imports id360-flow, from the repository's README and the one
  // the package ships, compiled as it stands; only the names a snippet takes from its
  // surroundings are declared here (and only when the snippet does not declare them itself).
  const given = {
    apiKey: 'declare const apiKey: string;',
    controller: 'declare const controller: AbortController;',
    recto: 'declare const recto: Blob;',
    verso: 'declare const verso: Blob;',
    selfie: 'declare const selfie: Blob;',
    bar: 'declare const bar: HTMLProgressElement;',
    hint: 'declare const hint: HTMLElement;',
    input: 'declare const input: HTMLInputElement;',
    videoElement: 'declare const videoElement: HTMLVideoElement;',
    showRetry: 'declare function showRetry(message: string): void;',
    showError: 'declare function showError(code: string, message: string): void;',
    drawQuad: 'declare function drawQuad(corners: { x: number; y: number }[] | null | undefined): void;',
  };
  const readmes = {
    'README.md': await readFile(join(ROOT, 'README.md'), 'utf8'),
    'the package\'s README.md': await readFile(join(WORK, 'node_modules/id360-flow/README.md'), 'utf8'),
  };
  const dir = join(WORK, 'readme');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const files = [];
  for (const [name, text] of Object.entries(readmes)) {
    const blocks = [...text.matchAll(/^```(?:js|ts)\n([\s\S]*?)^```$/gm)].map((m) => m[1]).filter((b) => b.includes("from 'id360-flow'"));
    assert.ok(blocks.length > 0, `no snippet found in ${name}`);
    for (const block of blocks) {
      const preamble = Object.entries(given)
        .filter(([id]) => new RegExp(`\\b${id}\\b`).test(block) && !new RegExp(`\\b(const|let|function) ${id}\\b`).test(block))
        .map(([, d]) => d);
      const file = `snippet${files.length}.ts`;
      await writeFile(join(dir, file), `// ${name}\n${preamble.join('\n')}\n${block}`);
      files.push(file);
    }
  }
  assert.ok(files.length >= 3, files.join(' '));
  tsc(['--strict', '--noEmit', '--target', 'es2022', '--module', 'es2022', '--moduleResolution', 'bundler', '--lib', 'es2022,dom', ...files], dir);
});

test('the \'selfie\' region checks with a face\'s thresholds (minContrast 0.02, maxGlare 0.05) unless told otherwise', async () => {
  // What both READMEs and the QualityThresholds declaration say (src/js/capture/analysis.rs).
  const script = `
    import init, { QualityAnalyzer } from 'id360-flow';
    await init();
    const w = 640, h = 480, flat = new Uint8Array(w * h), shiny = new Uint8Array(w * h);
    let seed = 1;
    for (let i = 0; i < flat.length; i++) { seed = (seed * 1103515245 + 12345) >>> 0; flat[i] = 106 + (seed >>> 16) % 45; }
    for (let i = 0; i < shiny.length; i++) shiny[i] = i % 100 < 3 ? 255 : 100 + (i * 7919) % 80;
    const reasons = (options, grey) => new QualityAnalyzer(options).analyzeGrey(grey, w, h, 1920).reasons;
    const has = (options, grey, reason) => reasons(options, grey).includes(reason);
    console.log(JSON.stringify({
      contrast: new QualityAnalyzer({}).analyzeGrey(flat, w, h, 1920).contrast,
      lowContrast: [has({ region: 'selfie' }, flat, 'low_contrast'), has({ region: 'id_card' }, flat, 'low_contrast'),
        has({ region: 'selfie', thresholds: { minContrast: 0.08 } }, flat, 'low_contrast')],
      glare: [has({ region: 'selfie' }, shiny, 'glare'), has({ region: 'id_card' }, shiny, 'glare'),
        has({ region: 'selfie', thresholds: { maxGlare: 0.01 } }, shiny, 'glare')],
    }));
  `;
  const out = JSON.parse(execFileSync('node', ['--input-type=module', '-e', script], { cwd: WORK }).toString());
  assert.ok(out.contrast > 0.02 && out.contrast < 0.08, JSON.stringify(out));
  assert.deepEqual({ lowContrast: out.lowContrast, glare: out.glare },
    { lowContrast: [false, true, true], glare: [false, true, true] });
  // …and the READMEs say so, rather than telling users to pass the face's thresholds themselves
  for (const file of [join(ROOT, 'README.md'), join(WORK, 'node_modules/id360-flow/README.md')]) {
    const text = await readFile(file, 'utf8');
    assert.match(text, /minContrast`? 0\.02/, file);
    assert.match(text, /maxGlare`? 0\.05/, file);
    assert.doesNotMatch(text, /region: 'selfie', thresholds: \{ minContrast: 0\.02/, file);
  }
});

test('init() takes the scalar build in JavaScriptCore (Safari, every iOS browser) and simd128 elsewhere', async () => {
  const { simdUsed, simdSupported } = await import(join(WORK, 'node_modules/id360-flow/index.js'));
  assert.equal(simdSupported(), true);
  const agents = {
    'Safari 18 macOS': ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15', false],
    'Safari iOS': ['Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1', false],
    'Chrome iOS (WebKit)': ['Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1', false],
    'Firefox iOS (WebKit)': ['Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/133.0 Mobile/15E148 Safari/605.1.15', false],
    'WebKitGTK MiniBrowser': ['Mozilla/5.0 (X11; Ubuntu; Linux x86_64) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15', false],
    'Chrome Android': ['Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36', true],
    'Chrome desktop': ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36', true],
    'Edge': ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0', true],
    'Samsung Internet': ['Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36', true],
    'Firefox Android': ['Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0', true],
    'Firefox desktop': ['Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0', true],
  };
  for (const [name, [ua, simd]] of Object.entries(agents)) assert.equal(simdUsed(ua), simd, name);
});
