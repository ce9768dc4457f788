// The data folder turns read-only mid-run (a read-only bind mount; needs root, skipped otherwise): the run
// stops with an error naming EROFS, the database stays sound, no half checkpoint, resume works once writable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { runDiskFaults } from '../../../bench/reliability/disk-faults.js';

const canMount = process.platform === 'linux' && process.getuid?.() === 0 && spawnSync('mount', ['--version']).status === 0;

test('(slow) read-only data folder mid-run', { skip: !canMount && 'needs root to mount' }, async (t) => {
  const [c] = await runDiskFaults({ which: ['ro'] });
  if (c!.skipped) return t.skip(c!.skipped); // root without CAP_SYS_ADMIN (a container)
  assert.equal(c!.clearError, true, c!.errorLine);
  assert.equal(c!.statusAfterReconcile, 'failed');
  assert.match(c!.storedError!, /read-only file system \(EROFS\)/);
  assert.equal(c!.integrityOk, true);
  assert.equal(c!.rowsComplete, true);
  assert.equal(c!.checkpointsComplete, true);
  assert.deepEqual(c!.leftoverTemps, []);
  assert.equal(c!.resumed, true);
});
