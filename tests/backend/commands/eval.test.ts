// `attempt-studio eval` through the real bin on a tiny checkpoint in a temp folder: the printed table, the
// CSV and the SQLite rows agree; --run uses the run's latest checkpoint; sampled mode; clear errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Transformer } from '../../../backend/model/core/transformer.js';
import { saveModel } from '../../../backend/model/formats/checkpoint.js';
import { charTokenizer } from '../../../backend/model/tokenizers/char-tokenizer.js';
import { tf } from '../../../backend/model/core/tf.js';
import { openDb } from '../../../backend/db/open-db.js';
import { addCheckpoint, createRun, evalResults, getRun } from '../../../backend/db/run-store.js';
import { parseCsv } from '../../../backend/export/csv.js';
import { parseAttempts, parseDatasets } from '../../../backend/commands/eval.js';
import { tinyConfig } from '../model/tiny.js';

const bin = path.resolve(import.meta.dirname, '../../../bin/attempt-studio.js');
const run = (args: string[]) =>
  spawnSync(process.execPath, [bin, 'eval', ...args], {
    encoding: 'utf8',
    env: { ...process.env, ATTEMPT_STUDIO_RUNTIME: 'cpu' },
  });

let dir: string;
let ck: string;
before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'as-eval-'));
  ck = path.join(dir, 'ck');
  await tf.setBackend('cpu');
  const model = Transformer.create(tinyConfig({ vocabSize: charTokenizer.vocabSize, maxPositions: 128 }), 1);
  await saveModel(ck, model);
  model.dispose();
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('eval --checkpoint: table, CSV and SQLite rows agree; episodes and attempts stored', () => {
  const db = path.join(dir, 'a.db');
  const csv = path.join(dir, 'a.csv');
  const r = run([
    '--checkpoint',
    ck,
    '--db',
    db,
    '--datasets',
    'synthetic,amc23',
    '--attempts',
    '1..3',
    '--limit',
    '4',
    '--batch',
    '3',
    '--max-tokens',
    '6',
    '--out',
    csv,
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /k-attempt accuracy \(%\), greedy, protocol one-episode/);
  assert.match(r.stdout, /^dataset\s+n\s+skipped\s+k1\s+k2\s+k3$/m);
  assert.match(r.stdout, /^mean\s/m);
  assert.match(r.stderr, /eval .*4\/8|eval .*8\/8/); // progress line
  const rows = parseCsv(readFileSync(csv, 'utf8'));
  assert.deepEqual(rows[0], ['dataset', 'n', 'skipped', 'k1', 'k2', 'k3']);
  assert.deepEqual(
    rows.map((x) => x[0]),
    ['dataset', 'synthetic', 'amc23', 'mean'],
  );
  const d = openDb(db);
  try {
    const runs = d.prepare("SELECT id, status, config FROM runs WHERE kind = 'eval'").all() as {
      id: number;
      status: string;
      config: string;
    }[];
    assert.equal(runs.length, 1);
    assert.equal(runs[0]!.status, 'completed');
    assert.equal(JSON.parse(runs[0]!.config).maxAttempts, 3);
    const res = evalResults(d, { runId: runs[0]!.id });
    assert.equal(res.length, 2 * 3);
    for (const row of rows.slice(1, 3)) {
      const [name, n, skipped, ...acc] = row;
      acc.forEach((a, i) => {
        const db_ = res.find((x) => x.dataset === name && x.k === i + 1)!;
        assert.equal(db_.accuracy, Number(a));
        assert.equal(db_.n, Number(n));
        assert.equal(db_.skipped, Number(skipped));
        assert.equal(db_.decoding, 'greedy');
        assert.equal(db_.metric, 'k_attempt');
        assert.equal(db_.checkpointPath, ck);
      });
      const episodes = d
        .prepare('SELECT COUNT(*) AS c FROM episodes WHERE run_id = ? AND dataset = ? AND split = ?')
        .get(runs[0]!.id, name, 'eval') as { c: number };
      assert.equal(episodes.c, Number(n));
    }
    // amc23's long questions do not fit 128 positions: skipped and counted, never a crash.
    assert.equal(Number(rows[2]![2]), 4 - Number(rows[2]![1]));
    assert.ok(Number(rows[2]![2]) > 0);
    const mean = rows[3]!;
    for (let k = 0; k < 3; k++) {
      const ds = rows.slice(1, 3).filter((x) => Number(x[1]) > 0);
      assert.equal(Number(mean[3 + k]), ds.reduce((s, x) => s + Number(x[3 + k]), 0) / ds.length);
    }
    const attempts = d
      .prepare(
        'SELECT COUNT(*) AS c FROM attempts a JOIN episodes e ON e.id = a.episode_id WHERE e.run_id = ?',
      )
      .get(runs[0]!.id) as { c: number };
    assert.ok(attempts.c >= Number(rows[1]![1]));
  } finally {
    d.close();
  }
});

test('eval --run ID evaluates the latest checkpoint; --json; sampled mode stores pass@k', () => {
  const db = path.join(dir, 'b.db');
  const d = openDb(db);
  const train = createRun(d, { kind: 'train', config: {} });
  const ckId = addCheckpoint(d, train, 7, ck, 'safetensors');
  addCheckpoint(d, train, 3, path.join(dir, 'old-missing'), 'safetensors');
  d.close();
  const r = run([
    '--run',
    String(train),
    '--db',
    db,
    '--attempts',
    '2',
    '--limit',
    '3',
    '--max-tokens',
    '4',
    '--out',
    path.join(dir, 'b.csv'),
    '--json',
  ]);
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout) as {
    runId: number;
    datasets: { dataset: string; n: number; accuracyByK: number[] }[];
    meanAccuracyByK: number[];
  };
  // A training run of the built-in model is evaluated by default on its own held-out split, as the app does
  // (one resolve for both: backend/jobs/kinds/eval-job.ts).
  assert.deepEqual(
    j.datasets.map((x) => [x.dataset, x.n]),
    [['held-out', 3]],
  );
  const s = run([
    '--checkpoint',
    ck,
    '--db',
    db,
    '--datasets',
    'synthetic',
    '--limit',
    '2',
    '--samples',
    '3',
    '--temperature',
    '0.8',
    '--max-tokens',
    '4',
    '--out',
    path.join(dir, 'c.csv'),
  ]);
  assert.equal(s.status, 0, s.stderr);
  assert.match(s.stdout, /pass@k \(%\) of 3 samples at temperature 0.8/);
  assert.deepEqual(parseCsv(readFileSync(path.join(dir, 'c.csv'), 'utf8'))[0], [
    'dataset',
    'n',
    'skipped',
    'pass@1',
    'pass@2',
    'pass@3',
  ]);
  const d2 = openDb(db);
  try {
    const rows = evalResults(d2, { runId: j.runId });
    assert.ok(rows.every((x) => x.checkpointId === ckId));
    assert.ok(rows.every((x) => x.step === 7));
    assert.equal(getRun(d2, j.runId)!.kind, 'eval');
    const sampled = evalResults(d2, { runId: j.runId + 1 });
    assert.deepEqual(
      sampled.map((x) => [x.metric, x.k, x.n]),
      [
        ['mean_accuracy', 1, 6],
        ['pass_at_k', 1, 6],
        ['pass_at_k', 2, 6],
        ['pass_at_k', 3, 6],
      ],
    );
    assert.ok(sampled.every((x) => x.decoding === 'sampled(t=0.8,p=1)'));
    const eps = d2
      .prepare('SELECT question_id, sample_index FROM episodes WHERE run_id = ? ORDER BY id')
      .all(j.runId + 1) as { question_id: string; sample_index: number }[];
    assert.equal(eps.length, 6);
    assert.deepEqual(
      eps.map((e) => e.sample_index),
      [0, 1, 2, 0, 1, 2],
    );
    assert.ok(!eps[0]!.question_id.includes('#'));
  } finally {
    d2.close();
  }
});

