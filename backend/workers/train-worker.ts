// The training worker process: receives one `start` job over IPC, runs runTraining on its run (which writes
// every step to SQLite itself), reports progress, and stops after the current step on `stop` or SIGTERM.
import { openDb } from '../db/open-db.js';
import { getRun, heartbeat } from '../db/run-store.js';
import { parseRunConfig } from '../rl/config.js';
import { runTraining } from '../jobs/train-run.js';
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

// If the app dies (kill -9), its end of stderr closes: writes then fail with EPIPE, which must not end the
// run — the worker carries on and its rows are the record (a restarted app re-attaches to it).
process.stderr.on('error', () => undefined);
process.stdout.on('error', () => undefined);
process.on('disconnect', () => undefined);
const controller = new AbortController();
process.on('SIGTERM', () => controller.abort());
process.on('SIGINT', () => controller.abort());

async function run(job: Extract<WorkerJob, { kind: 'train' }>): Promise<void> {
  const db = openDb(job.dbPath);
  let beat: NodeJS.Timeout | undefined;
  try {
    const row = getRun(db, job.runId);
    if (!row) throw new Error(`no run with id ${job.runId}`);
    const config = parseRunConfig(row.config, `run ${job.runId}'s stored config`);
    beat = setInterval(() => {
      try {
        if (getRun(db, job.runId)?.status === 'running') heartbeat(db, job.runId);
      } catch {
        /* a busy database skips one beat */
      }
    }, (job.heartbeatSeconds ?? 10) * 1000);
    beat.unref();
    const log = (line: string) => send({ type: 'log', runId: job.runId, level: 'info', line });
    const result = await runTraining({
      db,
      dataDir: job.dataDir,
      config,
      ...(job.resume ? { resumeRunId: job.runId } : { runId: job.runId }),
      signal: controller.signal,
      onLog: log,
      onStarted: ({ runId, runtime, startStep }) =>
        send({ type: 'started', runId, startStep, runtime: { name: runtime.name, device: runtime.device, reason: runtime.reason, tfBackend: runtime.tfBackend } }),
      onStep: ({ runId, step, metrics }) => send({ type: 'step', runId, step, metrics }),
      onPhase: (phase) => send({ type: 'phase', runId: job.runId, phase }),
    });
    if (result.error) send({ type: 'log', runId: job.runId, level: 'error', line: result.error });
    send({ type: 'done', runId: result.runId, status: result.status, steps: result.steps, error: result.error ?? null });
  } finally {
    if (beat) clearInterval(beat);
    db.close();
  }
}

process.on('message', (msg: ToWorker) => {
  if (msg.type === 'stop') controller.abort();
  else if (msg.type === 'start' && msg.job.kind === 'train') {
    run(msg.job)
      .catch((err: Error) => {
        send({ type: 'log', runId: msg.job.runId, level: 'error', line: err.stack ?? err.message });
        send({ type: 'done', runId: msg.job.runId, status: 'failed', steps: 0, error: err.message });
        process.exitCode = 1;
      })
      .finally(() => {
        // Let the last messages flush, then leave (tfjs keeps no handles that must be awaited).
        if (process.connected) process.disconnect();
        setTimeout(() => process.exit(), 50).unref();
      });
  }
});
send({ type: 'ready' });
