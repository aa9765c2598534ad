// The demo page's strings, without a browser: French and English have the same keys, every key
// the page uses exists (including those it builds from the library's reason and error codes,
// read from the package's type definitions), none is left unused, and the French follows French
// typography.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { keys, strings } from '../static/i18n.mjs';

const read = (path) => readFile(new URL(path, import.meta.url), 'utf8');
const APP = await read('../static/app.mjs');
const HTML = await read('../static/index.html');
const DTS = await read('../../target/npm/id360-flow/id360_flow.d.ts').catch(() => null);

// The members of a string union type of the package (`export type Name = "a" | "b";`).
function union(name) {
  const m = DTS.match(new RegExp(`export type ${name} = ([^;]+);`));
  assert.ok(m, `${name} in id360_flow.d.ts`);
  return [...m[1].matchAll(/"(\w+)"/g)].map((x) => x[1]);
}

// Every key the page names literally, and those it builds from codes.
function used() {
  const set = new Set();
  for (const m of HTML.matchAll(/data-i18n(?:-label|-alt)?="([^"]+)"/g)) set.add(m[1]);
  // ('a.b' literals are keys; a bare word is one when it is a key: 'retry', 'brand'…)
  for (const m of APP.matchAll(/'([a-z]+\.[a-z_]+)'/g)) set.add(m[1]);
  for (const m of APP.matchAll(/'([a-z]+)'/g)) if (m[1] in strings.en) set.add(m[1]);
  const sides = APP.match(/const PAGES = ([^\n]+)/)[1];
  for (const m of sides.matchAll(/'(\w+)'/g)) set.add(`upload.${m[1]}`);
  for (const m of APP.match(/const ESCALATES = ([^\n]+)/)[1].matchAll(/'(\w+)'/g)) set.add(`hint.${m[1]}_still`);
  if (DTS) {
    for (const r of union('QualityReason')) set.add(`hint.${r}`);
    for (const c of union('Id360ErrorCode')) set.add(`err.${c}`);
  }
  return set;
}

test('French and English have the same keys', () => {
  assert.deepEqual(keys('fr').sort(), keys('en').sort());
});

test('every key the page uses exists, in both languages', { skip: !DTS && 'the package is not built (target/npm)' }, () => {
  const missing = [...used()].filter((k) => !(k in strings.en) || !(k in strings.fr));
  assert.deepEqual(missing, []);
});

test('no key is left unused', { skip: !DTS && 'the package is not built (target/npm)' }, () => {
  const u = used();
  assert.deepEqual(keys('en').filter((k) => !u.has(k)), []);
});

test('French typography: narrow no-break spaces before ? ! ; : and inside « », one apostrophe', () => {
  for (const [key, s] of Object.entries(strings.fr)) {
    assert.ok(!s.includes("'"), `${key}: a straight apostrophe (’ is used): ${s}`);
    for (const m of s.matchAll(/[?!;:]/g)) {
      assert.match(s[m.index - 1] ?? '', /[\u202f\u00a0]/, `${key}: no (narrow) no-break space before “${m[0]}”: ${s}`);
    }
    for (const m of s.matchAll(/«/g)) assert.match(s[m.index + 1] ?? '', /[\u202f\u00a0]/, `${key}: after «`);
    for (const m of s.matchAll(/»/g)) assert.match(s[m.index - 1] ?? '', /[\u202f\u00a0]/, `${key}: before »`);
  }
});

test('the same placeholders in both languages', () => {
  const vars = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  for (const key of keys('en')) assert.deepEqual(vars(strings.fr[key]), vars(strings.en[key]), key);
});
