// Answer extraction: last box, nested braces, \fbox, unbraced \boxed, "the answer is", last number.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractAnswer } from '../../../backend/math/index.js';

const answerOf = (t: string, lastNumber = false) => extractAnswer(t, { lastNumber }).answer;

test('the last boxed answer, with nested braces', () => {
  assert.equal(answerOf('first \\boxed{1} then \\boxed{\\frac{1}{2}}.'), '\\frac{1}{2}');
  assert.equal(answerOf('\\boxed{\\left\\{1,2\\right\\}}'), '\\left\\{1,2\\right\\}');
  assert.equal(answerOf('\\boxed{{a}^{b_{c}}}'), '{a}^{b_{c}}');
  assert.equal(answerOf('so $\\fbox{42}$'), '42');
  assert.equal(answerOf('\\boxed{3} and \\fbox{4}'), '4');
});

test('\\boxed without braces', () => {
  assert.equal(answerOf('the result is $\\boxed 5$.'), '5');
  assert.equal(answerOf('\\boxed 12.'), '12');
});

test('"the answer is" fallback', () => {
  assert.equal(answerOf('Thus the answer is $\\frac{3}{4}$.'), '\\frac{3}{4}');
  assert.equal(answerOf('Final answer: 17.'), '17');
  assert.equal(answerOf('The final answer is 17.\nDone'), '17');
});

test('last number only when asked', () => {
  assert.equal(answerOf('I think 3 apples plus 4 makes 7'), null);
  assert.equal(answerOf('I think 3 apples plus 4 makes 7', true), '7');
  assert.equal(answerOf('total 1,234 units', true), '1234');
});

test('reasons when nothing is found', () => {
  const none = extractAnswer('no answer here');
  assert.equal(none.answer, null);
  assert.match((none as { reason: string }).reason, /no \\boxed/);
  const open = extractAnswer('\\boxed{12');
  assert.match((open as { reason: string }).reason, /no matching/);
  const empty = extractAnswer('\\boxed{}');
  assert.match((empty as { reason: string }).reason, /empty/);
});

test('a box earlier than an unbalanced last box is not used', () => {
  assert.equal(answerOf('\\boxed{1} and then \\boxed{2'), null);
});