/** Runs the CLI in this process (fast: no tfjs start-up per case) and captures what it writes to stderr. */
async function runHere(args: string[]): Promise<{ status: number; stderr: string }> {
  const { main } = await import('../../../backend/cli.js');
  const write = process.stderr.write.bind(process.stderr);
  let stderr = '';
  process.stderr.write = ((chunk: string) => {
    stderr += chunk;
    return true;
  }) as typeof process.stderr.write;
  try {
    return { status: await main(['eval', ...args]), stderr };
  } finally {
    process.stderr.write = write;
  }
}

test('clear errors: missing or corrupt checkpoint, unknown dataset, bad --attempts, run without checkpoint', async () => {
  process.env.ATTEMPT_STUDIO_RUNTIME = 'cpu';
  const db = path.join(dir, 'e.db');
  let r = await runHere(['--checkpoint', path.join(dir, 'nope'), '--db', db]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /checkpoint folder .*nope does not exist/);
  const bad = path.join(dir, 'bad');
  mkdirSync(bad);
  writeFileSync(path.join(bad, 'config.json'), '{ not json');
  r = await runHere(['--checkpoint', bad, '--db', db]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /cannot load checkpoint .*bad: .*config.json: not valid JSON/);
  writeFileSync(path.join(bad, 'config.json'), readFileSync(path.join(ck, 'config.json')));
  writeFileSync(path.join(bad, 'model.safetensors'), 'garbage');
  r = await runHere(['--checkpoint', bad, '--db', db]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /cannot load checkpoint .*bad: .*model.safetensors/);
  r = await runHere(['--checkpoint', ck, '--datasets', 'synthetic,aime25']);
  assert.equal(r.status, 2);
  assert.match(
    r.stderr,
    /unknown dataset 'aime25' \(known: aime24, amc23, math500, minerva_math, olympiadbench, math_train, synthetic\)/,
  );
  r = await runHere(['--checkpoint', ck, '--attempts', '0']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--attempts must be K or 1\.\.K/);
  r = await runHere(['--checkpoint', ck, '--prompt', 'single-turn', '--attempts', '3']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--attempts: the single-turn prompt is evaluated at k = 1 only; got attempts 3/);
  r = await runHere(['--db', db]);
  assert.match(r.stderr, /give exactly one of --checkpoint DIR or --run ID/);
  const d = openDb(db);
  const id = createRun(d, { kind: 'train', config: {} });
  d.close();
  r = await runHere(['--run', String(id), '--db', db]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`run ${id} has no checkpoint yet`));
  assert.throws(() => parseAttempts('2..5'), /--attempts must be K or 1..K/);
  assert.equal(parseAttempts('1..7'), 7);
  assert.equal(parseAttempts('4'), 4);
  assert.deepEqual(parseDatasets('amc23, aime24,amc23'), ['amc23', 'aime24']);
});

