// Opening the SQLite database: WAL so readers never block the training worker, a busy timeout, foreign
// keys on, synchronous=NORMAL (durable across process crashes), and the schema migrated to the latest.
import type Database from 'better-sqlite3';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrate } from './migrations.js';
import { openSqlite } from './sqlite-binding.js';

export type Db = Database.Database;

export interface OpenDbOptions {
  /** Open read-only (the file must exist; no migration). Default false. */
  readonly?: boolean;
  /** How long a statement waits for a lock before failing, in ms. Default 5000. */
  busyTimeoutMs?: number;
}

export function openDb(file: string, opts: OpenDbOptions = {}): Db {
  if (!opts.readonly) mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = openSqlite(file, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
  try {
    db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 5000}`);
    db.pragma('foreign_keys = ON');
    if (!opts.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      migrate(db);
    }
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * Reads a database the user may not write: read-only in place when SQLite allows it; a WAL database in a folder
 * the user may not write (SQLite would need to create its -shm file there) is read from a private copy of the
 * file and its -wal in the temporary folder, deleted on close. Never writes beside the original.
 */
export function openDbSnapshot(file: string): { db: Db; copied: boolean; close(): void } {
  try {
    const db = openDb(file, { readonly: true });
    db.prepare('SELECT 1 FROM sqlite_master LIMIT 1').get(); // read-only WAL problems surface on first read
    return { db, copied: false, close: () => db.close() };
  } catch {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'as-db-snapshot-'));
    try {
      const copy = path.join(dir, path.basename(file));
      copyFileSync(file, copy);
      if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${copy}-wal`);
      const db = openDb(copy, { readonly: true });
      return { db, copied: true, close: () => (db.close(), rmSync(dir, { recursive: true, force: true })) };
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }
}
