// `attempt-studio runs list`: the runs in a database (id, kind, status, steps done, error), after
// reconciling runs whose worker process is gone. A database the user may only read is listed as stored
// (nothing reconciled); a damaged one is one line naming the file and how to recover it.
import { existsSync } from 'node:fs';
import { type Command, DATA_OPTIONS, dataLocationOf, flag, UserError } from './command.js';
import path from 'node:path';
import { explainStorageError, storageErrorCode } from '../db/storage-error.js';
import { openDb, openDbSnapshot, type Db } from '../db/open-db.js';
import { listRuns, type RunRow } from '../db/run-store.js';
import { reconcile } from '../jobs/run-status.js';
import { cannotOpenDatabaseMessage, damagedDatabaseMessage } from './known-errors.js';

const SUBCOMMANDS = ['list'];

function formatTable(runs: RunRow[]): string {
  const head = ['id', 'kind', 'status', 'steps', 'name', 'error'];
  const rows = runs.map((r) => [
    String(r.id),
    r.kind,
    r.status,
    String(r.stepsDone),
    r.name || (r.preset ?? ''),
    (r.error ?? '').replace(/\s+/g, ' '),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

/** Errors that mean "you may read this database but not write it". */
const READ_ONLY = /^(SQLITE_READONLY|SQLITE_CANTOPEN|EACCES|EPERM|EROFS)/;

/** The database for listing: read-write (to reconcile), else read-only as stored; with a note when read-only. */
function openForListing(file: string): { db: Db; readOnly: boolean; close(): void } {
  try {
    const db = openDb(file);
    return { db, readOnly: false, close: () => db.close() };
  } catch (err) {
    const damaged = damagedDatabaseMessage(err, file);
    if (damaged) throw new UserError(damaged);
    const code = storageErrorCode(err) ?? '';
    if (!READ_ONLY.test(code) && !READ_ONLY.test(String((err as { code?: unknown }).code ?? ''))) {
      throw new UserError(cannotOpenDatabaseMessage(err, file, path.dirname(file)));
    }
    try {
      const snap = openDbSnapshot(file);
      return { db: snap.db, readOnly: true, close: snap.close };
    } catch (err2) {
      throw new UserError(damagedDatabaseMessage(err2, file) ?? `cannot read database ${file}: ${explainStorageError(err2, path.dirname(file))}`);
    }
  }
}

export const runsCommand: Command = {
  name: 'runs',
  summary: 'List the training and evaluation runs in a database',
  usage: 'list [--db PATH | --data-dir DIR] [--json]',
  allowPositionals: true,
  options: {
    ...DATA_OPTIONS,
    json: { type: 'boolean', description: 'Print the runs as a JSON array' },
  },
  details:
    'Runs marked running whose worker process is gone are first marked interrupted, with the reason.\n' +
    'A database you may only read is listed as stored (nothing is marked).',
  async run(args) {
    const [sub, ...extra] = args.positionals;
    if (sub === undefined || !SUBCOMMANDS.includes(sub) || extra.length > 0) {
      const got = sub === undefined ? 'none' : `'${args.positionals.join(' ')}'`;
      throw new UserError(
        `expected a subcommand (${SUBCOMMANDS.join(', ')}), got ${got}\nRun 'attempt-studio runs --help' for usage.`,
        2,
      );
    }
    const file = (await dataLocationOf(args)).dbPath;
    const json = flag(args, 'json');
    if (!existsSync(file)) {
      if (json) process.stdout.write('[]\n');
      else process.stdout.write(`No runs: there is no database at ${file} yet.\n`);
      return 0;
    }
    const opened = openForListing(file);
    const { db } = opened;
    try {
      if (opened.readOnly) process.stderr.write(`${file} is read-only here: listed as stored (runs whose worker is gone are not re-marked)\n`);
      else for (const r of reconcile(db)) process.stderr.write(`run ${r.runId} marked interrupted: ${r.reason}\n`);
      const runs = listRuns(db);
      if (json) {
        const out = runs.map((r) => ({
          id: r.id,
          kind: r.kind,
          status: r.status,
          stepsDone: r.stepsDone,
          error: r.error,
          name: r.name,
          preset: r.preset,
          createdAt: r.createdAt,
          startedAt: r.startedAt,
          endedAt: r.endedAt,
        }));
        process.stdout.write(JSON.stringify(out) + '\n');
      } else process.stdout.write(runs.length === 0 ? `No runs in ${file}.\n` : formatTable(runs) + '\n');
      return 0;
    } catch (err) {
      const damaged = damagedDatabaseMessage(err, file);
      if (damaged) throw new UserError(damaged);
      throw err;
    } finally {
      opened.close();
    }
  },
};
