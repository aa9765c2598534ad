// id360-flow, Node entry (Node 18+: fetch, Blob, AbortController). Same API as the browser
// entry; `await init()` reads the .wasm next to this module from disk. Nothing runs at import.
import initWasm from './id360_flow.js';
import { guard } from './guard.js';

export * from './id360_flow.js';

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
