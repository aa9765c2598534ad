// Runs in the page: the quality check in wasm (SIMD and scalar builds) against the same maths
// in plain JavaScript, interleaved round by round, on synthetic card frames.
import { analyzeJs } from './quality-js.mjs';
import initSimd, { QualityAnalyzer as SimdAnalyzer } from '../target/bench-pkg/simd/id360_flow.js';
import initScalar, { QualityAnalyzer as ScalarAnalyzer } from '../target/bench-pkg/scalar/id360_flow.js';

function card(w, h) {
  const img = new Uint8Array(w * h).fill(70);
  const cx = Math.floor(w / 8), cy = Math.floor(h / 7), cw = Math.floor(w * 6 / 8), ch = Math.floor(h * 5 / 7);
  for (let y = cy; y < cy + ch; y++) for (let x = cx; x < cx + cw; x++) {
    const u = Math.floor((x - cx) * 1000 / cw), v = Math.floor((y - cy) * 630 / ch);
    const text = Math.floor(v / 30) % 2 === 1 && u > 350 && u < 950 && Math.floor(u / 12) % 3 !== 0;
    const mrz = v > 520 && v < 600 && u > 50 && u < 950 && Math.floor(u / 9) % 2 === 0;
    img[y * w + x] = text || mrz ? 35 : 200;
  }
  return img;
}

const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };

async function main() {
  await initSimd();
  await initScalar();
  const simd = new SimdAnalyzer({ thresholds: { minResolution: 0 } });
  const scalar = new ScalarAnalyzer({ thresholds: { minResolution: 0 } });
  const sizes = [[640, 480], [1280, 720], [1920, 1080]];
  const rounds = 15, perRound = 40;
  const results = [];
  for (const [w, h] of sizes) {
    const frame = card(w, h);
    const impl = {
      'wasm simd128': () => simd.analyzeGrey(frame, w, h),
      'wasm scalar': () => scalar.analyzeGrey(frame, w, h),
      'plain JS': () => analyzeJs(frame, w, h),
    };
    // same answers (to float rounding) before timing anything
    const a = impl['wasm simd128'](), b = impl['plain JS']();
    const agree = Math.abs(a.sharpness - b.sharpness) / b.sharpness < 1e-3 && Math.abs(a.brightness - b.brightness) < 1e-6;
    for (const f of Object.values(impl)) for (let i = 0; i < 20; i++) f(); // warm-up
    const times = Object.fromEntries(Object.keys(impl).map((k) => [k, []]));
    for (let r = 0; r < rounds; r++) {
      for (const [name, f] of Object.entries(impl)) {
        const t0 = performance.now();
        for (let i = 0; i < perRound; i++) f();
        times[name].push((performance.now() - t0) / perRound);
      }
    }
    for (const [name, t] of Object.entries(times)) {
      results.push({ size: `${w}x${h}`, impl: name, msPerFrame: median(t), fps: 1000 / median(t), agree });
    }
  }
  window.__results = results;
  document.getElementById('out').textContent = JSON.stringify(results, null, 2);
}
main().catch((e) => { window.__results = { error: String(e && e.stack || e) }; });
