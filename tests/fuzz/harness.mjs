// The boundary fuzz test's harness: loads the package, watches everything observable (fetch
// URLs and headers, console, stdout/stderr, unhandled rejections, uncaught exceptions) for the
// api_key, runs one call with a timeout, judges its outcome against what README documents,
// checks that the module is still alive (and loads a fresh copy when it is not), and talks to
// the sandbox. Every broken invariant becomes a problem ({ kind, where, detail }); the test
// asserts that there are none.
import util from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// ID360_PKG_DIR points the test at another build of the package (an older tarball, unpacked).
export const PKG_DIR = process.env.ID360_PKG_DIR
  ? path.resolve(process.env.ID360_PKG_DIR)
  : path.join(ROOT, 'target/npm/id360-flow');
export const BASE = (process.env.SANDBOX_URL || 'http://127.0.0.1:8361').replace(/\/$/, '');
export const OUT_DIR = path.join(ROOT, 'target/fuzz');
export const TIMEOUT_MS = 10_000; // per awaited call: longer is a hang
export const VERSION = JSON.parse(fs.readFileSync(path.join(PKG_DIR, 'package.json'), 'utf8')).version;

// README, Errors: the codes an Id360Error may carry.
export const DOCUMENTED_CODES = new Set(['invalid_input', 'unsupported_format', 'payload_too_large', 'out_of_order',
  'unauthorized', 'not_found', 'rate_limited', 'server', 'network', 'timeout', 'aborted', 'invalid_response',
  'permission_denied', 'no_camera', 'camera_in_use', 'insecure_context', 'unsupported', 'no_document']);

// ---------------------------------------------------------------- log (target/fuzz/boundary.log)
fs.mkdirSync(OUT_DIR, { recursive: true });
export const LOG = path.join(OUT_DIR, 'boundary.log');
fs.writeFileSync(LOG, '');
const origStdoutWrite = process.stdout.write.bind(process.stdout);
const origStderrWrite = process.stderr.write.bind(process.stderr);
export function out(...a) {
  fs.appendFileSync(LOG, a.map((x) => (typeof x === 'string' ? x : util.inspect(x, { depth: 4, breakLength: 160 }))).join(' ') + '\n');
}

// ---------------------------------------------------------------- problems and secrets
export const problems = [];
export const current = { where: 'startup' }; // the call in progress, for events that come later
export function problem(kind, where, detail) {
  detail = redact(oneLine(detail));
  problems.push({ kind, where, detail });
  out(`!! PROBLEM [${kind}] ${where}: ${detail}`);
}

