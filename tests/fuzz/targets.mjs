// The package's public API as the boundary fuzz test drives it: every function, constructor
// and method usable in Node, with fresh valid arguments and what hostile input may give.
//
// A target: { name, args() → fresh valid arguments, run(args, ctx) → the call,
//   optKeys: { argIndex: [keys of that options object, fuzzed one by one] },
//   nested: { 'argIndex.key': [keys of that nested object] },
//   arrays: [positions of page lists ('0' or '0.document'): each element fuzzed],
//   expect: Id360Error codes acceptable for hostile input (absent: any documented code),
//   expectFor: { hostileLabel: [more codes acceptable when that value is given] },
//   numeric: positions the .d.ts types `number` (see NUMERIC below),
//   options: positions of options arguments, which must be plain objects (see mustRefuse),
//   wholeNumbers: positions of sizes in pixels, which must be whole numbers (see mustRefuse),
//   untouchedOnRefusal: slots whose refusal must come before anything is sent (flow.run),
//   pre() / stage: what the call needs first (an analyzer; a flow in a given state),
//   after(ctx): a valid call on the same object, which must still work }
import * as H from './harness.mjs';
import { NEVER_SETTLES } from './hostile.mjs';

const L = () => H.L;

// A made-up api_key for the constructor's own target (it sends nothing): a secret like the
// sandbox's, so that an error quoting it is a leak. Its variants below are given in the wrong
// places (as the environment, the baseUrl…): the library must not quote them either.
export const FAKE_KEY = 'k0123456789abcdef';
H.addSecret(FAKE_KEY);
const KEY_MISPLACED = [
  ['the api_key', () => FAKE_KEY],
  ['the api_key upper-cased', () => FAKE_KEY.toUpperCase()],
];

// A Blob whose read never settles must end in `timeout` (README, options: uploadTimeoutMs
// bounds the read of the pages' first bytes; prepareFile/cropDocument have their own timeoutMs).
const READ_TIMEOUT = { [NEVER_SETTLES]: ['timeout'] };

// Why NUMERIC exists: for an argument the .d.ts types `number`, wasm-bindgen's glue passes the
// value straight to the wasm function, and the engine converts it (ToNumber) before any of the
// library's code runs. A BigInt, a Symbol, an object whose valueOf/toPrimitive/getters throw, a
// revoked Proxy, an array too long to join, a detached typed array… then throw the engine's
// TypeError/RangeError or the caller's own error, synchronously. README's misuse table
// documents this ("a number argument given as a BigInt, a Symbol or an object whose valueOf
// throws"): not a library bug. Exactly those positions are listed; anywhere else a plain error
// is a failure. (Options objects are read by the library itself: a BigInt there must be an
// Id360Error.)
const NUMERIC = {
  guideRect: [1, 2, 3], // (kind, width, height, margin)
  analyzeGrey: [1, 2, 3], // (data, width, height, resolution)
  analyzeImageData: [1], // (image, resolution)
};

// Documented refusals: a hostile value in such a slot must not be accepted (resolving is a
// failure). Returns why, or null.
const PLAIN_OPTIONS = new Set(['undefined', 'null', '{}', 'frozen {}', 'null-proto {}']);
const NOT_WHOLE = new Set(['NaN', 'Infinity', '-Infinity', '-1', '1.5', '1e308', '2**32', '2**53+1', 'Number.MIN_VALUE']);
export function mustRefuse(t, slot, label) {
  if (t.options?.includes(slot) && !PLAIN_OPTIONS.has(label)) {
    return 'an options argument must be a plain object (README, Options: "a File, Map, Date or AbortSignal in its place is refused too")';
  }
  if (t.wholeNumbers?.includes(slot) && NOT_WHOLE.has(label)) {
    return 'a size in pixels must be a whole number in range (README, misuses: "analyzeGrey\'s must also be whole pixels")';
  }
  return null;
}

// README, run(): a page, a selfie or a page count run() cannot send is refused right after
// enrollment_info, before anything else is sent.
const BEFORE_SENDING = ['0.document', '0.selfie', '0.document[]'];

/**
 * @param {object} c  { docPage(), selfiePage(), docBlob(), grey(), readTimeoutOption }
 *   readTimeoutOption: whether this build's prepareFile/cropDocument take `timeoutMs` (it
 *   came with the fix that bounds their read; an older build refuses the key)
 */
