// Seeded adversarial fuzz test of the npm package's JavaScript boundary, in Node, against a
// sandbox (SANDBOX_URL). It grew out of a fuzzer that found 11 bugs (hangs on a Blob whose read
// never ends, uncaught exceptions from throwing pages, unhandled rejections of async callbacks,
// any object taken as options, wrapped numbers, the api_key quoted in errors, double frees
// through copies…); this keeps them fixed.
//
// Phases (each asserts that it found no problem, and lists them grouped when it did):
//   1. sweep: every public function/constructor/method × every argument (and one extra), every
//      option key, nested option and page-list element × every hostile value (hostile.mjs);
//   2. random combinations: several hostile slots at once (seeded);
//   3. random call sequences on one flow: concurrent calls, abort, free, wrong order (seeded);
//   4. copies and frees: a copy of a library object (spread, Object.assign, a deep clone) must
//      not share its wasm object: freeing or collecting one must not free the other twice.
// After every call (harness.mjs judge): a result, or an Id360Error with a documented code that
// this call may give (targets.mjs `expect`) and a helpful message — or, only where targets.mjs
// lists a `number` argument, the engine's own conversion error (README, misuses); the module
// still alive; the same object still usable by a valid call; no answer within 10 s is a hang;
// the api_key (any case, URL-encoded) nowhere but the x-api-key header: not in errors, String(),
// JSON, stacks, util.inspect, console, stdout/stderr, request URLs or other headers.
//
// Package: target/npm/id360-flow (scripts/build-pkg.sh), or ID360_PKG_DIR. Log, problems and
// the hostile calls that were accepted: target/fuzz/. About 90 s on two cores.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import http from 'node:http';
import * as H from './harness.mjs';
import { call, judge, describe, ensureAlive, problem, out } from './harness.mjs';
import { HOSTILE } from './hostile.mjs';
import { targets, mustRefuse, FAKE_KEY } from './targets.mjs';

const SEED = 20261204;
const RANDOM_COMBINATIONS = 1500;
const SEQUENCES = 200;
const PROCESS_ID = '0b1e5e1f-3f6a-4d8e-9c1a-000000000001'; // the sandbox's process with a selfie
const rnd = H.mulberry32(SEED);
const pick = (a) => a[Math.floor(rnd() * a.length)];
const L = () => H.L;

let DOC, SELFIE, T;
const docPage = () => DOC.slice();
const docBlob = () => new Blob([DOC], { type: 'image/jpeg' });
const selfiePage = () => new Blob([SELFIE], { type: 'image/jpeg' });
const grey = () => new Uint8Array(64 * 48).map((_, i) => (i * 37) & 255);

// Flows read a page for at most uploadTimeoutMs: kept small so that a Blob whose read never
// ends costs a second, not two minutes.
const FLOW_OPTIONS = { retries: 0, timeoutMs: 5000, uploadTimeoutMs: 1000 };

const stats = { calls: 0, ok: 0, id360: {}, other: {}, accepted: [] };
let reported = 0; // problems up to here were asserted on by an earlier test

function assertNoNewProblems(what) {
  const ps = H.problems.slice(reported);
  reported = H.problems.length;
  if (ps.length) assert.fail(`${what}: ${ps.length} problem(s) (full log: ${path.relative(H.ROOT, H.LOG)})\n${H.report(ps)}`);
}

