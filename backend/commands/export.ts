// `attempt-studio export csv|checkpoint`: the Export page from the command line — CSVs of metrics, eval results,
// episodes or attempts (with the explorer's filters) and a run's checkpoint copied into a folder. Input goes
// through the API contract's schemas and the same export code, so the rules (no clobbering, checked paths) hold.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { type Command, DATA_OPTIONS, dataLocationOf, flag, openDbOrExplain, str, UserError } from './command.js';

const SUBCOMMANDS = ['csv', 'checkpoint'];

function ids(text: string | undefined, name: string): number[] | undefined {
  if (text === undefined) return undefined;
  const out = text.split(',').map((s) => Number(s.trim()));
  if (out.some((n) => !Number.isInteger(n) || n <= 0)) throw new UserError(`--${name} must be run ids separated by commas, got '${text}'`, 2);
  return out;
}

function yesNo(text: string | undefined, name: string): boolean | undefined {
  if (text === undefined) return undefined;
  if (text !== 'yes' && text !== 'no') throw new UserError(`--${name} must be yes or no, got '${text}'`, 2);
  return text === 'yes';
}

function steps(text: string | undefined): { stepMin?: number; stepMax?: number } {
  if (text === undefined) return {};
  const m = /^(\d*):(\d*)$/.exec(text);
  if (!m) throw new UserError(`--steps must be FROM:TO (either may be empty), got '${text}'`, 2);
  return { ...(m[1] ? { stepMin: Number(m[1]) } : {}), ...(m[2] ? { stepMax: Number(m[2]) } : {}) };
}

