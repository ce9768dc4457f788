// `npm run bench:ray-sweep`: a 4-run training sweep (4 seeds of the tiny model, N steps each) through the run
// manager twice — local worker processes (concurrency 2) and Ray jobs on a local cluster with 2 CPUs (a head
// and a worker node, 1 CPU each, so the same two runs at a time) — measuring the sweep's wall time and, per
// run, the overhead: queue→running (worker start: process, tsx, tfjs; on Ray also job submission and
// placement) and last step→run ended. Medians over the 4 runs; writes bench/results/ray-sweep.json.
// Needs Ray (.venv-ray, see .ci/run). Options: --steps N (default 20), --rounds R (default 1).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openDb } from '../backend/db/open-db.js';
import { getRun } from '../backend/db/run-store.js';
import { parseRunConfig } from '../backend/rl/config.js';
import { EventBus } from '../backend/runs/event-bus.js';
import { RunManager } from '../backend/runs/run-manager.js';
import { RayLauncher } from '../backend/runs/ray/ray-launcher.js';
import { tinySetup } from '../tests/backend/runs/tiny-run.js';
import { findRay, startLocalRayCluster } from '../tests/backend/runs/ray/local-ray-cluster.js';

const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : d;
};
const STEPS = arg('steps', 20);
const ROUNDS = arg('rounds', 1);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

interface SweepResult {
  wallS: number;
  perRun: Array<{ runId: number; queuedToRunningS: number; lastStepToEndS: number; trainS: number }>;
}

async function sweep(backend: 'local' | 'ray', address?: string): Promise<SweepResult> {
  const s = await tinySetup(`as-sweep-${backend}-`);
  const db = openDb(s.dbPath);
  const events = new EventBus();
  const lastStepAt = new Map<number, number>();
  const runningAt = new Map<number, number>();
  const queuedAt = new Map<number, number>();
  const endedAt = new Map<number, number>();
  events.subscribe((e) => {
    const t = performance.now();
    if (e.name === 'runs:progress') lastStepAt.set(e.data.runId, t);
    if (e.name === 'runs:status' && e.data.status === 'running') runningAt.set(e.data.runId, t);
    if (e.name === 'runs:status' && ['completed', 'failed', 'stopped', 'interrupted'].includes(e.data.status)) endedAt.set(e.data.runId, t);
  });
  const launcher = backend === 'ray' ? await RayLauncher.create({ address: address!, sharedDir: s.dir, db, pollMs: 250 }) : undefined;
  const manager = new RunManager({ db, dbPath: s.dbPath, dataDir: s.dir, events, concurrency: backend === 'ray' ? 8 : 2, ...(launcher ? { spawn: launcher.spawn } : {}) });
  manager.init();
  const t0 = performance.now();
  const ids: number[] = [];
  for (let seed = 1; seed <= 4; seed++) {
    const id = manager.start(parseRunConfig({ ...s.config(STEPS, STEPS), seed }, `sweep seed ${seed}`)).runId;
    queuedAt.set(id, performance.now());
    ids.push(id);
  }
  await Promise.all(ids.map(async (id) => {
    while (!endedAt.has(id)) await new Promise((r) => setTimeout(r, 100));
    await manager.settled(id);
  }));
  const wallS = (performance.now() - t0) / 1000;
  for (const id of ids) if (getRun(db, id)!.status !== 'completed') throw new Error(`${backend}: run ${id} ended ${getRun(db, id)!.status}: ${getRun(db, id)!.error}`);
  const perRun = ids.map((id) => ({
    runId: id,
    queuedToRunningS: (runningAt.get(id)! - queuedAt.get(id)!) / 1000,
    lastStepToEndS: (endedAt.get(id)! - lastStepAt.get(id)!) / 1000,
    trainS: (lastStepAt.get(id)! - runningAt.get(id)!) / 1000,
  }));
  await manager.close();
  await launcher?.close();
  db.close();
  s.cleanup();
  return { wallS, perRun };
}

const ray = findRay();
if (!ray) throw new Error('Ray is not installed: python3 -m venv .venv-ray && .venv-ray/bin/pip install "ray[default]==2.40.0"');
const cluster = await startLocalRayCluster(ray, { headCpus: 1, workerCpus: 1 });
const rounds: Array<{ local: SweepResult; ray: SweepResult }> = [];
try {
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate the order so neither backend always runs on a warmer machine.
    const a = r % 2 === 0 ? await sweep('local') : await sweep('ray', cluster.address);
    const b = r % 2 === 0 ? await sweep('ray', cluster.address) : await sweep('local');
    rounds.push(r % 2 === 0 ? { local: a, ray: b } : { local: b, ray: a });
    process.stdout.write(`round ${r + 1}: local ${rounds.at(-1)!.local.wallS.toFixed(1)} s, ray ${rounds.at(-1)!.ray.wallS.toFixed(1)} s\n`);
  }
} finally {
  await cluster.stop();
}
const summary = (k: 'local' | 'ray') => {
  const per = rounds.flatMap((r) => r[k].perRun);
  return {
    wallS: median(rounds.map((r) => r[k].wallS)),
    queuedToRunningS: median(per.map((p) => p.queuedToRunningS)),
    /** Queue → running of the first two runs, which had a free slot (CPU) at once: the start overhead alone. */
    startOverheadS: median(rounds.flatMap((r) => r[k].perRun.slice(0, 2).map((p) => p.queuedToRunningS))),
    lastStepToEndS: median(per.map((p) => p.lastStepToEndS)),
    trainS: median(per.map((p) => p.trainS)),
  };
};
const result = { date: new Date().toISOString(), steps: STEPS, rounds: ROUNDS, runs: 4, parallel: 2, local: summary('local'), ray: summary('ray'), raw: rounds };
mkdirSync(path.join(import.meta.dirname, 'results'), { recursive: true });
writeFileSync(path.join(import.meta.dirname, 'results', 'ray-sweep.json'), `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(`${JSON.stringify({ local: result.local, ray: result.ray }, null, 2)}\n`);
