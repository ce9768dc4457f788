// `attempt-studio eval`: k-attempt evaluation (or sampled pass@k) of a checkpoint folder or of a run's
// latest checkpoint on named datasets; prints the accuracy table (datasets + mean × k), writes it as CSV
// and stores everything (an eval run, eval_results rows, episodes and attempts) in the SQLite database.
import { existsSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Command, DATA_OPTIONS, dataLocationOf, flag, int, str, UserError } from './command.js';
import { damagedDatabaseMessage } from './known-errors.js';
import { explainStorageError } from '../db/storage-error.js';
import { ProgressLine } from './progress.js';
import { openDb, type Db } from '../db/open-db.js';
import { createRun, getRun, latestCheckpoint } from '../db/run-store.js';
import { failRun, finishRun, markRunning } from '../jobs/run-status.js';
import { DATASET_NAMES } from '../data/registry.js';
import { toCsv } from '../export/csv.js';
import type { KAttemptProtocol } from '../eval/k-attempt.js';
import { describeEvalDefaults, evalDefaultsFor, evalModelKind, totalTokensOf } from '../eval/eval-defaults.js';

/** Parses `--attempts`: `K` or `1..K` (the sweep always starts at 1). */
export function parseAttempts(v: string): number {
  const m = /^(?:1\.\.)?(\d+)$/.exec(v.trim());
  const K = m ? Number(m[1]) : NaN;
  if (!Number.isInteger(K) || K < 1 || K > 64)
    throw new UserError(`--attempts must be K or 1..K with 1 ≤ K ≤ 64 (e.g. 5 or 1..7), got '${v}'`, 2);
  return K;
}

export function parseDatasets(v: string): string[] {
  const names = v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (names.length === 0) throw new UserError('--datasets needs at least one name', 2);
  const unknown = names.filter((n) => !DATASET_NAMES.includes(n));
  if (unknown.length > 0)
    throw new UserError(
      `unknown dataset${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `'${n}'`).join(', ')} (known: ${DATASET_NAMES.join(', ')})`,
      2,
    );
  return [...new Set(names)];
}

export interface AccuracyTable {
  header: string[];
  rows: { dataset: string; n: number; skipped: number; values: number[] }[];
}

/** Rows = datasets + mean (unweighted over datasets with n > 0), columns = k (or pass@k). */
export function accuracyTable(
  datasets: { dataset: string; n: number; skipped: number; values: number[] }[],
  K: number,
  prefix: string,
): AccuracyTable {
  const used = datasets.filter((d) => d.n > 0);
  const mean = Array.from({ length: K }, (_, i) =>
    used.length ? used.reduce((s, d) => s + d.values[i]!, 0) / used.length : 0,
  );
  return {
    header: ['dataset', 'n', 'skipped', ...Array.from({ length: K }, (_, i) => `${prefix}${i + 1}`)],
    rows: [
      ...datasets,
      {
        dataset: 'mean',
        n: datasets.reduce((s, d) => s + d.n, 0),
        skipped: datasets.reduce((s, d) => s + d.skipped, 0),
        values: mean,
      },
    ],
  };
}

