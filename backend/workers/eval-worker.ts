// The evaluation worker process: runs one queued eval run with the eval executor (backend/jobs/run-eval.ts),
// the same function `attempt-studio eval` calls in its own process, so the app and the CLI evaluate alike
// (k-attempt accuracy or sampled pass@k, from the run's validated stored config). It reports progress and logs
// over IPC and beats while it works. A `stop` (or SIGTERM) marks the run stopped and exits: an evaluation has
// nothing to resume.
import { openDb, type Db } from '../db/open-db.js';
import { heartbeat } from '../db/run-store.js';
import { runEval, stopEvalRun } from '../jobs/run-eval.js';
import type { FromWorker, ToWorker, WorkerJob } from './protocol.js';

function send(msg: FromWorker): void {
  // After the manager is gone (kill -9 of the app) the worker keeps going; its rows are the record. The
  // channel may break before `connected` turns false: EPIPE, thrown or reported to the callback, is ignored.
  if (!process.connected) return;
  try {
    process.send?.(msg, undefined, {}, () => undefined);
  } catch {
    /* the manager is gone */
  }
}

let current: { db: Db; runId: number } | undefined;
function stopNow(): void {
  if (current) stopEvalRun(current.db, current.runId);
  if (current) send({ type: 'done', runId: current.runId, status: 'stopped', steps: 0, error: null });
  setTimeout(() => process.exit(0), 20);
}
// If the app dies (kill -9), its end of stderr closes: writes then fail with EPIPE, which must not end the
// run — the worker carries on and its rows are the record (a restarted app re-attaches to it).
process.stderr.on('error', () => undefined);
process.stdout.on('error', () => undefined);
process.on('disconnect', () => undefined);
process.on('SIGTERM', stopNow);
process.on('SIGINT', stopNow);

async function run(job: Extract<WorkerJob, { kind: 'eval' }>): Promise<void> {
  const db = openDb(job.dbPath);
  current = { db, runId: job.runId };
  let beat: NodeJS.Timeout | undefined;
  try {
    const outcome = await runEval({
      db,
      runId: job.runId,
      onStarted: (runtime) => {
        send({ type: 'started', runId: job.runId, startStep: 0, runtime: { name: runtime.name, device: runtime.device, reason: runtime.reason, tfBackend: runtime.tfBackend } });
        beat = setInterval(() => heartbeat(db, job.runId), (job.heartbeatSeconds ?? 10) * 1000);
        beat.unref();
      },
      onLog: (line) => send({ type: 'log', runId: job.runId, level: 'info', line }),
      onProgress: (done, total) => send({ type: 'step', runId: job.runId, step: done, metrics: {}, total }),
    });
    if (outcome.status === 'failed') send({ type: 'log', runId: job.runId, level: 'error', line: outcome.error });
    send({ type: 'done', runId: job.runId, status: outcome.status, steps: 0, error: outcome.status === 'failed' ? outcome.error : null });
  } finally {
    if (beat) clearInterval(beat);
    current = undefined;
    db.close();
  }
}

process.on('message', (msg: ToWorker) => {
  if (msg.type === 'stop') stopNow();
  else if (msg.type === 'start' && msg.job.kind === 'eval') {
    run(msg.job)
      .catch((err: Error) => {
        send({ type: 'done', runId: msg.job.runId, status: 'failed', steps: 0, error: err.message });
        process.exitCode = 1;
      })
      .finally(() => {
        if (process.connected) process.disconnect();
      });
  }
});
send({ type: 'ready' });
