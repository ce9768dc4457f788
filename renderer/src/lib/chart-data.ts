// Metric series → chart points: x as step or wall time (minutes since the run's first point), y smoothed.
import { ema } from './smoothing.js';

export interface MetricPoint {
  step: number;
  value: number | null;
  /** Milliseconds since the epoch. */
  time: number;
}

export type XAxis = 'step' | 'time';

export interface XY {
  x: number;
  y: number | null;
}

/** One line of a chart. */
export interface Series {
  label: string;
  points: XY[];
  color: string;
  dashed?: boolean;
  /** A thin translucent line without a legend entry (the raw values behind a smoothed line). */
  faint?: boolean;
  /** A filled band around the line (a group's ± sd or min–max), its bounds at the same x as the points. */
  band?: { lo: XY[]; hi: XY[] };
}

/** Points for chart.js ({x, y}, sorted by x): x = step, or minutes since the series' first point. */
export function toPoints(series: readonly MetricPoint[], xAxis: XAxis, smoothing = 0, t0?: number): XY[] {
  const start = t0 ?? series[0]?.time ?? 0;
  const ys = ema(series.map((p) => p.value), smoothing);
  return series.map((p, i) => ({ x: xAxis === 'step' ? p.step : (p.time - start) / 60_000, y: ys[i]! }));
}

/** Appends new points to a series (by step: a re-logged step replaces the old point), keeping it sorted. */
export function appendPoints(series: readonly MetricPoint[], added: readonly MetricPoint[]): MetricPoint[] {
  if (added.length === 0) return series as MetricPoint[];
  const byStep = new Map(series.map((p) => [p.step, p]));
  for (const p of added) byStep.set(p.step, p);
  return [...byStep.values()].sort((a, b) => a.step - b.step);
}

/** The solved-by-attempt metrics a run logged (solvedAt1, solvedAt2, …) in attempt order. */
export function solvedAtNames(names: readonly string[]): string[] {
  return names
    .map((n) => /^solvedAt(\d+)$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(a[1]) - Number(b[1]))
    .map((m) => m[0]);
}

/**
 * A y range for nearly flat series (spread below 1e-6 of their magnitude): centre ± max(|centre|·10%, 1e-3),
 * so the axis shows readable ticks; null when the data has a real spread (chart.js picks the range).
 */
export function yRange(series: ReadonlyArray<{ points: readonly XY[] }>): { min: number; max: number } | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series)
    for (const p of s.points) {
      if (p.y === null || !Number.isFinite(p.y)) continue;
      lo = Math.min(lo, p.y);
      hi = Math.max(hi, p.y);
    }
  if (lo > hi) return null;
  const scale = Math.max(Math.abs(lo), Math.abs(hi));
  if (hi - lo > 1e-6 * Math.max(scale, 1e-12)) return null;
  const c = (lo + hi) / 2;
  const pad = Math.max(Math.abs(c) * 0.1, 1e-3);
  return { min: c - pad, max: c + pad };
}

/** The one x every point of the series shares, or null when there are none or several. */
export function singleX(series: ReadonlyArray<{ points: readonly XY[] }>): number | null {
  let x: number | null = null;
  for (const s of series)
    for (const p of s.points) {
      if (x === null) x = p.x;
      else if (p.x !== x) return null;
    }
  return x;
}
