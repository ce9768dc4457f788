// `attempt-studio eval`: k-attempt evaluation (or sampled pass@k) of a checkpoint folder or of a run's
// latest checkpoint. Thin: flags → request → the eval job's spec (jobs/kinds/eval-job.ts, the same resolve the
// API's eval:start uses) → an eval run in the database → the eval executor (jobs/run-eval.ts, which the app's
// eval worker runs too) in this process → the accuracy table printed and written as CSV.
import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Command, DATA_OPTIONS, RUNTIME_OPTION, dataLocationOf, flag, int, openDbOrExplain, str, UserError } from './command.js';
import { ProgressLine } from './progress.js';
import { DATASET_NAMES } from '../data/registry.js';
import { DomainError } from '../domain/errors.js';
import { describeEvalDefaults, EVAL_BATCH_SIZE, EVAL_MAX_K, EVAL_SAMPLED_TEMPERATURE, EVAL_SEED, K_ATTEMPT_PROTOCOLS, type KAttemptProtocol } from '../eval/eval-defaults.js';
import { createEvalRun, resolveEvalJob, resolveEvalTarget, type EvalRequest } from '../jobs/kinds/eval-job.js';
import { formatTable, kAttemptTable, passAtKOf, sampledTable, tableCsv } from './eval-table.js';

/** Parses `--attempts`: `K` or `1..K` (the sweep always starts at 1). */
export function parseAttempts(v: string): number {
  const m = /^(?:1\.\.)?(\d+)$/.exec(v.trim());
  const K = m ? Number(m[1]) : NaN;
  if (!Number.isInteger(K) || K < 1 || K > EVAL_MAX_K)
    throw new UserError(`--attempts must be K or 1..K with 1 ≤ K ≤ ${EVAL_MAX_K} (e.g. 5 or 1..7), got '${v}'`, 2);
  return K;
}

/** Parses `--datasets a,b`: names in order, duplicates dropped (the eval job checks that they exist). */
export function parseDatasets(v: string): string[] {
  const names = v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (names.length === 0) throw new UserError('--datasets needs at least one name', 2);
  return [...new Set(names)];
}

/** The request field a DomainError names → the flag the user typed. */
const FLAG_OF: Record<string, string> = {
  datasets: '--datasets',
  attempts: '--attempts',
  protocol: '--protocol',
  temperature: '--temperature',
  samples: '--samples',
  runtime: '--runtime',
  maxTokensPerAttempt: '--max-tokens',
  maxTotalTokens: '--max-total-tokens',
};

/** A refused request as the CLI reports it: a bad flag is a usage error (exit 2); a missing run or folder, exit 1. */
function userErrorOf(err: unknown): unknown {
  if (!(err instanceof DomainError)) return err;
  const flagName = err.field === undefined ? undefined : FLAG_OF[err.field];
  return flagName ? new UserError(`${flagName}: ${err.message}`, 2) : new UserError(err.message);
}

