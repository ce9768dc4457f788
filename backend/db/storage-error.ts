// Storage failures (disk full, read-only or vanished data folder, no permission) turned into one clear line
// that says what happened, where, and what to do — for run errors, the CLI and the UI alike.

const HINTS: Record<string, string> = {
  ENOSPC: 'the disk is full',
  SQLITE_FULL: 'the disk is full',
  EDQUOT: 'the disk quota is exhausted',
  EROFS: 'the data folder is on a read-only file system',
  SQLITE_READONLY: 'the database is read-only',
  SQLITE_READONLY_DBMOVED: 'the database file was moved or deleted',
  SQLITE_IOERR: 'the disk reported an I/O error',
  SQLITE_CANTOPEN: 'the database cannot be created or opened there (a read-only, missing or forbidden folder)',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EIO: 'the disk reported an I/O error',
};

/** The storage failure kind of an error (its errno code, or the SQLite code's family), or null. */
export function storageErrorCode(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return null;
  if (HINTS[code]) return code;
  const family = Object.keys(HINTS).find((k) => k.startsWith('SQLITE_') && code.startsWith(k + '_'));
  return family ?? null;
}

/**
 * A clear message for a storage failure: "storage error: the disk is full (ENOSPC) while writing ... in DIR;
 * free space or choose another data folder (--data-dir), then resume the run". Other errors: their message.
 */
export function explainStorageError(err: unknown, dataDir: string): string {
  const message = (err as Error)?.message ?? String(err);
  const code = storageErrorCode(err);
  if (!code) return message;
  const fix = code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN' || code === 'EROFS' || code === 'EACCES' || code === 'EPERM'
    ? 'make the data folder writable or choose another one (--data-dir)'
    : 'free space or choose another data folder (--data-dir)';
  return `storage error: ${HINTS[code]} (${code}) in ${dataDir}: ${message}; ${fix}, then resume the run`;
}