before(async () => {
  H.ownProcessEvents();
  const health = await H.sbx('/_sandbox/health').catch((e) => e);
  assert.equal(health?.ok, true, `no sandbox at ${H.BASE} (set SANDBOX_URL): ${H.safeString(health)}`);
  out(`package ${H.PKG_DIR} (${H.VERSION}), sandbox ${H.BASE}, seed ${SEED}, timeout ${H.TIMEOUT_MS} ms`);
  await H.loadLib();
  await H.sbx('/_sandbox/reset', 'POST'); // the sandbox holds 10 000 enrollments; a run makes ~4 000
  DOC = await H.sample('id_document.jpg', '?width=320&height=220');
  SELFIE = await H.sample('selfie.jpg', '?width=240&height=320');
  // prepareFile/cropDocument bound their read with `timeoutMs` (default 30 s, longer than a
  // call may take here): the test gives 1 s where the build has the option (a PDF passes
  // through prepareFile unchanged; a build without the option refuses the key).
  const pdf = new Blob(['%PDF-1.4\n%%EOF\n'], { type: 'application/pdf' });
  const o = await call(() => L().prepareFile(pdf, { timeoutMs: 1000 }));
  const readTimeoutOption = o.kind === 'ok';
  if (!readTimeoutOption) out(`this build's prepareFile has no timeoutMs option (${describe(o)})`);
  T = targets({ docPage, docBlob, selfiePage, grey, readTimeoutOption });
});

after(() => {
  fs.writeFileSync(path.join(H.OUT_DIR, 'problems.json'), JSON.stringify(H.problems, null, 1));
  fs.writeFileSync(path.join(H.OUT_DIR, 'accepted.txt'), stats.accepted.join('\n') + '\n');
  H.cleanReloads();
});

// ------------------------------------------------------------------ one probe
let enrollmentsMade = 0;
async function flowIn(stage) {
  if (++enrollmentsMade % 3000 === 0) await H.sbx('/_sandbox/reset', 'POST');
  const e = await H.newEnrollment(PROCESS_ID);
  const f = new (L().Id360Flow)({ apiKey: e.api_key, environment: { baseUrl: H.BASE }, ...FLOW_OPTIONS });
  if (stage === 'fresh') return { f, e };
  await f.selectRoute();
  if (stage === 'routed') return { f, e };
  await f.acceptTerms({ biometry: true });
  if (stage === 'ready') return { f, e };
  await f.uploadIdDocument(docPage());
  await f.uploadSelfie(selfiePage());
  if (stage === 'uploaded') return { f, e };
  throw new Error('unknown stage ' + stage);
}

async function prepare(t) {
  if (t.pre) return t.pre();
  if (t.stage) return flowIn(t.stage);
  return null;
}

// Calls t with args and checks everything after. hostile: [{ slot, label }], where each
// hostile value is: slot '1' (the second argument), '1.signal' (its key), '0.document[]' (an
// element of that page list).
const REFUSALS = new Set(['invalid_input', 'unsupported_format', 'payload_too_large', 'timeout']);
async function probe(t, args, where, hostile) {
  H.current.where = where;
  let ctx;
  try { ctx = await prepare(t); } catch (e) {
    problem('setup-failed', where, `a valid call preparing this one failed: ${H.safeString(e?.message ?? e)}`);
    await ensureAlive(where);
    return;
  }
  stats.calls++;
  const o = await call(() => t.run(args, ctx));
  const allowCodes = t.expect ? [...t.expect, ...hostile.flatMap(({ label }) => t.expectFor?.[label] ?? [])] : null;
  const j = judge(where, o, { allowCodes, numeric: t.numeric ? { args, slots: t.numeric } : null });
  if (j.verdict === 'id360') stats.id360[j.code] = (stats.id360[j.code] || 0) + 1;
  else if (j.verdict !== 'ok') stats.other[j.verdict] = (stats.other[j.verdict] || 0) + 1;
  if (j.verdict === 'glue-allowed') out(`${where}: allowed (a number argument, README's misuses): ${describe(o)}`);
  if (o.kind === 'ok') { // accepted: listed in target/fuzz/accepted.txt, unless README says it is refused
    stats.ok++;
    stats.accepted.push(`${where} -> ${describe(o).slice(0, 90)}`);
    for (const { slot, label } of hostile) {
      const why = mustRefuse(t, slot, label);
      if (why) problem('accepted-what-is-refused', where, `resolved (${describe(o).slice(0, 80)}), but ${why}`);
    }
  }
  // refused before anything was sent: the enrollment at the sandbox is untouched
  if (j.verdict === 'id360' && REFUSALS.has(j.code) && ctx?.e && hostile.some(({ slot }) => t.untouchedOnRefusal?.includes(slot))) {
    const ad = await H.admin(ctx.e.id);
    if (ad.selected_route !== null || ad.consent !== null || Object.keys(ad.documents ?? {}).length) {
      problem('sent-before-refusing', where, `refused (${j.code}) after sending: route ${ad.selected_route}, consent ${JSON.stringify(ad.consent)}, documents ${Object.keys(ad.documents ?? {})}`);
    }
  }
  // a promise-returning function rejects; it never throws (README, Errors)
  if (o.sync && /^flow\.|^prepareFile|^cropDocument|^Camera\./.test(t.name) && j.verdict !== 'trap') {
    problem('sync-throw-from-async-api', where, describe(o));
  }
  const alive = await ensureAlive(where);
  // the same object still takes a valid call (a hostile call that succeeded may have done the
  // step already: `out_of_order` is then fine)
  if (alive && t.after && ctx) {
    H.current.where = where + ' (valid follow-up)';
    const a = await call(() => t.after(ctx));
    if (a.kind !== 'ok') {
      const fine = a.kind === 'err' && a.error instanceof L().Id360Error && o.kind === 'ok' && a.error.code === 'out_of_order';
      if (!fine) problem('object-broken-after-failed-call', where, `valid follow-up call: ${describe(a)} (the hostile call gave ${describe(o).slice(0, 100)})`);
    }
  }
  try { (ctx?.f ?? ctx)?.free?.(); } catch { /* freed already */ }
}

