// Accuracy-vs-attempts chart as a standalone SVG (the demo's figure, in the style of the paper's plots):
// k on the x-axis, accuracy (%) on the y-axis, one line with markers per policy, optional ±sd band.

export interface ChartSeries {
  label: string;
  /** Accuracy (fraction 0..1) by k = 1..K. */
  accuracy: number[];
  /** Optional standard deviation per k (fraction), drawn as a band. */
  sd?: number[];
  color?: string;
}

export interface ChartOptions {
  title?: string;
  width?: number;
  height?: number;
  yLabel?: string;
  xLabel?: string;
}

const PALETTE = ['#d1495b', '#00798c', '#edae49', '#30638e', '#66a182'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Nice round tick step for a span. */
function tickStep(span: number): number {
  const raw = span / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const n = raw / mag;
  return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * mag;
}

/** Renders the chart; throws on series of different lengths or values outside [0, 1]. */
export function accuracyChartSvg(series: ChartSeries[], opts: ChartOptions = {}): string {
  if (series.length === 0) throw new Error('accuracy chart: no series');
  const K = series[0]!.accuracy.length;
  for (const s of series) {
    if (s.accuracy.length !== K) throw new Error(`accuracy chart: series '${s.label}' has ${s.accuracy.length} points, expected ${K}`);
    s.accuracy.forEach((a, i) => {
      if (!(a >= 0 && a <= 1)) throw new Error(`accuracy chart: series '${s.label}' k=${i + 1} accuracy ${a} is not in [0, 1]`);
    });
  }
  const W = opts.width ?? 640;
  const H = opts.height ?? 420;
  const m = { left: 64, right: 24, top: opts.title ? 48 : 20, bottom: 56 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const all = series.flatMap((s) => s.accuracy.flatMap((a, i) => [a - (s.sd?.[i] ?? 0), a + (s.sd?.[i] ?? 0)])).map((v) => v * 100);
  const step = tickStep(Math.max(5, Math.max(...all) - Math.min(...all)));
  const yMin = Math.max(0, Math.floor(Math.min(...all) / step) * step - (Math.min(...all) % step === 0 ? step : 0));
  const yMax = Math.min(100, Math.ceil(Math.max(...all) / step) * step + (Math.max(...all) % step === 0 ? step : 0));
  const x = (k: number) => m.left + (K === 1 ? pw / 2 : ((k - 1) / (K - 1)) * pw);
  const y = (pct: number) => m.top + ph - ((pct - yMin) / (yMax - yMin || 1)) * ph;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  if (opts.title) out.push(`<text x="${W / 2}" y="28" text-anchor="middle" font-size="17" font-weight="600" fill="#222">${esc(opts.title)}</text>`);
  for (let v = yMin; v <= yMax + 1e-9; v += step) {
    const yy = y(v).toFixed(1);
    out.push(`<line x1="${m.left}" y1="${yy}" x2="${m.left + pw}" y2="${yy}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${m.left - 8}" y="${yy}" dy="4" text-anchor="end" font-size="12" fill="#555">${Number(v.toFixed(6))}</text>`);
  }
  for (let k = 1; k <= K; k++) {
    out.push(`<line x1="${x(k).toFixed(1)}" y1="${m.top + ph}" x2="${x(k).toFixed(1)}" y2="${m.top + ph + 5}" stroke="#555"/>`);
    out.push(`<text x="${x(k).toFixed(1)}" y="${m.top + ph + 20}" text-anchor="middle" font-size="12" fill="#555">${k}</text>`);
  }
  out.push(`<line x1="${m.left}" y1="${m.top + ph}" x2="${m.left + pw}" y2="${m.top + ph}" stroke="#555"/>`);
  out.push(`<line x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${m.top + ph}" stroke="#555"/>`);
  out.push(`<text x="${m.left + pw / 2}" y="${H - 14}" text-anchor="middle" font-size="13" fill="#333">${esc(opts.xLabel ?? 'Number of attempts k')}</text>`);
  out.push(`<text transform="translate(18 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle" font-size="13" fill="#333">${esc(opts.yLabel ?? 'Accuracy (%)')}</text>`);
  series.forEach((s, si) => {
    const color = s.color ?? PALETTE[si % PALETTE.length]!;
    if (s.sd) {
      const upper = s.accuracy.map((a, i) => `${x(i + 1).toFixed(1)},${y((a + s.sd![i]!) * 100).toFixed(1)}`);
      const lower = s.accuracy.map((a, i) => `${x(i + 1).toFixed(1)},${y((a - s.sd![i]!) * 100).toFixed(1)}`).reverse();
      out.push(`<polygon points="${[...upper, ...lower].join(' ')}" fill="${color}" fill-opacity="0.15" stroke="none"/>`);
    }
    const pts = s.accuracy.map((a, i) => `${x(i + 1).toFixed(1)},${y(a * 100).toFixed(1)}`).join(' ');
    out.push(`<polyline points="${pts}" fill="none" stroke="${color}" stroke-width="2.5"/>`);
    s.accuracy.forEach((a, i) => out.push(`<circle cx="${x(i + 1).toFixed(1)}" cy="${y(a * 100).toFixed(1)}" r="4" fill="${color}"><title>${esc(s.label)}, k=${i + 1}: ${(a * 100).toFixed(1)}%</title></circle>`));
    const ly = m.top + 10 + si * 20;
    out.push(`<line x1="${m.left + 14}" y1="${ly}" x2="${m.left + 40}" y2="${ly}" stroke="${color}" stroke-width="2.5"/>`);
    out.push(`<text x="${m.left + 46}" y="${ly}" dy="4" font-size="13" fill="#222">${esc(s.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
