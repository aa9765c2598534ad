// id360-flow: what wasm-bindgen's glue does not check, checked once `init()` runs (README,
// Errors). Imported by the Node entry; bundled into the (minified) browser entry.
// - each object's wasm pointer (`__wbg_ptr`) is made non-enumerable: copies (spread, deep
//   clones) no longer share it and cannot free it twice;
// - each method and accessor checks that `this` is an object of its own class: the glue reads
//   whatever pointer `this` holds, and another class's object would be read as its own (a
//   wrong answer, a trap, or memory freed as the wrong type);
// - each class gets its name back (the minified glue calls them `S`, `z`…, which is what
//   `util.inspect` and consoles printed for an error).
import { Camera, Id360Error, Id360Flow, QualityAnalyzer, QualityWatch } from './id360_flow.js';

export function guard() {
  for (const [C, name] of [[Camera, 'Camera'], [Id360Error, 'Id360Error'], [Id360Flow, 'Id360Flow'],
    [QualityAnalyzer, 'QualityAnalyzer'], [QualityWatch, 'QualityWatch']]) {
    const p = C.prototype;
    if (p.hasOwnProperty('__wbg_ptr')) continue; // done by an earlier init()
    Object.defineProperty(C, 'name', { value: name });
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
