// Adversarial inputs: deep nesting, 100 kB strings, nested fractions, unbalanced braces. Each goes through
// the async path with its 1 s budget; the result must come back decided or marked timed out.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  closeSharedCasPool,
  extractAnswer,
  grade,
  isEquivalent,
  normalize,
} from '../../../backend/math/index.js';

after(() => closeSharedCasPool());

const nestedFrac = (n: number) => '\\frac{'.repeat(n) + '1' + '}{2}'.repeat(n);
const EXPRS = Array.from({ length: 60 }, (_, k) => `\\frac{${k}x+1}{x^{2}+${k}}`);
const INPUTS: [string, string][] = [
  ['{'.repeat(5000) + '1' + '}'.repeat(5000), '1'],
  ['{'.repeat(5000), '1'],
  ['}'.repeat(5000) + '{', '1'],
  [nestedFrac(200), '\\frac{1}{2}'],
  [nestedFrac(20), nestedFrac(20)],
  [nestedFrac(20), nestedFrac(21)],
  ['x'.repeat(9_000), 'x'.repeat(8_999)],
  ['1+'.repeat(4000) + '1', '4001'],
  ['('.repeat(3000) + 'x' + ')'.repeat(3000), 'x'],
  ['9^{9^{9^{9}}}', '9^{9^{9^{8}}}'],
  ['10^{100000}', '10^{99999}'],
  ['\\sqrt{\\sqrt{\\sqrt{\\sqrt{\\sqrt{2}}}}}', '2^{1/32}'],
  ['100000!', '99999!'],
  ['\\begin{pmatrix}' + Array(500).fill('1&2').join('\\\\') + '\\end{pmatrix}', '1'],
  [Array(2000).fill('1').join(','), Array(2000).fill('1').join(',')],
  // 60 distinct expressions, reversed: an n² matching of non-trivial elements.
  [EXPRS.join(','), [...EXPRS].reverse().join(',')],
  [
    EXPRS.map((e) => `${e}+i`).join(','),
    [...EXPRS]
      .reverse()
      .map((e) => `i+${e}`)
      .join(','),
  ],
];

test('adversarial comparisons come back within their budget (decided or timed out)', async () => {
  for (const [p, g] of INPUTS) {
    const r = await isEquivalent(p, g, { timeoutMs: 1000 });
    assert.equal(typeof r.equal, 'boolean');
    if (r.timedOut) assert.equal(r.equal, false);
  }
});

test('100 kB responses: extraction is linear and grading answers', async () => {
  const long = 'a'.repeat(100_000) + ' \\boxed{7}';
  assert.equal(extractAnswer(long).answer, '7');
  assert.equal((await grade(long, '7')).verdict, 'correct');
  const braces = '\\boxed{' + '{'.repeat(100_000);
  assert.equal(extractAnswer(braces).answer, null);
  assert.equal((await grade('\\boxed{' + 'x'.repeat(100_000) + '}', 'x')).method, 'too_long');
  assert.equal(typeof normalize('\\frac{'.repeat(20_000)), 'string');
});
