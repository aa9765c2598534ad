// id360-flow, browser entry. `await init()` loads the .wasm that sits next to this module: the
// simd128 build where the engine validates it, the scalar build otherwise. Bundlers see both
// `new URL(..., import.meta.url)` and emit the files. Nothing here runs at import time.
import initWasm from './id360_flow.js';
import { guard } from './guard.js';

export * from './id360_flow.js';

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