test('Ctrl-C stops an evaluation as the app does: exit 130, the run marked stopped, nothing stored', async () => {
  const db = path.join(dir, 's.db');
  const child = spawn(process.execPath, [bin, 'eval', '--checkpoint', ck, '--db', db, '--limit', '200', '--batch', '1', '--max-tokens', '20', '--out', path.join(dir, 's.csv')], {
    env: { ...process.env, ATTEMPT_STUDIO_RUNTIME: 'cpu' },
  });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // Wait for the first progress line (the run is running and has decoded a question), then interrupt.
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (/eval .*\d+\/200 /.test(stderr)) resolve();
    });
    child.on('exit', () => reject(new Error(`eval ended before its first progress line: ${stderr}`)));
  });
  child.kill('SIGINT');
  assert.equal(await exited, 130, stderr);
  assert.match(stderr, /Stopped: eval run \d+ is marked stopped; nothing was stored/);
  const d = openDb(db);
  try {
    const runs = d.prepare("SELECT id, status FROM runs WHERE kind = 'eval'").all() as { id: number; status: string }[];
    assert.deepEqual(runs.map((r) => r.status), ['stopped']);
    assert.equal(evalResults(d, { runId: runs[0]!.id }).length, 0);
  } finally {
    d.close();
  }
});
