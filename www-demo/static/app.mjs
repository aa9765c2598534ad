// The demo page: one enrollment from start to verdict with id360-flow. Its server holds the
// token; this page only ever holds the enrollment's api_key.
import init, { Id360Flow, Id360Error, Camera, prepareFile, guideRect } from '/pkg/index.js';
import { t, setLang, lang, render, renderAlt, onLangChange } from './i18n.mjs';

const $ = (id) => document.getElementById(id);
const PAGES = { id_card: ['front', 'back'], residence_permit: ['front', 'back'], passport: ['page'] };
const GUIDE = { id_card: 'id_card', residence_permit: 'id_card', passport: 'passport' };

const state = {
  enrollmentId: null, handle: null, apiKey: null, baseUrl: null, flow: null, docType: 'id_card',
  pages: [], selfie: null, slot: 0, camera: null, cameraFacing: null, shot: null, abort: null,
  events: null, waitTimer: null,
};

function heading() {
  return document.querySelector(`#step-${document.body.dataset.step} :is(h1, h2)`);
}

function show(step) {
  for (const s of document.querySelectorAll('.step')) s.hidden = s.id !== `step-${step}`;
  document.body.dataset.step = step; // for tests and styling
  heading()?.focus();
  showTitle();
}

// The window's title says the step, in the page's language (tabs, history, screen readers).
function showTitle() {
  const h = heading();
  document.title = h && h.textContent ? `${h.textContent} – ${t('brand')}` : t('brand');
}

function announce(text) { $('status').textContent = text; }

// The capture hint: shown at once, written only when it changes, and said to screen readers
// (through #status) once it has stayed the same for a second: not on every analysed frame.
const HINT_STABLE_MS = 1000;
const hint = { timer: null, said: null };
function setHint(key) {
  const el = $('hint');
  if ((el.dataset.i18n ?? null) === key) return;
  render(el, key);
  clearTimeout(hint.timer);
  if (!key) return;
  hint.timer = setTimeout(() => {
    const text = t(key);
    if (hint.said !== text) { hint.said = text; announce(text); }
  }, HINT_STABLE_MS);
}

// An error of this page's own server, which answers `{ code, detail }`: the detail is for
// developers (the console), the person sees a sentence chosen by the code.
class DemoError extends Error {
  constructor(code, status, detail) {
    super(`${code} (${status}): ${detail}`);
    this.code = code; this.status = status; this.detail = detail;
  }
}

// fetch() on this page's server: a DemoError when there is no answer (`network`) or an error.
async function server(path, init) {
  let r;
  try { r = await fetch(path, init); } catch (e) { throw new DemoError('network', 0, String(e)); }
  if (!r.ok) {
    const body = await r.json().catch(() => ({}));
    throw new DemoError(body.code ?? 'http', r.status, body.detail ?? r.statusText);
  }
  return r;
}

const DEMO_ERRORS = {
  network: 'err.network', busy: 'err.busy', unknown_enrollment: 'err.unauthorized',
  id360_error: 'err.server', proxy_error: 'err.server', bad_path: 'err.server',
};

// What to tell the person: a sentence chosen by the error's code (the library's or the demo
// server's), never their text, which names APIs and is in English (it goes to the console).
function message(error) {
  console.warn('id360-flow demo:', error);
  const known = (key) => (t(key) !== key ? key : null);
  if (error instanceof Id360Error) return [known(`err.${error.code}`) ?? 'err.other'];
  if (error instanceof DemoError) {
    const byStatus = error.status === 429 ? 'err.rate_limited' : error.status >= 500 ? 'err.server' : null;
    return [DEMO_ERRORS[error.code] ?? byStatus ?? 'err.other'];
  }
  return ['err.other'];
}

// An error in `el`, in the page's language (and again in the other one after a switch).
function showError(el, error) {
  render(el, ...message(error));
  el.hidden = false;
}

function flow() {
  if (!state.flow) {
    state.flow = new Id360Flow({
      apiKey: state.apiKey,
      environment: { baseUrl: state.baseUrl },
      onRetry: () => render($('upload-note'), 'upload.retrying'),
    });
  }
  return state.flow;
}

