// Hostile values for the boundary fuzz test: [label, thunk]. A thunk, so that each use gets a
// fresh value (a detached buffer, a revoked Proxy, a Blob whose methods were replaced…). The
// labels name the values in the log and in the expectations of targets.mjs: keep them stable.

const boom = (what) => () => { throw new Error('hostile ' + what); };
const MB = 1 << 20;
let big1MB = null;
const oneMB = () => (big1MB ??= 'x'.repeat(MB));
const JPEG_HEAD = () => new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]);

function detachedU8(n = 64) { const u = new Uint8Array(n); structuredClone(u.buffer, { transfer: [u.buffer] }); return u; }
function detachedAB(n = 64) { const b = new ArrayBuffer(n); structuredClone(b, { transfer: [b] }); return b; }
function throwingProxy() {
  const h = {};
  for (const t of ['get', 'set', 'has', 'ownKeys', 'getOwnPropertyDescriptor', 'getPrototypeOf', 'defineProperty',
    'deleteProperty', 'isExtensible', 'preventExtensions', 'apply', 'construct']) h[t] = boom('proxy trap ' + t);
  return new Proxy({}, h);
}
function throwingArrayProxy() {
  return new Proxy([1, 2], { get(t, k) { if (k === 'length') return 2; throw new Error('hostile array get ' + String(k)); } });
}
function revoked() { const { proxy, revoke } = Proxy.revocable({}, {}); revoke(); return proxy; }
function getterObj() {
  return new Proxy({}, { get: boom('getter'), ownKeys: () => ['a'], getOwnPropertyDescriptor: () => ({ configurable: true, enumerable: true, get: boom('desc getter') }) });
}
function prim() { return { toString: boom('toString'), valueOf: boom('valueOf'), [Symbol.toPrimitive]: boom('toPrimitive') }; }
function hugeLenArray() { const a = []; a.length = 2 ** 32 - 1; return a; }
function blobSizeThrows() { const b = new Blob([JPEG_HEAD()]); Object.defineProperty(b, 'size', { get: boom('blob size') }); return b; }
function blobMethodsThrow() {
  const b = new Blob([JPEG_HEAD()], { type: 'image/jpeg' });
  for (const m of ['arrayBuffer', 'slice', 'stream', 'text', 'bytes']) Object.defineProperty(b, m, { value: boom('blob.' + m) });
  return b;
}
function blobMethodsReject() {
  const b = new Blob([JPEG_HEAD()], { type: 'image/jpeg' });
  for (const m of ['arrayBuffer', 'text', 'bytes']) Object.defineProperty(b, m, { value: () => Promise.reject(new Error('hostile reject ' + m)) });
  Object.defineProperty(b, 'slice', { value: () => ({ arrayBuffer: () => Promise.reject(new Error('hostile slice')) }) });
  return b;
}
// A real Blob whose reads never settle (a stalled source): the library must give up with
// `timeout` (uploadTimeoutMs for pages, timeoutMs for prepareFile/cropDocument), never hang.
function blobNeverResolves() {
  const b = new Blob([JPEG_HEAD()], { type: 'image/jpeg' });
  for (const m of ['arrayBuffer', 'text', 'bytes']) Object.defineProperty(b, m, { value: () => new Promise(() => {}) });
  Object.defineProperty(b, 'slice', { value: () => b });
  return b;
}
function fakeBlob() { return { size: 4, type: 'image/jpeg', arrayBuffer: async () => new Uint8Array([0xff, 0xd8, 0xff, 0xe0]).buffer, slice() { return this; } }; }
function blobSizeLies() { const b = new Blob([JPEG_HEAD()]); Object.defineProperty(b, 'size', { value: -1 }); return b; }
function blobSizeHuge() { const b = new Blob([JPEG_HEAD()]); Object.defineProperty(b, 'size', { value: 2 ** 53 + 1 }); return b; }
function u8LengthLies() { const u = JPEG_HEAD(); Object.defineProperty(u, 'length', { value: 2 ** 31 }); Object.defineProperty(u, 'byteLength', { value: 2 ** 31 }); return u; }
function shrunkResizable() { const ab = new ArrayBuffer(64, { maxByteLength: 128 }); const u = new Uint8Array(ab, 32, 16); ab.resize(8); return u; }
function sab() { const s = new SharedArrayBuffer(16); new Uint8Array(s).set([0xff, 0xd8, 0xff, 0xe0]); return new Uint8Array(s); }