// args with the object at a dotted position ('0.thresholds') replaced by a copy, for a key
function objectAt(args, dotted) {
  const parts = String(dotted).split('.');
  let o = args;
  for (const q of parts.slice(0, -1)) o = o[q];
  const last = parts.at(-1);
  o[last] = o[last] !== null && typeof o[last] === 'object' ? (Array.isArray(o[last]) ? [...o[last]] : { ...o[last] }) : {};
  return o[last];
}

// ------------------------------------------------------------------ 1. sweep
test('1. sweep: every argument, option key and page slot of the public API × every hostile value', async (t) => {
  const before = stats.calls;
  for (const target of T) {
    await t.test(target.name, async () => {
      const hostile = [...HOSTILE, ...(target.extraHostile ?? [])];
      const base = target.args();
      for (let i = 0; i <= base.length; i++) { // each argument, and one more than declared
        for (const [hl, hv] of hostile) {
          const a = target.args(); a[i] = hv();
          await probe(target, a, `${target.name} arg${i}=${hl}`, [{ slot: String(i), label: hl }]);
        }
      }
      for (const [p, keys] of [...Object.entries(target.optKeys ?? {}), ...Object.entries(target.nested ?? {})]) {
        for (const k of keys) for (const [hl, hv] of hostile) {
          const a = target.args();
          objectAt(a, p)[k] = hv();
          await probe(target, a, `${target.name} arg${p}.${k}=${hl}`, [{ slot: `${p}.${k}`, label: hl }]);
        }
      }
      for (const p of target.arrays ?? []) { // a page list: the hostile value alone, then second
        for (const [hl, hv] of hostile) for (const slot of ['only', 'second']) {
          const a = target.args();
          const list = objectAt(a, p);
          if (slot === 'only') list.splice(0, list.length, hv()); else list.push(hv());
          await probe(target, a, `${target.name} arg${p}[${slot}]=${hl}`, [{ slot: `${p}[]`, label: hl }]);
        }
      }
      out(`  ${target.name}: done (${stats.calls} calls so far, ${H.problems.length} problems)`);
      assertNoNewProblems(target.name);
    });
  }
  t.diagnostic(`${stats.calls - before} hostile calls`);
});