// Every api_key the test hands to the library (the sandbox's, and the made-up ones). A leak is
// one in any case (upper, lower, mixed) or URL-encoded.
const secrets = new Map(); // key → { low, enc }
export function addSecret(s) {
  if (typeof s === 'string' && s.length >= 8) secrets.set(s, { low: s.toLowerCase(), enc: encodeURIComponent(s) });
}
// The secret found in text, or null.
export function leaked(text) {
  if (typeof text !== 'string' || !text) return null;
  const low = text.toLowerCase();
  for (const [s, { low: l, enc }] of secrets) if (low.includes(l) || (enc !== s && text.includes(enc))) return s;
  return null;
}
function redact(text) {
  for (const [s, { low, enc }] of secrets) {
    if (!text.toLowerCase().includes(low) && !text.includes(enc)) continue;
    text = text.replace(new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi'), '<KEY>').split(enc).join('<KEY>');
  }
  return text;
}
export function scan(where, text) {
  if (leaked(text)) problem('secret-leak', where, `api_key found in: ${oneLine(text).slice(0, 200)}`);
}
export const oneLine = (t) => String(t).replace(/\s+/g, ' ');

// console: the library reports throwing callbacks with console.error in Node
export const consoleLines = [];
for (const m of ['log', 'error', 'warn', 'info', 'debug', 'trace']) {
  console[m] = (...args) => {
    let s; try { s = util.format(...args); } catch { s = '<unformattable>'; }
    consoleLines.push({ m, s });
    out(`console.${m} during ${current.where}: ${s.slice(0, 300)}`);
    scan(`console.${m} during ${current.where}`, s);
  };
}
process.stderr.write = (chunk, ...rest) => { scan('stderr', String(chunk)); return origStderrWrite(chunk, ...rest); };
process.stdout.write = (chunk, ...rest) => { scan('stdout', String(chunk)); return origStdoutWrite(chunk, ...rest); };

// fetch: every request's URL and headers (the api_key may only be in x-api-key)
export const requests = [];
const origFetch = globalThis.fetch;
export const rawFetch = (...a) => origFetch(...a); // the test's own requests, not watched
globalThis.fetch = function (input, init) {
  try {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input?.url;
    const method = init?.method || input?.method || 'GET';
    requests.push({ url, method });
    scan(`request URL ${method} during ${current.where}`, String(url));
    for (const [k, v] of new Headers(init?.headers || input?.headers || {})) {
      if (k !== 'x-api-key') scan(`request header ${k} during ${current.where}`, v);
    }
  } catch (e) { out('fetch hook error', e); }
  return origFetch.call(this, input, init);
};

// Nothing may escape the library: a rejection nobody handles ends a default Node process.
export const unhandled = [];
const onProcessEvent = {
  unhandledRejection(reason) {
    unhandled.push(reason);
    scan('unhandledRejection', safeString(reason));
    problem('unhandled-rejection', current.where, safeString(reason?.stack ?? reason).slice(0, 300));
  },
  uncaughtException(err) {
    scan('uncaughtException', safeString(err));
    problem('uncaught-exception', current.where, safeString(err?.stack ?? err).slice(0, 300));
  },
};
// Called once node:test is set up: these events become problems of the call in progress, and
// only that. (node:test's own handlers would end the running subtest at once and start the
// next one while the first is still running.)
export function ownProcessEvents() {
  for (const [ev, handler] of Object.entries(onProcessEvent)) {
    for (const l of process.listeners(ev)) process.off(ev, l);
    process.on(ev, handler);
  }
}
ownProcessEvents();

export function safeString(x) {
  try { return String(x); } catch { try { return util.inspect(x); } catch { return '<unprintable>'; } }
}

// ---------------------------------------------------------------- the package (reloadable)
// The Node entry, as users import it. After a trap the module is dead for good; the test goes
// on with a fresh copy of the package (its own module graph, its own wasm instance).
export let L = null;
let reloads = 0;
export async function loadLib(fresh = false) {
  let dir = PKG_DIR;
  if (fresh) {
    dir = path.join(OUT_DIR, `reload-${++reloads}`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.cpSync(PKG_DIR, dir, { recursive: true });
  }
  const m = await import(pathToFileURL(path.join(dir, 'node.js')).href);
  await m.default();
  L = m;
  return L;
}
export function cleanReloads() {
  for (let i = 1; i <= reloads; i++) fs.rmSync(path.join(OUT_DIR, `reload-${i}`), { recursive: true, force: true });
}

// ---------------------------------------------------------------- one call
function withTimeout(p, ms) {
  let timer;
  return Promise.race([
    Promise.resolve(p).then((v) => ({ kind: 'ok', value: v }), (e) => ({ kind: 'err', error: e })),
    new Promise((r) => { timer = setTimeout(() => r({ kind: 'hang' }), ms); }),
  ]).finally(() => clearTimeout(timer));
}

// Runs fn (sync or async): { kind: 'ok' | 'err' | 'hang', value | error, sync }.
export async function call(fn, ms = TIMEOUT_MS) {
  let r;
  try { r = fn(); } catch (e) { return { kind: 'err', error: e, sync: true }; }
  if (r instanceof Promise) return withTimeout(r, ms);
  return { kind: 'ok', value: r };
}

const BAD_MESSAGE = /JsValue|\[object Object\]|RuntimeError|unreachable|panicked|null pointer|recursive use|already borrowed|already mutably|wasm-function|undefined is not|Cannot read prop|is not a function|Error\(|\bErr\(|Some\(|None\b/;

export function describe(o) {
  if (o.kind === 'ok') { let s; try { s = JSON.stringify(o.value); } catch { s = util.inspect(o.value); } return `OK ${String(s).slice(0, 120)}`; }
  if (o.kind === 'hang') return 'HANG';
  const e = o.error;
  if (L && e instanceof L.Id360Error) return `Id360Error(${e.code}${e.status ? ' ' + e.status : ''}${e.step ? ' @' + e.step : ''}) ${String(e.message).slice(0, 140)}`;
  return `FOREIGN ${e?.constructor?.name ?? typeof e}: ${safeString(e?.message ?? e).slice(0, 140)}`;
}

// An engine error, or the caller's own (a hostile value's getter/trap/valueOf threw).
const engineOrCallers = (e) => e instanceof TypeError || e instanceof RangeError || (e instanceof Error && /^hostile /.test(e.message));

/**
 * Judges one outcome and records its problems. Returns { verdict, code }.
 * - allowCodes: the Id360Error codes acceptable here (null: any documented code).
 * - allowForeign: a regex of plain errors README documents for this situation.
 * - numeric: { args, slots } — argument positions the .d.ts types `number`, which wasm-bindgen's
 *   glue converts with the engine's ToNumber before the library runs (README's misuse table): a
 *   synchronous TypeError, RangeError or the caller's own Error is allowed when one of those
 *   arguments has no number (its ToNumber throws); when they all convert, it is a failure.
 */
export function judge(where, o, { allowCodes = null, allowForeign = null, numeric = null } = {}) {
  if (o.kind === 'hang') { problem('hang', where, `no answer within ${TIMEOUT_MS} ms`); return { verdict: 'hang' }; }
  if (o.kind === 'ok') {
    try { scan(where + ' (result)', JSON.stringify(o.value) ?? ''); } catch { /* not JSON */ }
    return { verdict: 'ok' };
  }
  const e = o.error;
  // the api_key must not be in anything observable on the error
  const views = errorViews(e);
  const leaks = Object.entries(views).filter(([, t]) => leaked(t));
  if (leaks.length) problem('secret-leak', where, `api_key in the error's ${leaks.map(([v]) => v).join(', ')}: ${leaks[0][1].slice(0, 200)}`);
  if (e instanceof WebAssembly.RuntimeError || /unreachable|RuntimeError/.test(safeString(e))) {
    problem('TRAP', where, safeString(e?.stack ?? e).slice(0, 300));
    return { verdict: 'trap' };
  }
  if (!(L && e instanceof L.Id360Error)) {
    const msg = `${e?.constructor?.name}: ${safeString(e?.message ?? e)}`;
    if (allowForeign && allowForeign.test(msg)) return { verdict: 'foreign-allowed' };
    if (numeric && o.sync && engineOrCallers(e) && hasNoNumber(numeric)) return { verdict: 'glue-allowed' };
    problem('not-Id360Error', where, `${o.sync ? '(thrown synchronously) ' : ''}${msg.slice(0, 200)}`);
    return { verdict: 'foreign' };
  }
  if (!DOCUMENTED_CODES.has(e.code)) problem('undocumented-code', where, `code=${e.code}`);
  if (!(e instanceof Error)) problem('not-instanceof-Error', where, '');
  if (e.name !== 'Id360Error') problem('bad-name', where, `name=${e.name}`);
  if (typeof e.retryable !== 'boolean') problem('bad-retryable', where, `retryable=${e.retryable}`);
  const m = String(e.message ?? '');
  if (m.length < 15 || BAD_MESSAGE.test(m)) problem('unhelpful-message', where, `code=${e.code} message=${JSON.stringify(m.slice(0, 200))}`);
  if (allowCodes && !allowCodes.includes(e.code)) problem('unexpected-code', where, `got ${e.code} (${m.slice(0, 120)}), expected one of ${allowCodes}`);
  return { verdict: 'id360', code: e.code };
}

// Everything a caller, a logger or an error reporter may print of an error.
export function errorViews(e) {
  const views = {};
  for (const [name, get] of [['String()', () => safeString(e)], ['JSON', () => JSON.stringify(e) ?? ''],
    ['stack', () => String(e?.stack ?? '')], ['util.inspect', () => util.inspect(e, { showHidden: true, depth: 6 })],
    ['properties', () => Object.getOwnPropertyNames(e ?? {}).map((k) => safeString(e[k])).join('\n')]]) {
    try { views[name] = get(); } catch { /* a view that cannot be taken shows nothing */ }
  }
  return views;
}

// Whether one of the numeric arguments has no number: the engine's ToNumber (unary +) throws.
function hasNoNumber({ args, slots }) {
  return slots.some((i) => { try { +args[i]; return false; } catch { return true; } });
}

// Is the module still alive? Simple valid calls of every kind.
export function aliveCheck() {
  try {
    if (L.version() !== VERSION) return `version() is ${L.version()}`;
    const g = L.guideRect('id_card', 640, 480);
    if (!(g.width > 0)) return 'guideRect wrong';
    const qa = new L.QualityAnalyzer({ region: 'id_card' });
    const r = qa.analyzeGrey(new Uint8Array(32 * 24).fill(100), 32, 24);
    qa.free();
    if (typeof r.ok !== 'boolean') return 'analyzeGrey wrong';
    const f = new L.Id360Flow({ apiKey: 'alivecheck0000', environment: 'production' });
    const s = f.state; f.free();
    if (s.finalized !== false) return 'state wrong';
    return null;
  } catch (e) {
    return `${e?.constructor?.name}: ${safeString(e?.message ?? e)}`;
  }
}
addSecret('alivecheck0000');

export async function ensureAlive(where) {
  const a = aliveCheck();
  if (!a) return true;
  problem('MODULE-DEAD', where, `after this call a simple valid call fails: ${a.slice(0, 200)}`);
  await loadLib(true);
  const b = aliveCheck();
  if (b) out('!! a fresh copy of the package does not work either: ' + b);
  return false;
}

// ---------------------------------------------------------------- seeded PRNG
export function mulberry32(a) {
  return function () {
    a |= 0; a = (a + 0x6D2B79F5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------- sandbox (README, The sandbox)
export async function sbx(p, method = 'GET', body) {
  const r = await origFetch(BASE + p, {
    method, headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const t = await r.text();
  try { return JSON.parse(t); } catch { return t; }
}
export async function newEnrollment(process = '0b1e5e1f-3f6a-4d8e-9c1a-000000000001') {
  const e = await sbx('/_sandbox/enrollments', 'POST', { process });
  if (!e.api_key) throw new Error('cannot create an enrollment: ' + JSON.stringify(e));
  addSecret(e.api_key);
  return e;
}
export async function sample(file, q = '') {
  const r = await origFetch(`${BASE}/_sandbox/samples/${file}${q}`);
  if (!r.ok) throw new Error(`sample ${file}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}
export const admin = (id) => sbx(`/_sandbox/enrollments/${id}`);

// ---------------------------------------------------------------- report
// Problems grouped by kind, each distinct one once (numbers of 3+ digits and #n blurred), for
// the assertion message.
export function report(ps, perKind = 40) {
  const byKind = {};
  for (const p of ps) (byKind[p.kind] ||= []).push(p);
  const lines = [];
  for (const [k, list] of Object.entries(byKind)) {
    lines.push(`--- ${k}: ${list.length}`);
    const seen = new Set();
    for (const p of list) {
      const sig = p.where.replace(/#\d+/, '#') + ' ' + p.detail.replace(/\d{3,}/g, 'N').slice(0, 80);
      if (seen.has(sig)) continue;
      seen.add(sig);
      if (seen.size > perKind) { lines.push('    …'); break; }
      lines.push(`    ${p.where} :: ${p.detail.slice(0, 220)}`);
    }
  }
  return lines.join('\n');
}
