// Hand-written SVG latency chart, HdrHistogram style: percentile on a
// "number of nines" axis (so the tail gets room), latency on a log axis,
// one line per subject. No dependencies; the output is a static file.
import type { Distribution, LatencySeries } from './types.js';

const WIDTH = 760;
const HEIGHT = 400;
const MARGIN = { top: 40, right: 170, bottom: 50, left: 70 };
const MAX_NINES = 5; // x = 5 is where "max" is drawn (beyond 99.999 %)
const PALETTE = ['#d62728', '#1f77b4', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf', '#7f7f7f'];
const X_TICKS: [number, string][] = [
  [0, '0 %'], [Math.log10(2), '50 %'], [1, '90 %'], [2, '99 %'], [3, '99.9 %'], [4, '99.99 %'], [MAX_NINES, 'max'],
];

// Percentile → x position in "nines": 90 % → 1, 99 % → 2, 100 % → MAX_NINES.
function nines(p: number): number {
  return p >= 100 ? MAX_NINES : Math.min(MAX_NINES, Math.log10(100 / (100 - p)));
}

// Escapes text for SVG.
function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

// The y range as whole decades that contain every positive value.
function decades(series: readonly LatencySeries[]): [number, number] {
  const values = series.flatMap((s) => s.points.map(([, v]) => v)).filter((v) => v > 0);
  if (values.length === 0) return [0, 1];
  const lo = Math.floor(Math.log10(Math.min(...values)));
  const hi = Math.ceil(Math.log10(Math.max(...values)));
  return [lo, hi === lo ? lo + 1 : hi];
}

// Labels a power of ten of µs in the most readable unit.
function decadeLabel(exp: number): string {
  const us = 10 ** exp;
  if (us >= 1e6) return `${us / 1e6} s`;
  if (us >= 1e3) return `${us / 1e3} ms`;
  if (us >= 1) return `${us} µs`;
  return `${Math.round(us * 1e3)} ns`;
}

// Renders one distribution (values in µs) as a standalone SVG document.
export function renderLatencyChart(distribution: Distribution): string {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const [lo, hi] = decades(distribution.series);
  const x = (p: number): number => MARGIN.left + (nines(p) / MAX_NINES) * plotW;
  const y = (v: number): number => {
    const e = Math.log10(Math.max(v, 10 ** lo));
    return MARGIN.top + plotH - ((e - lo) / (hi - lo)) * plotH;
  };
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    `<text x="${MARGIN.left}" y="22" font-size="14" font-weight="bold">${esc(distribution.title)}</text>`,
  ];
  for (let e = lo; e <= hi; e++) {
    const yy = y(10 ** e).toFixed(1);
    out.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${yy}" y2="${yy}" stroke="#ddd"/>`);
    out.push(`<text x="${MARGIN.left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${decadeLabel(e)}</text>`);
  }
  for (const [n, label] of X_TICKS) {
    const xx = (MARGIN.left + (n / MAX_NINES) * plotW).toFixed(1);
    out.push(`<line x1="${xx}" x2="${xx}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}" stroke="#eee"/>`);
    out.push(`<text x="${xx}" y="${MARGIN.top + plotH + 18}" text-anchor="middle">${label}</text>`);
  }
  out.push(`<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 8}" text-anchor="middle">percentile</text>`);
  out.push(`<text transform="translate(16 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">latency (log)</text>`);
  out.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`);
  distribution.series.forEach((series, i) => {
    const color = PALETTE[i % PALETTE.length] as string;
    const d = series.points.map(([p, v], k) => `${k === 0 ? 'M' : 'L'}${x(p).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    const width = series.subject === 'exitmon' ? 3 : 1.8;
    out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="${width}"/>`);
    const ly = MARGIN.top + 10 + i * 20;
    const lx = MARGIN.left + plotW + 14;
    out.push(`<line x1="${lx}" x2="${lx + 22}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="${width}"/>`);
    out.push(`<text x="${lx + 28}" y="${ly}" dominant-baseline="middle">${esc(series.subject)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