// ------------------------------------------------------------------ 2. random combinations
test(`2. random combinations: several hostile values at once (${RANDOM_COMBINATIONS}, seed ${SEED})`, async () => {
  for (let it = 0; it < RANDOM_COMBINATIONS; it++) {
    const t = pick(T);
    const a = t.args();
    const hostile = [];
    const n = a.length + 1; // each argument, and one more than declared
    for (let i = 0; i < n; i++) {
      if (rnd() < 0.35) { const [hl, hv] = pick(HOSTILE); a[i] = hv(); hostile.push({ slot: String(i), label: hl }); }
      else if (a[i] && typeof a[i] === 'object' && !Array.isArray(a[i]) && t.optKeys?.[i]) {
        for (const k of t.optKeys[i]) if (rnd() < 0.3) { const [hl, hv] = pick(HOSTILE); a[i][k] = hv(); hostile.push({ slot: `${i}.${k}`, label: hl }); }
      }
    }
    await probe(t, a, `${t.name} [random #${it}] ${hostile.map(({ slot, label }) => `arg${slot}=${label}`).join(' ')}`, hostile);
  }
  assertNoNewProblems('random combinations');
});

// ------------------------------------------------------------------ 3. random sequences
test(`3. random call sequences on one flow: concurrent calls, abort, free, wrong order (${SEQUENCES}, seed ${SEED})`, async () => {
  const P0 = docPage(), P1 = docPage(), S = selfiePage();
  for (let it = 0; it < SEQUENCES; it++) {
    const e = await H.newEnrollment(PROCESS_ID);
    const ac = new AbortController();
    const f = new (L().Id360Flow)({ apiKey: e.api_key, environment: { baseUrl: H.BASE }, ...FLOW_OPTIONS, timeoutMs: 4000, signal: ac.signal });
    const steps = [];
    const pending = [];
    let freed = false;
    let aborted = false;
    const ops = [
      ['info', () => f.enrollmentInfo()],
      ['route', () => f.selectRoute()],
      ['route bad', () => f.selectRoute(pick([1, -1, 'x', NaN]))],
      ['terms', () => f.acceptTerms({ biometry: rnd() < 0.7 })],
      ['doc1', () => f.uploadIdDocument([P0])],
      ['doc2', () => f.uploadIdDocument([P0, P1])],
      ['doc hostile', () => f.uploadIdDocument(pick(HOSTILE)[1]())],
      ['proof', () => f.uploadDocument('proof_of_address', [P1])],
      ['selfie', () => f.uploadSelfie(S)],
      ['finalize', () => f.finalize()],
      ['run', () => f.run({ document: [P0], selfie: S })],
      ['state', () => f.state],
      ['upload own-abort', () => {
        const c = new AbortController();
        const p = f.uploadIdDocument([P0], { signal: c.signal });
        setTimeout(() => c.abort(), Math.floor(rnd() * 5));
        return p;
      }],
    ];
    H.current.where = `sequence #${it}`;
    const nOps = 3 + Math.floor(rnd() * 10);
    for (let k = 0; k < nOps; k++) {
      const r = rnd();
      if (r < 0.04 && !aborted) { ac.abort(); aborted = true; steps.push('ABORT'); continue; }
      if (r < 0.06 && !freed) {
        steps.push('FREE');
        try { f.free(); } catch (x) { steps.push('free threw ' + x?.message); }
        freed = true;
        continue;
      }
      const [name, fn] = pick(ops);
      const concurrent = rnd() < 0.4;
      steps.push((concurrent ? '&' : '') + name);
      const p = call(fn).then((o) => ({ name, o }));
      pending.push(p);
      if (!concurrent) await p;
    }
    const results = await Promise.all(pending);
    const where = `sequence #${it} [${steps.join(' ')}]`;
    stats.calls += results.length;
    for (const { name, o } of results) {
      // after free(), README's misuse table: `null pointer passed to rust`, thrown at once
      judge(`${where} → ${name}`, o, { allowForeign: freed ? /null pointer passed to rust/ : null });
    }
    out(where, results.map((r) => `${r.name}: ${describe(r.o)}`));
    await ensureAlive(where);
    // at the sandbox: never finalized twice
    const ad = await H.admin(e.id);
    if (ad.finalize_count > 1) problem('finalized-twice', where, JSON.stringify(ad).slice(0, 200));
    if (!freed) try { f.free(); } catch { /* freed */ }
  }
  assertNoNewProblems('random sequences');
});

