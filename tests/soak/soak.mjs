// Soak: many flows through the packed library (Node, fetch path) against a sandbox of its own
// with faults on every flow endpoint: 20 % 5xx, 5 % dropped connections, random latency, and
// bursts of 429 with Retry-After. Every flow must complete or end with a retryable error after
// its attempts, and the sandbox's listing must show no page lost, none sent twice, no
// enrollment finalized twice. A flow that fails is resumed twice, as a person would press "try
// again". Stops by itself. FLOWS, CONCURRENCY, MAX_LATENCY_MS tune it.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import init, { Id360Flow, Id360Error } from '../../target/npm/id360-flow/node.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const FLOWS = Number(process.env.FLOWS || 200);
const CONCURRENCY = Number(process.env.CONCURRENCY || 20);
const MAX_LATENCY = Number(process.env.MAX_LATENCY_MS || 2000);
const BIN = process.env.SANDBOX_BIN || join(ROOT, 'target/debug/id360-sandbox');

const sandboxProcess = spawn(BIN, ['--bind', '127.0.0.1:0', '--quiet', '--verdict-delay-ms', '20', '--fault-seed', '360'], { stdio: ['ignore', 'pipe', 'inherit'] });
const sandbox = await new Promise((resolve, reject) => {
  const lines = createInterface({ input: sandboxProcess.stdout });
  lines.once('line', (l) => resolve(l.split(' ').at(-1)));
  sandboxProcess.once('exit', (c) => reject(new Error(`sandbox exited ${c}`)));
});
const admin = async (path, init) => (await fetch(`${sandbox}/_sandbox/${path}`, init)).json();

let failures = 0;
const check = (ok, what) => { if (!ok) { failures += 1; console.error(`FAIL: ${what}`); } };

try {
  await init();
  const sample = async (q) => (await fetch(`${sandbox}/_sandbox/samples/${q}`)).blob();
  const [recto, verso, selfie] = [await sample('id_document.jpg?width=640&height=404'), await sample('id_document.jpg?width=640&height=404&name=VERSO'), await sample('selfie.jpg')];
  const base = [
    { endpoint: 'flow', kind: 'latency', latency_max_ms: MAX_LATENCY },
    { endpoint: 'flow', kind: 'status', status: 503, probability: 0.2 },
    { endpoint: 'flow', kind: 'drop', probability: 0.05 },
  ];
  await admin('faults', { method: 'PUT', body: JSON.stringify(base) });
  // bursts: every 3 s, the next 15 flow calls get 429 with Retry-After
  const bursts = setInterval(() => {
    admin('faults', { method: 'POST', body: JSON.stringify({ endpoint: 'flow', kind: 'status', status: 429, retry_after_secs: 1, times: 15 }) }).catch(() => {});
  }, 3000);

  const started = Date.now();
  const outcomes = [];
  let retries = 0;
  let next = 0;
  async function worker() {
    while (next < FLOWS) {
      next += 1;
      const e = await admin('enrollments', { method: 'POST' });
      const flow = new Id360Flow({ apiKey: e.api_key, environment: { baseUrl: sandbox }, retries: 4, timeoutMs: MAX_LATENCY + 3000, onRetry: () => { retries += 1; } });
      // Like a person pressing "try again": up to two resumptions of run(), which skip what is
      // done and never re-send an accepted page.
      for (let run = 1; run <= 3; run++) {
        try {
          await flow.run({ document: [recto, verso], selfie });
          outcomes.push({ id: e.id, key: e.api_key, ok: true, runs: run });
          break;
        } catch (err) {
          const retryable = err instanceof Id360Error && err.retryable;
          if (retryable && run < 3) continue;
          outcomes.push({ id: e.id, key: e.api_key, ok: false, code: err instanceof Id360Error ? err.code : String(err), retryable, message: String(err.message) });
          break;
        }
      }
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  clearInterval(bursts);
  await admin('faults', { method: 'DELETE' });
  const seconds = (Date.now() - started) / 1000;

  const listing = new Map((await admin('enrollments')).enrollments.map((e) => [e.id, e]));
  let resent = 0;
  for (const o of outcomes) {
    const e = listing.get(o.id);
    check(e.finalize_count <= 1, `enrollment ${o.id} finalized ${e.finalize_count} times`);
    const pages = Object.values(e.documents).flatMap((d) => d.pages);
    resent += pages.filter((p) => p && p.uploads > 1).length;
    if (o.ok) {
      check(e.finalize_count === 1, `completed flow ${o.id} not finalized`);
      check(e.documents.id_document_image?.pages.every((p) => p !== null) && e.documents.selfie_image_upload?.pages[0] !== null, `completed flow ${o.id} lost a page`);
    } else {
      check(o.retryable, `flow ${o.id} failed with a non-retryable ${o.code}: ${o.message}`);
    }
    check(!o.message || !o.message.includes(o.key), `flow ${o.id}: the api_key is in an error message`);
  }
  check(resent === 0, `${resent} pages were sent more than once`);
  const byCode = {};
  for (const o of outcomes.filter((x) => !x.ok)) byCode[o.code] = (byCode[o.code] || 0) + 1;
  const stats = await admin('stats');
  console.log(`soak: ${FLOWS} flows, concurrency ${CONCURRENCY}, latency up to ${MAX_LATENCY} ms, 20 % 5xx, 5 % drops, 429 bursts`);
  const done = outcomes.filter((o) => o.ok);
  console.log(`  completed: ${done.length} (${done.filter((o) => o.runs > 1).length} of them after "try again")`);
  console.log(`  failed (retryable, after 3 runs of 5 attempts per request): ${JSON.stringify(byCode)}`);
  console.log(`  retries made: ${retries}; faults injected: ${JSON.stringify(stats.faults_injected)}`);
  console.log(`  pages sent twice: ${resent}; time: ${seconds.toFixed(1)} s`);
  console.log(`${failures === 0 ? outcomes.length : outcomes.length - failures} passed, ${failures} failed`);
} finally {
  sandboxProcess.kill();
}
process.exit(failures === 0 ? 0 : 1);
