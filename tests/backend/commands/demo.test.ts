// `attempt-studio demo --quick` end to end on a tiny budget through the real bin: every artefact is written,
// summary.json has the keys scripts rely on, and the CSV table matches the eval rows in SQLite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openSqlite } from '../../../backend/db/sqlite-binding.js';
import { parseCsv } from '../../../backend/export/csv.js';
import { DEFAULT_BASE_MODEL_SPEC } from '../../../backend/pretrain/base-model.js';

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
    // What ran is said: task, reward, seed; and that a quick run is a smoke test that cannot show the effect.
    assert.match(r.stdout, /seed 7/);
    assert.match(r.stdout, /^task: \w+ level \d/m);
    assert.match(r.stdout, /^reward: baseline \+1 correct \/ −0\.5 wrong \/ −1 no answer, no discount; multi-attempt \+1 correct \/ −0\.5 wrong \/ −1 no answer, no discount$/m);
    assert.match(r.stdout, /This was a smoke test \(--quick: 2 RL steps, 12 questions\)/);
    assert.match(r.stdout, /Succ@k vs the baseline's sampled pass@k \(5 samples, temperature 1\): k=1 /);
    for (const f of ['accuracy-vs-attempts.csv', 'accuracy-vs-attempts.svg', 'summary.json']) assert.ok(existsSync(path.join(out, f)), f);
    assert.match(readFileSync(path.join(out, 'accuracy-vs-attempts.svg'), 'utf8'), /^<svg[^>]*>[\s\S]*multi-attempt \(RL\)[\s\S]*<\/svg>\n$/);

    const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').at(-1)!), summary);
    assert.equal(summary.seed, 7);
    assert.equal(typeof summary.wallSeconds, 'number');
    assert.equal(typeof summary.backend, 'string');
    assert.equal(summary.smokeTest, true);
    assert.equal(summary.split, 'test');
    assert.deepEqual(summary.reward.attemptDiscount, { baseline: 1, multiAttempt: 1 });
    assert.deepEqual(summary.reward.values, { correct: 1, wrong: -0.5, noBox: -1 });
    assert.equal(typeof summary.task.description, 'string');
    // Succ@k of the multi-attempt policy beside the baseline's sampled pass@k, for k = 1..5.
    assert.deepEqual(summary.comparisons.succVsPass.map((x: { k: number }) => x.k), [1, 2, 3, 4, 5]);
    for (const x of summary.comparisons.succVsPass) {
      assert.equal(x.succ, summary.policies.multiAttempt.accuracyByK[String(x.k)]);
      assert.equal(x.pass, summary.baselineSampled.passAtK[String(x.k)]);
    }
    assert.equal(summary.baselineSampled.samplesPerQuestion, 5);
    for (const p of ['baseline', 'multiAttempt']) {
      const pol = summary.policies[p];
      assert.deepEqual(Object.keys(pol.accuracyByK), ['1', '2', '3', '4', '5']);
      for (const v of Object.values(pol.accuracyByK) as number[]) assert.ok(v >= 0 && v <= 1);
      assert.equal(typeof pol.repeatRate, 'number');
      assert.ok(pol.uniqueAnswerRatio === null || (pol.uniqueAnswerRatio > 0 && pol.uniqueAnswerRatio <= 1));
      // SCoRe's Δ(t1,t2) is the k = 1 → 2 gain in this protocol, and Δc→i is 0 (the episode ends when right).
      assert.ok(Math.abs(pol.firstSecond.delta - pol.gain1to2) < 1e-12);
      assert.equal(pol.firstSecond.correctToIncorrect, 0);
      // The per-family split covers every test question once and its counts add up to the whole sweep.
      const fams = Object.entries(pol.byFamily) as [string, { n: number; accuracyByK: Record<string, number> }][];
      assert.deepEqual(fams.map(([f]) => f).sort(), [...DEFAULT_BASE_MODEL_SPEC.task.families].sort());
      assert.equal(fams.reduce((a, [, x]) => a + x.n, 0), pol.n);
      for (const k of ['1', '2', '5']) {
        const correct = fams.reduce((a, [, x]) => a + Math.round(x.accuracyByK[k]! * x.n), 0);
        assert.equal(correct, pol.correctByK[k], `k=${k}`);
      }
    }

    const rows = parseCsv(readFileSync(path.join(out, 'accuracy-vs-attempts.csv'), 'utf8'));
    assert.deepEqual(rows[0], ['policy', 'run_id', 'k', 'n', 'correct', 'accuracy', 'repeat_rate']);
    assert.equal(rows.length, 1 + 3 * 5);
    const sql = openSqlite(db, { readonly: true });
    const runs = sql.prepare('SELECT id, kind, status FROM runs ORDER BY id').all() as { id: number; kind: string; status: string }[];
    assert.deepEqual(runs.map((x) => [x.kind, x.status]), [['train', 'completed'], ['train', 'completed'], ['eval', 'completed']]);
    for (const row of rows.slice(1)) {
      const [policy, runId, k, n, correct, accuracy] = row;
      const e = sql
        .prepare("SELECT n, correct, accuracy FROM eval_results WHERE run_id = ? AND dataset = 'synthetic' AND k = ? AND metric = 'k_attempt'")
        .get(Number(runId), Number(k)) as { n: number; correct: number; accuracy: number };
      assert.ok(e, `${policy} k=${k} in SQLite`);
      assert.deepEqual([e.n, e.correct, e.accuracy], [Number(n), Number(correct), Number(accuracy)], `${policy} k=${k}`);
    }
    // The baseline's sampled pass@k is stored with its run too.
    const pass5 = sql
      .prepare("SELECT accuracy FROM eval_results WHERE run_id = ? AND metric = 'pass_at_k' AND k = 5")
      .get(summary.policies.baseline.runId) as { accuracy: number };
    assert.equal(pass5.accuracy, summary.baselineSampled.passAtK['5']);
    // The base model was trained now (its 20-step spec is not shipped) and cached beside the database.
    assert.equal(summary.baseModel.cached, false);
    assert.equal(summary.baseModel.source, 'trained');
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

test('Ctrl-C during the RL phase ends the demo: exit 130, both runs marked stopped, nothing evaluated', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-demo-'));
  try {
    const out = path.join(dir, 'out');
    const db = path.join(dir, 'demo.db');
    const child = spawn(
      process.execPath,
      [bin, 'demo', '--quick', '--seed', '3', '--base-steps', '20', '--rl-steps', '500', '--rollout-batch', '8', '--test-questions', '12', '--out', out, '--db', db],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Wait for data, not time: the RL phase has begun and reported a finished step (both workers are up).
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (b: Buffer) => {
        stderr += b.toString();
        if (/▶ baseline \+ multi-attempt[\s\S]*\b[1-9]\d*\/1000\b/.test(stderr)) resolve();
      });
      void exited.then(() => reject(new Error(`demo exited before its RL phase: ${stderr}`)));
    });
    child.kill('SIGINT');
    const code = await exited;
    assert.equal(code, 130, stderr);
    assert.match(stderr, /Stopped: the demo was stopped during RL training; runs \d+, \d+ are marked stopped; nothing was evaluated/);
    assert.doesNotMatch(stderr, /▶ evaluate/);
    assert.doesNotMatch(stdout, /policy\s+k=1/);
    assert.ok(!existsSync(path.join(out, 'summary.json')), 'no summary written');
    const sql = openSqlite(db, { readonly: true });
    try {
      const runs = sql.prepare('SELECT kind, status FROM runs ORDER BY id').all() as { kind: string; status: string }[];
      assert.deepEqual(runs, [
        { kind: 'train', status: 'stopped' },
        { kind: 'train', status: 'stopped' },
      ]);
      assert.equal((sql.prepare('SELECT COUNT(*) AS n FROM eval_results').get() as { n: number }).n, 0);
    } finally {
      sql.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