// ------------------------------------------------------------------ 4. copies and frees
// README's misuse table: a copy of a library object (spread, Object.assign, a deep clone such
// as lodash's cloneDeep) does not carry the wasm pointer: its calls throw `null pointer passed
// to rust`, and freeing it (or collecting the original later) never frees anything twice. Also
// a method after free() and a second free() throw that error and leave the module working.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
const settle = () => new Promise((r) => setTimeout(r, 30));
const NULL_POINTER = /null pointer passed to rust/;

function deepClone(x, seen = new Map()) { // what lodash's cloneDeep does to a class instance
  if (x === null || typeof x !== 'object') return x;
  if (seen.has(x)) return seen.get(x);
  const c = Array.isArray(x) ? [] : Object.create(Object.getPrototypeOf(x));
  seen.set(x, c);
  for (const k of Object.keys(x)) c[k] = deepClone(x[k], seen);
  return c;
}
const COPIES = [
  ['spread, prototype kept', (x) => Object.setPrototypeOf({ ...x }, Object.getPrototypeOf(x))],
  ['Object.assign onto its prototype', (x) => Object.assign(Object.create(Object.getPrototypeOf(x)), x)],
  ['deep clone', (x) => deepClone(x)],
];
const KINDS = [
  { name: 'QualityAnalyzer', make: () => new (L().QualityAnalyzer)({ region: 'id_card' }),
    use: (q) => { const r = q.analyzeGrey(grey(), 64, 48); if (typeof r?.ok !== 'boolean') throw new Error('analyzeGrey gave ' + JSON.stringify(r)); } },
  { name: 'Id360Flow', make: () => new (L().Id360Flow)({ apiKey: FAKE_KEY, environment: 'production' }),
    use: (f) => { const s = f.state; if (s?.finalized !== false) throw new Error('state gave ' + JSON.stringify(s)); } },
  { name: 'Id360Error', make: () => { try { new (L().Id360Flow)({}); } catch (e) { return e; } throw new Error('no error'); }, use: null },
];

test('4. copies and frees: no wasm object shared by a copy, freed twice, or used after free', async () => {
  for (const k of KINDS) {
    for (const [cl, clone] of COPIES) {
      const where = `${k.name} copied (${cl})`;
      H.current.where = where;
      let orig = k.make();
      const copy = clone(orig);
      if (k.use) {
        const o = await call(() => k.use(copy));
        if (o.kind === 'ok') problem('copy-shares-wasm-object', where, 'a method of the copy worked: it reaches the original\'s wasm object');
        else judge(`${where}: a method of the copy`, o, { allowForeign: NULL_POINTER });
      }
      const fc = await call(() => copy.free());
      if (fc.kind === 'err') judge(`${where}: copy.free()`, fc, { allowForeign: NULL_POINTER });
      if (k.use) {
        const o = await call(() => k.use(orig));
        if (o.kind !== 'ok') problem('original-broken-by-copy', where, `after copy.free(), the original: ${describe(o)}`);
      }
      const fo = await call(() => orig.free());
      if (fo.kind !== 'ok') problem('original-broken-by-copy', where, `after copy.free(), orig.free(): ${describe(fo)}`);
      await ensureAlive(where);
      // the same, but the original left to the garbage collector (FinalizationRegistry)
      orig = k.make();
      const copy2 = clone(orig);
      try { copy2.free(); } catch { /* documented: null pointer */ }
      orig = null;
      gc(); await settle(); gc(); await settle();
      await ensureAlive(`${where}, copy freed, original collected`);
    }
    // use after free, and a second free: README's `null pointer passed to rust`, nothing worse
    const where = `${k.name} after free()`;
    H.current.where = where;
    const x = k.make();
    x.free();
    if (k.use) {
      const o = await call(() => k.use(x));
      if (o.kind === 'ok') problem('use-after-free', where, 'a method worked after free()');
      else judge(`${where}: a method`, o, { allowForeign: NULL_POINTER });
    }
    const f2 = await call(() => x.free());
    if (f2.kind === 'err') judge(`${where}: free() again`, f2, { allowForeign: NULL_POINTER });
    await ensureAlive(where);
  }
  assertNoNewProblems('copies and frees');
});

