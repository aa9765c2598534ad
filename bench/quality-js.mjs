// The quality maths of src/core/quality.rs in plain JavaScript (the benchmark's baseline):
// f×f block averaging to a ~640 px grid, clipped-pixel count at full resolution, mean,
// standard deviation, variance of the 4-neighbour Laplacian. Buffers are reused.
let blocks = new Float32Array(0);

export function analyzeJs(grey, width, height, glareLevel = 250) {
  const f = Math.max(1, Math.floor((Math.max(width, height) + 320) / 640));
  const bw = Math.floor(width / f), bh = Math.floor(height / f);
  if (blocks.length < bw * bh) blocks = new Float32Array(bw * bh);
  blocks.fill(0, 0, bw * bh);
  let clipped = 0;
  const n = width * height;
  for (let i = 0; i < n; i++) if (grey[i] >= glareLevel) clipped++;
  for (let by = 0; by < bh; by++) {
    const out = by * bw;
    for (let dy = 0; dy < f; dy++) {
      const row = (by * f + dy) * width;
      for (let bx = 0; bx < bw; bx++) {
        let s = 0;
        const p = row + bx * f;
        for (let k = 0; k < f; k++) s += grey[p + k];
        blocks[out + bx] += s;
      }
    }
  }
  const scale = 1 / (f * f);
  let sum = 0, sq = 0;
  const m = bw * bh;
  for (let i = 0; i < m; i++) { const v = blocks[i]; sum += v; sq += v * v; }
  const mean = (sum * scale) / m;
  const variance = Math.max(0, (sq * scale * scale) / m - mean * mean);
  let ls = 0, lq = 0;
  for (let y = 1; y < bh - 1; y++) {
    const r = y * bw;
    for (let x = 1; x < bw - 1; x++) {
      const i = r + x;
      const l = 4 * blocks[i] - blocks[i - 1] - blocks[i + 1] - blocks[i - bw] - blocks[i + bw];
      ls += l; lq += l * l;
    }
  }
  const ln = (bw - 2) * (bh - 2);
  const lm = (ls * scale) / ln;
  return {
    sharpness: Math.max(0, (lq * scale * scale) / ln - lm * lm),
    glare: clipped / n,
    brightness: mean / 255,
    contrast: Math.sqrt(variance) / 255,
  };
}
