// Runs a reproducer module in a browser through WebDriver and prints how many of its answers
// were wrong (README, "Engines"). The modules, built by hand from the repository's root:
//   loop:            RUSTFLAGS="-C target-feature=+simd128" cargo build --target wasm32-unknown-unknown \
//                      --manifest-path scripts/jsc-simd-repro/Cargo.toml --target-dir target/jsc-repro
//                    (the minimal reproducer: this debug build trapped once in 4 400 compilations
//                    of 10 calls, `loop` mode; with --release, 0 in 1 000 × 300)
//   kernels, rounds: the same with scripts/jsc-simd-repro/kernels/Cargo.toml (the trap: a debug
//                    build, no --release; the scalar control: no RUSTFLAGS, another --target-dir)
//   node scripts/jsc-simd-repro/run.mjs <wasm> <WebDriver URL> [engine=webkit] [compilations=100]
//        [kernels|rounds|loop] [calls or rounds per compilation=300]
// In the page: the module compiled afresh `compilations` times (each compilation tiers up on
// its own), each instance run `calls` times ('rounds': three frame sizes in turn, as the
// kernels' stress test), every answer checked against plain JS; in 'rounds' a trap is counted
// as a wrong answer and ends that compilation, elsewhere it ends the run with its stack.
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { Page, capabilities } from '../../www-demo/e2e/webdriver.mjs';

const [wasmPath, driver, engine = 'webkit', compiles = '100', mode = 'kernels', perCompile = '300'] = process.argv.slice(2);
const wasm = await readFile(wasmPath);
const server = http.createServer((req, res) => {
  if (req.url === '/repro.wasm') { res.writeHead(200, { 'content-type': 'application/wasm' }); res.end(wasm); return; }
  res.writeHead(200, { 'content-type': 'text/html' }); res.end('<!doctype html><title>repro</title>');
}).listen(0, '127.0.0.1');
await new Promise((r) => server.on('listening', r));
const page = await Page.open(driver, capabilities(engine));
try {
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  // batches of PER_BATCH compilations (one script call each, under WebDriver's 120 s script
  // timeout even with JSC_useOMGJIT=false, where a debug build's compilation and rounds take up
  // to 15 s)
  const PER_BATCH = 5;
  const batch = (n) => page.evaluate(async ([n, mode, calls]) => {
    const bytes = await (await fetch('/repro.wasm')).arrayBuffer();
    const [w, h] = [641, 479];
    // a frame with edges, flat areas and noise, as the kernels see
    let x = 12345;
    const grey = new Uint8Array(w * h).map((_, i) => {
      x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
      return ((i % w) / 37 % 2 < 1 ? 40 : 190) + ((x >>> 0) % 70);
    });
    // 'loop': the sum of squared Laplacians (f32 input); 'kernels': the library's sharpness,
    // the variance of the Laplacian (one block per pixel at this size)
    const laps = [];
    for (let y = 1; y < h - 1; y++) for (let c = 1; c < w - 1; c++) {
      const i = y * w + c;
      laps.push(4 * grey[i] - grey[i - 1] - grey[i + 1] - grey[i - w] - grey[i + w]);
    }
    // 'rounds': as tests/quality_kernels.rs's stress test, three sizes in turn, one scratch
    const variance = (g, fw, fh) => {
      let s1 = 0, s2 = 0, n = 0;
      for (let y = 1; y < fh - 1; y++) for (let c = 1; c < fw - 1; c++) {
        const i = y * fw + c;
        const l = 4 * g[i] - g[i - 1] - g[i + 1] - g[i - fw] - g[i + fw];
        s1 += l; s2 += l * l; n += 1;
      }
      return s2 / n - (s1 / n) * (s1 / n);
    };
    const sizes = [[37, 23], [641, 479], [320, 181]].map(([fw, fh]) => {
      const g = new Uint8Array(fw * fh).map((_, i) => grey[i % grey.length]);
      return { fw, fh, g, expected: variance(g, fw, fh) };
    });
    const sumSq = laps.reduce((a, l) => a + l * l, 0);
    const mean = laps.reduce((a, l) => a + l, 0) / laps.length;
    const expected = mode === 'loop' ? sumSq : sumSq / laps.length - mean * mean;
    // the library's module imports wasm-bindgen's functions: none is called here
    const stub = new Proxy({}, { get: () => () => 0 });
    const imports = new Proxy({}, { get: () => stub });
    const wrong = [];
    for (let k = 0; k < n; k++) {
      const instance = await WebAssembly.instantiate(new WebAssembly.Module(bytes), imports);
      const e = instance.exports;
      if (mode === 'rounds') {
        rounds: for (let r = 0; r < calls; r++) {
          for (const { fw, fh, g, expected: x } of sizes) {
            const at = e.frame(fw * fh);
            new Uint8Array(e.memory.buffer, at, fw * fh).set(g);
            let got;
            try { got = e.run(fw, fh); } catch (err) { got = String(err); } // a trap: counted, next compilation
            if (!(Math.abs(got - x) <= 1e-3 * Math.max(1, Math.abs(x)))) wrong.push({ compile: k, call: r, size: `${fw}x${fh}`, got: String(got), expected: x });
            if (typeof got === 'string') break rounds;
          }
        }
        continue;
      }
      if (mode === 'loop') new Float32Array(e.memory.buffer, e.frame(), w * h).set(grey);
      else {
        const at = e.frame(w * h); // (grows the memory: the buffer is read after)
        new Uint8Array(e.memory.buffer, at, w * h).set(grey);
      }
      for (let r = 0; r < calls; r++) {
        const got = e.run(w, h);
        if (!(Math.abs(got - expected) <= 1e-3 * expected)) wrong.push({ compile: k, call: r, got: String(got) });
      }
    }
    return { expected, calls: n * calls, wrong: wrong.length, first: wrong.slice(0, 5) };
  }, [n, mode, Number(perCompile)]);
  const total = { calls: 0, wrong: 0, first: [] };
  for (let done = 0; done < Number(compiles); done += PER_BATCH) {
    const r = await batch(Math.min(PER_BATCH, Number(compiles) - done));
    total.expected = r.expected;
    total.calls += r.calls;
    total.wrong += r.wrong;
    total.first.push(...r.first.map((w) => ({ ...w, compile: w.compile + done })));
  }
  total.first = total.first.slice(0, 5);
  console.log(JSON.stringify({ engine, mode, compiles: Number(compiles), ...total }));
} finally {
  await page.close();
  server.close();
}