export const HOSTILE = [
  ['undefined', () => undefined],
  ['null', () => null],
  ['true', () => true],
  ['false', () => false],
  ['0', () => 0],
  ['-0', () => -0],
  ['NaN', () => NaN],
  ['Infinity', () => Infinity],
  ['-Infinity', () => -Infinity],
  ['-1', () => -1],
  ['1.5', () => 1.5],
  ['1e308', () => 1e308],
  ['2**31', () => 2 ** 31],
  ['2**32', () => 2 ** 32],
  ['2**53+1', () => 2 ** 53 + 1],
  ['Number.MIN_VALUE', () => Number.MIN_VALUE],
  ['BigInt 10n', () => 10n],
  ['BigInt huge', () => 2n ** 70n],
  ['Symbol', () => Symbol('hostile')],
  ['empty string', () => ''],
  ['string', () => 'hostile'],
  ['string NUL', () => 'a\u0000b'],
  ['lone surrogate', () => '\ud800'],
  ['string 1MB', oneMB],
  ['String object', () => new String('id_card')],
  ['Number object', () => new Number(3)],
  ['{}', () => ({})],
  ['frozen {}', () => Object.freeze({})],
  ['null-proto {}', () => Object.create(null)],
  ['[]', () => []],
  ['[holes]', () => [, , 1]], // a sparse array
  ['array len 2**32-1', hugeLenArray],
  ['throwing Proxy', throwingProxy],
  ['array Proxy throws', throwingArrayProxy],
  ['revoked Proxy', revoked],
  ['getter-throwing obj', getterObj],
  ['toString/valueOf throw', prim],
  ['then throws', () => ({ then: boom('then') })],
  ['then getter throws', () => Object.defineProperty({}, 'then', { get: boom('then getter'), enumerable: true })],
  ['Promise.resolve(1)', () => Promise.resolve(1)],
  ['function', () => function f() {}],
  ['async function', () => async () => {}],
  // as a callback: a throw and a rejection must be reported, never escape (an unhandled
  // rejection ends a Node process)
  ['function throws', () => boom('callback')],
  ['async function rejects', () => async () => { throw new Error('hostile async callback'); }],
  ['class', () => class K {}],
  ['Date', () => new Date(NaN)],
  ['RegExp', () => /x/],
  ['Map', () => new Map([['a', 1]])],
  ['Error', () => new Error('e')],
  ['WeakRef', () => new WeakRef({})],
  ['globalThis', () => globalThis],
  ['Uint8Array(0)', () => new Uint8Array(0)],
  ['Uint8Array(1)', () => new Uint8Array(1)],
  ['Uint8ClampedArray(16)', () => new Uint8ClampedArray(16)],
  ['Float64Array(4)', () => new Float64Array(4)],
  ['Int16Array(3)', () => new Int16Array(3)],
  ['BigInt64Array(2)', () => new BigInt64Array(2)],
  ['DataView', () => new DataView(new ArrayBuffer(8))],
  ['detached Uint8Array', () => detachedU8()],
  ['detached ArrayBuffer', () => detachedAB()],
  ['SharedArrayBuffer', () => new SharedArrayBuffer(16)],
  ['Uint8Array on SAB', sab],
  ['shrunk resizable view', shrunkResizable],
  ['Uint8Array length lies', u8LengthLies],
  ['Blob(0)', () => new Blob([])],
  ['Blob lying type', () => new Blob(['<html>not an image</html>'], { type: 'image/jpeg' })],
  ['Blob size getter throws', blobSizeThrows],
  ['Blob methods throw', blobMethodsThrow],
  ['Blob methods reject', blobMethodsReject],
  ['Blob never resolves', blobNeverResolves],
  ['Blob size -1', blobSizeLies],
  ['Blob size 2**53+1', blobSizeHuge],
  ['fake blob object', fakeBlob],
  ['File', () => new File([new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x2d])], 'x.pdf', { type: 'application/pdf' })],
  ['Response', () => new Response('x')],
  ['Buffer', () => Buffer.from([0xff, 0xd8, 0xff])],
  ['AbortSignal.abort()', () => AbortSignal.abort()],
  ['AbortSignal.timeout(1)', () => AbortSignal.timeout(1)],
  ['process', () => process],
];

export const NEVER_SETTLES = 'Blob never resolves';
