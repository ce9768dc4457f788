// `attempt-studio sweep` through the real bin on a tiny budget (issue #19): baseline and multi-attempt per seed,
// the same records as the app's sweep (names, tags, configs, end-of-run evaluation at k = 1..5), and the table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { openDb } from '../../../backend/db/open-db.js';
import { listRuns } from '../../../backend/db/run-store.js';
import { tinySetup } from '../runs/tiny-run.js';

const bin = path.resolve(import.meta.dirname, '../../../bin/attempt-studio.js');

test('sweep --seeds 2 on a tiny budget: four runs, evaluated at the end, mean ± sd per arm', async () => {
  const tiny = await tinySetup('as-sweep-');
  try {
    const file = path.join(tiny.dir, 'tiny.json');
    writeFileSync(file, JSON.stringify({ ...tiny.config(1, 0), eval: { everySteps: 0, maxQuestions: 2 } }));
    const r = spawnSync(process.execPath, [bin, 'sweep', '--config', file, '--seeds', '2', '--name', 'cli sweep', '--db', tiny.dbPath, '--json'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /cli sweep: held-out accuracy by k, mean ± sd over 2 seeds/);
    assert.match(r.stdout, /baseline\s+k=1 \d+\.\d ± \d+\.\d%.*gain 1→2 -?\d+\.\d ± \d+\.\d points/);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    assert.equal(out.runIds.length, 4);
    assert.equal(out.arms.baseline.byK.length, 5);
    assert.equal(out.arms['multi-attempt'].gain.n, 2);
    const db = openDb(tiny.dbPath);
    try {
      const runs = listRuns(db, {}).filter((x) => out.runIds.includes(x.id));
      assert.deepEqual(runs.map((x) => x.name).sort(), ['cli sweep · baseline · seed 1', 'cli sweep · baseline · seed 2', 'cli sweep · multi-attempt · seed 1', 'cli sweep · multi-attempt · seed 2']);
      assert.ok(runs.every((x) => x.status === 'completed' && x.tags.includes('sweep') && x.tags.includes('cli sweep')));
      const seeds = runs.map((x) => (x.config as { seed: number }).seed).sort();
      assert.deepEqual(seeds, [1, 1, 2, 2]);
      for (const id of out.runIds) {
        const ks = db.prepare("SELECT k FROM eval_results WHERE run_id = ? AND dataset = 'held-out' ORDER BY k").all(id) as Array<{ k: number }>;
        assert.deepEqual(ks.map((x) => x.k), [1, 2, 3, 4, 5]);
      }
    } finally {
      db.close();
    }
  } finally {
    tiny.cleanup();
  }
});

test('sweep refuses bad input with one line naming it, before any run', () => {
  const r = spawnSync(process.execPath, [bin, 'sweep', '--preset', 'builtin-multi-attempt', '--seeds', '0', '--data-dir', '/nonexistent-dir-for-test'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr.trim(), /^.*--seeds: give 1 to 10, got 0$/m);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});
