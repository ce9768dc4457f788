// The runs table's model, as pure functions: config values by dotted path (hyperparameter columns), filters
// (status, tag, preset, kind, free text), sorting by any column, and the diff of two runs' configs.
import type { RunSummary } from '../../../backend/api/contract.js';

/** Hyperparameter columns offered first (any other config path can be added). */
export const SUGGESTED_COLUMNS = ['seed', 'steps', 'rolloutBatch', 'algorithm.name', 'task.mode', 'task.maxAttempts', 'optimizer.actorLr', 'dataset.source'];

const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Leaves of a config by dotted path (arrays are leaves). */
export function flattenConfig(config: unknown, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!isPlain(config)) return out;
  for (const [k, v] of Object.entries(config)) {
    const p = prefix ? `${prefix}.${k}` : k;
    if (isPlain(v)) Object.assign(out, flattenConfig(v, p));
    else out[p] = v;
  }
  return out;
}

/** A config value as a cell shows it ('' when absent). */
export function cellText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return v.join(', ');
  return String(v);
}

/** Paths where two configs differ (present in either), sorted. */
export function configDiff(a: unknown, b: unknown): Array<{ path: string; a: string; b: string }> {
  const fa = flattenConfig(a);
  const fb = flattenConfig(b);
  return [...new Set([...Object.keys(fa), ...Object.keys(fb)])]
    .sort()
    .filter((p) => JSON.stringify(fa[p]) !== JSON.stringify(fb[p]))
    .map((p) => ({ path: p, a: cellText(fa[p]), b: cellText(fb[p]) }));
}

export interface RunFilter {
  status: string;
  tag: string;
  preset: string;
  kind: string;
  /** Free text: matched against the name, id, preset, tags and error. */
  text: string;
}
export const NO_FILTER: RunFilter = { status: '', tag: '', preset: '', kind: '', text: '' };

export function filterRuns(runs: readonly RunSummary[], f: RunFilter): RunSummary[] {
  const q = f.text.trim().toLowerCase();
  return runs.filter(
    (r) =>
      (!f.status || r.status === f.status) &&
      (!f.kind || r.kind === f.kind) &&
      (!f.preset || (r.preset ?? '') === f.preset) &&
      (!f.tag || r.tags.includes(f.tag)) &&
      (!q || [r.name, `#${r.id}`, r.preset ?? '', ...r.tags, r.error ?? ''].some((s) => s.toLowerCase().includes(q))),
  );
}

/** A sortable column: a built-in one or a config path (prefixed 'config:'). */
export type SortKey = 'id' | 'name' | 'status' | 'progress' | 'result' | `config:${string}`;

/** The value a column sorts by (numbers before text; missing values last). */
export function sortValue(r: RunSummary, key: SortKey, lastReward: number | null): number | string | null {
  switch (key) {
    case 'id':
      return r.id;
    case 'name':
      return (r.name || `run ${r.id}`).toLowerCase();
    case 'status':
      return r.status;
    case 'progress':
      return r.totalSteps ? r.stepsDone / r.totalSteps : null;
    case 'result':
      return r.kind === 'eval' ? (r.evalAccuracy[0]?.byK[0] ?? null) : lastReward;
    default: {
      const v = flattenConfig(r.config)[key.slice('config:'.length)];
      return typeof v === 'number' || typeof v === 'string' ? v : v === undefined || v === null ? null : JSON.stringify(v);
    }
  }
}

export function sortRuns(runs: readonly RunSummary[], key: SortKey, dir: 1 | -1, lastReward: (id: number) => number | null = () => null): RunSummary[] {
  const val = (r: RunSummary) => sortValue(r, key, lastReward(r.id));
  return [...runs].sort((x, y) => {
    const a = val(x);
    const b = val(y);
    if (a === null || b === null) return a === b ? y.id - x.id : a === null ? 1 : -1;
    const c = typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b), undefined, { numeric: true });
    return c === 0 ? y.id - x.id : c * dir;
  });
}

/** The settings that decide a training step's cost: a run that shares them predicts another's time per step. */
const COST_KEYS = ['model.source', 'model.checkpoint', 'rolloutBatch', 'generation.maxTotalTokens', 'generation.maxTokensPerAttempt', 'algorithm.name', 'algorithm.samplesPerPrompt', 'task.mode', 'task.maxAttempts', 'epochs', 'runtime'];

/**
 * A time estimate for `config` from the newest finished training run with the same cost settings: its measured
 * seconds per step (training time / steps) times the steps asked for; null when no such run has trained.
 */
export function timeEstimate(config: unknown, runs: readonly RunSummary[]): { seconds: number; perStep: number; fromRun: number } | null {
  const want = flattenConfig(config);
  const steps = want.steps;
  if (typeof steps !== 'number') return null;
  for (const r of runs) {
    if (r.kind !== 'train' || r.trainingSeconds === null || r.stepsDone <= 0) continue;
    const f = flattenConfig(r.config);
    if (COST_KEYS.every((k) => JSON.stringify(f[k]) === JSON.stringify(want[k]))) {
      const perStep = r.trainingSeconds / r.stepsDone;
      return { seconds: perStep * steps, perStep, fromRun: r.id };
    }
  }
  return null;
}
