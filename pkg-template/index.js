// id360-flow, browser entry. `await init()` loads the .wasm that sits next to this module: the
// simd128 build where the engine validates it, the scalar build otherwise. Bundlers see both
// `new URL(..., import.meta.url)` and emit the files. Nothing here runs at import time.
import initWasm, { Camera, Id360Error, Id360Flow, QualityAnalyzer, QualityWatch } from './id360_flow.js';

export * from './id360_flow.js';

// What the glue does not check, checked here once `init()` runs (README, Errors):
// - each object's wasm pointer (`__wbg_ptr`) is made non-enumerable: copies (spread, deep
//   clones) no longer share it and cannot free it twice;
// - each method and accessor checks that `this` is an object of its own class: the glue reads
//   whatever pointer `this` holds, and another class's object would be read as its own (a
//   wrong answer, a trap, or memory freed as the wrong type).
function guard() {
  for (const [C, name] of [[Camera, 'Camera'], [Id360Error, 'Id360Error'], [Id360Flow, 'Id360Flow'],
    [QualityAnalyzer, 'QualityAnalyzer'], [QualityWatch, 'QualityWatch']]) {
    const p = C.prototype;
    if (p.hasOwnProperty('__wbg_ptr')) continue; // done by an earlier init()
    for (const key of Object.getOwnPropertyNames(p)) {
      const d = Object.getOwnPropertyDescriptor(p, key);
      if (key === 'constructor') continue;
      for (const part of ['value', 'get', 'set']) {
        const f = d[part];
        if (typeof f !== 'function') continue;
        d[part] = function (...args) {
          if (!(this instanceof C)) throw new TypeError(`${name}.${key}: \`this\` is not an object of class ${name}`);
          return f.apply(this, args);
        };
      }
      Object.defineProperty(p, key, d);
    }
    Object.defineProperty(p, '__wbg_ptr', {
      get: () => 0,
      set(value) { Object.defineProperty(this, '__wbg_ptr', { value, writable: true, configurable: true }); },
    });
  }
}

const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);

/** Whether this engine runs wasm SIMD (Safari 16.4+, current Chrome, Firefox, Node 18+). */
export function simdSupported() {
  try { return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE); } catch { return false; }
}

/**
 * Whether `init()` loads the simd128 build here: where the engine runs wasm SIMD, except in
 * JavaScriptCore (Safari, every browser on iOS, WebKitGTK), whose simd128 build returned wrong
 * answers now and then in our tests (README, "Engines"): it gets the scalar build.
 */
export function simdUsed(userAgent = typeof navigator === 'object' ? navigator.userAgent || '' : '') {
  const javascriptCore = /AppleWebKit\//.test(userAgent) && !/Chrome\//.test(userAgent);
  return simdSupported() && !javascriptCore;
}

/**
 * Loads the WebAssembly module. With no argument, the right .wasm next to this module (see
 * `simdUsed`; `{ simd: true | false }` chooses); or pass `{ module_or_path }`: a URL, a Response,
 * bytes or a compiled WebAssembly.Module.
 */
export default function init(input) {
  if (input === undefined || (input !== null && typeof input === 'object' && input.module_or_path === undefined)) {
    const simd = typeof input?.simd === 'boolean' ? input.simd && simdSupported() : simdUsed();
    input = {
      module_or_path: simd
        ? new URL('./id360_flow_simd_bg.wasm', import.meta.url)
        : new URL('./id360_flow_bg.wasm', import.meta.url),
    };
  }
  guard();
  return initWasm(input);
}
