// The hand-written grader cases (grader-cases.ts) through the sync path, a sample through the async
// worker-pool path, and the normalisation rules one by one.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { CASES } from './grader-cases.js';
import {
  closeSharedCasPool,
  isEquivalent,
  isEquivalentCheap,
  isEquivalentSync,
  normalize,
} from '../../../backend/math/index.js';

after(() => closeSharedCasPool());

test('at least 150 grader cases, a third of them negatives', () => {
  assert.ok(CASES.length >= 150, `${CASES.length} cases`);
  assert.ok(CASES.filter((c) => !c[2]).length >= 50);
});

test('every grader case (sync path)', () => {
  const wrong = CASES.filter(([p, g, eq]) => isEquivalentSync(p, g).equal !== eq);
  assert.deepEqual(
    wrong.map((c) => c[3]),
    [],
  );
});

test('async path agrees with the sync path on the symbolic cases', async () => {
  const symbolic = CASES.filter(([p, g]) => isEquivalentCheap(p, g) === null).slice(0, 12);
  assert.ok(symbolic.length >= 10);
  for (const [p, g, eq, note] of symbolic) {
    // A generous budget: this checks agreement; the budget itself is tested in grade.test.ts.
    const r = await isEquivalent(p, g, { timeoutMs: 30_000 });
    assert.equal(r.equal, eq, note);
    assert.equal(r.timedOut, false);
  }
});

test('integers are decided by the cheap rules, exactly', () => {
  assert.deepEqual(isEquivalentCheap('120', '120'), { equal: true, method: 'exact', timedOut: false });
  assert.deepEqual(isEquivalentCheap('-0', '0'), { equal: true, method: 'integer', timedOut: false });
  assert.deepEqual(isEquivalentCheap('121', '120'), { equal: false, method: 'integer', timedOut: false });
});

test('normalize: the individual rules', () => {
  const cases: [string, string][] = [
    ['\\dfrac{1}{2}', '\\frac{1}{2}'],
    ['\\left( 1, 2 \\right)', '(1,2)'],
    ['\\frac12', '\\frac{1}{2}'],
    ['3/4', '\\frac{3}{4}'],
    ['.5', '0.5'],
    ['1,000,000', '1000000'],
    ['x = 3', '3'],
    ['90^\\circ', '90'],
    ['12\\%', '12'],
    ['\\$4.50', '4.5'],
    ['5 \\text{ cm}^2', '5'],
    ['\\text{Evelyn}', 'Evelyn'],
    ['twelve', '12'],
    ['3+2j', '3+2i'],
    ['\\sqrt3', '\\sqrt{3}'],
    ['\\begin{bmatrix}1\\\\2\\end{bmatrix}', '\\begin{pmatrix}1\\\\2\\end{pmatrix}'],
    ['x \\geq 2', 'x\\ge2'],
    ['infinity', '\\infty'],
    ['27.0', '27'],
  ];
  for (const [input, want] of cases) assert.equal(normalize(input), want, input);
});

test('answers above the size cap are not compared', () => {
  const big = '1'.repeat(10_001);
  assert.deepEqual(isEquivalentSync(big, big), { equal: false, method: 'too_long', timedOut: false });
  assert.equal(isEquivalentSync(big, big, { maxLength: 20_000 }).equal, true);
});
