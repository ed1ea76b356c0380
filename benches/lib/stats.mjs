// Paired, interleaved sampling: each sample runs every contender once, in an order that
// rotates from sample to sample, after warm-up runs that are thrown away. Ratios are taken
// per pair (same moment, same machine state) and summarised by their median and range.

/** Runs `fns` (name -> () => void|Promise) `warmup` times unrecorded, then `samples` times. */
export async function paired(fns, { warmup = 2, samples = 7, now = () => performance.now() } = {}) {
  const names = Object.keys(fns);
  const times = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i < warmup + samples; i++) {
    const order = names.map((_, j) => names[(i + j) % names.length]);
    for (const name of order) {
      const t0 = now();
      await fns[name]();
      const t = now() - t0;
      if (i >= warmup) times[name].push(t);
    }
  }
  return times;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** { median, min, max } of a list. */
export function summary(xs) {
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
}

/** Per-pair ratios a[i] / b[i], summarised. */
export function ratio(a, b) {
  return summary(a.map((x, i) => x / b[i]));
}

/** Percentile (0..100) by nearest rank. */
export function percentile(xs, p) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}
