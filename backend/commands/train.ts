// `attempt-studio train`: one training run from a config file or preset, with a progress line, Ctrl-C to stop
// after the current step (with a checkpoint), --resume to continue a run, --json for scripts, and --dry-run to
// validate the config and check its memory estimate against the device without training.
import { readFileSync } from 'node:fs';
import { type Command, DATA_OPTIONS, dataLocationOf, openDbOrExplain, flag, int, selectRuntimeOrExplain, str, UserError } from './command.js';
import { ProgressLine } from './progress.js';
import type { RunConfig } from '../rl/config.js';

export const trainCommand: Command = {
  name: 'train',
  summary: 'Train a policy on the multi-attempt task or the single-turn baseline',
  usage: '(--config FILE.json | --preset NAME | --resume RUN_ID) [--db PATH | --data-dir DIR] [--steps N] [--seed S] [--dry-run] [--json]',
  options: {
    config: { type: 'string', value: 'FILE', description: 'Run config (JSON); may name a "preset" to start from' },
    preset: { type: 'string', value: 'NAME', description: 'builtin-multi-attempt, builtin-baseline, qwen2.5-math-1.5b-multi-attempt, qwen2.5-math-1.5b-baseline' },
    ...DATA_OPTIONS,
    steps: { type: 'string', value: 'N', description: 'Override the number of training steps' },
    seed: { type: 'string', value: 'S', description: 'Override the random seed' },
    resume: { type: 'string', value: 'RUN_ID', description: 'Continue this run from its latest checkpoint (same id, steps and curves)' },
    'dry-run': {
      type: 'boolean',
      description: "Validate the config, read the model folder's config.json (no weights), print the memory estimate and whether it fits the device; exit 0 if it fits, 1 if not. No run is created",
    },
    json: { type: 'boolean', description: 'Print one JSON object as the last line: runId, status, steps, db, checkpoint, metrics (--dry-run: fits, bytes, device, estimate)' },
  },
  details:
    'Checkpoints go to runs/<id>-<key>/checkpoints in the data folder. Ctrl-C stops promptly (a rollout or\n' +
    'evaluation at its next token, an update once it finishes) and checkpoints the last completed step\n' +
    '(SIGTERM the same); a second Ctrl-C quits at once. Every step is logged to SQLite in one transaction.',
  async run(args) {
    const { getRun } = await import('../db/run-store.js');
    const { reconcile } = await import('../jobs/run-status.js');
    const { parseRunConfig, ConfigError } = await import('../rl/config.js');
    const { runTraining } = await import('../jobs/train-run.js');

    const file = str(args, 'config');
    const preset = str(args, 'preset');
    const resume = int(args, 'resume');
    if ([file, preset, resume].filter((x) => x !== undefined).length !== 1) {
      throw new UserError('give exactly one of --config FILE, --preset NAME or --resume RUN_ID', 2);
    }
    const dryRun = flag(args, 'dry-run');
    const loc = await dataLocationOf(args);
    const dbFile = loc.dbPath;
    // The database is opened (and so created) only once the config is known to be valid: a resumed run's config
    // lives in it; otherwise it waits until after parsing. A dry run changes nothing in it.
    let db = resume !== undefined ? await openDbOrExplain(dbFile, loc.dataDir) : undefined;
    let raw: Record<string, unknown>;
    let source: string;
    if (resume !== undefined) {
      const run = getRun(db!, resume);
      if (!run) throw new UserError(`no run with id ${resume} in ${dbFile}`);
      raw = run.config as Record<string, unknown>;
      source = `run ${resume}'s stored config`;
    } else if (file !== undefined) {
      source = file;
      try {
        raw = JSON.parse(readFileSync(file, 'utf8'));
      } catch (err) {
        throw new UserError(`${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `not valid JSON (${(err as Error).message})`}`);
      }
    } else {
      raw = { preset };
      source = `--preset ${preset}`;
    }
    const steps = int(args, 'steps');
    const seed = int(args, 'seed');
    if (steps !== undefined) raw = { ...raw, steps };
    if (seed !== undefined) raw = { ...raw, seed };
    let config;
    try {
      config = parseRunConfig(raw, source);
    } catch (err) {
      db?.close();
      if (err instanceof ConfigError) throw new UserError(err.message, 2);
      throw err;
    }

    if (resume === undefined) {
      // The dataset is checked now, not after a base model trained for it; a relative file is resolved against
      // the working folder (where the user typed the command) and stored absolute.
      const { checkRunDataset, DatasetCheckError } = await import('../data/check-dataset.js');
      try {
        config.dataset.source = (await checkRunDataset(config.dataset, { baseDir: process.cwd(), baseName: `the working folder ${process.cwd()}` })).source;
      } catch (err) {
        if (err instanceof DatasetCheckError) throw new UserError(`${source}: ${err.field}: ${err.message}`, 2);
        throw err;
      }
    }
    const json = flag(args, 'json');
    if (dryRun) {
      db?.close();
      return dryRunReport(config, source, json);
    }
    db ??= await openDbOrExplain(dbFile, loc.dataDir);
    reconcile(db!);
    const controller = new AbortController();
    let interrupts = 0;
    const onSigint = () => {
      interrupts++;
      if (interrupts > 1) process.exit(130);
      process.stderr.write('\nStopping (Ctrl-C again to quit now)…\n');
      controller.abort();
    };
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigint); // a service manager's stop: the same prompt stop, checkpoint included
    let progress: ProgressLine | undefined;
    try {
      const result = await runTraining({
        db: db!,
        dataDir: loc.dataDir,
        config,
        resumeRunId: resume,
        signal: controller.signal,
        onLog: (line) => process.stderr.write(`${line}\n`),
        onStarted: ({ runId, runtime, startStep }) => {
          process.stderr.write(`run ${runId}: ${config.task.mode}, ${config.algorithm.name}, ${config.steps} steps on ${runtime.name} (${runtime.device})\n`);
          progress = new ProgressLine(`run ${runId}`, config.steps);
          progress.update(startStep);
        },
        onStep: ({ step, metrics }) => {
          progress?.update(step, {
            reward: metrics.reward!,
            acc: metrics.accuracy!,
            first: metrics.accuracyFirstAttempt!,
            attempts: metrics.attemptsUsed!,
            's/step': metrics.secondsPerStep!,
          });
        },
      });
      progress?.finish();
      const line =
        result.status === 'failed'
          ? `run ${result.runId} failed: ${result.error}`
          : result.note
            ? `run ${result.runId} ${result.note}`
            : `run ${result.runId} ${result.status} after ${result.steps} steps${result.checkpoint ? `; checkpoint ${result.checkpoint}` : ''}`;
      process.stderr.write(line + '\n');
      if (json) {
        process.stdout.write(
          JSON.stringify({ runId: result.runId, status: result.status, steps: result.steps, db: dbFile, checkpoint: result.checkpoint, metrics: result.metrics }) + '\n',
        );
      }
      return result.status === 'failed' ? 1 : 0;
    } catch (err) {
      throw new UserError((err as Error).message);
    } finally {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigint);
      db!.close();
    }
  },
};

