// `attempt-studio sweep`: "Reproduce the finding" from a terminal — the single-turn baseline and multi-attempt
// training for N seeds with one budget, each evaluated at the end at k = 1..K, one run after another, writing
// the same records as the app's sweep (runs named "<name> · <arm> · seed <s>", tagged 'sweep' and the name),
// then the mean ± sd per k of each arm and the gain from k = 1 to 2.
import { readFileSync } from 'node:fs';
import { type Command, DATA_OPTIONS, dataLocationOf, openDbOrExplain, flag, int, str, UserError } from './command.js';

export const sweepCommand: Command = {
  name: 'sweep',
  summary: 'Reproduce the finding: baseline and multi-attempt training over N seeds, evaluated at the end',
  usage: '(--preset NAME | --config FILE.json) [--seeds N] [--name NAME] [--steps N] [--db PATH | --data-dir DIR] [--json]',
  options: {
    preset: { type: 'string', value: 'NAME', description: 'The multi-attempt preset whose budget both arms use (e.g. builtin-multi-attempt)' },
    config: { type: 'string', value: 'FILE', description: 'A run config (JSON) instead of a preset' },
    seeds: { type: 'string', value: 'N', description: 'Seeds 1..N (default 3)' },
    name: { type: 'string', value: 'NAME', description: "The sweep's name, in its run names and tags (default 'finding')" },
    steps: { type: 'string', value: 'N', description: 'Override the number of training steps of every run' },
    ...DATA_OPTIONS,
    json: { type: 'boolean', description: 'Print one JSON object as the last line: name, runIds, and per arm the mean and sd of accuracy at each k' },
  },
  details: 'Runs go one at a time into the data folder\'s database (the app shows them live and groups them by seed).\nCtrl-C stops after the current step of the current run; the remaining runs are not started.',
  async run(args) {
    const { parseRunConfig, ConfigError } = await import('../rl/config.js');
    const { runTraining } = await import('../jobs/train-run.js');
    const { createRun } = await import('../db/run-store.js');
    const { reconcile } = await import('../jobs/run-status.js');
    const { seedList, sweepRuns } = await import('../runs/sweep.js');
    const preset = str(args, 'preset');
    const file = str(args, 'config');
    if ((preset === undefined) === (file === undefined)) throw new UserError('give exactly one of --preset NAME or --config FILE', 2);
    let raw: Record<string, unknown>;
    if (file !== undefined) {
      try {
        raw = JSON.parse(readFileSync(file, 'utf8'));
      } catch (err) {
        throw new UserError(`${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `not valid JSON (${(err as Error).message})`}`);
      }
    } else raw = { preset };
    const steps = int(args, 'steps');
    if (steps !== undefined) raw = { ...raw, steps };
    const n = int(args, 'seeds') ?? 3;
    if (n < 1 || n > 10) throw new UserError(`--seeds: give 1 to 10, got ${n}`, 2);
    const name = str(args, 'name') ?? 'finding';
    const planned = sweepRuns(raw, seedList(n), name).map((r) => {
      try {
        return { ...r, parsed: parseRunConfig(r.config, `${file ?? `--preset ${preset}`} (${r.name})`) };
      } catch (err) {
        if (err instanceof ConfigError) throw new UserError(err.message, 2);
        throw err;
      }
    });
    const loc = await dataLocationOf(args);
    const db = await openDbOrExplain(loc.dbPath, loc.dataDir);
    reconcile(db);
    const controller = new AbortController();
    const onSigint = () => {
      process.stderr.write('\nStopping after the current step…\n');
      controller.abort();
    };
    process.on('SIGINT', onSigint);
    try {
      // Every run is recorded first (queued), so the app shows the whole sweep from the start.
      const ids = planned.map((r) => createRun(db, { kind: 'train', config: r.parsed, name: r.name, preset: r.parsed.preset, tags: r.tags }));
      const accuracy: Record<string, number[][]> = { baseline: [], 'multi-attempt': [] };
      for (const [i, r] of planned.entries()) {
        if (controller.signal.aborted) break;
        process.stderr.write(`▶ ${r.name} (run ${ids[i]}, ${i + 1} of ${planned.length})\n`);
        const res = await runTraining({ db, dataDir: loc.dataDir, config: r.parsed, runId: ids[i], signal: controller.signal, onLog: (l) => process.stderr.write(`  ${l}\n`) });
        if (res.status === 'failed') throw new UserError(`${r.name} (run ${res.runId}) failed: ${res.error}`);
        const rows = db
          .prepare("SELECT k, accuracy FROM eval_results WHERE run_id = ? AND dataset = 'held-out' AND metric = 'k_attempt' AND step = (SELECT MAX(step) FROM eval_results WHERE run_id = ?) ORDER BY k")
          .all(res.runId, res.runId) as Array<{ k: number; accuracy: number }>;
        accuracy[r.arm]!.push(rows.map((x) => x.accuracy));
      }
      const summary = Object.fromEntries(Object.entries(accuracy).map(([arm, curves]) => [arm, meanSd(curves)]));
      process.stdout.write(`\n${name}: held-out accuracy by k, mean ± sd over ${n} seed${n === 1 ? '' : 's'}\n`);
      for (const [arm, s] of Object.entries(summary))
        process.stdout.write(`  ${arm.padEnd(14)} ${s.byK.map((x, k) => `k=${k + 1} ${(x.mean * 100).toFixed(1)} ± ${(x.sd * 100).toFixed(1)}%`).join('  ')}  gain 1→2 ${(s.gain.mean * 100).toFixed(1)} ± ${(s.gain.sd * 100).toFixed(1)} points\n`);
      if (flag(args, 'json')) process.stdout.write(JSON.stringify({ name, runIds: ids, db: loc.dbPath, arms: summary }) + '\n');
      return controller.signal.aborted ? 130 : 0;
    } finally {
      process.off('SIGINT', onSigint);
      db.close();
    }
  },
};

type MeanSd = { mean: number; sd: number; n: number };
function ms(xs: number[]): MeanSd {
  const mean = xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, sd, n: xs.length };
}
/** Mean ± sample sd per k over the seeds' curves, and of the per-seed gain from k = 1 to 2. */
function meanSd(curves: number[][]): { byK: MeanSd[]; gain: MeanSd } {
  const K = Math.min(...curves.map((c) => c.length));
  return { byK: Array.from({ length: K }, (_, i) => ms(curves.map((c) => c[i]!))), gain: ms(curves.map((c) => c[1]! - c[0]!)) };
}
