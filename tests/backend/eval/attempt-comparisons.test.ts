// The comparisons beside k-attempt accuracy: Succ@k vs pass@k, unique-answer ratio, SCoRe's deltas —
// hand-computed cases, edge cases, and agreement with the episode-level sweep.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { firstSecondDeltas, successWithinK, succVsPass, uniqueAnswerRatio } from '../../../backend/eval/attempt-comparisons.js';
import { sweepFromSolvedAt } from '../../../backend/eval/k-attempt.js';

test('successWithinK counts an episode from the attempt that solved it on; it matches the k-attempt sweep', () => {
  const solvedAt = [0, 1, null, 2, 0, null, 4, 1];
  assert.deepEqual(successWithinK(solvedAt, 5), [2 / 8, 4 / 8, 5 / 8, 5 / 8, 6 / 8]);
  assert.deepEqual(
    successWithinK(solvedAt, 5),
    sweepFromSolvedAt(solvedAt, 5).map((c) => c / solvedAt.length),
  );
  assert.deepEqual(successWithinK([], 3), [0, 0, 0]);
  assert.throws(() => successWithinK([0], 0), /K must be a positive integer, got 0/);
});

test('succVsPass pairs Succ@k with pass@k at the same k and leaves out k that one side lacks', () => {
  const rows = succVsPass([0.5, 0.7, 0.8], { 1: 0.5, 2: 0.6 });
  assert.equal(rows.length, 2);
  assert.deepEqual(rows.map((r) => r.k), [1, 2]);
  assert.equal(rows[0]!.difference, 0);
  assert.ok(Math.abs(rows[1]!.difference - 0.1) < 1e-12);
  assert.deepEqual(rows[1]!.succ, 0.7);
  assert.deepEqual(rows[1]!.pass, 0.6);
});

test('uniqueAnswerRatio: distinct answers over attempts, lists of one attempt left out, null answers add none', () => {
  assert.equal(uniqueAnswerRatio([['12', '12', '12']]), 1 / 3);
  assert.equal(uniqueAnswerRatio([['12', '13']]), 1);
  // Mean over lists: (2/4 + 1/2) / 2; the one-attempt list does not count.
  assert.equal(uniqueAnswerRatio([['1', '1', '2', '2'], ['7', null], ['9']]), 0.5);
  // Answers equal after normalisation are one answer.
  assert.equal(uniqueAnswerRatio([['12', ' 12 ', '12.0']]), 1 / 3);
  assert.equal(uniqueAnswerRatio([['9']]), null);
  assert.equal(uniqueAnswerRatio([]), null);
});

test("firstSecondDeltas: SCoRe's Δ(t1,t2), Δi→c and Δc→i on a hand-built set", () => {
  const W = { verdict: 'wrong' as const };
  const C = { verdict: 'correct' as const };
  const N = { verdict: 'no_box' as const };
  const d = firstSecondDeltas([[C], [W, C], [W, W, C], [N, C], [W, W], [C]]);
  // t1 right: 2 of 6; after the second turn: 2 standing + 2 switched = 4 of 6.
  assert.equal(d.accuracyT1, 2 / 6);
  assert.equal(d.accuracyT2, 4 / 6);
  assert.equal(d.delta, 2 / 6);
  assert.equal(d.incorrectToCorrect, 2 / 6);
  assert.equal(d.correctToIncorrect, 0);
  // A protocol that asks again after a correct answer can lose it: Δc→i counts that.
  const again = firstSecondDeltas([[C, W], [W, C]]);
  assert.deepEqual([again.correctToIncorrect, again.incorrectToCorrect, again.delta], [0.5, 0.5, 0]);
  assert.deepEqual(firstSecondDeltas([]), { accuracyT1: 0, accuracyT2: 0, delta: 0, incorrectToCorrect: 0, correctToIncorrect: 0 });
});