// ---- start and hand-off ---------------------------------------------------------------

async function start() {
  $('start').disabled = true;
  try {
    const e = await (await server('/demo/enrollments', { method: 'POST' })).json();
    Object.assign(state, { enrollmentId: e.enrollmentId, handle: e.handle, apiKey: e.apiKey, baseUrl: e.baseUrl });
    $('start-error').hidden = true;
    await showHandoff();
    show('document');
  } catch (e) {
    // the server could not create the enrollment (ID360 unreachable, wrong credentials…)
    showError($('start-error'), e);
  } finally {
    $('start').disabled = false;
  }
}

async function showHandoff() {
  // The api_key travels only in the fragment: never in a request line or a server log. The
  // link carries no address: where the flow goes comes from this server (GET /demo/config).
  const link = `${location.origin}/#resume=${state.enrollmentId}.${state.handle}.${state.apiKey}`;
  $('handoff-link').value = link;
  // (without its QR code the link is still there to copy)
  const r = await fetch('/demo/qr', { method: 'POST', body: link }).catch(() => null);
  if (r?.ok) $('qr').src = URL.createObjectURL(await r.blob());
}

async function resume(fragment) {
  // id.handle.key
  const [id, handle, key] = fragment.split('.');
  history.replaceState(null, '', location.pathname); // the key leaves the address bar
  try {
    const config = await (await server('/demo/config')).json();
    Object.assign(state, { enrollmentId: Number(id), handle, apiKey: key, baseUrl: config.baseUrl });
    await showHandoff();
    const info = await flow().enrollmentInfo();
    const consent = info.raw && info.raw.consent;
    if (consent && consent.accepted_cgu) {
      await flow().selectRoute();
      await flow().acceptTerms({ biometry: !!consent.accepted_biometry });
      $('cgu').checked = true; $('biometry').checked = !!consent.accepted_biometry;
    }
  } catch (e) {
    showError($('document-error'), e);
  }
  show('document');
}

// ---- document and consent --------------------------------------------------------------

function chooseDocument() {
  state.docType = document.querySelector('input[name=doc]:checked').value;
  state.pages = [];
  const consented = state.flow && state.flow.state.termsAccepted && state.flow.state.biometry;
  if (consented) beginCapture(); else show('consent');
}

async function consent() {
  const err = $('consent-error');
  if (!$('cgu').checked || !$('biometry').checked) {
    render(err, 'consent.needed'); err.hidden = false; return;
  }
  err.hidden = true;
  $('consent-next').disabled = true;
  try {
    await flow().selectRoute();
    await flow().acceptTerms({ biometry: true });
    beginCapture();
  } catch (e) {
    showError(err, e);
  } finally {
    $('consent-next').disabled = false;
  }
}

// ---- capture ---------------------------------------------------------------------------

function slots() { return [...PAGES[state.docType], 'selfie']; }

function beginCapture() { state.slot = 0; show('capture'); openSlot(); }

function slotTitle(slot) {
  return { front: 'capture.front', back: 'capture.back', page: 'capture.page', selfie: 'capture.selfie' }[slot];
}

async function openSlot() {
  const slot = slots()[state.slot];
  const selfie = slot === 'selfie';
  render($('capture-title'), slotTitle(slot));
  $('capture-title').focus();
  showTitle();
  showPreview(null);
  $('camera-error').hidden = true;
  $('camera-retry').hidden = true;
  $('live-actions').classList.remove('fallback');
  $('hint').hidden = false;
  setHint(selfie ? 'hint.face' : 'hint.place');
  const facing = selfie ? 'user' : 'environment';
  // no photo by hand while the camera opens or turns around
  $('shoot').disabled = true;
  try {
    if (!state.camera) {
      state.camera = await Camera.open($('video'), { facing });
    } else if (state.cameraFacing !== facing) {
      await state.camera.switchTo({ facing });
    }
    state.cameraFacing = facing;
    $('shoot').disabled = false;
    $('viewer').classList.remove('no-camera');
    $('viewer').classList.toggle('mirror', selfie);
    fitViewer();
    placeGuide(selfie ? 'selfie' : GUIDE[state.docType]);
    watchAndCapture(selfie ? 'selfie' : GUIDE[state.docType]);
  } catch (e) {
    cameraFailed(e);
  }
}

