// `attempt-studio demo`: the whole loop on the embedded default (base model → baseline and multi-attempt RL
// → k-attempt evaluation) with progress and ETA, writing the table, CSV, SVG chart and summary.json.
import path from 'node:path';
import { type Command, DATA_OPTIONS, dataLocationOf, openDbOrExplain, flag, int, str, UserError } from './command.js';
import { ProgressLine } from './progress.js';

export const demoCommand: Command = {
  name: 'demo',
  summary: 'Run the whole method on the built-in model: base model, baseline and multi-attempt RL, accuracy vs attempts',
  usage: '[--quick] [--seed S] [--protocol one-episode|separate] [--out DIR] [--db PATH | --data-dir DIR] [--json]',
  options: {
    quick: { type: 'boolean', description: 'A smaller version (shorter base model, fewer RL steps, fewer test questions)' },
    seed: { type: 'string', value: 'S', description: 'Random seed', default: '0' },
    out: { type: 'string', value: 'DIR', description: 'Where the CSV, chart and summary.json go', default: 'demo-output' },
    ...DATA_OPTIONS,
    json: { type: 'boolean', description: 'Print summary.json as the last line' },
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
    'Everything runs offline on the CPU. The base model is cached in the data folder (models/) and reused.\n' +
    'Full budget: base model 6,000 steps, then both policies 300 RL steps × 64 episodes — at once, in two worker\n' +
    'processes, on a machine with two or more cores — then 300 test questions × 5 attempts for each of 3 models.\n' +
    'Runs, episodes, attempts and eval results are stored in the database, so `npm start` shows them.',
  async run(args) {
    const { reconcile } = await import('../jobs/run-status.js');
    const { runDemo, formatDemoTable } = await import('../jobs/demo.js');
    const seed = int(args, 'seed') ?? 0;
    const protocol = str(args, 'protocol') ?? 'one-episode';
    if (protocol !== 'one-episode' && protocol !== 'separate')
      throw new UserError(`--protocol must be one-episode or separate, got '${protocol}'`, 2);
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
    let progress: ProgressLine | undefined;
    let phase = '';
    let phaseStart = Date.now();
    try {
      const s = await runDemo({
        db,
        dbPath: dbFile,
        dataDir: loc.dataDir,
        outDir,
        seed,
        quick: flag(args, 'quick'),
        protocol,
        budget: Object.fromEntries(
          (
            [
              ['baseSteps', int(args, 'base-steps')],
              ['rlSteps', int(args, 'rl-steps')],
              ['rolloutBatch', int(args, 'rollout-batch')],
              ['testQuestions', int(args, 'test-questions')],
            ] as const
          ).filter(([, v]) => v !== undefined),
        ),
        signal: controller.signal,
        onLog: (line) => {
          progress?.finish();
          progress = undefined;
          process.stderr.write(`${line}\n`);
        },
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
      const K = s.attempts;
      process.stdout.write(
        `\nAccuracy vs number of attempts — synthetic test split, ${s.testQuestions} questions, greedy decoding\n\n` +
          formatDemoTable(
            [
              { name: 'base model', d: s.policies.base },
              { name: 'single-turn baseline', d: s.policies.baseline },
              { name: 'multi-attempt', d: s.policies.multiAttempt },
            ],
            K,
          ) +
          `\n\ngain from k=1 to k=2: baseline ${(s.policies.baseline.gain1to2 * 100).toFixed(1)} points, multi-attempt ${(s.policies.multiAttempt.gain1to2 * 100).toFixed(1)} points\n` +
          `wall time ${(s.wallSeconds / 60).toFixed(1)} min on ${s.backend}; files: ${s.files.csv}, ${s.files.chart}, ${s.files.summary}; database ${s.db}\n`,
      );
      if (flag(args, 'json')) process.stdout.write(JSON.stringify(s) + '\n');
      return 0;
    } catch (err) {
      progress?.finish();
      throw new UserError((err as Error).message);
    } finally {
      process.off('SIGINT', onSigint);
      db.close();
    }
  },
};
