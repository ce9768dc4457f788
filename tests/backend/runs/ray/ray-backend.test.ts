// The Ray backend against a REAL local Ray cluster (a head and a second worker node on loopback, 3 CPUs in
// all, one cluster for the file): two short training runs and an evaluation submitted as Ray jobs run in
// parallel; one is stopped gracefully (checkpoint, `stopped`); one has its job's worker killed with kill -9, is
// reconciled as `interrupted` and resumed to the end; the studio's SQLite holds every step exactly once. The
// Settings API finds the cluster and switches an idle studio onto it and back. Last, the worker node dies (its
// raylet killed) under a run: the run is `interrupted` and resumes on the head. Skips without Ray locally;
// under CI=true a missing Ray fails.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { openDb } from '../../../../backend/db/open-db.js';
import { getRun } from '../../../../backend/db/run-store.js';
import { parseRunConfig } from '../../../../backend/rl/config.js';
import { EventBus } from '../../../../backend/runs/event-bus.js';
import type { EventEnvelope } from '../../../../backend/api/contract.js';
import { RunManager } from '../../../../backend/runs/run-manager.js';
import { RayLauncher } from '../../../../backend/runs/ray/ray-launcher.js';
import type { EvalJobSpec } from '../../../../backend/jobs/kinds/eval-job.js';
import { trainInWorkers } from '../../../../backend/jobs/train-in-workers.js';
import { tinySetup } from '../tiny-run.js';
import { findRay, startLocalRayCluster, WORKER_NODE_RESOURCE, type LocalRayCluster } from './local-ray-cluster.js';
import { createBackend } from '../../../../backend/api/backend.js';
import { parseInput } from '../../../../backend/api/contract.js';

const ray = findRay();
const skip = !ray && process.env.CI !== 'true' ? 'Ray is not installed (python3 -m venv .venv-ray && .venv-ray/bin/pip install "ray[default]==2.40.0"; .ci/run does it)' : false;

/** The pid of the node process running run `runId`'s Ray job for the studio whose ingest server is `server`
 * (its $ATTEMPT_STUDIO_RAY_JOB names both: another test run on this machine has its own run 1). */
function jobWorkerPid(runId: number, server: string): number | undefined {
  const matches = (spec: { runId: number; server: string }) => spec.runId === runId && spec.server === server;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const env = readFileSync(`/proc/${d}/environ`, 'utf8').split('\0').find((e) => e.startsWith('ATTEMPT_STUDIO_RAY_JOB='));
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      if (env && cmd.includes('ray-entry.ts') && matches(JSON.parse(env.slice('ATTEMPT_STUDIO_RAY_JOB='.length)) as { runId: number; server: string })) return Number(d);
    } catch {
      /* gone or not ours */
    }
  }
  return undefined;
}

let cluster: LocalRayCluster | undefined;
before(async () => {
  if (!skip) {
    assert.ok(ray, 'CI=true: Ray must be installed (.ci/run makes .venv-ray)');
    cluster = await startLocalRayCluster(ray, { headCpus: 2, workerCpus: 1 });
  }
});
after(async () => {
  await cluster?.stop();
});