// The viewer takes the stream's shape (a phone's camera is portrait, a laptop's landscape), within
// the height the style sheet allows: no tall black bars pushing the buttons off the screen.
function fitViewer() {
  $('viewer').style.aspectRatio = `${state.camera.width} / ${state.camera.height}`;
}

// Camera failures a second try can mend (the person allowed it, closed the other app, plugged
// one in); not a page without https or a browser without a camera API.
const CAMERA_RETRY = ['permission_denied', 'camera_in_use', 'no_camera', 'network', 'timeout'];

function cameraFailed(e) {
  stopWatching();
  try { state.camera?.stop(); } catch { /* already stopped */ }
  state.camera = null;
  $('viewer').style.aspectRatio = '';
  $('viewer').classList.add('no-camera');
  showError($('camera-error'), e);
  $('shoot').hidden = true;
  $('camera-retry').hidden = !(e instanceof Id360Error && CAMERA_RETRY.includes(e.code));
  $('live-actions').classList.add('fallback');
  $('guide').hidden = true;
  // no empty hint box: the error says what to do
  setHint(null);
  $('hint').hidden = true;
  $('file').focus(); // (focusing its label does nothing)
}

// The video is letterboxed (object-fit: contain), and mirrored for the selfie (people expect a
// mirror; the photo taken is not): video pixels → the element's pixels.
function videoToBox() {
  const v = $('video'), cam = state.camera;
  const box = v.getBoundingClientRect();
  const scale = Math.min(box.width / cam.width, box.height / cam.height);
  const ox = (box.width - cam.width * scale) / 2, oy = (box.height - cam.height * scale) / 2;
  const mirrored = $('viewer').classList.contains('mirror');
  const map = (x, y) => {
    const px = ox + x * scale;
    return [mirrored ? box.width - px : px, oy + y * scale];
  };
  return { box, map, scale };
}

function placeGuide(kind) {
  const cam = state.camera;
  const g = guideRect(kind, cam.width, cam.height);
  const { map, scale } = videoToBox();
  const [x1, top] = map(g.x, g.y);
  const [x2] = map(g.x + g.width, g.y);
  const left = Math.min(x1, x2);
  const guide = $('guide');
  guide.hidden = false;
  guide.classList.toggle('ellipse', g.ellipse);
  Object.assign(guide.style, {
    left: `${left}px`, top: `${top}px`, width: `${g.width * scale}px`, height: `${g.height * scale}px`,
  });
}

// The document's corners as the camera sees them, live: yellow while something is wrong, green
// when the frame is good.
function drawQuad(report) {
  const svg = $('quad');
  const corners = report?.document?.found ? report.document.corners : null;
  svg.hidden = !corners;
  if (!corners) return;
  const { box, map } = videoToBox();
  svg.setAttribute('viewBox', `0 0 ${box.width} ${box.height}`);
  svg.querySelector('polygon').setAttribute('points', corners.map((c) => map(c.x, c.y).join(',')).join(' '));
  svg.classList.toggle('good', report.ok);
}

// A pale card on a white desk can stay unseen however it is held: after this long without a
// document, the hint says what helps most (a dark, plain surface) instead of repeating itself;
// and after this long showing the front again for the back, it says plainly that it is the front.
const STILL_STUCK_MS = 4000;
const ESCALATES = ['no_document', 'same_side'];

function watchAndCapture(region) {
  stopWatching();
  $('shoot').hidden = false;
  state.abort = new AbortController();
  const isDocument = region !== 'selfie';
  // the back must not be the front again: wait until the document in the guide has changed
  const previous = slots()[state.slot] === 'back' ? state.pages[0] : undefined;
  let stuck = null, since = 0;
  state.camera.autoCapture({
    region, steadyFrames: 6, signal: state.abort.signal,
    crop: isDocument, differentFrom: previous,
    onQuality: (r) => {
      drawQuad(r);
      $('guide').classList.toggle('good', r.ok);
      const reason = r.ok ? null : r.reasons[0];
      if (reason !== stuck) { stuck = ESCALATES.includes(reason) ? reason : null; since = performance.now(); }
      const still = stuck && performance.now() - since > STILL_STUCK_MS;
      const key = r.ok ? 'hint.good' : `hint.${reason}${still ? '_still' : ''}`;
      // (a reason this page has no words for yet: the placement hint)
      setHint(t(key) !== key ? key : isDocument ? 'hint.place' : 'hint.face');
    },
  }).then(showPreview, (e) => { if (!(e instanceof Id360Error && e.code === 'aborted')) cameraFailed(e); });
}

