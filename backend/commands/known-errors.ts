// The command line's last line of defence: an error no command turned into a UserError becomes one line that
// says what went wrong (a damaged database, input nested too deeply, a storage failure), exit 1 — never a stack
// trace (ATTEMPT_STUDIO_DEBUG=1 prints it for a bug report).
import { explainStorageError, storageErrorCode } from '../db/storage-error.js';

/** A damaged SQLite file (SQLITE_CORRUPT…, SQLITE_NOTADB): what to say about `file`, or null for other errors. */
export function damagedDatabaseMessage(err: unknown, file?: string): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !/^SQLITE_(CORRUPT|NOTADB)/.test(code)) return null;
  const name = file ?? 'FILE.db';
  return (
    `the database ${file ?? ''}${file ? ' ' : ''}is damaged (${code}: ${(err as Error).message}); nothing was changed. ` +
    `Recover what is readable with \`sqlite3 "${name}" .recover | sqlite3 recovered.db\`, or point --db at a backup`
  );
}

/** Why a command could not open its database `dbPath` (damaged, read-only, full disk, no permission): one line. */
export function cannotOpenDatabaseMessage(err: unknown, dbPath: string, dataDir: string): string {
  return damagedDatabaseMessage(err, dbPath) ?? `cannot open database ${dbPath}: ${explainStorageError(err, dataDir)}`;
}

/** One line for an error that reached the top of a command. */
export function describeUnexpectedError(err: unknown): string {
  const e = err as Error;
  const message = e?.message ?? String(err);
  const damaged = damagedDatabaseMessage(err);
  if (damaged) return damaged;
  if (e instanceof RangeError && /call stack/i.test(message)) return `the input is nested too deeply to process (${message})`;
  if (storageErrorCode(err)) return explainStorageError(err, 'the data folder');
  return `${e?.name && e.name !== 'Error' ? `${e.name}: ` : ''}${message.split('\n')[0]} (an unexpected error; ATTEMPT_STUDIO_DEBUG=1 shows where)`;
}
