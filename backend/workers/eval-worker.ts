// The evaluation worker process: runs one queued eval run (k-attempt accuracy, greedy) from its stored
// config, reports progress, stores results/episodes in one transaction at the end (backend/jobs/eval-store.ts).
// A `stop` (or SIGTERM) marks the run stopped and exits: an evaluation has nothing to resume.
import { openDb, type Db } from '../db/open-db.js';
import { getRun, heartbeat } from '../db/run-store.js';
import { failRun, finishRun, markRunning } from '../jobs/run-status.js';
import type { EvalRunConfig, FromWorker, ToWorker, WorkerJob } from './protocol.js';

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
  if (current && getRun(current.db, current.runId)?.status === 'running') finishRun(current.db, current.runId, 'stopped');
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
  const row = getRun(db, job.runId);
  if (!row) throw new Error(`no run with id ${job.runId}`);
  const c = row.config as EvalRunConfig;
  const log = (line: string) => send({ type: 'log', runId: job.runId, level: 'info', line });
  try {
    const { selectRuntime } = await import('../model/runtime/runtime.js');
    const runtime = await selectRuntime({});
    markRunning(db, job.runId, { pid: process.pid, backend: runtime.name, device: runtime.device });
    send({ type: 'started', runId: job.runId, startStep: 0, runtime: { name: runtime.name, device: runtime.device, reason: runtime.reason, tfBackend: runtime.tfBackend } });
    const beat = setInterval(() => heartbeat(db, job.runId), (job.heartbeatSeconds ?? 10) * 1000);
    beat.unref();
    const { loadEvalModel, loadEvalDatasets } = await import('../eval/load-eval-model.js');
    const { evaluateKAttempt } = await import('../eval/k-attempt.js');
    const { storeKAttempt } = await import('../jobs/eval-store.js');
    log(`loading ${c.checkpoint}`);
    const m = await loadEvalModel(c.checkpoint);
    try {
      const { HELD_OUT, heldOutQuestions } = await import('../eval/held-out.js');
      const named = await loadEvalDatasets(c.datasets.filter((d) => d !== HELD_OUT), { limit: c.limit ?? undefined, seed: c.seed });
      const data = [];
      for (const name of c.datasets) {
        if (name !== HELD_OUT) data.push(named.find((d) => d.name === name)!);
        else {
          const source = c.sourceRun === null ? undefined : getRun(db, c.sourceRun);
          if (!source) throw new Error(`the held-out split belongs to run ${c.sourceRun ?? '(none)'}, which no longer exists`);
          data.push(await heldOutQuestions(source.config, `run ${source.id}'s stored config`, c.limit ?? undefined));
        }
      }
      log(`${data.reduce((s, d) => s + d.questions.length, 0)} questions from ${c.datasets.join(', ')}`);
      const r = await evaluateKAttempt(m, data, {
        batchSize: c.batchSize,
        maxTokensPerAttempt: c.maxTokensPerAttempt,
        maxTotalTokens: c.maxTotalTokens,
        maxAttempts: c.maxAttempts,
        protocol: c.protocol,
        prompt: c.prompt,
        onProgress: (done, total) => send({ type: 'step', runId: job.runId, step: done, metrics: {}, total }),
      });
      for (const d of r.datasets) log(`${d.dataset}: ${d.accuracyByK.map((a, i) => `k=${i + 1} ${(a * 100).toFixed(1)}%`).join(', ')} (${d.n} questions)`);
      storeKAttempt(db, job.runId, r, { checkpointId: c.checkpointId ?? undefined, checkpointPath: c.checkpoint, step: c.step ?? undefined });
      finishRun(db, job.runId, 'completed');
      send({ type: 'done', runId: job.runId, status: 'completed', steps: 0, error: null });
    } finally {
      clearInterval(beat);
      m.model.dispose();
    }
  } catch (err) {
    const message = (err as Error).message;
    failRun(db, job.runId, message);
    send({ type: 'log', runId: job.runId, level: 'error', line: message });
    send({ type: 'done', runId: job.runId, status: 'failed', steps: 0, error: message });
  } finally {
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