export const exportCommand: Command = {
  name: 'export',
  summary: 'Export CSVs (metrics, eval results, episodes, attempts) or a run’s checkpoint into a folder',
  usage:
    'csv --table metrics|eval|episodes|attempts [--run ID[,ID…]] [--out FILE.csv] [--overwrite] [filters]\n' +
    '       attempt-studio export checkpoint --run ID [--step N] --to DIR [--overwrite]',
  allowPositionals: true,
  options: {
    table: { type: 'string', value: 'T', description: 'csv: metrics | eval | episodes | attempts' },
    run: { type: 'string', value: 'ID', description: 'The run (episodes, attempts, checkpoint: exactly one; metrics, eval: a list, default all)' },
    out: { type: 'string', value: 'FILE', description: 'csv: the file to write (default: <table>-<runs>-<time>.csv here)' },
    to: { type: 'string', value: 'DIR', description: 'checkpoint: the destination folder (new or empty)' },
    step: { type: 'string', value: 'N', description: 'checkpoint: the checkpoint at this step (default: the latest)' },
    overwrite: { type: 'boolean', description: 'Replace an existing file / files in a non-empty folder' },
    names: { type: 'string', value: 'A,B', description: 'metrics: only these metric names' },
    dataset: { type: 'string', value: 'NAME', description: 'eval, episodes, attempts: only this dataset' },
    metric: { type: 'string', value: 'M', description: 'eval: k_attempt | k_attempt_separate | pass_at_k | mean_accuracy' },
    steps: { type: 'string', value: 'A:B', description: 'episodes, attempts: steps A..B (either end may be empty)' },
    split: { type: 'string', value: 'S', description: 'episodes, attempts: train | eval' },
    verdict: { type: 'string', value: 'V', description: 'episodes, attempts: correct | wrong | no_box | over_budget (the episode’s last attempt)' },
    'solved-later': { type: 'string', value: 'yes|no', description: 'episodes, attempts: solved, but not on the first attempt' },
    repeated: { type: 'string', value: 'yes|no', description: 'episodes, attempts: a retry repeated an earlier wrong answer' },
    ...DATA_OPTIONS,
    json: { type: 'boolean', description: 'Print the result as JSON' },
  },
  details:
    'CSV: RFC 4180 (CRLF, quoted fields), UTF-8 with a byte-order mark (Excel; pandas skips it), one header row; rows are streamed.\n' +
    'Checkpoint: model.safetensors (+ shards), config.json, tokenizer files and run.json; never the optimizer or critic.',
  async run(args) {
    const [sub, ...extra] = args.positionals;
    if (sub === undefined || !SUBCOMMANDS.includes(sub) || extra.length > 0)
      throw new UserError(`expected a subcommand (${SUBCOMMANDS.join(', ')}), got ${sub === undefined ? 'none' : `'${args.positionals.join(' ')}'`}\nRun 'attempt-studio export --help' for usage.`, 2);
    const { ApiError, parseInput } = await import('../api/contract.js');
    const { exportCsv, exportRunCheckpoint } = await import('../api/export-service.js');
    const { cliExportPlaces } = await import('../export/export-places.js');
    const { getRun } = await import('../db/run-store.js');
    const loc = await dataLocationOf(args);
    const dbPath = loc.dbPath;
    if (!existsSync(dbPath)) throw new UserError(`no database at ${dbPath}`);
    const runs = ids(str(args, 'run'), 'run');
    const overwrite = flag(args, 'overwrite');
    const places = cliExportPlaces({ dataDir: loc.dataDir });
    const db = await openDbOrExplain(dbPath, loc.dataDir);
    try {
      for (const id of runs ?? []) if (!getRun(db, id)) throw new UserError(`no run with id ${id} in ${dbPath}`);
      let result: unknown;
      let line: string;
      if (sub === 'csv') {
        const table = str(args, 'table');
        const episodic = table === 'episodes' || table === 'attempts';
        if (episodic && runs?.length !== 1) throw new UserError(`--table ${table} needs exactly one --run`, 2);
        const raw = {
          table,
          ...(!episodic && runs ? { runIds: runs } : {}),
          ...(str(args, 'names') ? { names: str(args, 'names')!.split(',').map((s) => s.trim()) } : {}),
          ...(!episodic && str(args, 'dataset') ? { dataset: str(args, 'dataset') } : {}),
          ...(str(args, 'metric') ? { metric: str(args, 'metric') } : {}),
          ...(episodic
            ? {
                episodes: {
                  runId: runs![0],
                  ...steps(str(args, 'steps')),
                  ...(str(args, 'split') ? { split: str(args, 'split') } : {}),
                  ...(str(args, 'dataset') ? { dataset: str(args, 'dataset') } : {}),
                  ...(str(args, 'verdict') ? { verdict: str(args, 'verdict') } : {}),
                  ...(str(args, 'solved-later') ? { solvedOnLaterAttempt: yesNo(str(args, 'solved-later'), 'solved-later') } : {}),
                  ...(str(args, 'repeated') ? { repeatedWrongAnswer: yesNo(str(args, 'repeated'), 'repeated') } : {}),
                },
              }
            : {}),
          ...(str(args, 'out') ? { path: path.resolve(str(args, 'out')!) } : {}),
          overwrite,
        };
        const r = await exportCsv({ dbPath, exportDir: process.cwd(), places }, parseInput('export:csv', raw));
        result = { path: r.path, rows: r.rows, bytes: r.bytes };
        line = `wrote ${r.rows} rows (${r.bytes} bytes) to ${r.path}`;
      } else {
        if (runs?.length !== 1) throw new UserError('export checkpoint needs exactly one --run', 2);
        if (!str(args, 'to')) throw new UserError('export checkpoint needs --to DIR', 2);
        const step = str(args, 'step');
        const raw = { runId: runs[0], destination: path.resolve(str(args, 'to')!), overwrite, ...(step !== undefined ? { step: Number(step) } : {}) };
        const r = await exportRunCheckpoint(db, parseInput('export:checkpoint', raw), places);
        result = r;
        line = `wrote step ${r.step} of run ${r.runId} to ${r.destination}: ${r.files.map((f) => f.name).join(', ')}`;
      }
      process.stdout.write(flag(args, 'json') ? `${JSON.stringify(result)}\n` : `${line}\n`);
      return 0;
    } catch (err) {
      if (err instanceof ApiError) throw new UserError(err.message, err.status === 400 ? 2 : 1);
      throw err;
    } finally {
      db.close();
    }
  },
};
