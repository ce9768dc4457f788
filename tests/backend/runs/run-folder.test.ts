// Run folders cannot collide (issue 18): two databases sharing one data folder each have a run 1, and their
// checkpoints land in different folders; a file where the data folder keeps runs/ stops a run before any step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openSqlite } from '../../../backend/db/sqlite-binding.js';
import { tinySetup } from './tiny-run.js';
import { openDb } from '../../../backend/db/open-db.js';
import { addCheckpoint, createRun } from '../../../backend/db/run-store.js';
import { runFolder, runFoldersOf } from '../../../backend/db/run-folder.js';

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

test('runFoldersOf: the named folder and the run folders of its own checkpoints, never another run’s or outside runs/', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-folders-of-'));
  try {
    const db = openDb(path.join(dir, 's.db'));
    const a = createRun(db, { kind: 'train', config: {} });
    const b = createRun(db, { kind: 'train', config: {} });
    const named = runFolder(db, dir, a);
    assert.match(path.basename(named), new RegExp(`^${a}-[0-9a-f]{8}$`));
    // A run trained elsewhere (no folder name here) whose checkpoints are in runs/<x>/checkpoints, and one outside.
    addCheckpoint(db, b, 1, path.join(dir, 'runs', `${b}-cafebabe`, 'checkpoints', 'step-000001'), 'training');
    addCheckpoint(db, b, 2, path.join(tmpdir(), 'elsewhere', 'checkpoints', 'step-000002'), 'training');
    assert.deepEqual(runFoldersOf(db, dir, a), [named]);
    assert.deepEqual(runFoldersOf(db, dir, b), [path.join(dir, 'runs', `${b}-cafebabe`)]);
    // An old run whose checkpoints live in the unkeyed runs/<id> keeps that folder.
    const c = createRun(db, { kind: 'train', config: {} });
    addCheckpoint(db, c, 1, path.join(dir, 'runs', String(c), 'checkpoints', 'step-000001'), 'training');
    assert.equal(runFolder(db, dir, c), path.join(dir, 'runs', String(c)));
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
