// The paper's finding on the embedded default, measured: runs the demo (base model → single-turn baseline and
// multi-attempt PPO with the same budget → greedy k-attempt evaluation on the synthetic test split) for several
// seeds and writes per-seed results plus mean ± sd per k, and whether each criterion of the finding holds.
// Usage: npm run bench:finding -- [--label L] [--seeds 0,1,2] [--quick] [--base-steps N] [--rl-steps N]
//   [--rollout-batch N] [--test-questions N] [--base JSON] [--rl JSON] [--cache DIR] [--base-only]
//   --base: overrides of the base model spec (e.g. '{"lr":0.003,"task":{"families":["add"],"levels":[2]}}');
//   --rl: run-config values merged into BOTH policies (e.g. '{"generation":{"temperature":1.2}}').
// Base models are cached in --cache (default .cache/finding) across labels; each seed has its own base model.
// Writes bench/results/finding.json (one entry per label, merged with what is there).
import { parseArgs } from 'node:util';
import os from 'node:os';
import { readFileSync, writeFileSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { openDb } from '../backend/db/open-db.js';
import { runDemo, DEMO_BUDGETS, formatDemoTable, type DemoSummary, type PolicySummary } from '../backend/eval/demo.js';
import { DEFAULT_BASE_MODEL_SPEC } from '../backend/rl/base-model.js';
import { selectRuntime } from '../backend/model/runtime.js';

const { values } = parseArgs({
  options: {
    label: { type: 'string', default: 'default' },
    seeds: { type: 'string', default: '0,1,2' },
    quick: { type: 'boolean', default: false },
    'base-steps': { type: 'string' },
    'rl-steps': { type: 'string' },
    'rollout-batch': { type: 'string' },
    'test-questions': { type: 'string' },
    base: { type: 'string' },
    rl: { type: 'string' },
    cache: { type: 'string', default: '.cache/finding' },
    'base-only': { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench/results/finding.json' },
  },
});

const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
const budget = Object.fromEntries(
  Object.entries({
    baseSteps: num(values['base-steps']),
    rlSteps: num(values['rl-steps']),
    rolloutBatch: num(values['rollout-batch']),
    testQuestions: num(values['test-questions']),
  }).filter(([, v]) => v !== undefined),
);
const baseSpec = values.base ? (JSON.parse(values.base) as Record<string, unknown>) : {};
const rlConfig = values.rl ? (JSON.parse(values.rl) as Record<string, unknown>) : {};
const seeds = values.seeds.split(',').map(Number);

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));

if (values['base-only']) {
  // Only build (or find) each seed's base model in the cache, e.g. before running several labels in parallel.
  const { ensureBaseModel } = await import('../backend/rl/base-model.js');
  await selectRuntime(); // the fast kernels (runDemo does this itself)
  const steps = num(values['base-steps']) ?? (values.quick ? DEMO_BUDGETS.quick : DEMO_BUDGETS.full).baseSteps;
  for (const seed of seeds) {
    const b = await ensureBaseModel(path.join(path.resolve(values.cache), 'models'), { ...DEFAULT_BASE_MODEL_SPEC, ...baseSpec, seed, steps });
    b.model.dispose();
    process.stderr.write(`base model seed ${seed}: ${b.dir} (cached: ${b.cached})\n`);
  }
  process.exit(0);
}

