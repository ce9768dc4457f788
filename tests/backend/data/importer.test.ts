// The general importer: JSONL, JSON array and Parquet, chosen fields, default fields, clear errors,
// empty answers reported, duplicates counted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DATASETS_DIR, DatasetError, importDataset } from '../../../backend/data/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'as-import-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};

test('JSONL with default fields: question/problem/Question/input and answer/final_answer/solution box', async () => {
  const file = write(
    'a.jsonl',
    [
      JSON.stringify({ problem: 'p1', answer: 3 }),
      '',
      JSON.stringify({ Question: 'p2', final_answer: ['$x+1$'] }),
      JSON.stringify({ input: 'p3', solution: 'so \\boxed{\\frac{1}{2}}.' }),
      JSON.stringify({ question: 'p1', answer: '' }),
      JSON.stringify({ question: 'p1', answer: '4' }),
    ].join('\n'),
  );
  const r = await importDataset(file);
  assert.equal(r.format, 'jsonl');
  assert.equal(r.rows, 5);
  assert.deepEqual(
    r.records.map((x) => [x.question, x.answer]),
    [
      ['p1', '3'],
      ['p2', 'x+1'],
      ['p3', '\\frac{1}{2}'],
      ['p1', '4'],
    ],
  );
  assert.deepEqual(r.emptyAnswers, [{ line: 5, id: 'a-5' }]);
  assert.equal(r.duplicates, 1);
  assert.equal(r.records[0]!.source, 'a');
});

test('malformed JSONL names the file and line', async () => {
  const file = write('bad.jsonl', '{"question":"q","answer":"1"}\n{"question": oops}\n');
  await assert.rejects(
    importDataset(file),
    (err: unknown) =>
      err instanceof DatasetError && err.line === 2 && /bad\.jsonl:2: malformed JSON/.test(err.message),
  );
  const arr = write('arr.jsonl', '[1,2]\n');
  await assert.rejects(importDataset(arr), /arr\.jsonl:1: expected a JSON object/);
});

test('a missing question is an error naming the line and the fields looked for', async () => {
  const file = write('noq.jsonl', '{"question":"q","answer":"1"}\n{"text":"q","answer":"1"}\n');
  await assert.rejects(
    importDataset(file),
    /noq\.jsonl:2: no question: field one of question, problem, Question, input/,
  );
  await assert.rejects(
    importDataset(file, { questionField: 'prompt' }),
    /noq\.jsonl:1: no question: field 'prompt'/,
  );
});

test('JSON array with chosen (dotted) fields and meta', async () => {
  const file = write(
    'b.json',
    JSON.stringify([
      { q: { text: 'one' }, a: { v: 1.0 }, tag: 'x' },
      { q: { text: 'two' }, a: { v: '2' }, tag: 'y' },
    ]),
  );
  const r = await importDataset(file, {
    questionField: 'q.text',
    answerField: 'a.v',
    metaFields: ['tag'],
    source: 'mine',
  });
  assert.equal(r.format, 'json');
  assert.deepEqual(
    r.records.map((x) => [x.id, x.question, x.answer, x.meta?.tag, x.source]),
    [
      ['mine-1', 'one', '1', 'x', 'mine'],
      ['mine-2', 'two', '2', 'y', 'mine'],
    ],
  );
  await assert.rejects(importDataset(write('c.json', '{"a":1}')), /c\.json: expected a JSON array/);
  await assert.rejects(importDataset(write('d.csv', 'a,b')), /unknown file type '\.csv'/);
});

test('Parquet: the shipped MATH 3–5 training parquet, with nested fields, matches the qa.jsonl', async () => {
  const parquet = await importDataset(path.join(DATASETS_DIR, 'train/simplelr_math_35_train.parquet'), {
    questionField: 'extra_info.question',
    answerField: 'gt_answer',
    idField: 'extra_info.index',
    metaFields: ['extra_info.level'],
  });
  assert.equal(parquet.format, 'parquet');
  assert.equal(parquet.rows, 8523);
  assert.equal(parquet.records.length, 8521);
  assert.equal(parquet.emptyAnswers.length, 2);
  const jsonl = await importDataset(path.join(DATASETS_DIR, 'train/simplelr_math_35_train.qa.jsonl'), {
    idField: 'index',
  });
  for (const i of [0, 1, 4000, 8520]) {
    assert.equal(parquet.records[i]!.question, jsonl.records[i]!.question);
    assert.equal(parquet.records[i]!.answer, jsonl.records[i]!.answer);
    assert.equal(parquet.records[i]!.id, jsonl.records[i]!.id);
  }
  assert.ok([3, 4, 5].includes(parquet.records[0]!.meta?.['extra_info.level'] as number));
  await assert.rejects(
    importDataset(write('e.parquet', 'not parquet')),
    /e\.parquet: not a readable Parquet file/,
  );
});
