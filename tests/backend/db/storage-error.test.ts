// Storage failures become one clear line naming what happened, where, and the fix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainStorageError, storageErrorCode } from '../../../backend/db/storage-error.js';

const err = (code: string, message = 'x') => Object.assign(new Error(message), { code });

test('errno and SQLite codes map to a clear message; other errors keep theirs', () => {
  assert.equal(storageErrorCode(err('ENOSPC')), 'ENOSPC');
  assert.equal(storageErrorCode(err('SQLITE_IOERR_WRITE')), 'SQLITE_IOERR');
  assert.equal(storageErrorCode(err('SQLITE_READONLY_DBMOVED')), 'SQLITE_READONLY_DBMOVED');
  assert.equal(storageErrorCode(err('SQLITE_CONSTRAINT')), null);
  assert.equal(storageErrorCode(new Error('plain')), null);
  assert.equal(storageErrorCode(null), null);
  const full = explainStorageError(err('SQLITE_FULL', 'database or disk is full'), '/data');
  assert.match(full, /^storage error: the disk is full \(SQLITE_FULL\) in \/data: database or disk is full; free space or choose another data folder \(--data-dir\)/);
  assert.match(explainStorageError(err('EROFS', 'read-only file system'), '/d'), /read-only file system \(EROFS\).*make the data folder writable/);
  assert.equal(explainStorageError(new Error('model exploded'), '/d'), 'model exploded');
});