export function targets(c) {
  const readTimeout = c.readTimeoutOption ? { timeoutMs: 1000 } : {};
  const readTimeoutKey = c.readTimeoutOption ? ['timeoutMs'] : [];
  const corners = () => [{ x: 1, y: 1 }, { x: 300, y: 1 }, { x: 300, y: 200 }, { x: 1, y: 200 }];
  return [
    { name: 'version', args: () => [], run: (a) => L().version(...a) },
    { name: 'simdSupported', args: () => [], run: (a) => L().simdSupported(...a) },
    { name: 'simdUsed', args: () => [], run: (a) => L().simdUsed(...a) },
    { name: 'guideRect', args: () => ['id_card', 640, 480, 0.08], run: (a) => L().guideRect(...a),
      expect: ['invalid_input'], numeric: NUMERIC.guideRect },
    { name: 'new QualityAnalyzer', args: () => [{ region: 'id_card', thresholds: { minSharpness: 60, maxGlare: 0.01 } }],
      optKeys: { 0: ['region', 'thresholds', 'zzz'] },
      nested: {
        '0.thresholds': ['minSharpness', 'glareLevel', 'minBrightness', 'maxBrightness', 'minResolution', 'maxGlare',
          'minContrast', 'minCoverage', 'maxCoverage', 'maxSkew', 'edgeMargin', 'minFaceSize', 'maxFaceOffset', 'maxMotion', 'zzz'],
        '0.region': ['x', 'y', 'width', 'height', 'zzz'],
      },
      run: (a) => { const q = new (L().QualityAnalyzer)(...a); const r = q.analyzeGrey(c.grey(), 64, 48); q.free(); return r; },
      expect: ['invalid_input'], options: ['0'] },
    { name: 'QualityAnalyzer.analyzeGrey', args: () => [c.grey(), 64, 48, 1000],
      pre: () => new (L().QualityAnalyzer)(), run: (a, q) => q.analyzeGrey(...a),
      expect: ['invalid_input'], numeric: NUMERIC.analyzeGrey, wholeNumbers: ['1', '2', '3'],
      after: (q) => q.analyzeGrey(c.grey(), 64, 48) },
    { name: 'QualityAnalyzer(selfie).analyzeGrey', args: () => [c.grey(), 64, 48],
      pre: () => new (L().QualityAnalyzer)({ region: 'selfie' }), run: (a, q) => q.analyzeGrey(...a),
      expect: ['invalid_input'], numeric: NUMERIC.analyzeGrey, wholeNumbers: ['1', '2', '3'],
      after: (q) => q.analyzeGrey(c.grey(), 64, 48) },
    { name: 'QualityAnalyzer.analyzeImageData',
      args: () => [{ data: new Uint8ClampedArray(64 * 48 * 4).fill(90), width: 64, height: 48 }, 1000],
      optKeys: { 0: ['data', 'width', 'height'] },
      pre: () => new (L().QualityAnalyzer)({ region: 'id_card' }), run: (a, q) => q.analyzeImageData(...a),
      expect: ['invalid_input'], numeric: NUMERIC.analyzeImageData, wholeNumbers: ['1', '0.width', '0.height'],
      after: (q) => q.analyzeImageData({ data: new Uint8ClampedArray(64 * 48 * 4).fill(90), width: 64, height: 48 }) },
    { name: 'prepareFile', args: () => [c.docBlob(), { maxEdge: 2000, quality: 0.9, ...readTimeout }],
      optKeys: { 1: ['maxEdge', 'quality', ...readTimeoutKey, 'zzz'] },
      run: (a) => L().prepareFile(...a),
      expect: ['invalid_input', 'unsupported', 'unsupported_format', 'payload_too_large'], expectFor: READ_TIMEOUT, options: ['1'] },
    { name: 'cropDocument', args: () => [c.docBlob(), corners(), { kind: 'id_card', margin: 0.02, maxEdge: 2000, quality: 0.9, ...readTimeout }],
      optKeys: { 2: ['kind', 'margin', 'maxEdge', 'quality', ...readTimeoutKey, 'zzz'] }, arrays: [1],
      run: (a) => L().cropDocument(...a),
      expect: ['invalid_input', 'unsupported', 'unsupported_format', 'no_document', 'payload_too_large'], expectFor: READ_TIMEOUT,
      options: ['2'] },
    // no camera in Node: `unsupported`, or a refusal of the arguments first
    { name: 'Camera.open', args: () => [{}, { facing: 'user', idealWidth: 1920 }], optKeys: { 1: ['facing', 'deviceId', 'idealWidth', 'zzz'] },
      run: (a) => L().Camera.open(...a), expect: ['invalid_input', 'unsupported', 'insecure_context', 'no_camera'], options: ['1'] },
    { name: 'Camera.list', args: () => [], run: (a) => L().Camera.list(...a), expect: ['unsupported'] },
    { name: 'new Id360Flow',
      args: () => [{ apiKey: FAKE_KEY, environment: { baseUrl: H.BASE }, timeoutMs: 1000, uploadTimeoutMs: 1000, retries: 1,
        signal: new AbortController().signal, onRetry: () => {} }],
      optKeys: { 0: ['apiKey', 'environment', 'timeoutMs', 'uploadTimeoutMs', 'retries', 'signal', 'onRetry', 'zzz'] },
      nested: { '0.environment': ['baseUrl', 'zzz'] }, extraHostile: KEY_MISPLACED,
      run: (a) => { const f = new (L().Id360Flow)(...a); const s = f.state; f.free(); return s; }, expect: ['invalid_input'],
      options: ['0'] },
    // flow methods, each on a flow freshly brought to the state it needs (stage)
    { name: 'flow.enrollmentInfo', args: () => [], stage: 'fresh', run: (a, x) => x.f.enrollmentInfo(...a), after: (x) => x.f.enrollmentInfo() },
    { name: 'flow.selectRoute', args: () => [275128], stage: 'fresh', run: (a, x) => x.f.selectRoute(...a),
      expect: ['invalid_input'], after: (x) => x.f.selectRoute(275128) },
    { name: 'flow.acceptTerms', args: () => [{ biometry: true }], optKeys: { 0: ['biometry', 'zzz'] }, stage: 'routed',
      run: (a, x) => x.f.acceptTerms(...a), expect: ['invalid_input'], options: ['0'], after: (x) => x.f.acceptTerms({ biometry: true }) },
    { name: 'flow.uploadIdDocument', args: () => [[c.docPage()], { onProgress: () => {}, signal: new AbortController().signal }],
      optKeys: { 1: ['onProgress', 'signal', 'zzz'] }, arrays: [0], stage: 'ready',
      run: (a, x) => x.f.uploadIdDocument(...a), expect: ['invalid_input', 'unsupported_format', 'payload_too_large', 'aborted'],
      expectFor: READ_TIMEOUT, options: ['1'], after: (x) => x.f.uploadIdDocument([c.docPage()]) },
    { name: 'flow.uploadDocument', args: () => ['proof_of_address', [c.docPage()], { onProgress: () => {} }],
      optKeys: { 2: ['onProgress', 'signal', 'zzz'] }, arrays: [1], stage: 'ready',
      run: (a, x) => x.f.uploadDocument(...a), expect: ['invalid_input', 'unsupported_format', 'payload_too_large', 'not_found', 'aborted'],
      expectFor: READ_TIMEOUT, options: ['2'], after: (x) => x.f.uploadDocument('proof_of_address', [c.docPage()]) },
    { name: 'flow.uploadSelfie', args: () => [c.selfiePage(), { onProgress: () => {} }], optKeys: { 1: ['onProgress', 'signal', 'zzz'] },
      stage: 'ready', run: (a, x) => x.f.uploadSelfie(...a), expect: ['invalid_input', 'unsupported_format', 'payload_too_large', 'aborted'],
      expectFor: READ_TIMEOUT, options: ['1'], after: (x) => x.f.uploadSelfie(c.selfiePage()) },
    { name: 'flow.finalize', args: () => [], stage: 'uploaded', run: (a, x) => x.f.finalize(...a), after: (x) => x.f.finalize() },
    { name: 'flow.run',
      args: () => [{ document: [c.docPage()], selfie: c.selfiePage(), documentName: 'id_document_image', routeId: 275128, biometry: true,
        onStep: () => {}, onProgress: () => {} }],
      optKeys: { 0: ['document', 'selfie', 'documentName', 'routeId', 'biometry', 'onStep', 'onProgress', 'zzz'] },
      arrays: ['0.document'], stage: 'fresh',
      run: (a, x) => x.f.run(...a), expect: ['invalid_input', 'unsupported_format', 'payload_too_large', 'not_found'],
      expectFor: READ_TIMEOUT, options: ['0'], untouchedOnRefusal: BEFORE_SENDING,
      after: (x) => x.f.run({ document: [c.docPage()], selfie: c.selfiePage() }) },
  ];
}
