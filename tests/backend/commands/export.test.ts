// `attempt-studio export csv|checkpoint` through the real bin: filtered attempts CSV, relative paths resolved
// against the working folder, no clobbering without --overwrite, usage errors exit 2 naming the flag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDb } from '../../../backend/db/open-db.js';
import { addCheckpoint, createRun, logStep } from '../../../backend/db/run-store.js';
import { finishRun, markRunning } from '../../../backend/jobs/run-status.js';
import { encodeSafetensors } from '../../../backend/model/formats/safetensors.js';
import { parseCsv } from '../../../backend/export/csv.js';

const bin = path.resolve(import.meta.dirname, '../../../bin/attempt-studio.js');

test('export csv and checkpoint from the command line', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-cli-export-'));
  const cli = (args: string[]) => spawnSync(process.execPath, [bin, 'export', ...args], { encoding: 'utf8', cwd: dir });
  try {
    const file = path.join(dir, 'studio.db');
    const db = openDb(file);
    const runId = createRun(db, { kind: 'train', config: {} });
    for (let step = 1; step <= 2; step++)
      logStep(db, runId, step, {
        metrics: { reward: step },
        episodes: ['wrong', 'correct'].map((v) => ({
          split: 'train' as const,
          dataset: 'synthetic',
          questionId: `q${step}${v}`,
          question: 'Q, "quoted"',
          gold: '4',
          attemptsAllowed: 2,
          reward: v === 'correct' ? 1 : -0.5,
          attempts: [{ response: `r ${v}`, extracted: v === 'correct' ? '4' : '5', verdict: v as 'wrong' | 'correct', tokens: 2 }],
        })),
      });
    const ck = path.join(dir, 'ck');
    mkdirSync(ck);
    writeFileSync(path.join(ck, 'model.safetensors'), encodeSafetensors(new Map([['w', { data: new Float32Array([1]), shape: [1] }]])));
    writeFileSync(path.join(ck, 'config.json'), '{}');
    addCheckpoint(db, runId, 2, ck, 'attempt-studio-train-v1');
    markRunning(db, runId, { pid: process.pid }); // a run that ran: the state machine allows completed only from running
    finishRun(db, runId);
    db.close();

    const a = cli(['csv', '--db', file, '--table', 'attempts', '--run', String(runId), '--verdict', 'wrong', '--steps', '2:', '--out', 'wrong.csv', '--json']);
    assert.equal(a.status, 0, a.stderr);
    assert.deepEqual(JSON.parse(a.stdout), { path: path.join(dir, 'wrong.csv'), rows: 1, bytes: readFileSync(path.join(dir, 'wrong.csv')).length });
    const rows = parseCsv(readFileSync(path.join(dir, 'wrong.csv'), 'utf8').slice(1));
    assert.deepEqual([rows[1]![2], rows[1]![7], rows[1]![8]], ['2', 'wrong', '5']);
    const again = cli(['csv', '--db', file, '--table', 'attempts', '--run', String(runId), '--out', 'wrong.csv']);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /already exists; pass overwrite: true/);
    assert.equal(cli(['csv', '--db', file, '--table', 'attempts', '--run', String(runId), '--out', 'wrong.csv', '--overwrite']).status, 0);

    const m = cli(['csv', '--db', file, '--table', 'metrics']);
    assert.equal(m.status, 0, m.stderr);
    assert.match(m.stdout, /wrote 2 rows .* to .*metrics-all-.*\.csv/);

    const bad = cli(['csv', '--db', file, '--table', 'attempts']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /needs exactly one --run/);

    const c = cli(['checkpoint', '--db', file, '--run', String(runId), '--to', 'model-out']);
    assert.equal(c.status, 0, c.stderr);
    assert.deepEqual(readdirSync(path.join(dir, 'model-out')).sort(), ['config.json', 'model.safetensors']);
    const c2 = cli(['checkpoint', '--db', file, '--run', String(runId), '--to', 'model-out']);
    assert.equal(c2.status, 1);
    assert.match(c2.stderr, /not empty/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
