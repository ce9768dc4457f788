// Repeat and switch-to-correct rates on hand-made episodes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { retryStats, type AttemptOutcome } from '../../../backend/eval/repeat-rate.js';

const w = (x: string): AttemptOutcome => ({ extracted: x, verdict: 'wrong' });
const ok = (x: string): AttemptOutcome => ({ extracted: x, verdict: 'correct' });
const none: AttemptOutcome = { extracted: null, verdict: 'no_box' };

test('hand-made episodes: repeats of earlier wrong answers and switches to correct', () => {
  const s = retryStats([
    [w('12'), w('12'), w('13'), ok('14')], // retry 1 repeats 12; retry 2 new; retry 3 correct after wrong
    [ok('5')], // no retries
    [w('\\frac{1}{2}'), w('\\dfrac{1}{2}'), w('1/2')], // both retries repeat after normalisation
    [w('7'), none, w('7')], // the no-box retry is no repeat; the last repeats attempt 1 (not adjacent)
    [none, ok('3')], // retry after a no-box attempt: not a retry after a wrong one
  ]);
  assert.equal(s.retries, 3 + 0 + 2 + 2 + 1);
  assert.equal(s.repeats, 1 + 2 + 1);
  assert.equal(s.repeatRate, 4 / 8);
  // Retries after a boxed wrong answer: ep1 three, ep3 two, ep4 one (the no-box one); ep4's last follows no_box.
  assert.equal(s.retriesAfterWrong, 3 + 2 + 1);
  assert.equal(s.switchedToCorrect, 1);
  assert.equal(s.switchToCorrectRate, 1 / 6);
});

test('a correct answer equal to an earlier correct one is not a repeat; only wrong answers count', () => {
  const s = retryStats([[{ extracted: '4', verdict: 'over_budget' }, w('4')]]);
  assert.equal(s.retries, 1);
  assert.equal(s.repeats, 0); // the earlier '4' was not graded wrong
  assert.equal(s.retriesAfterWrong, 0);
});

test('no retries: rates are 0, not NaN', () => {
  const s = retryStats([[ok('1')], [w('2')]]);
  assert.deepEqual(s, {
    retries: 0,
    repeats: 0,
    repeatRate: 0,
    retriesAfterWrong: 0,
    switchedToCorrect: 0,
    switchToCorrectRate: 0,
  });
});