/** The request the flags describe; what is left out takes the eval job's defaults. */
function requestOf(args: Parameters<Command['run']>[0]): EvalRequest {
  const positive = (key: string) => {
    const v = int(args, key);
    if (v !== undefined && v < 1) throw new UserError(`--${key} must be at least 1, got ${v}`, 2);
    return v;
  };
  const protocol = str(args, 'protocol');
  if (protocol !== undefined && !(K_ATTEMPT_PROTOCOLS as readonly string[]).includes(protocol))
    throw new UserError(`--protocol must be ${K_ATTEMPT_PROTOCOLS.join(', ')}, got '${protocol}'`, 2);
  const prompt = str(args, 'prompt');
  if (prompt !== 'multi-attempt' && prompt !== 'single-turn') throw new UserError(`--prompt must be multi-attempt or single-turn, got '${prompt}'`, 2);
  const samples = positive('samples');
  const t = str(args, 'temperature');
  const temperature = t === undefined ? undefined : Number(t);
  if (temperature !== undefined && !(temperature > 0)) throw new UserError(`--temperature must be > 0, got '${t}'`, 2);
  const a = str(args, 'attempts');
  const d = str(args, 'datasets');
  const req: EvalRequest = {
    datasets: d === undefined ? undefined : parseDatasets(d),
    attempts: a === undefined ? undefined : parseAttempts(a),
    protocol: protocol as KAttemptProtocol | undefined,
    prompt,
    limit: positive('limit'),
    batchSize: positive('batch'),
    maxTokensPerAttempt: positive('max-tokens'),
    maxTotalTokens: positive('max-total-tokens'),
    samples,
    // --temperature belongs to --samples; without it k-attempt accuracy is greedy.
    temperature: samples === undefined ? undefined : (temperature ?? EVAL_SAMPLED_TEMPERATURE),
    seed: int(args, 'seed'),
    template: str(args, 'template'),
    runtime: str(args, 'runtime'),
  };
  return Object.fromEntries(Object.entries(req).filter(([, v]) => v !== undefined)) as EvalRequest;
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
    run: { type: 'string', value: 'ID', description: "Evaluate this run's latest checkpoint (a training run of the built-in model: on its own held-out split by default)" },
    ...DATA_OPTIONS,
    datasets: {
      type: 'string',
      value: 'LIST',
      description: `Comma-separated: ${DATASET_NAMES.join(', ')}, held-out (with --run: the run's own held-out split) (default: by model, below)`,
    },
    attempts: {
      type: 'string',
      value: 'K',
      description: 'Sweep k = 1..K (default: by model, below; 7 for the built-in model on a benchmark)',
    },
    limit: { type: 'string', value: 'N', description: 'First N questions of each dataset' },
    batch: { type: 'string', value: 'N', description: 'Questions decoded together', default: String(EVAL_BATCH_SIZE) },
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
      description: `Sampled evaluation instead: N samples per question (1 ≤ N ≤ ${EVAL_MAX_K}), pass@1..N`,
    },
    temperature: {
      type: 'string',
      value: 'T',
      description: 'Sampling temperature for --samples (> 0)',
      default: String(EVAL_SAMPLED_TEMPERATURE),
    },
    seed: { type: 'string', value: 'S', description: 'Seed (sampling, synthetic questions)', default: String(EVAL_SEED) },
    template: {
      type: 'string',
      value: 'NAME',
      description: "Chat template (compact, chatml); default: the model's own",
    },
    ...RUNTIME_OPTION,
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
    'The app\'s evaluation (eval:start) resolves the same request the same way and runs the same executor',
    '(backend/jobs/run-eval.ts) in a worker process: the same options give the same stored config and results.',
    'Ctrl-C stops it as the app\'s stop does: the run is marked stopped and nothing is stored.',
    'Defaults by model (any option given overrides its value); a training run of the built-in model is',
    "evaluated on its own held-out split with its own --max-tokens:",
    ...describeEvalDefaults().map((l) => `  ${l}`),
  ].join('\n'),
  async run(args) {
    const checkpoint = str(args, 'checkpoint');
    const runArg = str(args, 'run');
    if ((checkpoint === undefined) === (runArg === undefined)) throw new UserError('give exactly one of --checkpoint DIR or --run ID', 2);
    const runId = runArg === undefined ? undefined : Number(runArg);
    if (runId !== undefined && !(Number.isInteger(runId) && runId >= 1)) throw new UserError(`--run must be a run id, got '${runArg}'`, 2);
    const request = requestOf(args);
    const loc = await dataLocationOf(args);
    const db = await openDbOrExplain(loc.dbPath, loc.dataDir);
    try {
      let spec;
      try {
        spec = resolveEvalJob(resolveEvalTarget(db, { checkpoint, runId }), request);
      } catch (err) {
        throw userErrorOf(err);
      }
      const id = createEvalRun(db, spec);
      const { runEval, stopEvalRun } = await import('../jobs/run-eval.js');
      let bar: ProgressLine | undefined;
      // Ctrl-C (or SIGTERM) stops as the app's stop does: the run is marked stopped, nothing is stored.
      const onStop = () => {
        bar?.finish();
        stopEvalRun(db, id);
        process.stderr.write(`\nStopped: eval run ${id} is marked stopped; nothing was stored.\n`);
        db.close();
        process.exit(130);
      };
      process.on('SIGINT', onStop);
      process.on('SIGTERM', onStop);
      const outcome = await runEval({
        db,
        runId: id,
        onProgress: (done, total, dataset) => {
          bar ??= new ProgressLine('eval', total);
          bar.update(done, { dataset });
        },
      }).finally(() => {
        process.off('SIGINT', onStop);
        process.off('SIGTERM', onStop);
      });
      bar?.finish();
      if (outcome.status === 'failed') throw new UserError(outcome.error);
      const K = spec.maxAttempts;
      const table = outcome.kAttempt ? kAttemptTable(outcome.kAttempt, K) : sampledTable(outcome.sampled, spec.samples!);
      const out = path.resolve(str(args, 'out') ?? `eval-run-${id}.csv`);
      try {
        const tmp = `${out}.tmp-${process.pid}`;
        writeFileSync(tmp, tableCsv(table));
        renameSync(tmp, out);
      } catch (err) {
        throw new UserError(`cannot write ${out}: ${(err as Error).message}`);
      }
      if (flag(args, 'json')) {
        const json = outcome.kAttempt
          ? {
              runId: id,
              quantity: 'k-attempt accuracy (greedy)',
              protocol: spec.protocol,
              maxAttempts: K,
              datasets: outcome.kAttempt.datasets.map((d) => ({
                dataset: d.dataset,
                n: d.n,
                skipped: d.skipped.length,
                reducedBudget: d.reducedBudget,
                correctByK: d.correctByK,
                accuracyByK: d.accuracyByK,
                repeatRate: d.retry.repeatRate,
                switchToCorrectRate: d.retry.switchToCorrectRate,
              })),
              meanAccuracyByK: outcome.kAttempt.meanAccuracyByK,
            }
          : {
              runId: id,
              quantity: 'unbiased pass@k of independent samples (not k-attempt accuracy)',
              decoding: outcome.sampled.decoding,
              samples: spec.samples,
              datasets: outcome.sampled.datasets.map((d) => ({
                dataset: d.dataset,
                n: d.questions,
                skipped: d.skipped.length,
                meanAccuracy: d.meanAccuracy,
                passAtK: passAtKOf(d, spec.samples!),
              })),
            };
        process.stdout.write(JSON.stringify({ ...json, csv: out, db: loc.dbPath }) + '\n');
        return 0;
      }
      const what = outcome.kAttempt
        ? `k-attempt accuracy (%), greedy, protocol ${spec.protocol}`
        : `pass@k (%) of ${spec.samples} samples at temperature ${spec.temperature}`;
      process.stdout.write(`${what} — eval run ${id} in ${loc.dbPath}\n${formatTable(table)}\n`);
      const skipped = table.rows.at(-1)!.skipped;
      if (skipped > 0) process.stdout.write(`${skipped} question(s) did not fit the model's context (${outcome.maxPositions} positions) and were skipped.\n`);
      const reduced = outcome.kAttempt?.datasets.reduce((sum, d) => sum + d.reducedBudget, 0) ?? 0;
      if (reduced > 0) process.stdout.write(`${reduced} question(s) were evaluated with a smaller generation budget to fit the context.\n`);
      process.stdout.write(`CSV: ${out}\n`);
      return 0;
    } finally {
      db.close();
    }
  },
};
