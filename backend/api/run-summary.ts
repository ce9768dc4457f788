// A stored run row as runs:list shows it: the row's fields plus its live phase, setup/training time split and
// (for an eval run) accuracy by k — or a sampled evaluation's pass@k — read from the database.
import type { Db } from '../db/open-db.js';
import type { RunRow } from '../db/run-store.js';
import type { RunPhase, RunSummary } from './contract.js';

/** What runs:list adds to a stored run row: live phase, time split, an eval run's accuracy by k. */
export interface SummaryExtras {
  lastReward: number | null;
  phase: RunPhase | null;
  setupSeconds: number | null;
  trainingSeconds: number | null;
  evalAccuracy: RunSummary['evalAccuracy'];
}

/** Setup and training seconds (metrics setupSeconds at step 0 and the sum of secondsPerStep), per run. */
export function timeSplit(db: Db, runId: number): { setupSeconds: number | null; trainingSeconds: number | null } {
  const q = db.prepare("SELECT SUM(value) AS s, COUNT(*) AS n FROM metrics WHERE run_id = ? AND name = ?");
  const setup = q.get(runId, 'setupSeconds') as { s: number | null; n: number };
  const train = q.get(runId, 'secondsPerStep') as { s: number | null; n: number };
  return { setupSeconds: setup.n > 0 ? setup.s : null, trainingSeconds: train.n > 0 ? train.s : null };
}

/** The curves an eval run's row shows, first found first: k-attempt accuracy (one episode, then separate runs), else sampled pass@k. */
const ROW_METRICS = ['k_attempt', 'k_attempt_separate', 'pass_at_k'] as const;

/** An eval run's accuracy by dataset at k = 1..K (k-attempt), or its pass@1..N (a sampled evaluation); `metric` says which. */
export function evalAccuracy(db: Db, runId: number): RunSummary['evalAccuracy'] {
  const rows = db
    .prepare("SELECT metric, dataset, k, n, accuracy FROM eval_results WHERE run_id = ? AND metric IN ('k_attempt', 'k_attempt_separate', 'pass_at_k') ORDER BY dataset, k, id")
    .all(runId) as Array<{ metric: (typeof ROW_METRICS)[number]; dataset: string; k: number; n: number; accuracy: number }>;
  const metric = ROW_METRICS.find((m) => rows.some((r) => r.metric === m));
  const out: RunSummary['evalAccuracy'] = [];
  for (const r of rows) {
    if (r.metric !== metric) continue;
    let d = out.find((x) => x.dataset === r.dataset);
    if (!d) out.push((d = { dataset: r.dataset, metric, n: r.n, byK: [] }));
    while (d.byK.length < r.k) d.byK.push(null);
    d.byK[r.k - 1] = r.accuracy;
    d.n = Math.max(d.n, r.n);
  }
  return out;
}

export function summary(r: RunRow, x: SummaryExtras): RunSummary {
  const steps = (r.config as { steps?: unknown } | null)?.steps;
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    name: r.name,
    preset: r.preset,
    backend: r.backend,
    device: r.device,
    pid: r.pid,
    error: r.error,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    heartbeatAt: r.heartbeatAt,
    stepsDone: r.stepsDone,
    totalSteps: typeof steps === 'number' ? steps : null,
    tags: r.tags,
    resumable: r.kind === 'train' && r.status !== 'running' && r.status !== 'queued',
    config: r.config,
    ...x,
  };
}

