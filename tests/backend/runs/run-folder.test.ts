// Run folders cannot collide (issue 18): two databases sharing one data folder each have a run 1, and their
// checkpoints land in different folders; a file where the data folder keeps runs/ stops a run before any step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openSqlite } from '../../../backend/db/sqlite-binding.js';
import { tinySetup } from './tiny-run.js';

const bin = path.resolve(import.meta.dirname, '../../../bin/attempt-studio.js');

test('two databases in one data folder: run 1 of each writes its own folder; neither overwrites the other', async () => {
  const s = await tinySetup('as-folders-');
  try {
    const cfg = path.join(s.dir, 'cfg.json');
    writeFileSync(cfg, JSON.stringify(s.config(2, 1)));
    const out: Array<{ runId: number; checkpoint: string }> = [];
    for (const db of ['a.db', 'b.db']) {
      const r = spawnSync(process.execPath, [bin, 'train', '--config', cfg, '--db', path.join(s.dir, db), '--data-dir', s.dir, '--json'], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      out.push(JSON.parse(r.stdout.trim().split('\n').at(-1)!));
    }
    assert.deepEqual(out.map((o) => o.runId), [1, 1], 'both databases number their run 1');
    const [a, b] = out.map((o) => path.dirname(path.dirname(o.checkpoint)));
    assert.notEqual(a, b, 'run 1 of a.db and run 1 of b.db share a folder');
    for (const o of out) assert.ok(existsSync(path.join(o.checkpoint, 'model.safetensors')));
  } finally {
    s.cleanup();
  }
});

test('a file named runs in the data folder: the run fails at once, naming it, before training any step', async () => {
  const s = await tinySetup('as-folders-file-');
  try {
    writeFileSync(path.join(s.dir, 'runs'), 'not a folder');
    const cfg = path.join(s.dir, 'cfg.json');
    writeFileSync(cfg, JSON.stringify(s.config(3, 1)));
    const r = spawnSync(process.execPath, [bin, 'train', '--config', cfg, '--data-dir', s.dir, '--json'], { encoding: 'utf8' });
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stderr, new RegExp(`${path.join(s.dir, 'runs').replace(/[/\\]/g, '.')} is a file, but the studio keeps its runs there`));
    const db = openSqlite(path.join(s.dir, 'attempt-studio.db'), { readonly: true });
    const run = db.prepare('SELECT status, steps_done AS stepsDone FROM runs WHERE id = 1').get() as { status: string; stepsDone: number };
    db.close();
    assert.deepEqual(run, { status: 'failed', stepsDone: 0 });
  } finally {
    s.cleanup();
  }
});