const perSeed: DemoSummary[] = [];
for (const seed of seeds) {
  const work = path.resolve('.cache', 'finding-runs', `${values.label}-s${seed}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const db = openDb(path.join(work, 'finding.db'));
  try {
    // Each seed's runs (checkpoints) live in its own folder, so labels running in parallel never share
    // dataDir/runs/<id>; the base models are shared through a link: dataDir/models is where ensureBaseModel looks.
    const sharedModels = path.resolve(values.cache, 'models');
    mkdirSync(sharedModels, { recursive: true });
    symlinkSync(sharedModels, path.join(work, 'models'));
    const s = await runDemo({
      db,
      dbPath: path.join(work, 'finding.db'),
      dataDir: work,
      outDir: work,
      seed,
      quick: values.quick,
      budget,
      baseSpec,
      rlConfig,
      onPhase: (name) => process.stderr.write(`[${values.label} seed ${seed}] ${name} (${new Date().toISOString().slice(11, 19)})\n`),
      onLog: (line) => process.stderr.write(`  ${line}\n`),
    });
    perSeed.push(s);
    process.stderr.write(
      formatDemoTable(
        [
          { name: 'base', d: s.policies.base },
          { name: 'baseline', d: s.policies.baseline },
          { name: 'multi', d: s.policies.multiAttempt },
        ],
        s.attempts,
      ) + `\n  wall ${s.wallSeconds.toFixed(0)} s (base cached: ${s.baseModel.cached})\n`,
    );
  } finally {
    db.close();
  }
}

const K = perSeed[0]!.attempts;
const stat = (pick: (s: DemoSummary) => PolicySummary) => ({
  accuracyByK: Object.fromEntries(
    Array.from({ length: K }, (_, i) => {
      const xs = perSeed.map((s) => pick(s).accuracyByK[String(i + 1)]!);
      return [String(i + 1), { mean: mean(xs), sd: sd(xs) }];
    }),
  ),
  gain1to2: { mean: mean(perSeed.map((s) => pick(s).gain1to2)), sd: sd(perSeed.map((s) => pick(s).gain1to2)) },
  repeatRate: { mean: mean(perSeed.map((s) => pick(s).repeatRate)), sd: sd(perSeed.map((s) => pick(s).repeatRate)) },
});
const b = stat((s) => s.policies.baseline);
const m = stat((s) => s.policies.multiAttempt);
const criteria = {
  gainAtLeast3xBaseline: m.gain1to2.mean >= 3 * Math.max(b.gain1to2.mean, 0) && m.gain1to2.mean > 0,
  gainAtLeast5Points: m.gain1to2.mean >= 0.05,
  k1NotMoreThan2PointsBelow: m.accuracyByK['1']!.mean >= b.accuracyByK['1']!.mean - 0.02,
  lowerRepeatRate: m.repeatRate.mean < b.repeatRate.mean,
};
const entry = {
  label: values.label,
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadAvg: os.loadavg() },
  budget: { ...(values.quick ? DEMO_BUDGETS.quick : DEMO_BUDGETS.full), ...budget },
  baseSpec: { ...DEFAULT_BASE_MODEL_SPEC, ...baseSpec, steps: perSeed[0]!.baseModel.steps, config: undefined },
  rlConfig,
  seeds,
  backend: perSeed[0]!.backend,
  wallSeconds: perSeed.map((s) => s.wallSeconds),
  baseCached: perSeed.map((s) => s.baseModel.cached),
  mean: { base: stat((s) => s.policies.base), baseline: b, multiAttempt: m },
  criteria,
  perSeed: perSeed.map((s) => ({ seed: s.seed, wallSeconds: s.wallSeconds, policies: s.policies })),
};
let all: Record<string, unknown> = {};
try {
  all = JSON.parse(readFileSync(values.out, 'utf8')) as Record<string, unknown>;
} catch {
  // first entry
}
all[values.label] = entry;
mkdirSync(path.dirname(values.out), { recursive: true });
writeFileSync(values.out, JSON.stringify(all, null, 2) + '\n');
const pct = (x: { mean: number; sd: number }) => `${(x.mean * 100).toFixed(1)}±${(x.sd * 100).toFixed(1)}`;
for (const [name, st] of [
  ['baseline', b],
  ['multi-attempt', m],
] as const) {
  console.log(`${name.padEnd(14)} ${Object.values(st.accuracyByK).map(pct).join('  ')}  gain1→2 ${pct(st.gain1to2)}  repeat ${pct(st.repeatRate)}`);
}
console.log(JSON.stringify(criteria));
