// Runs in the page: the capture checks on the generated test set (target/testset), in the
// simd128 and scalar builds, interleaved round by round. Each figure sits beside its baseline in
// the same run: quality alone beside quality + document; prepareFile (decode + re-encode) beside
// cropDocument on the same 12-megapixel photo.
import initSimd, * as simd from '../target/bench-pkg/simd/id360_flow.js';
import initScalar, * as scalar from '../target/bench-pkg/scalar/id360_flow.js';

const set = '../target/testset';
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };

async function grey(url) {
  const bmp = await createImageBitmap(await (await fetch(url)).blob());
  const c = new OffscreenCanvas(bmp.width, bmp.height);
  const ctx = c.getContext('2d');
  ctx.drawImage(bmp, 0, 0);
  const rgba = ctx.getImageData(0, 0, bmp.width, bmp.height).data;
  const g = new Uint8Array(bmp.width * bmp.height);
  for (let i = 0; i < g.length; i++) g[i] = rgba[4 * i]; // grey PNG: R = G = B
  return { data: g, width: bmp.width, height: bmp.height };
}

// ms per call of each contender, rounds interleaved (the order turns each round)
function race(contenders, rounds, perRound) {
  const names = Object.keys(contenders);
  for (const f of Object.values(contenders)) for (let i = 0; i < 3; i++) f(i); // warm-up
  const t = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    const order = names.map((_, i) => names[(i + r) % names.length]);
    for (const n of order) {
      const t0 = performance.now();
      for (let i = 0; i < perRound; i++) contenders[n](i);
      t[n].push((performance.now() - t0) / perRound);
    }
  }
  return Object.fromEntries(names.map((n) => [n, median(t[n])]));
}

async function raceAsync(contenders, rounds) {
  const names = Object.keys(contenders);
  for (const f of Object.values(contenders)) await f();
  const t = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (const n of names.map((_, i) => names[(i + r) % names.length])) {
      const t0 = performance.now();
      await contenders[n]();
      t[n].push(performance.now() - t0);
    }
  }
  return Object.fromEntries(names.map((n) => [n, median(t[n])]));
}

async function main() {
  await initSimd();
  await initScalar();
  const docs = await (await fetch(`${set}/documents/manifest.json`)).json();
  const faces = await (await fetch(`${set}/faces/manifest.json`)).json();
  // 640 × 360 frames of the holdout split: cards and negatives alike
  const frames = await Promise.all(docs.frames
    .filter((f) => f.split === 'holdout' && f.width === 640 && f.height === 360)
    .filter((_, i) => i % 10 === 0).slice(0, 40)
    .map((f) => grey(`${set}/documents/${f.file}`)));
  const faceFrames = await Promise.all(faces.frames.filter((_, i) => i % 8 === 0).slice(0, 30)
    .map((f) => grey(`${set}/faces/${f.file}`)));
  const results = { frames: frames.length, faceFrames: faceFrames.length };
  // Both builds race in the same rounds (the order turning each round), so neither gets the
  // warmer half of the run: run one after the other, the second came out 7–18 % faster whatever
  // build it was (BENCHMARKS §6, 3 December).
  const card = frames[0];
  const at = (list, i) => list[i % list.length];
  const contenders = (lib) => {
    const quality = new lib.QualityAnalyzer({});
    const document = new lib.QualityAnalyzer({ region: 'id_card' });
    const tracked = new lib.QualityAnalyzer({ region: 'id_card' });
    const selfieQuality = new lib.QualityAnalyzer({});
    const selfie = new lib.QualityAnalyzer({ region: 'selfie' });
    return {
      document: {
        'quality alone': (i) => { const f = at(frames, i); quality.analyzeGrey(f.data, f.width, f.height, 1280); },
        'quality + document, new scene each frame': (i) => { const f = at(frames, i); document.analyzeGrey(f.data, f.width, f.height, 1280); },
        'quality + document, the same card (tracked)': () => tracked.analyzeGrey(card.data, card.width, card.height, 1280),
      },
      face: {
        'quality alone, 640 × 480': (i) => { const f = at(faceFrames, i); selfieQuality.analyzeGrey(f.data, f.width, f.height, 1280); },
        'quality + face, 640 × 480': (i) => { const f = at(faceFrames, i); selfie.analyzeGrey(f.data, f.width, f.height, 1280); },
      },
    };
  };
  const builds = { simd128: contenders(simd), scalar: contenders(scalar) };
  for (const build of Object.keys(builds)) results[build] = {};
  for (const [group, perRound] of [['document', frames.length], ['face', faceFrames.length]]) {
    const both = Object.fromEntries(Object.entries(builds).flatMap(([build, groups]) =>
      Object.entries(groups[group]).map(([row, f]) => [`${build}|${row}`, f])));
    for (const [key, ms] of Object.entries(race(both, 15, perRound))) {
      const [build, row] = key.split('|');
      results[build][row] = ms;
    }
  }
  // the crop of a 12-megapixel photo, beside prepareFile on the same file
  const photo = docs.photos[0];
  const blob = await (await fetch(`${set}/documents/${photo.file}`)).blob();
  const corners = photo.corners.map(([x, y]) => ({ x, y }));
  results.crop = {
    photo: `${photo.width} × ${photo.height}, ${(blob.size / 1e6).toFixed(1)} MB`,
    ...await raceAsync({
      'prepareFile (decode, re-encode at 2000 px)': () => simd.prepareFile(blob),
      'cropDocument, corners given': () => simd.cropDocument(blob, corners, { kind: photo.kind }),
      'cropDocument, corners found': () => simd.cropDocument(blob, null, { kind: photo.kind }),
    }, 7),
  };
  window.__results = results;
  document.getElementById('out').textContent = JSON.stringify(results, null, 2);
}
main().catch((e) => { window.__results = { error: String(e && e.stack || e) }; });
