// `attempt-studio demo --quick` end to end on a tiny budget through the real bin: every artefact is written,
// summary.json has the keys scripts rely on, and the CSV table matches the eval rows in SQLite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { parseCsv } from '../../../backend/export/csv.js';

const bin = path.resolve(import.meta.dirname, '../../../bin/attempt-studio.js');

test('demo --quick (tiny budget) writes the table, CSV, SVG chart, summary.json and SQLite rows that agree', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-demo-'));
  try {
    const out = path.join(dir, 'out');
    const db = path.join(dir, 'demo.db');
    const r = spawnSync(
      process.execPath,
      [bin, 'demo', '--quick', '--seed', '7', '--base-steps', '20', '--rl-steps', '2', '--rollout-batch', '8', '--test-questions', '12', '--out', out, '--db', db, '--json'],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /policy\s+k=1\s+k=2\s+k=3\s+k=4\s+k=5\s+repeat/);
    assert.match(r.stdout, /single-turn baseline/);
    assert.match(r.stdout, /This was --quick: a smoke test[\s\S]*run the full demo: attempt-studio demo/, 'says its numbers mean nothing (issue #24)');
    for (const f of ['accuracy-vs-attempts.csv', 'accuracy-vs-attempts.svg', 'summary.json']) assert.ok(existsSync(path.join(out, f)), f);
    assert.match(readFileSync(path.join(out, 'accuracy-vs-attempts.svg'), 'utf8'), /^<svg[^>]*>[\s\S]*multi-attempt \(RL\)[\s\S]*<\/svg>\n$/);

    const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').at(-1)!), summary);
    assert.equal(summary.seed, 7);
    assert.equal(typeof summary.wallSeconds, 'number');
    assert.equal(typeof summary.backend, 'string');
    for (const p of ['baseline', 'multiAttempt']) {
      const pol = summary.policies[p];
      assert.deepEqual(Object.keys(pol.accuracyByK), ['1', '2', '3', '4', '5']);
      for (const v of Object.values(pol.accuracyByK) as number[]) assert.ok(v >= 0 && v <= 1);
      assert.equal(typeof pol.repeatRate, 'number');
      // The per-family split covers every test question once and its counts add up to the whole sweep.
      const fams = Object.entries(pol.byFamily) as [string, { n: number; accuracyByK: Record<string, number> }][];
      assert.deepEqual(fams.map(([f]) => f).sort(), ['add', 'root']);
      assert.equal(fams.reduce((a, [, x]) => a + x.n, 0), pol.n);
      for (const k of ['1', '2', '5']) {
        const correct = fams.reduce((a, [, x]) => a + Math.round(x.accuracyByK[k]! * x.n), 0);
        assert.equal(correct, pol.correctByK[k], `k=${k}`);
      }
    }
    assert.match(r.stdout, /^ {2}root \(\d+\)/m);

    const rows = parseCsv(readFileSync(path.join(out, 'accuracy-vs-attempts.csv'), 'utf8'));
    assert.deepEqual(rows[0], ['policy', 'run_id', 'k', 'n', 'correct', 'accuracy', 'repeat_rate']);
    assert.equal(rows.length, 1 + 3 * 5);
    const sql = new Database(db, { readonly: true });
    const runs = sql.prepare('SELECT id, kind, status FROM runs ORDER BY id').all() as { id: number; kind: string; status: string }[];
    assert.deepEqual(runs.map((x) => [x.kind, x.status]), [['train', 'completed'], ['train', 'completed'], ['eval', 'completed']]);
    for (const row of rows.slice(1)) {
      const [policy, runId, k, n, correct, accuracy] = row;
      const e = sql
        .prepare("SELECT n, correct, accuracy FROM eval_results WHERE run_id = ? AND dataset = 'synthetic' AND k = ?")
        .get(Number(runId), Number(k)) as { n: number; correct: number; accuracy: number };
      assert.ok(e, `${policy} k=${k} in SQLite`);
      assert.deepEqual([e.n, e.correct, e.accuracy], [Number(n), Number(correct), Number(accuracy)], `${policy} k=${k}`);
    }
    // The base model was cached beside the database and a second demo reuses it.
    assert.equal(summary.baseModel.cached, false);
    sql.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('demo --protocol accepts one-episode and separate only, before any work', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-demo-'));
  try {
    const r = spawnSync(process.execPath, [bin, 'demo', '--quick', '--protocol', 'twice', '--data-dir', dir, '--out', path.join(dir, 'out')], { encoding: 'utf8' });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--protocol must be one-episode or separate, got 'twice'/);
    assert.ok(!existsSync(path.join(dir, 'out')), 'no artefacts written');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
