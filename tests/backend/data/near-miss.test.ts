// Near misses of synthetic problems: dropped carries, one digit off, precedence, sign.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateSynthetic, isNearMiss, nearMisses, oneDigitAway } from '../../../backend/data/index.js';

test('a dropped carry and one-digit slips are near misses', () => {
  const p = { question: '58+67=', answer: '125', family: 'add' as const };
  assert.equal(nearMisses(p)[0], '15');
  assert.ok(isNearMiss(p, '135') && isNearMiss(p, '124') && isNearMiss(p, '15'));
  assert.ok(!isNearMiss(p, '125') && !isNearMiss(p, '300'));
});

test('precedence and sign slips', () => {
  assert.equal(nearMisses({ question: '3+4*5=', answer: '23', family: 'mixed' })[0], '35');
  assert.equal(nearMisses({ question: '(3+4)*5=', answer: '35', family: 'mixed' })[0], '23');
  assert.equal(nearMisses({ question: '12-30=', answer: '-18', family: 'sub' })[0], '18');
});

test('the other root is the first near miss of a root problem', () => {
  assert.equal(nearMisses({ question: '(x-12)(x-37)=0,x=', answer: '37', family: 'root' })[0], '12');
  assert.equal(nearMisses({ question: '(x-12)(x-37)=0,x=', answer: '12', family: 'root' })[0], '37');
});

test('one digit away keeps the length and sign', () => {
  assert.deepEqual(oneDigitAway('10'), ['20', '11']);
  assert.deepEqual(oneDigitAway('-5'), ['-4', '-6']);
  assert.ok(oneDigitAway('10').every((a) => a.length === 2 && !a.startsWith('0')));
});

test('every generated problem has near misses, none equal to its answer', () => {
  for (const p of generateSynthetic({ seed: 4, count: 500, split: 'train' })) {
    const m = nearMisses(p);
    assert.ok(m.length >= 1, p.question);
    assert.ok(!m.includes(p.answer));
  }
});
