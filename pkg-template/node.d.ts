/// <reference lib="dom" />
export * from './id360_flow.js';
import type { InitInput, InitOutput } from './id360_flow.js';

/** Whether this engine runs wasm SIMD (the faster quality checks). */
export function simdSupported(): boolean;

/** Whether `init()` loads the simd128 build here (not under Bun: JavaScriptCore). */
export function simdUsed(userAgent?: string): boolean;

/**
 * Loads the WebAssembly module. With no argument, the right .wasm next to this module (see
 * `simdUsed`; `{ simd }` chooses); or pass `{ module_or_path }`: a URL, a Response, bytes or a
 * compiled `WebAssembly.Module`.
 */
export default function init(
  input?: { module_or_path: InitInput | Promise<InitInput> } | { simd?: boolean },
): Promise<InitOutput>;