/** --dry-run: the config is valid (parsed already); prints the estimate against the device; 0 fits, 1 does not. */
async function dryRunReport(config: RunConfig, source: string, json: boolean): Promise<number> {
  const { checkRunMemory } = await import('../rl/memory-check.js');
  const { formatEstimate } = await import('../model/runtime/memory-estimate.js');
  const { formatBytes } = await import('../model/runtime/format-bytes.js');
  const { recipeLines, RECIPE, configValue } = await import('../rl/recipe.js');
  // The Qwen presets follow the seed's recipe (docs/RECIPE.md): shown beside this config's values.
  const qwen = config.preset?.startsWith('qwen2.5-math-1.5b') ?? false;
  const runtime = await selectRuntimeOrExplain(config.runtime === 'auto' ? undefined : config.runtime);
  let check;
  try {
    check = await checkRunMemory(config, runtime.name);
  } catch (err) {
    throw new UserError((err as Error).message);
  }
  const { estimate, available, modelFrom, refusal } = check;
  const out = (s: string) => process.stdout.write(s + '\n');
  if (json) {
    const recipe = qwen ? RECIPE.map((r) => ({ ...r, value: r.field ? configValue(config, r.field) : undefined })) : undefined;
    out(JSON.stringify({ fits: !refusal, peakBytes: estimate.peakBytes, availableBytes: available.bytes, available: available.what, runtime: runtime.name, device: runtime.device, model: modelFrom, estimate, recipe }));
  } else {
    out(`config ${source}: valid (${config.task.mode}, ${config.algorithm.name}, ${config.steps} steps; activation checkpointing ${config.model.gradientCheckpointing ? 'on' : 'off'})`);
    if (qwen) out(`the seed's recipe (DualityRL/multi-attempt @ 32d8641; docs/RECIPE.md) → this config:\n${recipeLines(config).join('\n')}`);
    out(`model shape from ${modelFrom}; runtime ${runtime.name} (${runtime.device})`);
    if (!refusal) out(formatEstimate(estimate)); // a refusal below carries the same breakdown
    if (!refusal) out(`fits: ${formatBytes(estimate.peakBytes)} of ${formatBytes(available.bytes)} (${available.what}). Dry run: no run was created.`);
  }
  if (refusal) throw new UserError(`${refusal}\nDry run: no run was created.`);
  return 0;
}
