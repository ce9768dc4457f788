// Seed groups, as pure functions: runs whose configs differ only in their seed form a group (or runs sharing a
// chosen config key's value), and a group's aggregate — per step of a metric, per k of accuracy — is its mean
// with the sample standard deviation, min and max over its n runs (the "mean ± sd over seeds" of docs/RESULTS.md).
import { flattenConfig } from './runs-table.js';

/** Config paths that never split a group (identity and bookkeeping, not hyperparameters). */
const IGNORED = new Set(['seed', 'name', 'preset']);

/** The key that runs of one seed group share: the config without its seed (and name). */
export function seedGroupKey(config: unknown): string {
  const flat = flattenConfig(config);
  return JSON.stringify(Object.keys(flat).sort().filter((k) => !IGNORED.has(k)).map((k) => [k, flat[k]]));
}

export interface RunRef {
  id: number;
  name: string;
  config: unknown;
  /** The run's tags: grouping by 'tags' puts runs with the same tags together (groups made by hand). */
  tags?: readonly string[];
}

export interface Group {
  /** Stable id within one grouping ('g1', 'g2', … in order of the first run). */
  id: string;
  label: string;
  runIds: number[];
}

/**
 * Groups runs: by = 'seed' puts runs that differ only in their seed together (a label from what sets them
 * apart: the task mode and attempts, else the first run's name); by = 'tags' groups runs with the same tags
 * (grouping by hand: tag the runs on the Runs page); by = a config path groups by its value.
 */
export function groupRuns(runs: readonly RunRef[], by: 'seed' | 'tags' | string): Group[] {
  const groups = new Map<string, Group>();
  for (const r of runs) {
    const flat = flattenConfig(r.config);
    const tags = [...(r.tags ?? [])].sort();
    const key = by === 'seed' ? seedGroupKey(r.config) : by === 'tags' ? JSON.stringify(tags) : JSON.stringify(flat[by] ?? null);
    let g = groups.get(key);
    if (!g) {
      const label =
        by === 'seed' ? groupLabel(r) : by === 'tags' ? (tags.length > 0 ? `tags: ${tags.join(', ')}` : '(no tags)') : `${by} = ${flat[by] === undefined ? '(unset)' : String(flat[by])}`;
      groups.set(key, (g = { id: `g${groups.size + 1}`, label, runIds: [] }));
    }
    g.runIds.push(r.id);
  }
  return [...groups.values()];
}

/** A seed group's name: the run's name without a trailing seed mark, or its task and attempts. */
function groupLabel(r: RunRef): string {
  let stripped = r.name.replace(/[\s,·(]*seed\s*\d+\)?\s*$/i, '').trim();
  if ((stripped.match(/\(/g) ?? []).length > (stripped.match(/\)/g) ?? []).length) stripped += ')';
  if (stripped) return stripped;
  const f = flattenConfig(r.config);
  return `${String(f['task.mode'] ?? 'run')}${f['task.maxAttempts'] ? ` ×${String(f['task.maxAttempts'])}` : ''}`;
}

export interface Stat {
  mean: number;
  /** Sample standard deviation (n − 1); 0 for one value. */
  sd: number;
  min: number;
  max: number;
  n: number;
}

/** Mean, sample sd, min, max of the finite values (null when there are none). */
export function stat(values: ReadonlyArray<number | null | undefined>): Stat | null {
  const xs = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (xs.length === 0) return null;
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, sd, min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
}

/** Per step, the statistic over the runs that logged that step (series given per run, each sorted by step). */
export function aggregateByStep(series: ReadonlyArray<ReadonlyArray<{ step: number; value: number | null }>>): Array<{ step: number } & Stat> {
  const byStep = new Map<number, number[]>();
  for (const s of series)
    for (const p of s) {
      if (p.value === null || !Number.isFinite(p.value)) continue;
      let a = byStep.get(p.step);
      if (!a) byStep.set(p.step, (a = []));
      a.push(p.value);
    }
  return [...byStep.entries()].sort((a, b) => a[0] - b[0]).map(([step, vs]) => ({ step, ...stat(vs)! }));
}

/** Per k, the statistic of accuracy over the group's runs (each run's accuracy[k − 1]). */
export function aggregateByK(curves: ReadonlyArray<ReadonlyArray<number | null>>): Array<Stat | null> {
  const K = Math.max(0, ...curves.map((c) => c.length));
  return Array.from({ length: K }, (_, i) => stat(curves.map((c) => c[i])));
}

/** The gain from k = 1 to k = 2 per run, then its statistic over the group (as docs/RESULTS.md reports it). */
export function gain1to2(curves: ReadonlyArray<ReadonlyArray<number | null>>): Stat | null {
  return stat(curves.map((c) => (c[0] != null && c[1] != null ? c[1] - c[0] : null)));
}

/** "41.3 ± 2.1%" (percent of a 0..1 statistic; one decimal); '–' when null. */
export function pctStat(s: Stat | null, band: 'sd' | 'minmax' = 'sd'): string {
  if (!s) return '–';
  const p = (v: number) => (v * 100).toFixed(1);
  return band === 'sd' ? `${p(s.mean)} ± ${p(s.sd)}%` : `${p(s.mean)}% [${p(s.min)}–${p(s.max)}]`;
}

/** CSV of a group's aggregate (RFC 4180 quoting): one row per x with mean, sd, min, max, n. */
export function aggregateCsv(group: string, xName: string, rows: ReadonlyArray<{ x: number } & Stat>): string {
  const q = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  const lines = [['group', xName, 'mean', 'sd', 'min', 'max', 'n'].join(',')];
  for (const r of rows) lines.push([q(group), r.x, r.mean, r.sd, r.min, r.max, r.n].join(','));
  return lines.join('\r\n') + '\r\n';
}
