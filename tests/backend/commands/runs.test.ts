// `attempt-studio runs list` through the real bin: reconciles first, prints text or JSON, honours the env default.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDb } from '../../../backend/db/open-db.js';
import { createRun, getRun, logStep } from '../../../backend/db/run-store.js';
import { failRun, finishRun, markRunning } from '../../../backend/jobs/run-status.js';

const bin = path.resolve(import.meta.dirname, '../../../bin/attempt-studio.js');
const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });

test('runs list reconciles dead runs and prints id, kind, status, steps and error', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-runs-'));
  const file = path.join(dir, 'studio.db');
  try {
    const db = openDb(file);
    const done = createRun(db, { kind: 'train', name: 'first', config: {} });
    markRunning(db, done, { pid: process.pid });
    logStep(db, done, 1, { metrics: { reward: 0 } });
    logStep(db, done, 2, { metrics: { reward: 1 } });
    finishRun(db, done);
    const failed = createRun(db, { kind: 'eval', config: {} });
    failRun(db, failed, 'boom');
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid!;
    const dead = createRun(db, { kind: 'train', preset: 'builtin-baseline', config: {} });
    markRunning(db, dead, { pid: deadPid });
    logStep(db, dead, 1, {});
    db.close();

    const j = run(['runs', 'list', '--db', file, '--json']);
    assert.equal(j.status, 0, j.stderr);
    const runs = JSON.parse(j.stdout) as Array<{
      id: number;
      kind: string;
      status: string;
      stepsDone: number;
      error: string | null;
    }>;
    assert.deepEqual(
      runs.map((r) => [r.id, r.kind, r.status, r.stepsDone]),
      [
        [dead, 'train', 'interrupted', 1],
        [failed, 'eval', 'failed', 0],
        [done, 'train', 'completed', 2],
      ],
    );
    assert.match(runs[0]!.error!, new RegExp(`worker process ${deadPid} is gone`));
    assert.equal(runs[1]!.error, 'boom');
    assert.match(j.stderr, new RegExp(`run ${dead} marked interrupted`));
    const check = openDb(file);
    assert.equal(getRun(check, dead)!.status, 'interrupted'); // stored, not only printed
    check.close();

    const t = run(['runs', 'list'], { ATTEMPT_STUDIO_DB: file });
    assert.equal(t.status, 0, t.stderr);
    const lines = t.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^id\s+kind\s+status\s+steps\s+name\s+error$/);
    assert.match(
      lines[1]!,
      new RegExp(
        `^${dead}\\s+train\\s+interrupted\\s+1\\s+builtin-baseline\\s+worker process ${deadPid} is gone`,
      ),
    );
    assert.match(lines[3]!, new RegExp(`^${done}\\s+train\\s+completed\\s+2\\s+first$`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('runs list on a missing database prints no runs and creates nothing; bad subcommands exit 2', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-runs-'));
  try {
    const file = path.join(dir, 'none.db');
    const r = run(['runs', 'list', '--db', file, '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), []);
    assert.equal(existsSync(file), false);
    const bad = run(['runs', 'show']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /expected a subcommand \(list\), got 'show'/);
    assert.equal(run(['runs']).status, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
