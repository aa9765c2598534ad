// A WebDriver proxy in front of WebKitGTK's WebKitWebDriver, for wasm-bindgen-test-runner
// (given to it as SAFARIDRIVER_REMOTE) and the end-to-end tests. On its Safari path the runner
// sends no browser options and ignores webdriver.json, and WebKitWebDriver needs them: which
// browser to start (Debian's MiniBrowser), in automation mode, with the mock camera on. So the
// proxy rewrites the capabilities of `POST /session` and forwards everything else untouched.
//
//   node scripts/webkit-driver.mjs <listen port> <WebKitWebDriver port>   (DISPLAY must be set)
//
// It starts WebKitWebDriver itself on the second port and stops it when it is stopped.
import http from 'node:http';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

const [listen, driverPort] = process.argv.slice(2).map(Number);
if (!listen || !driverPort) {
  console.error('usage: node scripts/webkit-driver.mjs <listen port> <WebKitWebDriver port>');
  process.exit(2);
}
const MINIBROWSER = [
  process.env.MINIBROWSER,
  '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
  '/usr/lib/aarch64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
].find((p) => p && existsSync(p));
if (!MINIBROWSER) {
  console.error('webkit-driver: no MiniBrowser (install libwebkit2gtk-4.1-0: scripts/setup.sh)');
  process.exit(1);
}
// The mock camera; `--enable-media-stream` makes getUserMedia exist at all.
const ARGS = ['--automation', '--enable-media-stream=true', '--enable-mock-capture-devices=true'];

const driver = spawn('WebKitWebDriver', [`--port=${driverPort}`], { stdio: ['ignore', 'ignore', 'inherit'] });
driver.on('exit', (code) => {
  console.error(`webkit-driver: WebKitWebDriver exited (${code})`);
  process.exit(1);
});
const stop = () => { driver.kill(); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

function rewrite(body) {
  const json = body.length ? JSON.parse(body) : {};
  const always = { browserName: 'MiniBrowser', 'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ARGS } };
  const caps = json.capabilities || {};
  // keep what the client asked for, but this browser and these options win
  const first = (caps.firstMatch && caps.firstMatch[0]) || {};
  const merged = { ...first, ...(caps.alwaysMatch || {}), ...always };
  delete merged['safari:automaticInspection'];
  delete merged['safari:automaticProfiling'];
  return JSON.stringify({ capabilities: { alwaysMatch: merged } });
}

// WebKitWebDriver runs one session at a time. A client that died with its session open (a test
// runner whose page crashed) would make every later `POST /session` fail with "Maximum number of
// active sessions": the proxy remembers the open session and closes it before a new one.
let open = null;
const closeOpen = () => new Promise((resolve) => {
  if (!open) { resolve(); return; }
  const id = open;
  open = null;
  console.error(`webkit-driver: closing session ${id}, left open by its client`);
  // (a driver that hangs closing a crashed browser must not hold the new session up for ever)
  const del = http.request({ host: '127.0.0.1', port: driverPort, method: 'DELETE', path: `/session/${id}` }, (r) => {
    r.resume();
    r.on('close', resolve);
  });
  del.setTimeout(10_000, () => del.destroy());
  del.on('error', resolve).on('close', resolve).end();
});

http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    let body = Buffer.concat(chunks).toString('utf8');
    const newSession = req.method === 'POST' && /^\/session\/?$/.test(req.url);
    if (newSession) {
      try { body = rewrite(body); } catch (e) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ value: { error: 'invalid argument', message: String(e) } }));
        return;
      }
      await closeOpen();
    }
    const closed = req.method === 'DELETE' && /^\/session\/([^/]+)\/?$/.exec(req.url);
    if (closed && closed[1] === open) open = null;
    const headers = { ...req.headers, host: `127.0.0.1:${driverPort}`, 'content-length': Buffer.byteLength(body) };
    const out = http.request({ host: '127.0.0.1', port: driverPort, method: req.method, path: req.url, headers }, (up) => {
      res.writeHead(up.statusCode, up.headers);
      if (!newSession) { up.pipe(res); return; }
      // the new session's id, to close it if its client does not
      const got = [];
      up.on('data', (c) => got.push(c));
      up.on('end', () => {
        const answer = Buffer.concat(got);
        // (an error answer leaves what is remembered alone)
        try {
          const id = JSON.parse(answer.toString('utf8')).value.sessionId;
          if (up.statusCode < 300 && id) open = id;
        } catch { /* not JSON */ }
        res.end(answer);
      });
    });
    out.on('error', (e) => {
      if (res.headersSent) { res.destroy(); return; }
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ value: { error: 'unknown error', message: `WebKitWebDriver: ${e.message}` } }));
    });
    out.end(body);
  });
}).listen(listen, '127.0.0.1');
