// The shared vocabulary and the repeat rule: terminal statuses, 0-based solvedAt, repeat flags after
// normalisation, and the schema's CHECK lists spelled exactly as the vocabulary's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EVAL_METRICS, RUN_STATUSES, TERMINAL_STATUSES, VERDICTS, isTerminal, solvedAtOf, type AttemptRecord } from '../../../backend/domain/vocabulary.js';
import { repeatCount, repeatFlags } from '../../../backend/domain/repeat-rule.js';

const a = (verdict: AttemptRecord['verdict'], extracted: string | null) => ({ verdict, extracted });

test('terminal statuses: everything but queued and running', () => {
  assert.deepEqual(RUN_STATUSES.filter((s) => !isTerminal(s)), ['queued', 'running']);
  assert.deepEqual(RUN_STATUSES.filter(isTerminal), [...TERMINAL_STATUSES]);
});

test('solvedAt is the 0-based index of the correct attempt', () => {
  assert.equal(solvedAtOf([a('correct', '1')]), 0);
  assert.equal(solvedAtOf([a('wrong', '1'), a('no_box', null), a('correct', '2')]), 2);
  assert.equal(solvedAtOf([a('wrong', '1'), a('over_budget', null)]), null);
});

test('repeat rule: a retry repeats an earlier wrong answer after normalisation; the first attempt never does', () => {
  assert.deepEqual(repeatFlags([a('wrong', '\\frac{1}{2}'), a('wrong', '1/2'), a('no_box', null), a('wrong', '\\dfrac{1}{2}'), a('correct', '3')]), [false, true, false, true, false]);
  // Only wrong answers are remembered: an over-budget '4' is no earlier wrong answer.
  assert.deepEqual(repeatFlags([a('over_budget', '4'), a('wrong', '4'), a('wrong', '4')]), [false, false, true]);
  assert.equal(repeatCount([a('wrong', '7'), a('wrong', '8'), a('wrong', '7'), a('wrong', '8')]), 2);
  assert.deepEqual(repeatFlags([]), []);
});

test('the schema checks the same verdicts, statuses and metric names', () => {
  const sql = readFileSync(path.resolve(import.meta.dirname, '../../../backend/db/migrations.ts'), 'utf8');
  const list = (xs: readonly string[]) => xs.map((x) => `'${x}'`).join(', ');
  assert.ok(sql.includes(`status IN (${list(RUN_STATUSES)})`), 'runs.status CHECK');
  assert.ok(sql.includes(`verdict IN (${list(VERDICTS)})`), 'verdict CHECK');
  assert.ok(sql.includes(`metric IN (${list(EVAL_METRICS)})`), 'eval metric CHECK');
});
