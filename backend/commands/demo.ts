// `attempt-studio demo`: the whole loop on the embedded default (base model → baseline and multi-attempt RL
// → k-attempt evaluation) with progress and ETA, writing the table, CSV, SVG chart and summary.json.
import path from 'node:path';
import { type Command, type ParsedArgs, DATA_OPTIONS, dataLocationOf, openDbOrExplain, flag, int, str, UserError } from './command.js';
import { DomainError } from '../domain/errors.js';
import { parseDemoJobSpec, type DemoJobSpec } from '../jobs/kinds/demo-job.js';
import { ProgressLine } from './progress.js';

/** The demo flag that sets each spec field (a refused field is reported as the flag the user typed). */
const FLAG_OF: Record<string, string> = {
  seed: '--seed',
  protocol: '--protocol',
  'budget.baseSteps': '--base-steps',
  'budget.rlSteps': '--rl-steps',
  'budget.rolloutBatch': '--rollout-batch',
  'budget.testQuestions': '--test-questions',
};

/** Flags → the demo job's spec (jobs/kinds/demo-job.ts); a bad value is a usage error (exit 2) naming its flag. */
function demoSpecOf(args: ParsedArgs): DemoJobSpec {
  const budget = { baseSteps: int(args, 'base-steps'), rlSteps: int(args, 'rl-steps'), rolloutBatch: int(args, 'rollout-batch'), testQuestions: int(args, 'test-questions') };
  try {
    return parseDemoJobSpec({
      seed: int(args, 'seed'),
      quick: flag(args, 'quick'),
      trainBase: flag(args, 'train-base'),
      protocol: str(args, 'protocol'),
      budget: Object.fromEntries(Object.entries(budget).filter(([, v]) => v !== undefined)),
    });
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    const name = FLAG_OF[err.field ?? ''];
    throw new UserError(name ? `${name} ${err.message.replace(/^invalid demo request: [^:]+: /, '')}` : err.message, 2);
  }
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'Run the whole method on the built-in model: base model, baseline and multi-attempt RL, accuracy vs attempts',
  usage: '[--quick] [--seed S] [--protocol one-episode|separate] [--train-base] [--out DIR] [--db PATH | --data-dir DIR] [--ray ADDRESS] [--json]',
  options: {
    quick: { type: 'boolean', description: 'A ~1 minute smoke test (shorter base model, a few RL steps, fewer questions): checks that everything runs, cannot show the effect' },
    'train-base': { type: 'boolean', description: 'Train the base model anew instead of loading the one shipped with the app (or cached)' },
    seed: { type: 'string', value: 'S', description: 'Random seed', default: '0' },
    out: { type: 'string', value: 'DIR', description: 'Where the CSV, chart and summary.json go', default: 'demo-output' },
    ...DATA_OPTIONS,
    json: { type: 'boolean', description: 'Print summary.json as the last line' },
    ray: { type: 'string', value: 'ADDRESS', description: 'Train the two policies as jobs on this Ray cluster (dashboard URL); the data folder must be shared with its nodes' },
    'base-steps': { type: 'string', value: 'N', description: 'Override: pre-training steps of the base model' },
    'rl-steps': { type: 'string', value: 'N', description: 'Override: RL steps of each policy' },
    'rollout-batch': { type: 'string', value: 'N', description: 'Override: episodes per RL step' },
    'test-questions': { type: 'string', value: 'N', description: 'Override: test questions in the evaluation' },
    protocol: {
      type: 'string',
      value: 'P',
      description: "How accuracy at k is measured: 'one-episode' (one episode allowing 5 attempts) or 'separate' (N = k in the prompt for each k, the reference's)",
      default: 'one-episode',
    },
  },
  details:
    'Everything runs offline on the CPU. The base model ships with the app (resources/base-models) for the\n' +
    'default seeds; otherwise it is trained once and cached in the data folder (models/).\n' +
    'Then both policies train with the same RL budget — at once, in two worker processes, on a machine with two\n' +
    'or more cores — and each model answers the test questions with 5 attempts; the baseline is also sampled\n' +
    '5 times per question (pass@k). Ctrl-C stops the demo: its runs are marked stopped, nothing is evaluated.\n' +
    'Runs, episodes, attempts and eval results are stored in the database, so `npm start` shows them.',
  async run(args) {
    const { reconcile } = await import('../jobs/run-status.js');
    const { runDemo, DemoStopped } = await import('../jobs/demo.js');
    const { formatDemoReport } = await import('../eval/demo-summary.js');
    const spec = demoSpecOf(args);
    const outDir = path.resolve(str(args, 'out') ?? 'demo-output');
    const loc = await dataLocationOf(args);
    const dbFile = loc.dbPath;
    const db = await openDbOrExplain(dbFile, loc.dataDir);
    reconcile(db);
    const controller = new AbortController();
    const onSigint = () => {
      process.stderr.write('\nStopping…\n');
      controller.abort();
      process.exitCode = 130;
    };
    process.on('SIGINT', onSigint);
    const rayAddress = str(args, 'ray');
    let ray: import('../runs/ray/ray-launcher.js').RayLauncher | undefined;
    if (rayAddress) {
      const { RayLauncher } = await import('../runs/ray/ray-launcher.js');
      try {
        ray = await RayLauncher.create({ address: rayAddress, sharedDir: loc.dataDir, db });
      } catch (err) {
        process.off('SIGINT', onSigint);
        db.close();
        throw new UserError((err as Error).message, 2);
      }
      process.stderr.write(`training on the Ray cluster at ${ray.client.address} (Ray ${ray.rayVersion}); shared folder ${loc.dataDir}\n`);
    }
    let progress: ProgressLine | undefined;
    let phase = '';
    let phaseStart = Date.now();
    try {
      const s = await runDemo({
        db,
        dbPath: dbFile,
        dataDir: loc.dataDir,
        outDir,
        ...spec,
        ...(ray ? { spawn: ray.spawn } : {}),
        signal: controller.signal,
        // Worker log lines go above the progress line, which is drawn again under them.
        onLog: (line) => (progress ? progress.log(line) : process.stderr.write(`${line}\n`)),
        onPhase: (name) => {
          progress?.finish();
          progress = undefined;
          phase = name;
          phaseStart = Date.now();
          process.stderr.write(`▶ ${name}\n`);
        },
        onProgress: (done, total, values) => {
          if (!progress) progress = new ProgressLine(phase, total, process.stderr, 5000, phaseStart);
          progress.update(done, values);
        },
      });
      progress?.finish();
      process.stdout.write(
        `\n${formatDemoReport(s)}\n` +
          `wall time ${(s.wallSeconds / 60).toFixed(1)} min on ${s.backend}; files: ${s.files.csv}, ${s.files.chart}, ${s.files.summary}; database ${s.db}\n`,
      );
      if (flag(args, 'json')) process.stdout.write(JSON.stringify(s) + '\n');
      return 0;
    } catch (err) {
      progress?.finish();
      if (err instanceof DemoStopped) {
        process.stderr.write(`Stopped: ${err.message}.\n`);
        return 130;
      }
      throw new UserError((err as Error).message);
    } finally {
      process.off('SIGINT', onSigint);
      await ray?.close();
      db.close();
    }
  },
};
