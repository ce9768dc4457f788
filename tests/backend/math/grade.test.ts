// grade / gradeSync verdicts, and the hard time budget of the worker pool.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { CasPool, closeSharedCasPool, grade, gradeSync } from '../../../backend/math/index.js';

after(() => closeSharedCasPool());

test('verdicts: correct, wrong, no_answer', async () => {
  assert.equal((await grade('so \\boxed{\\frac{1}{2}}', '0.5')).verdict, 'correct');
  assert.equal((await grade('so \\boxed{\\frac{1}{3}}', '0.5')).verdict, 'wrong');
  const none = await grade('I do not know', '0.5');
  assert.equal(none.verdict, 'no_answer');
  assert.equal(none.extracted, null);
  assert.ok(none.reason);
  assert.equal(gradeSync('\\boxed{x^2+2x+1}', '(x+1)^2').verdict, 'correct');
  assert.equal(gradeSync('\\boxed{12}', '12').extracted, '12');
  assert.equal(gradeSync('it is 12', '12', { lastNumber: true }).verdict, 'correct');
});

test('a comparison over its budget is abandoned and reported as timed out; the pool recovers', async () => {
  const pool = new CasPool(1);
  try {
    // Only the CAS can decide this (√ of a negative), and it takes it hundreds of milliseconds: budget 1 ms.
    const slowPred = Array(120).fill('\\sqrt{-x}').join('+');
    const slow = await pool.compare(slowPred, '120\\sqrt{-x}', { timeoutMs: 1 });
    assert.deepEqual(slow, { equal: false, method: 'timeout', timedOut: true });
    assert.equal(pool.stats.timeouts, 1);
    const ok = await pool.compare('(x+1)^{2}', 'x^{2}+2x+1', { timeoutMs: 30_000 });
    assert.equal(ok.equal, true);
    assert.equal(ok.timedOut, false);
  } finally {
    await pool.close();
  }
});

test('a closed pool answers at once, without hanging', async () => {
  const pool = new CasPool(1);
  await pool.close();
  const r = await pool.compare('x', 'x+0', { timeoutMs: 1000 });
  assert.equal(r.method, 'cas_error');
});

test('oversized responses are no_answer, oversized answers wrong with too_long', () => {
  assert.equal(gradeSync('x'.repeat(2_000_001), '1').method, 'too_long');
  const r = gradeSync(`\\boxed{${'1'.repeat(20_000)}}`, '1');
  assert.equal(r.verdict, 'wrong');
  assert.equal(r.method, 'too_long');
});