export function formatTable(t: AccuracyTable): string {
  const cells = [
    t.header,
    ...t.rows.map((r) => [
      r.dataset,
      String(r.n),
      String(r.skipped),
      ...r.values.map((v) => (100 * v).toFixed(1)),
    ]),
  ];
  const widths = t.header.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  return cells
    .map((row) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '))
    .join('\n');
}

export const tableCsv = (t: AccuracyTable) =>
  toCsv([t.header, ...t.rows.map((r) => [r.dataset, r.n, r.skipped, ...r.values])]);

function resolveCheckpoint(
  args: Parameters<Command['run']>[0],
  db: () => Db,
): { dir: string; checkpointId?: number; step?: number; sourceRun?: number } {
  const ck = str(args, 'checkpoint');
  const runArg = str(args, 'run');
  if ((ck === undefined) === (runArg === undefined))
    throw new UserError('give exactly one of --checkpoint DIR or --run ID', 2);
  if (ck !== undefined) return { dir: path.resolve(ck) };
  const id = Number(runArg);
  if (!Number.isInteger(id) || id < 1) throw new UserError(`--run must be a run id, got '${runArg}'`, 2);
  if (!getRun(db(), id)) throw new UserError(`run ${id} does not exist in ${db().name}`);
  const c = latestCheckpoint(db(), id);
  if (!c) throw new UserError(`run ${id} has no checkpoint yet`);
  return { dir: path.resolve(c.path), checkpointId: c.id, step: c.step, sourceRun: id };
}

export const evalCommand: Command = {
  name: 'eval',
  summary: 'Evaluate a checkpoint: accuracy vs. number of attempts (k-attempt, greedy) or sampled pass@k',
  usage:
    '--checkpoint DIR | --run ID [--datasets a,b] [--attempts 1..K] [--limit N] [--out FILE.csv] [options]',
  options: {
    checkpoint: {
      type: 'string',
      value: 'DIR',
      description: 'Checkpoint folder (config.json + model.safetensors)',
    },
    run: { type: 'string', value: 'ID', description: "Evaluate this run's latest checkpoint" },
    ...DATA_OPTIONS,
    datasets: {
      type: 'string',
      value: 'LIST',
      description: `Comma-separated: ${DATASET_NAMES.join(', ')} (default: by model, below)`,
    },
    attempts: {
      type: 'string',
      value: 'K',
      description: 'Sweep k = 1..K (default: by model, below; 7 for the built-in model on a benchmark)',
    },
    limit: { type: 'string', value: 'N', description: 'First N questions of each dataset' },
    batch: { type: 'string', value: 'N', description: 'Questions decoded together', default: '16' },
    out: { type: 'string', value: 'FILE', description: 'CSV of the table (default: eval-run-<id>.csv)' },
    json: { type: 'boolean', description: 'Print the results as JSON instead of the table' },
    protocol: {
      type: 'string',
      value: 'P',
      description: 'one-episode | truncated | separate (see below; default: by model)',
    },
    prompt: {
      type: 'string',
      value: 'P',
      description: 'multi-attempt | single-turn (single-turn only with --attempts 1)',
      default: 'multi-attempt',
    },
    'max-tokens': { type: 'string', value: 'N', description: 'Most tokens per attempt (default: by model)' },
    'max-total-tokens': {
      type: 'string',
      value: 'N',
      description: 'Most tokens per episode (default: by model; cut to fit the context)',
    },
    samples: {
      type: 'string',
      value: 'N',
      description: 'Sampled evaluation instead: N samples per question, pass@1..N',
    },
    temperature: {
      type: 'string',
      value: 'T',
      description: 'Sampling temperature for --samples',
      default: '1',
    },
    seed: { type: 'string', value: 'S', description: 'Seed (sampling, synthetic questions)', default: '0' },
    template: {
      type: 'string',
      value: 'NAME',
      description: "Chat template (compact, chatml); default: the model's own",
    },
    runtime: {
      type: 'string',
      value: 'NAME',
      description: 'Force a compute runtime (see `attempt-studio runtime`)',
    },
  },
  details: [
    'k-attempt accuracy: greedy decoding with the training prompt and feedback turns; a question counts as',
    'solved at k when one of its first k attempts is correct. Protocols: one-episode runs ONE',
    'episode of K attempts ("You have K attempts") and reads k = 1..K off it, which equals K runs with that',
    'prompt stopped after k attempts (truncated, K times the cost, for checking); separate runs k = 1..K',
    'with "You have k attempts" as the reference does. The mean row averages the datasets equally.',
    '--samples N reports unbiased pass@k and mean accuracy of independent samples: a different quantity.',
    'Questions whose prompt and feedback turns do not fit the model context are skipped and counted; others',
    'get a smaller generation budget when needed.',
    'Defaults by model (any option given overrides its value):',
    ...describeEvalDefaults().map((l) => `  ${l}`),
  ].join('\n'),
  async run(args) {
    const K0 = str(args, 'attempts');
    let K = K0 !== undefined ? parseAttempts(K0) : undefined;
    const datasetsArg = str(args, 'datasets');
    let datasets = datasetsArg !== undefined ? parseDatasets(datasetsArg) : undefined;
    const protocolArg = str(args, 'protocol') as KAttemptProtocol | undefined;
    if (protocolArg !== undefined && !['one-episode', 'truncated', 'separate'].includes(protocolArg))
      throw new UserError(`--protocol must be one-episode, truncated or separate, got '${protocolArg}'`, 2);
    const prompt = str(args, 'prompt') as 'multi-attempt' | 'single-turn';
    if (prompt !== 'multi-attempt' && prompt !== 'single-turn')
      throw new UserError(`--prompt must be multi-attempt or single-turn, got '${prompt}'`, 2);
    if (prompt === 'single-turn' && str(args, 'samples') === undefined) {
      if (K !== undefined && K !== 1)
        throw new UserError(`--prompt single-turn is evaluated at k = 1 only; got --attempts ${K}`, 2);
      K = 1;
    }
    const positive = (key: string) => {
      const v = int(args, key);
      if (v !== undefined && v < 1) throw new UserError(`--${key} must be at least 1, got ${v}`, 2);
      return v;
    };
    const limit = positive('limit');
    const batchSize = positive('batch')!;
    const maxTokensArg = positive('max-tokens');
    const samples = positive('samples');
    const seed = int(args, 'seed') ?? 0;
    const temperature = Number(str(args, 'temperature'));
    if (samples !== undefined && !(temperature > 0))
      throw new UserError(`--temperature must be > 0 for --samples, got '${str(args, 'temperature')}'`, 2);

    const dbFile = (await dataLocationOf(args)).dbPath;
    let db: Db | undefined;
    const openDbOnce = (): Db => {
      if (!db) {
        try {
          db = openDb(dbFile);
        } catch (err) {
          throw new UserError(damagedDatabaseMessage(err, dbFile) ?? `cannot open database ${dbFile}: ${explainStorageError(err, path.dirname(dbFile))}`);
        }
      }
      return db;
    };
    try {
      const target = resolveCheckpoint(args, openDbOnce);
      if (!existsSync(target.dir) || !statSync(target.dir).isDirectory())
        throw new UserError(`checkpoint folder ${target.dir} does not exist`);
      // Loaded here, not at the top, so other commands do not pay for loading tfjs.
      const { selectRuntime, parseRuntimeName } = await import('../model/runtime/runtime.js');
      const { loadEvalModel } = await import('../eval/load-eval-model.js');
      let runtime;
      try {
        const force = str(args, 'runtime');
        runtime = await selectRuntime({ force: force === undefined ? undefined : parseRuntimeName(force) });
      } catch (err) {
        throw new UserError((err as Error).message);
      }
      let m;
      try {
        m = await loadEvalModel(target.dir, str(args, 'template'));
      } catch (err) {
        throw new UserError(`cannot load checkpoint ${target.dir}: ${(err as Error).message}`);
      }
      // Model-aware defaults (eval-defaults.ts): the seed's for a Hugging Face model, small ones for the built-in.
      const defaults = evalDefaultsFor(evalModelKind(target.dir), datasets);
      datasets ??= [...defaults.datasets];
      K ??= samples !== undefined ? samples : evalDefaultsFor(defaults.kind, datasets).maxAttempts;
      const protocol = protocolArg ?? defaults.protocol;
      const maxTokens = maxTokensArg ?? defaults.maxTokensPerAttempt;
      const maxTotal = positive('max-total-tokens') ?? (maxTokensArg !== undefined ? K * maxTokens : totalTokensOf(defaults, K, maxTokens));
      const { loadEvalDatasets } = await import('../eval/load-eval-model.js');
      const data = await loadEvalDatasets(datasets, { limit, seed });

      const runConfig = {
        checkpoint: target.dir,
        sourceRun: target.sourceRun ?? null,
        step: target.step ?? null,
        datasets,
        maxAttempts: K,
        protocol: samples === undefined ? protocol : null,
        prompt,
        template: m.template.name,
        limit: limit ?? null,
        batchSize,
        maxTokensPerAttempt: maxTokens,
        maxTotalTokens: maxTotal,
        samples: samples ?? null,
        temperature: samples === undefined ? 0 : temperature,
        seed,
      };
      const runId = createRun(openDbOnce(), {
        kind: 'eval',
        config: runConfig,
        name: `eval ${path.basename(target.dir)}`,
      });
      markRunning(openDbOnce(), runId, { pid: process.pid, backend: runtime.name, device: runtime.device });
      let bar: ProgressLine | undefined;
      const onProgress = (done: number, total: number, dataset: string) => {
        bar ??= new ProgressLine('eval', total);
        bar.update(done, { dataset });
      };
      let table: AccuracyTable;
      let json: unknown;
      let reduced = 0;
      try {
        const gen = { batchSize, maxTokensPerAttempt: maxTokens, maxTotalTokens: maxTotal, onProgress };
        const store = await import('../jobs/eval-store.js');
        const storeTarget = {
          checkpointId: target.checkpointId,
          checkpointPath: target.dir,
          step: target.step,
        };
        if (samples === undefined) {
          const { evaluateKAttempt } = await import('../eval/k-attempt.js');
          const r = await evaluateKAttempt(m, data, { ...gen, maxAttempts: K, protocol, prompt });
          store.storeKAttempt(openDbOnce(), runId, r, storeTarget);
          reduced = r.datasets.reduce((sum, d) => sum + d.reducedBudget, 0);
          table = accuracyTable(
            r.datasets.map((d) => ({
              dataset: d.dataset,
              n: d.n,
              skipped: d.skipped.length,
              values: d.accuracyByK,
            })),
            K,
            'k',
          );
          json = {
            runId,
            quantity: 'k-attempt accuracy (greedy)',
            protocol,
            maxAttempts: K,
            datasets: r.datasets.map((d) => ({
              dataset: d.dataset,
              n: d.n,
              skipped: d.skipped.length,
              reducedBudget: d.reducedBudget,
              correctByK: d.correctByK,
              accuracyByK: d.accuracyByK,
              repeatRate: d.retry.repeatRate,
              switchToCorrectRate: d.retry.switchToCorrectRate,
            })),
            meanAccuracyByK: r.meanAccuracyByK,
          };
        } else {
          const { evaluateSampled } = await import('../eval/sampled.js');
          const r = await evaluateSampled(m, data, { ...gen, samples, temperature, seed, prompt });
          store.storeSampled(openDbOnce(), runId, r, storeTarget);
          const pass = (d: (typeof r.datasets)[number]) =>
            Array.from({ length: samples }, (_, i) => d.passAtK[i + 1] ?? 0);
          table = accuracyTable(
            r.datasets.map((d) => ({
              dataset: d.dataset,
              n: d.questions,
              skipped: d.skipped.length,
              values: pass(d),
            })),
            samples,
            'pass@',
          );
          json = {
            runId,
            quantity: 'unbiased pass@k of independent samples (not k-attempt accuracy)',
            decoding: r.decoding,
            samples,
            datasets: r.datasets.map((d) => ({
              dataset: d.dataset,
              n: d.questions,
              skipped: d.skipped.length,
              meanAccuracy: d.meanAccuracy,
              passAtK: pass(d),
            })),
          };
        }
        finishRun(openDbOnce(), runId);
      } catch (err) {
        bar?.finish();
        failRun(openDbOnce(), runId, (err as Error).message);
        throw err;
      }
      const out = path.resolve(str(args, 'out') ?? `eval-run-${runId}.csv`);
      try {
        const tmp = `${out}.tmp-${process.pid}`;
        writeFileSync(tmp, tableCsv(table));
        renameSync(tmp, out);
      } catch (err) {
        throw new UserError(`cannot write ${out}: ${(err as Error).message}`);
      }
      if (flag(args, 'json'))
        process.stdout.write(JSON.stringify({ ...(json as object), csv: out, db: dbFile }) + '\n');
      else {
        const what =
          samples === undefined
            ? `k-attempt accuracy (%), greedy, protocol ${protocol}`
            : `pass@k (%) of ${samples} samples at temperature ${temperature}`;
        process.stdout.write(`${what} — eval run ${runId} in ${dbFile}\n${formatTable(table)}\n`);
        const skipped = table.rows.at(-1)!.skipped;
        if (skipped > 0)
          process.stdout.write(
            `${skipped} question(s) did not fit the model's context (${m.model.config.maxPositions} positions) and were skipped.\n`,
          );
        if (reduced > 0)
          process.stdout.write(
            `${reduced} question(s) were evaluated with a smaller generation budget to fit the context.\n`,
          );
        process.stdout.write(`CSV: ${out}\n`);
      }
      return 0;
    } finally {
      db?.close();
    }
  },
};