/** Events of a bus, kept, and a wait for one matching (data, never time: the deadline only names what was missing). */
function watchEvents(events: EventBus) {
  const seen: EventEnvelope[] = [];
  events.subscribe((e) => seen.push(e));
  const waitFor = (pred: (e: EventEnvelope) => boolean, what: string, ms = 300_000) =>
    new Promise<EventEnvelope>((resolve, reject) => {
      const hit = seen.find(pred);
      if (hit) return resolve(hit);
      const timer = setTimeout(() => (off(), reject(new Error(`timed out waiting for ${what}; saw ${JSON.stringify(seen.slice(-30).map((e) => [e.name, e.data]))}`))), ms);
      const off = events.subscribe((e) => {
        if (pred(e)) {
          clearTimeout(timer);
          off();
          resolve(e);
        }
      });
    });
  return { seen, waitFor };
}
/** Polls a condition on the cluster's own state until it holds (the deadline only names what was missing). */
async function waitUntil(ok: () => Promise<boolean>, what: string, ms = 180_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
const status = (runId: number, want: string) => (e: EventEnvelope) => e.name === 'runs:status' && e.data.runId === runId && e.data.status === want;
const progress = (runId: number, atLeast: number) => (e: EventEnvelope) => e.name === 'runs:progress' && e.data.runId === runId && e.data.step >= atLeast;

test('Ray backend on a real local cluster: parallel runs, stop, kill -9 → interrupted → resume, rows exactly once, a sweep fanned out, orphans stopped', { skip, timeout: 900_000 }, async () => {
  const s = await tinySetup('as-ray-run-');
  const db = openDb(s.dbPath);
  const events = new EventBus();
  const { seen, waitFor } = watchEvents(events);
  let launcher: RayLauncher | undefined;
  let manager: RunManager | undefined;
  try {
    launcher = await RayLauncher.create({ address: cluster!.address, sharedDir: s.dir, db, dbPath: s.dbPath, pollMs: 500, heartbeatSeconds: 2 });
    assert.deepEqual(launcher.stoppedOrphans, []);
    manager = new RunManager({ db, dbPath: s.dbPath, dataDir: s.dir, events, concurrency: 8, spawn: launcher.spawn, stopTimeoutMs: 120_000 });
    manager.init();
    const long = manager.start(parseRunConfig(s.config(400, 1), 'long'), 'to stop').runId;
    const killed = manager.start(parseRunConfig(s.config(8, 2), 'killed'), 'to kill').runId;
    const evalCfg: EvalJobSpec = { checkpoint: s.base, checkpointId: null, step: null, sourceRun: null, datasets: ['synthetic'], maxAttempts: 2, protocol: 'one-episode', prompt: 'multi-attempt', template: null, limit: 6, batchSize: 3, maxTokensPerAttempt: 6, maxTotalTokens: 12, samples: null, temperature: 0, seed: 1, runtime: 'auto' };
    const ev = manager.startEval(evalCfg, 'eval on ray').runId;

    // In parallel: the two training runs are running on the cluster at once (Ray placed them on its CPUs),
    // and the evaluation ran while they were queued or running — nothing waited for another run to end.
    await Promise.all([waitFor(status(long, 'running'), 'long running'), waitFor(status(killed, 'running'), 'killed running')]);
    const jobs = await launcher.client.list();
    const runningJobs = jobs.filter((j) => j.status === 'RUNNING' && j.metadata?.app === 'attempt-studio' && j.metadata?.kind === 'train');
    assert.ok(runningJobs.length >= 2, `Ray runs both training jobs at once: ${JSON.stringify(jobs.map((j) => [j.submission_id, j.status]))}`);
    await waitFor(status(ev, 'completed'), 'eval completed');
    const [l, k, e] = [long, killed, ev].map((id) => getRun(db, id)!);
    assert.ok(e.startedAt! < Math.min(l.endedAt ?? Infinity, k.endedAt ?? Infinity), 'the evaluation started before either training ended');
    assert.ok(getRun(db, ev)!.backend, 'the eval worker reported its runtime');
    const evalRows = db.prepare('SELECT dataset, k, n FROM eval_results WHERE run_id = ? ORDER BY k').all(ev) as Array<{ dataset: string; k: number; n: number }>;
    assert.deepEqual(evalRows.map((r) => [r.dataset, r.k, r.n]), [['synthetic', 1, 6], ['synthetic', 2, 6]]);
    assert.equal((db.prepare("SELECT count(*) n FROM episodes WHERE run_id = ? AND split = 'eval'").get(ev) as { n: number }).n, 6);

    // kill -9 of the worker inside a job: Ray reports the job failed; the run is interrupted (resumable).
    await waitFor(progress(killed, 3), 'killed at step 3');
    const pid = jobWorkerPid(killed, launcher.ingest.url);
    assert.ok(pid, 'found the job worker process of the run');
    process.kill(pid, 'SIGKILL');
    await waitFor(status(killed, 'interrupted'), 'interrupted after kill -9');
    assert.match(getRun(db, killed)!.error ?? '', /^Ray job attempt-studio-run-\d+-[0-9a-f]+ was killed by SIGKILL/, 'the reason names the Ray job, not a local pid');

    // A graceful stop of the long run: it finishes its step, checkpoints, and its Ray job ends.
    await waitFor(progress(long, 2), 'long at step 2');
    await manager.stop(long);
    await waitFor(status(long, 'stopped'), 'long stopped');
    await manager.settled(long);
    const stopped = getRun(db, long)!;
    assert.ok(stopped.stepsDone >= 2 && stopped.stepsDone < 400, `steps ${stopped.stepsDone}`);
    const lastCk = db.prepare('SELECT max(step) s FROM checkpoints WHERE run_id = ?').get(long) as { s: number };
    assert.equal(lastCk.s, stopped.stepsDone, 'the stop wrote a checkpoint at the last step');

    // Resume the killed run from its checkpoint in the shared folder, as a new Ray job, to its end.
    const before = getRun(db, killed)!.stepsDone;
    manager.resume(killed);
    await waitFor((e) => status(killed, 'completed')(e) && seen.indexOf(e) > seen.findIndex(status(killed, 'interrupted')), 'killed completed after resume');
    await manager.settled(killed);
    const done = getRun(db, killed)!;
    assert.equal(done.stepsDone, 8);
    assert.ok(before >= 3, `it had ${before} steps when killed`);

    // Rows: every step once — two training episodes per step (rolloutBatch 2), each metric once per step.
    for (const [runId, steps] of [[killed, 8], [long, stopped.stepsDone]] as const) {
      const perStep = db.prepare("SELECT step, count(*) n, count(DISTINCT question_id || '#' || sample_index) u FROM episodes WHERE run_id = ? AND split = 'train' GROUP BY step ORDER BY step").all(runId) as Array<{ step: number; n: number; u: number }>;
      assert.deepEqual(perStep.map((r) => r.step), Array.from({ length: steps }, (_, i) => i + 1), `run ${runId} has each step`);
      for (const r of perStep) assert.ok(r.n === 2 && r.u === 2, `run ${runId} step ${r.step}: ${r.n} episodes (${r.u} distinct)`);
      const rewards = db.prepare("SELECT count(*) n, count(DISTINCT step) d FROM metrics WHERE run_id = ? AND name = 'reward'").get(runId) as { n: number; d: number };
      assert.equal(rewards.n, steps);
      assert.equal(rewards.d, steps);
      const attemptsOrphans = db.prepare('SELECT count(*) n FROM attempts a LEFT JOIN episodes e ON e.id = a.episode_id WHERE e.id IS NULL').get() as { n: number };
      assert.equal(attemptsOrphans.n, 0);
    }
    // A sweep (the demo's two policies, bench:finding's seeds) fans out over the cluster through the same spawn.
    const sweep = await trainInWorkers({ db, dbPath: s.dbPath, dataDir: s.dir, configs: [1, 2].map((seed) => parseRunConfig({ ...s.config(3, 3), seed }, `seed ${seed}`)), spawn: launcher.spawn });
    assert.deepEqual(sweep.map((r) => [r.status, r.steps]), [['completed', 3], ['completed', 3]]);
    for (const r of sweep) {
      assert.ok(r.checkpoint?.startsWith(s.dir), String(r.checkpoint));
      assert.equal((db.prepare("SELECT count(*) n FROM episodes WHERE run_id = ? AND split = 'train'").get(r.runId) as { n: number }).n, 6);
    }
    // A studio restarting on this database stops the jobs its earlier launch left running (they cannot report
    // any more), so a resume never runs two jobs on one run; here the old launch still watches and sees it end.
    const orphan = manager.start(parseRunConfig(s.config(400, 5), 'orphan'), 'left running').runId;
    await waitFor(status(orphan, 'running'), 'orphan running');
    const restarted = await RayLauncher.create({ address: cluster!.address, sharedDir: s.dir, db, dbPath: s.dbPath });
    try {
      assert.equal(restarted.stoppedOrphans.length, 1);
      assert.match(restarted.stoppedOrphans[0]!, new RegExp(`^attempt-studio-run-${orphan}-`));
      // Ray's stop is a SIGTERM: the worker ends its step and (this old launch still listening) records `stopped`;
      // after a real restart nobody listens and the run stays as start-up reconciliation left it, `interrupted`.
      await waitFor((e) => e.name === 'runs:status' && e.data.runId === orphan && ['stopped', 'interrupted'].includes(e.data.status), 'orphan ended after its job was stopped');
      await manager.settled(orphan);
      assert.equal((await launcher.client.status(restarted.stoppedOrphans[0]!)).status, 'STOPPED');
    } finally {
      await restarted.close();
    }
    // Checkpoints live in the shared folder the user named.
    for (const c of db.prepare('SELECT path FROM checkpoints').all() as Array<{ path: string }>) assert.ok(c.path.startsWith(path.join(s.dir, 'runs')), c.path);
  } finally {
    await manager?.close();
    await launcher?.close();
    db.close();
    s.cleanup();
  }
});

test('the Settings API on a real cluster: the connection test succeeds, a save switches the idle studio onto the cluster (a run becomes a Ray job) and back', { skip, timeout: 600_000 }, async () => {
  const s = await tinySetup('as-ray-settings-');
  const settingsFile = path.join(s.dir, 'settings.json');
  const backend = createBackend({ dbPath: s.dbPath, dataDir: s.dir, settingsFile, rayLauncher: { pollMs: 500, heartbeatSeconds: 2 } });
  const h = backend.handlers;
  const { waitFor } = watchEvents(backend.events);
  try {
    const address = cluster!.address;
    const t = await h['cluster:test'](parseInput('cluster:test', { address }));
    assert.equal(t.ok, true, t.message);
    assert.equal(t.rayVersion, '2.40.0');
    assert.match(t.message, /^Connected: Ray 2\.40\.0 at http:\/\/127\.0\.0\.1:\d+; its Jobs API answers \(\d+ jobs? listed\)\.$/);

    const saved = await h['cluster:save'](parseInput('cluster:save', { ray: { address, sharedDir: s.dir, cpusPerJob: 1 } }));
    assert.equal(saved.applied, true, saved.message);
    assert.match(saved.message, /In use now: new runs are Ray jobs on http:\/\/127\.0\.0\.1:\d+ \(Ray 2\.40\.0\), 64 at once at most\.$/);
    assert.deepEqual({ ...saved.view.active, ingestUrl: '' }, { backend: 'ray', address, sharedDir: s.dir, ingestHost: '127.0.0.1', cpusPerJob: 1, rayVersion: '2.40.0', ingestUrl: '', source: 'settings' });
    assert.equal(saved.view.concurrency, 64);

    const { runId } = await h['runs:start'](parseInput('runs:start', { config: s.config(3, 3), name: 'via settings' }));
    await waitFor(status(runId, 'completed'), 'the run completed on the cluster');
    await backend.manager.settled(runId);
    const jobs = (await backend.cluster.launcher!.client.list()).filter((j) => j.metadata?.run === String(runId) && j.metadata?.db === path.resolve(s.dbPath));
    assert.deepEqual(jobs.map((j) => j.status), ['SUCCEEDED'], 'the run was one Ray job');
    // It asked Ray for the run's peak-memory estimate: the same figure the New-experiment form shows.
    const estimate = await h['config:estimate'](parseInput('config:estimate', { config: s.config(3, 3) }));
    assert.ok(estimate.peakBytes && estimate.peakBytes > 0, JSON.stringify(estimate));
    // Ray's job details do not echo the request; its State API shows what the job's supervisor actor required.
    const q = new URLSearchParams({ detail: 'true', filter_keys: 'name', filter_predicates: '=', filter_values: `_ray_internal_job_actor_${jobs[0]!.submission_id}` });
    const actors = (await (await fetch(`${address}/api/v0/actors?${q}`)).json()) as { data: { result: { result: Array<{ required_resources: Record<string, number> }> } } };
    assert.deepEqual(actors.data.result.result.map((a) => a.required_resources), [{ CPU: 1, memory: Math.ceil(estimate.peakBytes) }], "the job asked Ray for 1 CPU and the run's estimated memory");
    assert.equal((backend.db.prepare("SELECT count(*) n FROM episodes WHERE run_id = ? AND split = 'train'").get(runId) as { n: number }).n, 6);

    const back = await h['cluster:save'](parseInput('cluster:save', { ray: null }));
    assert.equal(back.applied, true, back.message);
    assert.deepEqual([back.view.active, back.view.concurrency], [{ backend: 'local' }, 1]);
  } finally {
    await backend.close();
    s.cleanup();
  }
});

// Last: it leaves the cluster without its worker node.
test('a node that dies under a run (its raylet killed): Ray fails the job, the run is interrupted, and it resumes on the head from its checkpoint', { skip, timeout: 600_000 }, async (t) => {
  const s = await tinySetup('as-ray-node-');
  const db = openDb(s.dbPath);
  const events = new EventBus();
  const { seen, waitFor } = watchEvents(events);
  // One launcher whose jobs must run on the worker node (its custom resource), one for anywhere (the head then).
  const onWorker = await RayLauncher.create({ address: cluster!.address, sharedDir: s.dir, db, pollMs: 500, heartbeatSeconds: 2, resourcesPerJob: { [WORKER_NODE_RESOURCE]: 1 } });
  const anywhere = await RayLauncher.create({ address: cluster!.address, sharedDir: s.dir, db, pollMs: 500, heartbeatSeconds: 2 });
  let useWorker = true;
  const manager = new RunManager({ db, dbPath: s.dbPath, dataDir: s.dir, events, concurrency: 4, spawn: (entry) => (useWorker ? onWorker : anywhere).spawn(entry), stopTimeoutMs: 120_000 });
  manager.init();
  try {
    const runId = manager.start(parseRunConfig(s.config(400, 1), 'node dies'), 'node dies').runId;
    await waitFor(progress(runId, 2), 'two steps on the worker node');
    const job = (await onWorker.client.list()).find((j) => j.metadata?.run === String(runId) && j.status === 'RUNNING');
    assert.ok(job, 'the run is a running Ray job');
    cluster!.killWorkerRaylet();
    await waitFor(status(runId, 'interrupted'), 'interrupted after its node died');
    await manager.settled(runId);
    const interrupted = getRun(db, runId)!;
    assert.match(interrupted.error ?? '', /^Ray job attempt-studio-run-\d+-[0-9a-f]+ was killed by SIGKILL; its committed steps are kept and resume continues from the checkpoint at step \d+/);
    const failed = await onWorker.client.status(job.submission_id);
    assert.equal(failed.status, 'FAILED');
    assert.equal(failed.driver_exit_code ?? null, null, 'no exit code: the driver did not end, its node did');
    t.diagnostic(`Ray on the dead node's job: ${failed.message ?? '(no message)'}`);
    const before = interrupted.stepsDone;
    assert.ok(before >= 2, `steps ${before}`);

    // Resume once the head has noticed the node is gone: until then Ray may still place the new job's
    // supervisor there (it then dies at once, "The actor died unexpectedly"), which is Ray's, not the studio's.
    await waitUntil(async () => (await cluster!.aliveNodes()) === 1, 'the head reports the worker node dead');
    useWorker = false;
    manager.resume(runId);
    const resumedAt = seen.length;
    await waitFor((e) => progress(runId, before + 1)(e) && seen.indexOf(e) >= resumedAt, 'a step past the checkpoint after resume');
    await manager.stop(runId);
    await waitFor((e) => status(runId, 'stopped')(e) && seen.indexOf(e) >= resumedAt, 'stopped after resume');
    await manager.settled(runId);
    const steps = getRun(db, runId)!.stepsDone;
    const perStep = db.prepare("SELECT step, count(*) n FROM episodes WHERE run_id = ? AND split = 'train' GROUP BY step ORDER BY step").all(runId) as Array<{ step: number; n: number }>;
    assert.deepEqual(perStep.map((r) => r.step), Array.from({ length: steps }, (_, i) => i + 1), 'each step once, none lost across the node death');
    assert.ok(perStep.every((r) => r.n === 2), JSON.stringify(perStep));
  } finally {
    await manager.close();
    await onWorker.close();
    await anywhere.close();
    db.close();
    s.cleanup();
  }
});
