// The messages between the run manager and its worker processes (discriminated unions both ways) and the
// table of worker entry points by job kind. Only ids, numbers and strings cross: never tensors or models.
import { fileURLToPath } from 'node:url';
import type { RunPhase } from '../domain/run-events.js';

/** A job a worker runs. The run row (with its resolved config) is already in the database. */
export type WorkerJob =
  | {
      kind: 'train';
      runId: number;
      dbPath: string;
      dataDir: string;
      /** Continue from the run's latest checkpoint (else start the queued run from scratch). */
      resume: boolean;
      /** Seconds between heartbeats written while a step is slow (runTraining also beats once per step). */
      heartbeatSeconds?: number;
    }
  | {
      /** An evaluation; its settings are the run's stored config (an EvalJobSpec, backend/jobs/kinds/eval-job.ts). */
      kind: 'eval';
      runId: number;
      dbPath: string;
      dataDir: string;
      heartbeatSeconds?: number;
    };

export type JobKind = WorkerJob['kind'];

/** Manager → worker. */
export type ToWorker = { type: 'start'; job: WorkerJob } | { type: 'stop' };

/** Worker → manager. */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'started'; runId: number; startStep: number; runtime: { name: string; device: string; reason: string; tfBackend: string } }
  | { type: 'step'; runId: number; step: number; metrics: Record<string, number>; /** Units of work in all (eval); training: the config's steps. */ total?: number }
  | { type: 'log'; runId: number; level: 'info' | 'error'; line: string }
  | { type: 'phase'; runId: number; phase: RunPhase }
  | { type: 'done'; runId: number; status: 'completed' | 'stopped' | 'failed'; steps: number; error: string | null };

/** One entry per job kind: the module a worker process runs (an eval worker adds one line here). */
export const WORKER_ENTRIES: Record<JobKind, string> = {
  train: fileURLToPath(new URL('./train-worker.ts', import.meta.url)),
  eval: fileURLToPath(new URL('./eval-worker.ts', import.meta.url)),
};
