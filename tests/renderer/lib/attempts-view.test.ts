// The explorer's pure parts: the filter through route parameters and into the API's episode filter, step-range
// checks, the dialogue with its feedback turns, and byte formatting for the Export page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  activeFilterCount,
  dialogue,
  EMPTY_FILTER,
  episodeQuery,
  feedbackText,
  filterFromParams,
  filterToParams,
  outcomeText,
  stepRangeError,
  type AttemptsFilter,
} from '../../../renderer/src/lib/attempts-view.js';
import { parseInput } from '../../../backend/api/contract.js';
import { formatBytes } from '../../../renderer/src/lib/format-bytes.js';

const full: AttemptsFilter = { runId: 3, stepMin: '10', stepMax: '20', split: 'eval', dataset: 'math500', verdict: 'no_box', solvedLater: 'yes', repeated: 'no' };

test('a filter survives the route, malformed parameters are dropped', () => {
  assert.deepEqual(filterFromParams(filterToParams(full) as Record<string, string>), full);
  assert.deepEqual(filterToParams(EMPTY_FILTER), {});
  assert.deepEqual(filterToParams({ ...EMPTY_FILTER, runId: 2, verdict: 'wrong' }), { run: '2', verdict: 'wrong' });
  assert.deepEqual(filterFromParams({ run: 'x', from: '-1', to: '5', split: 'test', verdict: 'bogus', later: 'maybe', repeated: 'yes' }), { ...EMPTY_FILTER, stepMax: '5', repeated: 'yes' });
});

test('episodeQuery is a valid episodes:list input carrying exactly the set fields', () => {
  assert.equal(episodeQuery(EMPTY_FILTER), null, 'no run, no query');
  const q = episodeQuery(full)!;
  assert.deepEqual(q, { runId: 3, stepMin: 10, stepMax: 20, split: 'eval', dataset: 'math500', verdict: 'no_box', solvedOnLaterAttempt: true, repeatedWrongAnswer: false });
  const parsed = parseInput('episodes:list', { ...q, limit: 10 });
  assert.equal(parsed.repeatedWrongAnswer, false);
  assert.deepEqual(episodeQuery({ ...EMPTY_FILTER, runId: 1 }), { runId: 1 });
  parseInput('export:csv', { table: 'attempts', episodes: q });
  assert.equal(activeFilterCount(full), 7);
  assert.equal(activeFilterCount({ ...EMPTY_FILTER, runId: 1 }), 0);
});

test('step range problems are named', () => {
  assert.equal(stepRangeError(full), null);
  assert.match(stepRangeError({ ...full, stepMin: 'abc' })!, /not a step number/);
  assert.match(stepRangeError({ ...full, stepMin: '30' })!, /after the last/);
});

test('the dialogue interleaves attempts with the feedback turns the model saw', () => {
  const a = (verdict: 'wrong' | 'correct' | 'no_box', extracted: string | null) => ({ idx: 0, response: `r ${extracted}`, extracted, verdict, tokens: 3, repeatsEarlierWrong: false });
  const turns = dialogue({ question: 'What is 2+2?', attemptsAllowed: 4, attempts: [a('wrong', '5'), a('no_box', null), a('correct', '4')] });
  assert.deepEqual(
    turns.map((t) => (t.kind === 'attempt' ? `attempt${t.number}:${t.attempt.verdict}` : t.kind === 'feedback' ? `feedback(${t.attemptsLeft})` : 'question')),
    ['question', 'attempt1:wrong', 'feedback(3)', 'attempt2:no_box', 'feedback(2)', 'attempt3:correct'],
  );
  assert.equal((turns[2] as { text: string }).text, 'Your answer is incorrect. You have 3 attempts left. Try an alternative.');
  assert.equal(feedbackText(1), 'Your answer is incorrect. You have 1 attempt left. Try an alternative.');
  assert.equal(dialogue({ question: 'Q', attemptsAllowed: 1, attempts: [a('wrong', '5')] }).length, 2, 'single attempt: no feedback');
  assert.equal(outcomeText({ solvedAt: 2, attemptsUsed: 3, attemptsAllowed: 4 }), 'solved on attempt 3 of 4');
  assert.equal(outcomeText({ solvedAt: null, attemptsUsed: 2, attemptsAllowed: 2 }), 'unsolved after 2 of 2');
});

test('formatBytes', () => {
  assert.deepEqual([0, 999, 1000, 12_345, 4_500_000, 7.2e9].map(formatBytes), ['0 B', '999 B', '1.0 kB', '12 kB', '4.5 MB', '7.2 GB']);
});