function stopWatching() { state.abort?.abort(); state.abort = null; $('quad').hidden = true; }

function showPreview(blob) {
  state.shot = blob;
  const img = $('preview');
  if (img.src) URL.revokeObjectURL(img.src);
  img.hidden = !blob;
  $('live-actions').hidden = !!blob;
  $('preview-actions').hidden = !blob;
  if (blob) {
    stopWatching();
    img.src = URL.createObjectURL(blob);
    renderAlt(img, slotTitle(slots()[state.slot]));
    $('hint').hidden = false;
    setHint(slots()[state.slot] === 'selfie' ? 'capture.check_face' : 'capture.check');
    $('accept').focus();
  } else if (!state.camera) {
    setHint(null);
    $('hint').hidden = true;
  }
}

// By hand: the document cropped when it can be found, else the whole picture.
async function shootNow() {
  const slot = slots()[state.slot];
  try {
    if (slot === 'selfie') { showPreview(await state.camera.capture()); return; }
    try {
      showPreview(await state.camera.capture({ crop: true, region: GUIDE[state.docType] }));
    } catch (e) {
      if (!(e instanceof Id360Error && e.code === 'no_document')) throw e;
      showPreview(await state.camera.capture());
    }
  } catch (e) { cameraFailed(e); }
}

async function fromFile(event) {
  const file = event.target.files[0];
  event.target.value = '';
  if (!file) return;
  try {
    const ready = await prepareFile(file);
    showPreview(ready);
    if (ready.type === 'application/pdf' || ready.type.includes('heic')) {
      renderAlt($('preview'), null);
      $('preview').alt = file.name;
    }
  } catch (e) {
    showError($('camera-error'), e);
  }
}

function accept() {
  const slot = slots()[state.slot];
  if (slot === 'selfie') state.selfie = state.shot; else state.pages[state.slot] = state.shot;
  state.shot = null;
  state.slot += 1;
  if (state.slot < slots().length) { openSlot(); return; }
  state.camera?.stop();
  state.camera = null;
  setHint(null); // (no capture hint said on the upload page)
  upload();
}

function retake() {
  const slot = slots()[state.slot];
  showPreview(null);
  if (state.camera) {
    setHint(slot === 'selfie' ? 'hint.face' : 'hint.place');
    watchAndCapture(slot === 'selfie' ? 'selfie' : GUIDE[state.docType]);
  }
}

// ---- upload, finalize, result ------------------------------------------------------------

function bars() {
  const box = $('bars');
  box.replaceChildren();
  const make = (id, label) => {
    const l = document.createElement('label'); l.htmlFor = id; render(l, ...label);
    const p = document.createElement('progress'); p.id = id; p.max = 1; p.value = 0;
    box.append(l, p);
  };
  // (named as the person knows them: front, back, the passport's page; not "Page 1/2")
  PAGES[state.docType].forEach((side, i) => make(`bar-${i}`, [`upload.${side}`]));
  make('bar-selfie', ['upload.selfie']);
}

