// Runs in the page: uploads and whole flows through id360-flow against the same requests made
// by hand with fetch / XMLHttpRequest, interleaved, against the sandbox (?sandbox=...).
import init, { Id360Flow, prepareFile, cropDocument } from '../target/npm/id360-flow/index.js';

const sandbox = new URLSearchParams(location.search).get('sandbox');
const rounds = Number(new URLSearchParams(location.search).get('rounds') || 15);
const NO_SELFIE = '0b1e5e1f-3f6a-4d8e-9c1a-000000000002';
const DEFAULT = '0b1e5e1f-3f6a-4d8e-9c1a-000000000001';
const flowBase = `${sandbox}/api/1.0.0/enrollment/flow/`;
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
// { name: [ms…] } → { name: median ms }
const medians = (times) => Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
const j = async (r) => (await r).json();

async function enrollment(process) {
  return j(fetch(`${sandbox}/_sandbox/enrollments`, { method: 'POST', body: JSON.stringify({ process }) }));
}
async function sample(query) {
  return (await fetch(`${sandbox}/_sandbox/samples/${query}`)).blob();
}
function rawFetch(url, key, body, method = 'POST', extra = {}) {
  return fetch(url, { method, body, headers: { 'x-api-key': key, ...extra } }).then((r) => { if (!r.ok) throw new Error(`HTTP ${r.status}`); return r; });
}
function rawXhr(url, key, body, onProgress) {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open('POST', url);
    x.setRequestHeader('x-api-key', key);
    x.setRequestHeader('content-type', 'image/jpeg');
    x.upload.onprogress = (e) => onProgress(e.loaded, e.total);
    x.onload = () => (x.status < 300 ? resolve() : reject(new Error(`HTTP ${x.status}`)));
    x.onerror = () => reject(new Error('network'));
    x.send(body);
  });
}

const SMALL_PAGE = 'id_document.jpg?width=120&height=76';

// A flow ready for its document (route chosen, terms accepted), its api_key and a page.
async function readyToUpload(query) {
  const e = await enrollment(NO_SELFIE);
  const key = e.api_key;
  const page = await sample(query);
  const flow = new Id360Flow({ apiKey: key, environment: { baseUrl: sandbox }, retries: 0 });
  await flow.selectRoute();
  await flow.acceptTerms();
  return { flow, key, page };
}

// The four uploads and the format check, interleaved; `small` measures a small page's fixed cost
// (no memory check after it).
async function uploads(wasm, { small = false } = {}) {
  const n = small ? 5 * rounds : rounds;
  const { flow, key, page } = await readyToUpload(small ? SMALL_PAGE : 'id_document.jpg?width=1200&height=756&pad_to=9000000');
  const url = `${flowBase}document/id_document_image/?total_pages=1&uploaded_page=0`;
  let progressEvents = 0;
  const onProgress = () => { progressEvents += 1; };
  // A fresh Blob handle each time (slice() copies nothing), so the library does not skip a
  // page it already sent.
  const impl = {
    'raw fetch': () => rawFetch(url, key, page.slice(), 'POST', { 'content-type': 'image/jpeg' }),
    'library (fetch, no progress)': () => flow.uploadIdDocument([page.slice()]),
    'raw XMLHttpRequest': () => rawXhr(url, key, page.slice(), onProgress),
    'library (XHR, with progress)': () => flow.uploadIdDocument([page.slice()], { onProgress }),
    // What the library does before sending a byte: read the page's first 16 bytes to check its
    // format (JPEG, PNG, PDF, HEIC). Alone, and followed by the same raw fetch.
    'format check alone': () => page.slice().slice(0, 16).arrayBuffer(),
    'format check, then raw fetch': async () => {
      const body = page.slice();
      await body.slice(0, 16).arrayBuffer();
      return rawFetch(url, key, body, 'POST', { 'content-type': 'image/jpeg' });
    },
  };
  if (small) {
    // A page the library encoded itself (what `capture` and `cropDocument` return): its format
    // is known, so it is sent without reading its first bytes. Two of them, alternated, so the
    // library does not skip a page it has just sent; the raw fetch sends the same two.
    const whole = [{ x: 0, y: 0 }, { x: 120, y: 0 }, { x: 120, y: 76 }, { x: 0, y: 76 }];
    const made = [await cropDocument(page, whole, { margin: 0 }), await cropDocument(page, whole, { margin: 0.01 })];
    let a = 0, b = 0;
    impl['raw fetch, a Blob the library encoded'] = () => rawFetch(url, key, made[a++ % 2], 'POST', { 'content-type': 'image/jpeg' });
    impl['library, a Blob it encoded'] = () => flow.uploadIdDocument([made[b++ % 2]]);
  }
  for (const f of Object.values(impl)) await f(); // warm-up
  const times = Object.fromEntries(Object.keys(impl).map((k) => [k, []]));
  const entries = Object.entries(impl);
  for (let r = 0; r < n; r++) {
    // rotate the order every round, so no implementation always goes first
    for (let i = 0; i < entries.length; i++) {
      const [name, f] = entries[(i + r) % entries.length];
      const t0 = performance.now();
      await f();
      times[name].push(performance.now() - t0);
    }
  }
  if (small) return { pageBytes: page.size, medians: medians(times) };
  // memory: ten more 9 MB uploads through the library
  const memBefore = wasm.memory.buffer.byteLength;
  const heapBefore = performance.memory ? performance.memory.usedJSHeapSize : null;
  for (let i = 0; i < 10; i++) await flow.uploadIdDocument([page.slice()], { onProgress });
  const memAfter = wasm.memory.buffer.byteLength;
  const heapAfter = performance.memory ? performance.memory.usedJSHeapSize : null;
  return {
    pageBytes: page.size,
    medians: medians(times),
    memory: { wasmBefore: memBefore, wasmAfter: memAfter, heapBefore, heapAfter },
    progressEvents,
  };
}

