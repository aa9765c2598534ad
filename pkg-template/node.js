// id360-flow, Node entry (Node 18+: fetch, Blob, AbortController). Same API as the browser
// entry; `await init()` reads the .wasm next to this module from disk. Nothing runs at import.
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

/** Whether this engine runs wasm SIMD. */
export function simdSupported() {
  try { return WebAssembly.validate(SIMD_PROBE); } catch { return false; }
}

/**
 * Whether `init()` loads the simd128 build here: where the engine runs wasm SIMD, except in
 * JavaScriptCore (Bun), whose simd128 build returned wrong answers now and then in our tests
 * (README, "Engines"). (The argument exists for the browser entry's sake.)
 */
export function simdUsed() {
  return simdSupported() && typeof globalThis.Bun === 'undefined';
}

/** Loads the WebAssembly module (from disk when no argument, or only `{ simd }`, is given). */
export default async function init(input) {
  if (input === undefined || (input !== null && typeof input === 'object' && input.module_or_path === undefined)) {
    const { readFile } = await import('node:fs/promises');
    const simd = typeof input?.simd === 'boolean' ? input.simd && simdSupported() : simdUsed();
    const file = simd ? './id360_flow_simd_bg.wasm' : './id360_flow_bg.wasm';
    input = { module_or_path: await readFile(new URL(file, import.meta.url)) };
  }
  guard();
  return initWasm(input);
}
