// Small numeric helpers for the benchmark: percentiles, rounding, formatting. No dependencies.

/** Nearest-rank percentile (q in 0..1) of the numbers; undefined for an empty list. */
export function percentile(sorted, q) {
  if (sorted.length === 0) return undefined;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1];
}

/** p50/p95/p99/max/mean/n of a list of numbers (milliseconds, usually). */
export function summarize(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return { n: 0 };
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    n: sorted.length,
    min: round(sorted[0], 3),
    p50: round(percentile(sorted, 0.5), 3),
    p95: round(percentile(sorted, 0.95), 3),
    p99: round(percentile(sorted, 0.99), 3),
    max: round(sorted[sorted.length - 1], 3),
    mean: round(sum / sorted.length, 3),
  };
}

export function round(value, digits = 1) {
  if (value === undefined || value === null || !Number.isFinite(value)) return value ?? null;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** a / b rounded, or null when either side is missing or b is 0. */
export function ratio(a, b, digits = 3) {
  if (typeof a !== 'number' || typeof b !== 'number' || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return null;
  return round(a / b, digits);
}

export function fmtMs(v) {
  return v === undefined || v === null ? 'n/a' : `${round(v, v < 10 ? 2 : 1)} ms`;
}

export function fmtBytes(v) {
  if (v === undefined || v === null) return 'n/a';
  const sign = v < 0 ? '-' : '';
  const a = Math.abs(v);
  if (a >= 1024 ** 3) return `${sign}${round(a / 1024 ** 3, 2)} GiB`;
  if (a >= 1024 ** 2) return `${sign}${round(a / 1024 ** 2, 1)} MiB`;
  if (a >= 1024) return `${sign}${round(a / 1024, 1)} KiB`;
  return `${sign}${a} B`;
}

/** Plain-text table; every cell is stringified, columns padded to their widest cell. */
export function table(header, rows) {
  const all = [header, ...rows].map((r) => r.map((c) => (c === undefined || c === null ? '' : String(c))));
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  const sep = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(all[0]), sep, ...all.slice(1).map(line)].join('\n');
}