// One library upload of a small page, on a timeline: when the library slices the page's first
// 16 bytes, starts and ends reading them, calls fetch, and when fetch and the call resolve
// (ms from the call; fetch and Blob's methods are wrapped for the measurement, then restored).
async function uploadTimeline(n) {
  const { flow, page } = await readyToUpload(SMALL_PAGE);
  let at = {};
  const { fetch: realFetch } = window;
  const { slice, arrayBuffer } = Blob.prototype;
  window.fetch = function (...args) {
    at['fetch called'] = performance.now();
    return realFetch.apply(this, args).then((r) => { at['fetch resolved'] = performance.now(); return r; });
  };
  Blob.prototype.slice = function (...args) {
    if (args[1] === 16) at['first 16 bytes sliced'] = performance.now();
    return slice.apply(this, args);
  };
  Blob.prototype.arrayBuffer = function () {
    at['read started'] = performance.now();
    return arrayBuffer.call(this).then((b) => { at['read ended'] = performance.now(); return b; });
  };
  const rows = {};
  try {
    for (let r = 0; r < n; r++) {
      const body = page.slice();
      at = {};
      const t0 = performance.now();
      await flow.uploadIdDocument([body]);
      at['call resolved'] = performance.now();
      for (const [k, v] of Object.entries(at)) (rows[k] ||= []).push(v - t0);
    }
  } finally {
    window.fetch = realFetch;
    Object.assign(Blob.prototype, { slice, arrayBuffer });
  }
  return medians(rows);
}

async function wholeFlows() {
  const pages = [await sample('id_document.jpg?width=1000&height=630&pad_to=1000000'), await sample('id_document.jpg?width=1000&height=630&pad_to=1000000')];
  const selfie = await sample('selfie.jpg?pad_to=1000000');
  const byHand = async () => {
    const e = await enrollment(DEFAULT);
    const k = e.api_key;
    const info = await (await rawFetch(`${flowBase}enrollment_info/`, k, undefined, 'GET')).json();
    await rawFetch(`${flowBase}route/${info.routes[0].id}/select/`, k, undefined, 'POST', { 'content-type': 'text/plain' });
    await rawFetch(`${flowBase}consent/?accepted_cgu=true&accepted_biometry=true`, k);
    await rawFetch(`${flowBase}document/id_document_image/?total_pages=2&uploaded_page=0`, k, pages[0]);
    await rawFetch(`${flowBase}document/id_document_image/?total_pages=2&uploaded_page=1`, k, pages[1]);
    await rawFetch(`${flowBase}document/selfie_image_upload/?total_pages=1&uploaded_page=0`, k, selfie);
    await rawFetch(`${flowBase}finalize_enrollment`, k);
    return e.id;
  };
  const library = async () => {
    const e = await enrollment(DEFAULT);
    await new Id360Flow({ apiKey: e.api_key, environment: { baseUrl: sandbox } }).run({ document: pages, selfie });
    return e.id;
  };
  const times = { 'raw fetch by hand': [], 'library run()': [] };
  const requests = {};
  for (let r = 0; r < rounds; r++) {
    const pair = [['raw fetch by hand', byHand], ['library run()', library]];
    for (const [name, f] of r % 2 ? pair.reverse() : pair) {
      const t0 = performance.now();
      const id = await f();
      times[name].push(performance.now() - t0);
      requests[name] = (await j(fetch(`${sandbox}/_sandbox/enrollments/${id}`))).flow_requests;
    }
  }
  return { medians: medians(times), requests };
}

async function capture() {
  const photo = await sample('id_document.jpg?width=4000&height=3000');
  const times = [];
  let out;
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    out = await prepareFile(photo);
    times.push(performance.now() - t0);
  }
  return { inputBytes: photo.size, inputPixels: 4000 * 3000, outputBytes: out.size, ms: median(times) };
}

async function main() {
  const wasm = await init();
  // ?only=uploads: the upload measurement alone (bench/run-engines.mjs, in every engine)
  const only = new URLSearchParams(location.search).get('only');
  const results = { uploads: await uploads(wasm) };
  if (only !== 'uploads') {
    // The fixed cost of one upload, where a small page leaves little for the network to hide.
    results.smallUploads = await uploads(wasm, { small: true });
    results.timeline = await uploadTimeline(3 * rounds);
    Object.assign(results, { flows: await wholeFlows(), capture: await capture() });
  }
  window.__results = results;
  document.getElementById('out').textContent = JSON.stringify(results, null, 2);
}
main().catch((e) => { window.__results = { error: String(e && e.stack || e) }; });
