// Trains several runs at once, each in its own worker process through the app's run manager (the same
// workers the UI launches), and waits for all of them: how the demo uses both cores of a laptop for its two
// policies. Each run is deterministic in its config, so the result does not depend on running in parallel.
import type { Db } from '../db/open-db.js';
import { isTerminal } from '../domain/vocabulary.js';
import { getRun, latestCheckpoint } from '../db/run-store.js';
import { EventBus } from '../runs/event-bus.js';
import { RunManager } from '../runs/run-manager.js';
import type { SpawnWorker } from '../runs/spawn-worker.js';
import type { RunConfig } from '../rl/config.js';
import type { TrainRunResult } from './train-run.js';

export interface TrainInWorkersOptions {
  db: Db;
  dbPath: string;
  dataDir: string;
  configs: RunConfig[];
  signal?: AbortSignal;
  /** A step of one run finished (index into `configs`). */
  onStep?(index: number, step: number, metrics: Record<string, number>): void;
  onLog?(line: string): void;
  /** How workers start (default: local processes); the Ray backend's spawn fans the runs out over a cluster. */
  spawn?: SpawnWorker;
}

/** Runs every config in a worker at the same time; resolves with one result per config, in order. */
export async function trainInWorkers(o: TrainInWorkersOptions): Promise<TrainRunResult[]> {
  const events = new EventBus();
  const manager = new RunManager({ db: o.db, dbPath: o.dbPath, dataDir: o.dataDir, events, concurrency: o.configs.length, ...(o.spawn ? { spawn: o.spawn } : {}) });
  const ids: number[] = [];
  const finished = new Map<number, () => void>();
  const done = new Map<number, Promise<void>>();
  const unsubscribe = events.subscribe((e) => {
    const i = ids.indexOf(e.data.runId);
    if (i < 0) return;
    if (e.name === 'runs:progress') o.onStep?.(i, e.data.step, e.data.metrics);
    else if (e.name === 'runs:log') o.onLog?.(`[${o.configs[i]!.name}] ${e.data.line}`);
    else if (e.name === 'runs:status' && isTerminal(e.data.status)) finished.get(e.data.runId)?.();
  });
  const onAbort = () => void Promise.all(ids.map((id) => manager.stop(id).catch(() => undefined)));
  o.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (const config of o.configs) {
      const { runId } = manager.start(config);
      ids.push(runId);
      done.set(runId, new Promise<void>((resolve) => finished.set(runId, resolve)));
    }
    // A stop that came before the listener could see it (while the runs were being started) still stops them.
    if (o.signal?.aborted) onAbort();
    await Promise.all(done.values());
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    unsubscribe();
    await manager.close();
  }
  return ids.map((runId) => {
    const row = getRun(o.db, runId)!;
    const status = row.status === 'completed' || row.status === 'stopped' ? row.status : 'failed';
    const last = o.db.prepare('SELECT MAX(step) AS step FROM metrics WHERE run_id = ?').get(runId) as { step: number | null };
    return {
      runId,
      status,
      steps: last.step ?? 0,
      checkpoint: latestCheckpoint(o.db, runId)?.path ?? null,
      metrics: {},
      ...(status === 'failed' ? { error: row.error ?? `the worker ended the run as '${row.status}'` } : {}),
    };
  });
}