// ------------------------------------------------------------------ 5. an ID360 that echoes the key
// A proxy in front of the sandbox answers one endpoint at a time with an error (or a 200 of
// the wrong shape) whose body quotes the api_key: as is, upper-cased, URL-encoded and a piece
// of it. README: server text is scrubbed of any piece of the api_key of 8 characters or more,
// in any case. run() goes through every endpoint; whatever it rejects with must not show it.
const ENDPOINTS = ['enrollment_info', 'route', 'consent', 'document/id_document_image', 'document/selfie_image_upload', 'finalize'];
const STATUSES = [200, 400, 401, 403, 404, 409, 413, 415, 429, 500];

test('5. an ID360 that echoes the api_key in its answers: the key never shows', async () => {
  let failing = null; // { endpoint, status }
  const server = http.createServer(async (req, res) => {
    const body = [];
    for await (const chunk of req) body.push(chunk);
    const key = String(req.headers['x-api-key'] ?? '');
    if (failing && req.url.includes(failing.endpoint)) {
      const echo = `unknown api_key ${key} (${key.toUpperCase()}, ${encodeURIComponent(key)}, …${key.slice(5, 17)}…)`;
      res.writeHead(failing.status, { 'content-type': 'application/json', 'retry-after': '0', 'x-echo': key });
      res.end(JSON.stringify({ code: 'echo', detail: echo, message: echo, errors: [{ field: key, error: echo }] }));
      return;
    }
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'connection', 'content-length'].includes(k)));
    const r = await H.rawFetch(H.BASE + req.url, { method: req.method, headers, body: body.length ? Buffer.concat(body) : undefined });
    res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' });
    res.end(Buffer.from(await r.arrayBuffer()));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const proxy = `http://127.0.0.1:${server.address().port}`;
  try {
    for (const endpoint of ENDPOINTS) for (const status of STATUSES) {
      failing = { endpoint, status };
      const where = `run() when ${endpoint} answers ${status} quoting the api_key`;
      H.current.where = where;
      const e = await H.newEnrollment(PROCESS_ID);
      const f = new (L().Id360Flow)({ apiKey: e.api_key, environment: { baseUrl: proxy }, ...FLOW_OPTIONS });
      const o = await call(() => f.run({ document: [docPage()], selfie: selfiePage() }));
      stats.calls++;
      judge(where, o);
      out(`${where}: ${describe(o)}`);
      if (o.kind === 'err') {
        const piece = (t) => { for (let i = 0; i + 8 <= e.api_key.length; i++) if (t.toLowerCase().includes(e.api_key.slice(i, i + 8).toLowerCase())) return true; return false; };
        const views = Object.entries(H.errorViews(o.error)).filter(([, t]) => piece(t)).map(([v]) => v);
        if (views.length) problem('secret-leak', where, `a piece of the api_key (8+ characters) in the error's ${views.join(', ')}: ${String(o.error?.message).slice(0, 200)}`);
      }
      try { f.free(); } catch { /* freed */ }
      await ensureAlive(where);
    }
  } finally {
    failing = null;
    server.close();
    server.closeAllConnections();
  }
  assertNoNewProblems('an ID360 that echoes the api_key');
});

// ------------------------------------------------------------------ summary
test('nothing escaped afterwards (late rejections, exceptions, console output with the key)', async (t) => {
  H.current.where = 'after the last phase';
  await new Promise((r) => setTimeout(r, 200));
  const summary = `calls: ${stats.calls}; resolved: ${stats.ok}; Id360Error by code: ${JSON.stringify(stats.id360)}; `
    + `other: ${JSON.stringify(stats.other)}; unhandled rejections: ${H.unhandled.length}; console lines: ${H.consoleLines.length}; `
    + `requests: ${H.requests.length}; problems: ${H.problems.length}`;
  out(summary);
  t.diagnostic(summary);
  assertNoNewProblems('after the last phase');
});
