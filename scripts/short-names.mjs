// Gives the wasm's imports and exports short names (`a`, `b`, … `aa`, …) and rewrites the JS
// glue and its declarations to match, for every build directory given (each holds
// id360_flow.js, id360_flow.d.ts and id360_flow_bg.wasm from wasm-bindgen). wasm-bindgen names
// each import after its JS function plus a 16-hex-digit hash (`__wbg_fetch_0ac7cf825489acdc`),
// and each export after its Rust path (one closure shim's is 180 characters); both sides carry
// every name, and the hashes do not compress. The builds must share their glue and their lists of
// imports and exports, so that one glue serves them all; anything unexpected stops the build.
// `memory` keeps its name: a caller may read it from what `init()` returns.
//
//   node scripts/short-names.mjs target/pkg-build/out-scalar target/pkg-build/out-simd
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dirs = process.argv.slice(2);
if (dirs.length === 0) fail('usage: short-names.mjs <wasm-bindgen out dir>…');

function fail(message) {
  console.error(`short-names: ${message}`);
  process.exit(1);
}

const escape = (name) => name.replace(/\$/g, '\\$');

// --- the wasm binary: its sections, and the names in its import and export sections ---

function uleb(bytes, at) {
  let value = 0, shift = 0, byte;
  do {
    if (at >= bytes.length) fail('truncated LEB128');
    byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, at];
}

function encodeUleb(value) {
  const out = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    out.push(byte);
  } while (value > 0);
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
function readName(bytes, at) {
  const [length, start] = uleb(bytes, at);
  return [utf8.decode(bytes.subarray(start, start + length)), start + length];
}
function encodeName(name) {
  const b = new TextEncoder().encode(name);
  return [...encodeUleb(b.length), ...b];
}

// "\0asm", version 1
const MAGIC = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

function sections(bytes) {
  if (!MAGIC.every((b, i) => bytes[i] === b)) fail('not a wasm module (version 1)');
  const list = [];
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at];
    const [size, start] = uleb(bytes, at + 1);
    list.push({ id, body: bytes.subarray(start, start + size) });
    at = start + size;
  }
  return list;
}

function skipLimits(b, at) {
  const flags = b[at];
  let [, next] = uleb(b, at + 1);
  if (flags & 1) [, next] = uleb(b, next);
  return next;
}

// import entries: { module, name, desc: the bytes after the two names }
function readImports(body) {
  let [count, at] = uleb(body, 0);
  const list = [];
  while (count--) {
    let module, name;
    [module, at] = readName(body, at);
    [name, at] = readName(body, at);
    const start = at;
    const kind = body[at++];
    if (kind === 0) [, at] = uleb(body, at); // function: type index
    else if (kind === 1) at = skipLimits(body, at + 1); // table: reftype, limits
    else if (kind === 2) at = skipLimits(body, at); // memory: limits
    else if (kind === 3) at += 2; // global: value type, mutability
    else if (kind === 4) [, at] = uleb(body, at + 1); // tag: attribute, type index
    else fail(`unknown import kind ${kind}`);
    list.push({ module, name, desc: body.subarray(start, at) });
  }
  if (at !== body.length) fail('import section longer than its entries');
  return list;
}

// export entries: { name, desc: kind and index }
function readExports(body) {
  let [count, at] = uleb(body, 0);
  const list = [];
  while (count--) {
    let name;
    [name, at] = readName(body, at);
    const start = at;
    [, at] = uleb(body, at + 1);
    list.push({ name, desc: body.subarray(start, at) });
  }
  if (at !== body.length) fail('export section longer than its entries');
  return list;
}

// a, b, … z, A, … Z, aa, ab, …: short, and valid JS property names unquoted
function shortName(i) {
  const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  let name = '';
  do {
    name = letters[i % 52] + name;
    i = Math.floor(i / 52) - 1;
  } while (i >= 0);
  return name;
}

const builds = dirs.map((dir) => {
  const wasm = readFileSync(join(dir, 'id360_flow_bg.wasm'));
  const list = sections(wasm);
  const importSection = list.filter((s) => s.id === 2);
  const exportSection = list.filter((s) => s.id === 7);
  if (importSection.length !== 1 || exportSection.length !== 1) fail(`${dir}: expected one import and one export section`);
  return {
    dir,
    list,
    imports: readImports(importSection[0].body),
    exports: readExports(exportSection[0].body),
    glue: readFileSync(join(dir, 'id360_flow.js'), 'utf8'),
    types: readFileSync(join(dir, 'id360_flow.d.ts'), 'utf8'),
  };
});

const [first] = builds;
const key = (b) => JSON.stringify([b.imports.map((i) => [i.module, i.name]), b.exports.map((e) => e.name), b.glue, b.types]);
for (const b of builds) if (key(b) !== key(first)) fail(`${b.dir} differs from ${first.dir} in its names or glue`);

