// `npm run reliability`: the long versions of the fault scenarios (the test suite runs short ones) →
// bench/results/reliability.json, updated after each scenario. Options: --only a,b (worker-kill,
// server-kill, disk, grader, api-fuzz, concurrency, export-places, formula-cells, stop-latency, absurd-configs),
// --kill-trials N (20), --grader-inputs N (1000), --api-requests N (10000), --concurrency-seconds S (600),
// --stop-trials N (3 per phase), --stop-phases a,b (pre-training,rollout,update,evaluation,eval-run), --formula-cells N (100000), --out FILE. docs/RELIABILITY.md reports the figures.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { runWorkerKill } from './reliability/worker-kill.js';
import { runServerKill } from './reliability/server-kill.js';
import { runDiskFaults } from './reliability/disk-faults.js';
import { runGraderAdversarial } from './reliability/grader-adversarial.js';
import { runApiFuzz } from './reliability/api-fuzz.js';
import { runConcurrency } from './reliability/concurrency.js';
import { runAbsurdConfigs, runExportDestinations, runFormulaCells, runStopLatency, type StopPhase } from './reliability/probe-faults.js';

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    'kill-trials': { type: 'string', default: '20' },
    'kill-deadline-s': { type: 'string' },
    'grader-inputs': { type: 'string', default: '1000' },
    'api-requests': { type: 'string', default: '10000' },
    'concurrency-seconds': { type: 'string', default: '600' },
    'stop-trials': { type: 'string', default: '3' },
    'stop-phases': { type: 'string', default: 'pre-training,rollout,update,evaluation,eval-run' },
    'formula-cells': { type: 'string', default: '100000' },
    out: { type: 'string' },
  },
});
const ALL = ['api-fuzz', 'grader', 'disk', 'server-kill', 'worker-kill', 'concurrency', 'export-places', 'formula-cells', 'stop-latency', 'absurd-configs'];
const only = values.only ? values.only.split(',') : ALL;
const unknown = only.filter((o) => !ALL.includes(o));
if (unknown.length) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${ALL.join(', ')}`);

const file = values.out ? path.resolve(values.out) : fileURLToPath(new URL('./results/reliability.json', import.meta.url));
mkdirSync(path.dirname(file), { recursive: true });
const log = (s: string) => process.stderr.write(`[reliability] ${s}\n`);
const save = (name: string, value: unknown, seconds: number) => {
  // Re-read first: another invocation (--only other scenarios) may have written meanwhile.
  const results: Record<string, unknown> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  results[name] = { measuredAt: new Date().toISOString(), wallSeconds: Math.round(seconds), loadAverage: os.loadavg().map((l) => Math.round(l * 10) / 10), cpus: os.cpus().length, ...(value as object) };
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  log(`${name} written to ${file}`);
};
const timed = async <T>(name: string, f: () => Promise<T>) => {
  if (!only.includes(name)) return;
  log(`${name}: starting`);
  const t0 = performance.now();
  const value = await f();
  save(name, value, (performance.now() - t0) / 1000);
};

await timed('api-fuzz', () => runApiFuzz({ requests: Number(values['api-requests']), seed: 1 }));
await timed('grader', () => runGraderAdversarial({ inputs: Number(values['grader-inputs']), seed: 1, log }));
await timed('disk', async () => ({ cases: await runDiskFaults() }));
await timed('server-kill', () => runServerKill({ steps: 6 }));
// Kills land after a random number of committed steps, at a random moment of the next step (mid-step,
// mid-commit, mid-checkpoint): kills drawn over wall time mostly landed in start-up or after the end on a
// loaded machine.
await timed('worker-kill', () =>
  runWorkerKill({
    trials: Number(values['kill-trials']),
    steps: 4,
    every: 2,
    seed: 1,
    afterStep: 'random',
    deadlineMs: values['kill-deadline-s'] ? Number(values['kill-deadline-s']) * 1000 : undefined,
    log,
  }),
);
await timed('concurrency', () => runConcurrency({ seconds: Number(values['concurrency-seconds']), log }));
await timed('export-places', () => runExportDestinations());
await timed('formula-cells', async () => runFormulaCells({ cells: Number(values['formula-cells']), seed: 1 }));
await timed('absurd-configs', () => runAbsurdConfigs());
await timed('stop-latency', () => runStopLatency({ phases: values['stop-phases']!.split(',') as StopPhase[], trials: Number(values['stop-trials']), seed: 1, log }));
log('done');
