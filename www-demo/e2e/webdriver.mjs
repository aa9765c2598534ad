// A small W3C WebDriver (classic) client for the end-to-end tests in Firefox (geckodriver) and
// WebKit (WebKitGTK's WebKitWebDriver behind scripts/webkit-driver.mjs). Its `Page` offers the
// few playwright-style methods the tests use, so one test file drives the three engines.
// (playwright cannot drive Debian's Firefox or WebKit; ../shared/research/engines.md.)
import { writeFile } from 'node:fs/promises';

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

async function call(base, method, path, body, timeoutMs = 180000) {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const json = await r.json().catch(() => ({}));
  if (!r.ok || (json.value && json.value.error)) {
    const v = json.value || {};
    throw new Error(`WebDriver ${method} ${path}: ${v.error || r.status}: ${v.message || ''}`.trim());
  }
  return json.value;
}

// The capabilities of one engine. `camera`: 'fake' (the engine's own fake camera, no prompt),
// or 'refused' (Firefox only: WebKit cannot be made to refuse under automation).
export function capabilities(engine, { camera = 'fake', locale = 'en-GB' } = {}) {
  if (engine === 'firefox') {
    const prefs = {
      'intl.accept_languages': locale,
      'media.navigator.streams.fake': true,
      'media.navigator.permission.disabled': camera !== 'refused',
      ...(camera === 'refused' ? { 'permissions.default.camera': 2 } : {}),
    };
    return {
      browserName: 'firefox',
      'moz:firefoxOptions': { binary: process.env.FIREFOX || '/usr/bin/firefox-esr', args: ['-headless'], prefs },
    };
  }
  if (engine === 'webkit') {
    if (camera === 'refused') throw new Error('WebKit cannot refuse the camera under automation');
    return {}; // scripts/webkit-driver.mjs sets the browser, automation mode and the mock camera
  }
  throw new Error(`no WebDriver engine ${engine}`);
}

// Wraps a function and its argument into a WebDriver async script: the page runs the function's
// own text (no eval inside the page, which its CSP forbids) and hands back its result.
function script(fn, arg) {
  const body = typeof fn === 'function' ? `(${fn.toString()})(arguments[0])` : fn;
  return {
    script: `const done = arguments[arguments.length - 1];
      const fail = (e) => done({ thrown: String(e) + (e && e.stack ? ' | ' + e.stack : '') });
      try { Promise.resolve(${body}).then((v) => done({ ok: v === undefined ? null : v }), fail); }
      catch (e) { fail(e); }`,
    args: [arg === undefined ? null : arg],
  };
}

export class Page {
  constructor(base, id) {
    this.base = base;
    this.session = `/session/${id}`;
  }

  static async open(base, caps) {
    // (a browser that cannot start leaves the driver waiting: a clear error after a minute)
    const value = await call(base, 'POST', '/session', { capabilities: { alwaysMatch: caps } }, 60000);
    const page = new Page(base, value.sessionId);
    await call(base, 'POST', `${page.session}/timeouts`, { script: 120000, pageLoad: 60000, implicit: 0 });
    return page;
  }

  async close() {
    await call(this.base, 'DELETE', this.session).catch(() => {});
  }

  async setViewport(width, height) {
    await call(this.base, 'POST', `${this.session}/window/rect`, { width, height }).catch(() => {});
  }

  async goto(url) {
    await call(this.base, 'POST', `${this.session}/url`, { url });
  }

  async url() {
    return call(this.base, 'GET', `${this.session}/url`);
  }

  // Runs `fn(arg)` in the page (or an expression given as a string) and returns its result.
  async evaluate(fn, arg) {
    const r = await call(this.base, 'POST', `${this.session}/execute/async`, script(fn, arg)).catch((e) => {
      throw new Error(`${e.message}\n  running: ${String(fn).slice(0, 200)}`);
    });
    if (r && 'thrown' in r) throw new Error(`in the page: ${r.thrown}\n  running: ${String(fn).slice(0, 200)}`);
    return r ? r.ok : null;
  }

  // Runs a whole script (statements, e.g. a library's source) in the page.
  async runScript(source) {
    await call(this.base, 'POST', `${this.session}/execute/sync`, { script: source, args: [] });
  }

  async waitForFunction(fn, arg, { timeout = 10000 } = {}) {
    const end = Date.now() + timeout;
    for (;;) {
      if (await this.evaluate(fn, arg)) return;
      if (Date.now() > end) throw new Error(`timeout ${timeout} ms waiting for ${String(fn).slice(0, 120)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async waitForSelector(selector, { timeout = 10000 } = {}) {
    await this.waitForFunction((s) => {
      const el = document.querySelector(s);
      return !!el && el.getClientRects().length > 0;
    }, selector, { timeout });
  }

  async waitForTimeout(ms) {
    await new Promise((r) => setTimeout(r, ms));
  }

  async element(selector) {
    const v = await call(this.base, 'POST', `${this.session}/element`, { using: 'css selector', value: selector });
    return v[ELEMENT];
  }

  // A real click through the driver (scrolls into view, hit-tested), as a person would: once
  // the element is visible and enabled, as playwright waits.
  async click(selector, { timeout = 10000 } = {}) {
    await this.waitForFunction((s) => {
      const el = document.querySelector(s);
      return !!el && el.getClientRects().length > 0 && !el.disabled;
    }, selector, { timeout });
    await call(this.base, 'POST', `${this.session}/element/${await this.element(selector)}/click`, {});
  }

  async check(selector) {
    if (!(await this.evaluate((s) => document.querySelector(s).checked, selector))) await this.click(selector);
  }

  async textContent(selector) {
    return this.evaluate((s) => document.querySelector(s).textContent, selector);
  }

  async inputValue(selector) {
    return this.evaluate((s) => document.querySelector(s).value, selector);
  }

  async getAttribute(selector, name) {
    return this.evaluate(([s, n]) => document.querySelector(s).getAttribute(n), [selector, name]);
  }

  async isHidden(selector) {
    return this.evaluate((s) => {
      const el = document.querySelector(s);
      return !el || el.getClientRects().length === 0;
    }, selector);
  }

  // Gives a file to an <input type=file> as a picker would: sets its FileList, fires `change`.
  async setInputFiles(selector, { name, mimeType, buffer }) {
    await this.evaluate(([s, n, type, b64]) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], n, { type }));
      const input = document.querySelector(s);
      input.files = dt.files;
      input.dispatchEvent(new Event('change', { bubbles: true }));
    }, [selector, name, mimeType, buffer.toString('base64')]);
  }

  async screenshot({ path }) {
    const png = await call(this.base, 'GET', `${this.session}/screenshot`);
    await writeFile(path, Buffer.from(png, 'base64'));
  }
}
