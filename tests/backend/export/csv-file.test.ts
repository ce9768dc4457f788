// Streamed CSV files and the exported tables on a real SQLite file: BOM + header + CRLF rows, RFC 4180 quoting
// of commas, quotes, newlines and non-ASCII text, empty fields for NULL, no-clobber, nothing left behind on error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDb } from '../../../backend/db/open-db.js';
import { addEvalResult, createRun, logStep } from '../../../backend/db/run-store.js';
import { parseCsv } from '../../../backend/export/csv.js';
import { csvLine, UTF8_BOM, writeCsvFile } from '../../../backend/export/csv-file.js';
import { csvSource } from '../../../backend/export/csv-tables.js';
import { ExportPathError } from '../../../backend/export/export-path.js';

const read = (file: string) => {
  const text = readFileSync(file, 'utf8');
  assert.ok(text.startsWith(UTF8_BOM), 'starts with the UTF-8 byte-order mark');
  assert.ok(text.endsWith('\r\n'));
  return parseCsv(text.slice(1));
};

test('csvLine quotes only what needs it and writes null as an empty field', () => {
  assert.equal(csvLine(['a', 1, null, undefined, 'x,y', 'say "hi"', 'two\nlines', 'é √ 中']), 'a,1,,,"x,y","say ""hi""","two\nlines",é √ 中\r\n');
});

test('writeCsvFile streams many rows through chunks and refuses to clobber; a failing source leaves no file', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-csv-'));
  try {
    const file = path.join(dir, 'big.csv');
    function* rows() {
      for (let i = 0; i < 5000; i++) yield [i, `r,${i}`, i % 7 === 0 ? null : 'ü"'];
    }
    const r = await writeCsvFile(file, ['i', 'text', 'maybe'], rows(), { overwrite: false, chunkRows: 300 });
    assert.equal(r.rows, 5000);
    assert.equal(r.bytes, readFileSync(file).length);
    const parsed = read(file);
    assert.deepEqual(parsed[0], ['i', 'text', 'maybe']);
    assert.equal(parsed.length, 5001);
    assert.deepEqual(parsed[8], ['7', 'r,7', '']);
    assert.deepEqual(parsed[9], ['8', 'r,8', 'ü"']);
    await assert.rejects(writeCsvFile(file, ['x'], [[1]], { overwrite: false }), (e: unknown) => e instanceof ExportPathError && e.status === 409);
    assert.equal(read(file).length, 5001, 'the existing file is untouched');
    await writeCsvFile(file, ['x'], [[1]], { overwrite: true });
    assert.deepEqual(read(file), [['x'], ['1']]);
    function* broken() {
      yield [1];
      throw new Error('source failed');
    }
    await assert.rejects(writeCsvFile(path.join(dir, 'b.csv'), ['x'], broken(), { overwrite: false }), /source failed/);
    assert.deepEqual(readdirSync(dir).sort(), ['big.csv'], 'no partial or temporary file remains');
    writeFileSync(path.join(dir, 'keep.csv'), 'keep');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the tables: metrics in long format, eval results, episodes and attempts with the explorer filter', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-csv-'));
  try {
    const db = openDb(path.join(dir, 'studio.db'));
    const run = createRun(db, { kind: 'train', config: {}, name: 'multi, "attempt"' });
    const other = createRun(db, { kind: 'train', config: {}, name: 'other' });
    logStep(db, run, 1, {
      metrics: { reward: -0.5, kl: Number.NaN },
      episodes: [
        {
          split: 'train',
          dataset: 'synthetic',
          questionId: 'q1',
          question: 'What is 2+2?\nAnswer, please.',
          gold: '4',
          attemptsAllowed: 3,
          reward: 1,
          attempts: [
            { response: 'It is \\boxed{5}, "surely"', extracted: '5', verdict: 'wrong', tokens: 7 },
            { response: 'Then \\boxed{4} — √', extracted: '4', verdict: 'correct', tokens: 5 },
          ],
        },
        { split: 'eval', dataset: 'math500', questionId: 'q2', question: 'Q2', gold: '1', attemptsAllowed: 1, reward: -1, attempts: [{ response: 'no idea', extracted: null, verdict: 'no_box', tokens: 2 }] },
      ],
    });
    logStep(db, run, 2, { metrics: { reward: 0.25 } });
    logStep(db, other, 1, { metrics: { reward: 9 } });
    addEvalResult(db, run, { dataset: 'math500', k: 2, n: 10, correct: 3, decoding: 'greedy', step: 2, checkpointPath: '/ck, 2' });

    const write = async (name: string, src: ReturnType<typeof csvSource>) => {
      await writeCsvFile(path.join(dir, name), src.header, src.rows, { overwrite: false });
      return read(path.join(dir, name));
    };
    const metrics = await write('m.csv', csvSource(db, 'metrics', { runIds: [run] }));
    assert.deepEqual(metrics[0], ['run_id', 'run_name', 'step', 'name', 'value', 'time']);
    assert.deepEqual(
      metrics.slice(1).map((r) => r.slice(0, 5)),
      [
        [String(run), 'multi, "attempt"', '1', 'kl', ''],
        [String(run), 'multi, "attempt"', '1', 'reward', '-0.5'],
        [String(run), 'multi, "attempt"', '2', 'reward', '0.25'],
      ],
    );
    assert.match(metrics[1]![5]!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal((await write('m2.csv', csvSource(db, 'metrics', { names: ['reward'] }))).length, 1 + 3, 'all runs, one name');

    const ev = await write('e.csv', csvSource(db, 'eval', { runIds: [run] }));
    assert.deepEqual(ev[0], ['run_id', 'run_name', 'step', 'checkpoint_path', 'dataset', 'metric', 'k', 'n', 'correct', 'accuracy', 'skipped', 'decoding', 'time']);
    assert.deepEqual(ev[1]!.slice(0, 12), [String(run), 'multi, "attempt"', '2', '/ck, 2', 'math500', 'k_attempt', '2', '10', '3', '0.3', '0', 'greedy']);

    const eps = await write('ep.csv', csvSource(db, 'episodes', { episodes: { runId: run, split: 'train' } }));
    assert.equal(eps.length, 2);
    const col = (name: string) => eps[0]!.indexOf(name);
    assert.equal(eps[1]![col('solved_on_attempt')], '2', '1-based');
    assert.equal(eps[1]![col('question')], 'What is 2+2?\nAnswer, please.');
    assert.equal(eps[1]![col('repeats')], '0');

    const att = await write('a.csv', csvSource(db, 'attempts', { episodes: { runId: run } }));
    assert.deepEqual(att[0], ['episode_id', 'run_id', 'step', 'split', 'dataset', 'question_id', 'attempt', 'verdict', 'extracted', 'tokens', 'gold', 'response']);
    assert.deepEqual(
      att.slice(1).map((r) => [r[6], r[7], r[8], r[11]]),
      [
        ['1', 'wrong', '5', 'It is \\boxed{5}, "surely"'],
        ['2', 'correct', '4', 'Then \\boxed{4} — √'],
        ['1', 'no_box', '', 'no idea'],
      ],
    );
    assert.equal((await write('a2.csv', csvSource(db, 'attempts', { episodes: { runId: run, verdict: 'no_box' } }))).length, 2);
    assert.throws(() => csvSource(db, 'episodes', {}), /needs an episode filter/);
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
