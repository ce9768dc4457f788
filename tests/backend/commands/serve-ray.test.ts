// `serve --ray`: a cluster or shared folder that cannot be used is refused with one line (exit 2) before the
// server starts and before any run is queued; the database keeps no trace of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const bin = path.resolve(import.meta.dirname, '../../../bin/attempt-studio.js');

test('serve --ray refuses an unreachable shared folder or dashboard with one line, exit 2', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-serve-ray-'));
  try {
    const run = (args: string[]) => spawnSync(process.execPath, [bin, 'serve', '--port', '0', '--db', path.join(dir, 's.db'), ...args], { encoding: 'utf8', timeout: 120_000 });
    const noFolder = run(['--ray', 'http://127.0.0.1:9', '--ray-shared-dir', path.join(dir, 'missing')]);
    assert.equal(noFolder.status, 2, noFolder.stderr);
    assert.match(noFolder.stderr, /Ray backend: the shared folder .*missing is not reachable \(ENOENT\)/);
    const noCluster = run(['--ray', 'http://127.0.0.1:9']);
    assert.equal(noCluster.status, 2, noCluster.stderr);
    assert.match(noCluster.stderr, /cannot reach the Ray dashboard at http:\/\/127\.0\.0\.1:9 .*ray start --head/);
    for (const r of [noFolder, noCluster]) {
      assert.equal(r.stdout, '', 'no URL: the server never started');
      assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
