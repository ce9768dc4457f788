// The reward table of the method (docs/ARCHITECTURE.md) over every kind of status sequence, the baseline, and the optional discount.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { episodeOutcome } from '../../../backend/rl/rewards.js';
import type { Verdict as AttemptStatus } from '../../../backend/domain/vocabulary.js';

const table: Array<[string, AttemptStatus[], number, number]> = [
  // name, statuses, reward, solvedAt
  ['correct first', ['correct'], 1, 0],
  ['wrong then correct', ['wrong', 'correct'], 1, 1],
  ['unboxed then correct', ['no_box', 'correct'], 1, 1],
  ['unboxed then wrong', ['no_box', 'wrong'], -0.5, -1],
  ['wrong then unboxed', ['wrong', 'no_box'], -0.5, -1],
  ['out of attempts, all wrong', ['wrong', 'wrong', 'wrong'], -0.5, -1],
  ['out of attempts, never boxed', ['no_box', 'no_box', 'no_box'], -1, -1],
  ['out of budget in the first attempt', ['over_budget'], -1, -1],
  ['wrong then out of budget', ['wrong', 'over_budget'], -0.5, -1],
  ['unboxed then out of budget', ['no_box', 'over_budget'], -1, -1],
  ['solved at the fifth attempt', ['wrong', 'no_box', 'wrong', 'wrong', 'correct'], 1, 4],
];

/** The reward alone (the tests below read only it). */
const episodeReward = (...a: Parameters<typeof episodeOutcome>) => episodeOutcome(...a).reward;

test('reward table: every status sequence', () => {
  for (const [name, statuses, reward, solvedAt] of table) {
    const o = episodeOutcome(statuses);
    assert.equal(o.reward, reward, name);
    assert.equal(o.solvedAt, solvedAt, name);
    assert.equal(o.attemptsUsed, statuses.length, name);
  }
});

test('single-turn baseline (N = 1): +1 / −0.5 / −1', () => {
  assert.equal(episodeOutcome(['correct']).reward, 1);
  assert.equal(episodeOutcome(['wrong']).reward, -0.5);
  assert.equal(episodeReward(['no_box']), -1);
  assert.equal(episodeReward(['over_budget']), -1);
});

test('per-attempt discount scales only the success reward by δ^i', () => {
  assert.equal(episodeReward(['correct'], { attemptDiscount: 0.5 }), 1);
  assert.equal(episodeReward(['wrong', 'wrong', 'correct'], { attemptDiscount: 0.5 }), 0.25);
  assert.equal(episodeReward(['wrong', 'wrong'], { attemptDiscount: 0.5 }), -0.5);
  assert.throws(
    () => episodeReward(['correct'], { attemptDiscount: 0 }),
    /attemptDiscount must be in \(0, 1\]/,
  );
});

test('custom reward values', () => {
  const values = { correct: 2, wrong: 0, noBox: -3 };
  assert.equal(episodeReward(['no_box', 'correct'], { values }), 2);
  assert.equal(episodeReward(['no_box', 'wrong'], { values }), 0);
  assert.equal(episodeReward(['no_box'], { values }), -3);
});

test('malformed sequences are rejected with the attempt named', () => {
  assert.throws(() => episodeReward([]), /at least one attempt/);
  assert.throws(() => episodeReward(['correct', 'wrong']), /attempt 0 is correct but the episode continued/);
  assert.throws(
    () => episodeReward(['wrong', 'maybe' as AttemptStatus]),
    /attempt 1 has unknown status 'maybe'/,
  );
});