async function upload() {
  show('upload');
  bars();
  $('upload-error').hidden = true; $('upload-retry').hidden = true; $('upload-restart').hidden = true;
  render($('upload-note'), null);
  const sizes = [...state.pages, state.selfie].map((b) => b.size);
  const total = sizes.reduce((a, b) => a + b, 0);
  const docTotal = state.pages.reduce((a, b) => a + b.size, 0);
  const onProgress = (p) => {
    const bar = $(p.step === 'selfie' ? 'bar-selfie' : `bar-${p.page}`);
    bar.value = p.total ? p.loaded / p.total : 1;
    const done = p.step === 'selfie' ? docTotal + p.documentLoaded : p.documentLoaded;
    $('overall').value = total ? done / total : 1;
  };
  try {
    const f = flow();
    await f.uploadIdDocument(state.pages, { onProgress });
    await f.uploadSelfie(state.selfie, { onProgress });
    await f.finalize();
    $('overall').value = 1;
    // (a lost notice must not turn a finalized enrollment into an upload error)
    await fetch(`/demo/enrollments/${state.enrollmentId}/${state.handle}/finalized`, { method: 'POST' }).catch(() => {});
    waitForVerdict();
  } catch (e) {
    showError($('upload-error'), e);
    const retryable = e instanceof Id360Error && e.retryable;
    $('upload-retry').hidden = !retryable;
    $('upload-restart').hidden = false;
    (retryable ? $('upload-retry') : $('upload-restart')).focus();
  }
}

// The verdict usually comes within a minute. After this long without it, or when the connection
// to this server keeps failing (EventSource reconnects by itself, but a person waiting cannot
// tell), the page says so and offers to check again: the server keeps the result for an hour.
const WAIT_SLOW_MS = 120000;
const WAIT_MAX_ERRORS = 3;
const FINAL = ['OK', 'KO', 'FAILED', 'CANCELED', 'DISCONTINUED'];

function waitForVerdict() {
  render($('result-title'), 'wait.title');
  show('result');
  listen();
}

function stopListening() {
  state.events?.close();
  state.events = null;
  clearTimeout(state.waitTimer);
}

function listen() {
  stopListening();
  $('verdict').hidden = true;
  $('wait-problem').hidden = true;
  $('wait-retry').hidden = true;
  render($('live'), 'wait.checking');
  const events = new EventSource(`/demo/enrollments/${state.enrollmentId}/${state.handle}/events`);
  state.events = events;
  let errors = 0;
  const problem = (key) => {
    render($('wait-problem'), key);
    $('wait-problem').hidden = false;
    $('wait-retry').hidden = false;
  };
  state.waitTimer = setTimeout(() => problem('wait.slow'), WAIT_SLOW_MS);
  events.addEventListener('status', (e) => {
    const { status } = JSON.parse(e.data);
    // (the statuses are ID360's words: the person reads a sentence)
    render($('live'), FINAL.includes(status) ? 'wait.final' : 'wait.checking');
    if (errors >= WAIT_MAX_ERRORS) { $('wait-problem').hidden = true; $('wait-retry').hidden = true; }
    errors = 0;
  });
  events.addEventListener('result', (e) => { stopListening(); showResult(JSON.parse(e.data)); });
  events.addEventListener('error', () => {
    errors += 1;
    console.warn(`id360-flow demo: the verdict's event stream failed (${errors})`);
    // (CLOSED: the server refused the stream, e.g. an enrollment it no longer knows)
    if (events.readyState === EventSource.CLOSED || errors >= WAIT_MAX_ERRORS) problem('wait.offline');
  });
}

// ID360's reasons (status codes) as a sentence for the person: its own `message` names APIs and
// counts pages from 0, in English.
function problemKey({ code, where }) {
  const selfie = /^(facecomparison|liveness|selfie)/.test(where ?? '');
  switch (code) {
    case 'MDL_INPUT_INVALID': return selfie ? 'problem.unreadable_selfie' : 'problem.unreadable_document';
    case 'MDL_CHALLENGE_NOT_MET': return /^liveness/.test(where ?? '') ? 'problem.liveness' : 'problem.face_match';
    case 'VLD_DOCUMENT_INVALID': case 'VLD_ID_INVALID': return 'problem.document_invalid';
    case 'VLD_VALIDATION_KO': return 'problem.data_mismatch';
    default: return 'problem.other';
  }
}

const VERDICT = { OK: 'result.ok', KO: 'result.ko', FAILED: 'result.failed' };

