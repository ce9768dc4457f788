// One eval executor for the CLI and the app (issue #17): the same request given to `attempt-studio eval` (the
// real bin, its own process) and to the API's eval:start (a real run manager and eval worker process) stores
// the same config and the same results, greedy k-attempt and sampled pass@k alike; the executor in this
// process agrees and leaks no tensors. A stored eval config that fails the schema ends as a failed run that
// names the field, in-process and in a worker, and the app keeps serving. A stop ends it alike in both.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { createBackend, type Backend } from '../../../backend/api/backend.js';
import type { Db } from '../../../backend/db/open-db.js';
import { createRun, getRun } from '../../../backend/db/run-store.js';
import { runEval } from '../../../backend/jobs/run-eval.js';
import { createEvalRun, type EvalJobSpec } from '../../../backend/jobs/kinds/eval-job.js';
import { tf } from '../../../backend/model/core/tf.js';
import { tinySetup, type TinySetup } from '../runs/tiny-run.js';

const bin = path.resolve(import.meta.dirname, '../../../bin/attempt-studio.js');
let s: TinySetup;
let backend: Backend;
before(async () => {
  s = await tinySetup('as-run-eval-');
  backend = createBackend({ dbPath: s.dbPath });
});
after(async () => {
  await backend.close();
  s.cleanup();
});

/** `attempt-studio eval` on the shared database; the eval run it created. */
function cliEval(args: string[]): number {
  const r = spawnSync(process.execPath, [bin, 'eval', '--checkpoint', s.base, '--db', s.dbPath, '--out', path.join(s.dir, `cli-${Date.now()}.csv`), '--json', ...args], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { runId: number }).runId;
}

/** The API's eval:start through the run manager and an eval worker process; the finished run. */
async function appEval(request: Record<string, unknown>): Promise<number> {
  const { runId } = await backend.handlers['eval:start']({ checkpoint: s.base, ...request } as never);
  await backend.manager.settled(runId);
  return runId;
}

/** Everything an evaluation stored, without ids and times: results, episodes and their attempts. */
function stored(db: Db, runId: number) {
  const results = db
    .prepare('SELECT dataset, k, n, correct, accuracy, decoding, metric, skipped, step, checkpoint_path FROM eval_results WHERE run_id = ? ORDER BY metric, dataset, k')
    .all(runId);
  const episodes = db
    .prepare(
      `SELECT e.dataset, e.question_id, e.sample_index, e.attempts_used, e.solved_at, e.reward, e.verdict,
              group_concat(a.verdict || ':' || a.response, '|') AS attempts
         FROM episodes e JOIN attempts a ON a.episode_id = e.id WHERE e.run_id = ? GROUP BY e.id ORDER BY e.id`,
    )
    .all(runId);
  return { results, episodes };
}

const configOf = (runId: number) => getRun(backend.db, runId)!.config;

test('the CLI and the app store the same config and the same results for the same request (k-attempt and sampled)', async () => {
  // k-attempt accuracy, greedy.
  const cli = cliEval(['--datasets', 'synthetic', '--attempts', '2', '--limit', '3', '--max-tokens', '5', '--runtime', 'cpu']);
  const app = await appEval({ datasets: ['synthetic'], attempts: 2, limit: 3, maxTokensPerAttempt: 5, runtime: 'cpu' });
  assert.equal(getRun(backend.db, app)!.status, 'completed', getRun(backend.db, app)!.error ?? '');
  assert.deepEqual(configOf(app), configOf(cli));
  assert.equal((configOf(cli) as EvalJobSpec).batchSize, 8, 'one batch default for both');
  const a = stored(backend.db, cli);
  assert.equal(a.results.length, 2);
  assert.equal(a.episodes.length, 3);
  assert.deepEqual(stored(backend.db, app), a);

  // The same spec run by the executor in this process: same rows, no tensors left behind.
  const before = tf.memory().numTensors;
  const here = createEvalRun(backend.db, configOf(cli) as EvalJobSpec);
  const outcome = await runEval({ db: backend.db, runId: here });
  assert.equal(outcome.status, 'completed');
  assert.equal(tf.memory().numTensors, before, 'no leaked tensors');
  assert.deepEqual(stored(backend.db, here), a);

  // Sampled pass@k: the app's worker supports it as the CLI does.
  const cliS = cliEval(['--datasets', 'synthetic', '--samples', '2', '--temperature', '0.7', '--limit', '2', '--max-tokens', '5', '--seed', '3', '--runtime', 'cpu']);
  const appS = await appEval({ datasets: ['synthetic'], samples: 2, temperature: 0.7, limit: 2, maxTokensPerAttempt: 5, seed: 3, runtime: 'cpu' });
  assert.equal(getRun(backend.db, appS)!.status, 'completed', getRun(backend.db, appS)!.error ?? '');
  assert.deepEqual(configOf(appS), configOf(cliS));
  const b = stored(backend.db, cliS);
  assert.deepEqual(
    b.results.map((r) => [(r as { metric: string }).metric, (r as { k: number }).k]),
    [['mean_accuracy', 1], ['pass_at_k', 1], ['pass_at_k', 2]],
  );
  assert.equal(b.episodes.length, 4);
  assert.deepEqual(stored(backend.db, appS), b);
});

test('a stored eval config that fails the schema gives a failed run naming the field, not a crash', async () => {
  const good = configOf(cliEval(['--datasets', 'synthetic', '--attempts', '1', '--limit', '1', '--max-tokens', '3', '--runtime', 'cpu'])) as EvalJobSpec;
  // In this process: a config from an older or edited database.
  const bad = createRun(backend.db, { kind: 'eval', config: { ...good, maxAttempts: 0 } });
  const outcome = await runEval({ db: backend.db, runId: bad });
  assert.equal(outcome.status, 'failed');
  const row = getRun(backend.db, bad)!;
  assert.equal(row.status, 'failed');
  assert.match(row.error ?? '', new RegExp(`^run ${bad}'s stored config: invalid eval config: maxAttempts: `));
  // In a worker: the app's queue takes it, the worker fails the run, the app answers the next request.
  const { runId } = backend.manager.startEval({ ...good, protocol: null });
  await backend.manager.settled(runId);
  const w = getRun(backend.db, runId)!;
  assert.equal(w.status, 'failed');
  assert.match(w.error ?? '', /invalid eval config: protocol: a k-attempt evaluation names its protocol/);
  const listed = await backend.handlers['runs:list']({});
  assert.ok(listed.some((r) => r.id === runId && r.status === 'failed'));
});

test("the app's stop ends an evaluation in its worker as Ctrl-C does in the CLI: stopped, nothing stored", async () => {
  const { runId } = await backend.handlers['eval:start']({ checkpoint: s.base, datasets: ['synthetic'], limit: 200, batchSize: 1, maxTokensPerAttempt: 20, runtime: 'cpu' } as never);
  // Wait for the worker's first progress report (it is running and decoding), then stop.
  await new Promise<void>((resolve) => {
    const off = backend.events.subscribe((e) => {
      if (e.name === 'runs:progress' && (e.data as { runId: number }).runId === runId) {
        off();
        resolve();
      }
    });
  });
  await backend.manager.stop(runId);
  await backend.manager.settled(runId);
  assert.equal(getRun(backend.db, runId)!.status, 'stopped');
  assert.equal((backend.db.prepare('SELECT COUNT(*) AS c FROM eval_results WHERE run_id = ?').get(runId) as { c: number }).c, 0);
});
