// Disk full during training on a real few-MB tmpfs (needs root to mount; skipped otherwise): a clear error,
// a clean stop, a sound database, no half checkpoint, and resume once space is freed. Also: a read-only
// data folder at start is a one-line error, not a stack trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { runDiskFaults } from '../../../bench/reliability/disk-faults.js';

const canMount = process.platform === 'linux' && process.getuid?.() === 0 && spawnSync('mount', ['--version']).status === 0;

test('(slow) disk full mid-run and a read-only folder at start', { skip: !canMount && 'needs root to mount a tmpfs' }, async (t) => {
  const cases = await runDiskFaults({ which: ['ro-start', 'full'] });
  if (cases.every((c) => c.skipped)) return t.skip(cases[0]!.skipped); // root without CAP_SYS_ADMIN (a container)
  for (const c of cases) {
    if (c.skipped) continue;
    assert.equal(c.clearError, true, `${c.name}: ${c.errorLine}`);
    assert.equal(c.integrityOk, true, c.name);
    assert.equal(c.rowsComplete, true, c.name);
    assert.equal(c.checkpointsComplete, true, c.name);
    assert.deepEqual(c.leftoverTemps, [], c.name);
    assert.equal(c.resumed, true, c.name);
  }
  const full = cases.find((c) => c.name.startsWith('disk full'))!;
  assert.ok(full.committedSteps >= 1);
  assert.ok(['interrupted', 'failed'].includes(full.statusAfterReconcile!), String(full.statusAfterReconcile));
});