const modules = new Map([...new Set(first.imports.map((i) => i.module))].map((m, i) => [m, shortName(i)]));
// the glue's import object names each import without its module: names must be unique
const imports = new Map(first.imports.map((i, n) => [i.name, shortName(n)]));
if (imports.size !== first.imports.length) fail('two imports share a name');
const exports = new Map(first.exports.map((e, n) => [e.name, e.name === 'memory' ? 'memory' : shortName(n)]));
if (new Set(exports.values()).size !== exports.size) fail('two exports would share a name');

// --- the glue ---

// The keys of the glue's import object, one function per line (`        name: function(…`).
const IMPORT_KEY = /^( {8})([A-Za-z_$][\w$]*)(: function\b)/gm;
const importKeys = (text) => [...text.matchAll(IMPORT_KEY)].map((m) => m[2]).sort();

function rewriteGlue(glue) {
  let out = glue;
  // the import object: `"./id360_flow_bg.js": import0`, each function a key inside it
  for (const [module, short] of modules) {
    const quoted = JSON.stringify(module);
    if (out.split(quoted).length !== 2) fail(`module ${quoted} is not named exactly once in the glue`);
    out = out.replace(quoted, JSON.stringify(short));
  }
  out = out.replace(IMPORT_KEY, (_, lead, name, rest) => lead + (imports.get(name) ?? fail(`the glue imports ${name}, which the module does not`)) + rest);
  // every use of an export goes through the instance's exports object, `wasm.`
  out = out.replace(/\bwasm\.([A-Za-z_$][\w$]*)/g, (_, name) => {
    if (!exports.has(name)) fail(`the glue uses wasm.${name}, which the module does not export`);
    return `wasm.${exports.get(name)}`;
  });
  // nothing left that reaches an import or an export by its old name (`other.x`, `wasm["x"]`);
  // an export's old name may remain as the glue's own JS function wrapping it, `memory` as is
  for (const name of imports.keys()) if (out.includes(name)) fail(`the glue still names import ${name}`);
  for (const name of exports.keys()) {
    if (name !== 'memory' && new RegExp(`(\\.|\\[["'\`])${escape(name)}\\b`).test(out)) fail(`the glue still reaches export ${name} by its old name`);
  }
  return out;
}

// InitOutput in the declarations lists the raw exports: `readonly name: type;`
function rewriteTypes(types) {
  const start = types.indexOf('export interface InitOutput {');
  const end = types.indexOf('\n}', start);
  if (start < 0 || end < 0) fail('no InitOutput in the declarations');
  let renamed = 0;
  const body = types.slice(start, end).replace(/^(\s+readonly )([\w$]+)/gm, (_, lead, name) => {
    if (!exports.has(name)) fail(`InitOutput names ${name}, which the module does not export`);
    renamed += 1;
    return lead + exports.get(name);
  });
  if (renamed === 0) fail('InitOutput lists no export');
  return types.slice(0, start) + body + types.slice(end);
}

function rewriteWasm(b) {
  const parts = [Uint8Array.from(MAGIC)];
  for (const s of b.list) {
    let body = s.body;
    if (s.id === 2) {
      body = Uint8Array.from([
        ...encodeUleb(b.imports.length),
        ...b.imports.flatMap((i) => [...encodeName(modules.get(i.module)), ...encodeName(imports.get(i.name)), ...i.desc]),
      ]);
    } else if (s.id === 7) {
      body = Uint8Array.from([...encodeUleb(b.exports.length), ...b.exports.flatMap((e) => [...encodeName(exports.get(e.name)), ...e.desc])]);
    }
    parts.push(Uint8Array.from([s.id, ...encodeUleb(body.length)]), body);
  }
  return Buffer.concat(parts);
}

const glue = rewriteGlue(first.glue);
const types = rewriteTypes(first.types);
for (const b of builds) {
  const wasm = rewriteWasm(b);
  // what was written reads back with the new names, everything else unchanged
  const again = sections(wasm);
  if (again.length !== b.list.length || again.some((s, i) => s.id !== b.list[i].id || (s.id !== 2 && s.id !== 7 && Buffer.compare(s.body, b.list[i].body) !== 0))) fail(`${b.dir}: rewriting changed more than the names`);
  const names = readImports(again.find((s) => s.id === 2).body).map((i) => i.name).sort();
  if (JSON.stringify(names) !== JSON.stringify(importKeys(glue))) fail(`${b.dir}: the new glue's import keys are not the module's imports`);
  writeFileSync(join(b.dir, 'id360_flow_bg.wasm'), wasm);
  writeFileSync(join(b.dir, 'id360_flow.js'), glue);
  writeFileSync(join(b.dir, 'id360_flow.d.ts'), types);
}
console.log(`short-names: ${first.imports.length} imports, ${first.exports.length} exports renamed in ${builds.length} build(s)`);