function showResult(r) {
  render($('result-title'), 'result.title');
  const ok = r.status === 'OK';
  const text = $('verdict-text');
  render(text, VERDICT[r.status] ?? 'result.canceled');
  text.className = `verdict ${ok ? 'ok' : 'ko'}`;
  text.dataset.status = r.status;
  // after a KO, what usually causes it and what to do; after any end but OK, try again
  $('verdict-advice').hidden = r.status !== 'KO';
  render($('verdict-advice'), r.status === 'KO' ? 'result.ko_advice' : null);
  // after an OK, the person is done: a new verification is only a secondary action
  $('verdict-close').hidden = !ok;
  render($('again'), ok ? 'result.new' : 'retry');
  $('again').classList.toggle('primary', !ok);
  $('identity').hidden = !(ok && r.identity);
  if (r.identity) {
    $('id-name').textContent = r.identity.name ?? '';
    $('id-first').textContent = (r.identity.firstNames ?? []).join(' ');
    showBirthDate(r.identity.birthDate ?? '');
  }
  // one line per kind of problem (two unreadable pages are one piece of advice)
  const problems = new Map();
  for (const p of r.problems ?? []) {
    const key = problemKey(p);
    problems.set(key, [...(problems.get(key) ?? []), p.code]);
  }
  if (r.problems?.length) console.info('id360-flow demo: ID360 status codes', r.problems);
  $('problems').replaceChildren(...[...problems].map(([key, codes]) => {
    const li = document.createElement('li');
    render(li, key);
    li.dataset.code = [...new Set(codes)].join(' ');
    return li;
  }));
  $('verdict').hidden = false;
  render($('live'), null);
  $('wait-problem').hidden = true;
  $('wait-retry').hidden = true;
  announce(text.textContent);
  $('result-title').focus();
  showTitle();
}

// A date of birth as people write it in the page's language ("12 April 1990", « 12 avril
// 1990 »); ID360 gives it as YYYY-MM-DD (kept in the <time> element's datetime).
function showBirthDate(iso) {
  const el = $('id-birth-date');
  el.dateTime = iso;
  const day = /^\d{4}-\d{2}-\d{2}$/.test(iso) ? new Date(`${iso}T00:00:00Z`) : null;
  el.textContent = day && !Number.isNaN(day.getTime())
    ? new Intl.DateTimeFormat(lang(), { dateStyle: 'long', timeZone: 'UTC' }).format(day)
    : iso;
}
onLangChange(() => { if ($('id-birth-date').dateTime) showBirthDate($('id-birth-date').dateTime); });

// ---- wiring ---------------------------------------------------------------------------------

// The button offers the other language, in that language (its name contains its text: WCAG 2.5.3).
function switchLang(l) {
  setLang(l);
  $('lang').lang = l === 'fr' ? 'en' : 'fr';
  $('status').textContent = ''; // (what was announced stays in the language it was said in)
}
onLangChange(showTitle);

function wire() {
  $('lang').addEventListener('click', () => switchLang(lang() === 'fr' ? 'en' : 'fr'));
  $('start').addEventListener('click', start);
  $('document-next').addEventListener('click', chooseDocument);
  $('consent-next').addEventListener('click', consent);
  $('shoot').addEventListener('click', shootNow);
  $('file').addEventListener('change', fromFile);
  $('camera-retry').addEventListener('click', openSlot);
  $('accept').addEventListener('click', accept);
  $('retake').addEventListener('click', retake);
  $('upload-retry').addEventListener('click', upload); // accepted pages are not sent again
  $('upload-restart').addEventListener('click', () => location.reload());
  $('again').addEventListener('click', () => location.reload());
  $('wait-retry').addEventListener('click', listen);
  $('copy').addEventListener('click', async () => {
    try { await navigator.clipboard.writeText($('handoff-link').value); announce(t('handoff.copied')); } catch { $('handoff-link').select(); }
  });
  window.addEventListener('resize', () => {
    if (state.camera && !$('guide').hidden) placeGuide(slots()[state.slot] === 'selfie' ? 'selfie' : GUIDE[state.docType]);
  });
}

await init();
switchLang(lang());
wire();
const match = location.hash.match(/^#resume=(.+)$/);
if (match) resume(match[1]); else show('start');
window.addEventListener('hashchange', () => {
  const m = location.hash.match(/^#resume=(.+)$/);
  if (m) { state.flow = null; resume(m[1]); }
});
document.body.dataset.ready = 'true';
