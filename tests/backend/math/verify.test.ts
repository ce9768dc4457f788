// parse → verify: the grader's own suite (verify-cases*.ts, organised by Math-Verify's features) through the
// production sync path, a sample through the async worker-pool path, `parse` on its own, and the options.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { VERIFY_CASES_A } from './verify-cases.js';
import { VERIFY_CASES_B } from './verify-cases-structures.js';
import {
  closeSharedCasPool,
  isEquivalent,
  isEquivalentSync,
  parse,
  verify,
} from '../../../backend/math/index.js';
import { casOracle } from '../../../backend/math/symbolic.js';

after(() => closeSharedCasPool());

const CASES = [...VERIFY_CASES_A, ...VERIFY_CASES_B];

test('at least 400 cases, at least 80 of them negatives', () => {
  assert.ok(CASES.length >= 400, `${CASES.length} cases`);
  assert.ok(CASES.filter((c) => !c[2]).length >= 80, `${CASES.filter((c) => !c[2]).length} negatives`);
});

test('no false "equal" (negatives, sync path)', () => {
  const wrong = CASES.filter(([g, p, eq]) => !eq && isEquivalentSync(p, g).equal);
  assert.deepEqual(
    wrong.map(([g, p, , rule]) => `${rule}: ${g} | ${p}`),
    [],
  );
});

test('no false "not equal" (positives, sync path)', () => {
  const wrong = CASES.filter(([g, p, eq]) => eq && !isEquivalentSync(p, g).equal);
  assert.deepEqual(
    wrong.map(([g, p, , rule]) => `${rule}: ${g} | ${p} → ${isEquivalentSync(p, g).method}`),
    [],
  );
});

test('the async path (worker pool, time budget) agrees on a sample', async () => {
  const sample = CASES.filter((_, i) => i % 17 === 0);
  for (const [g, p, eq, rule] of sample) {
    const r = await isEquivalent(p, g, { timeoutMs: 10_000 });
    assert.equal(r.equal, eq, `${rule}: ${g} | ${p}`);
  }
});

test('parse: structures and sources', () => {
  const kinds = (t: string) => parse(t).candidates.map((c) => c.kind);
  assert.deepEqual(kinds('$\\{1,2\\}$'), ['set']);
  assert.deepEqual(kinds('$(1,2,3)$'), ['tuple']);
  assert.deepEqual(kinds('$[0,1)$'), ['interval']);
  assert.deepEqual(kinds('$(0,1)\\cup(2,3)$'), ['union']);
  assert.deepEqual(kinds('$x \\le 5$'), ['relation']);
  assert.deepEqual(kinds('$x = \\pm 2$'), ['set']);
  assert.deepEqual(kinds('$\\frac{1}{2}$'), ['expr']);
  assert.equal(parse('so $\\boxed{7}$ and then $8$').source, 'boxed');
  assert.equal(parse('The final answer is $8$. I hope it is correct.').source, 'final_answer');
  assert.equal(parse('Answer: 12').source, 'answer_word');
  assert.equal(parse('we get $3$ then $4$').source, 'math');
  assert.equal(parse('3x+1').source, 'whole');
  assert.equal(parse('We have 12 apples and eat 5 of them today').source, 'plain_number');
  assert.deepEqual(parse('').candidates, []);
  assert.equal(parse('$6$ and $8$').text, '6, 8');
});

test('options: float rounding, allowSetRelation, percent', () => {
  assert.equal(isEquivalentSync('0.3333', '\\frac13').equal, false);
  assert.equal(isEquivalentSync('0.3333', '\\frac13', { floatRounding: 4 }).equal, true);
  assert.equal(isEquivalentSync('1 \\le x \\le 2', '[1,2]').equal, false);
  assert.equal(isEquivalentSync('1 \\le x \\le 2', '[1,2]', { allowSetRelation: true }).equal, true);
  assert.equal(isEquivalentSync('50', '0.5', { percent: 'always' }).equal, true);
  assert.equal(isEquivalentSync('50\\%', '0.5', { percent: 'never' }).equal, false);
});

test('verify on parsed answers is not symmetric: the gold decides how an equation is read', () => {
  const ctx = () => ({
    oracle: casOracle,
    percent: false,
    percentMode: 'auto' as const,
    relTol: 1e-9,
    floatRounding: 6,
    allowSetRelation: false,
  });
  const eq = parse('$7 = 11a+c$');
  const expr = parse('$11a+c$');
  assert.equal(verify(expr, eq, ctx()).equal, true);
  assert.equal(verify(eq, expr, ctx()).equal, false);
  assert.equal(verify(parse(''), expr, ctx()).method, 'empty');
});
