// EMA smoothing of chart curves (TensorBoard's debiased form), checked against hand-computed values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ema } from '../../../renderer/src/lib/smoothing.js';

const close = (a: Array<number | null>, b: Array<number | null>) => {
  assert.equal(a.length, b.length);
  a.forEach((v, i) => (v === null || b[i] === null ? assert.equal(v, b[i]) : assert.ok(Math.abs(v - b[i]!) < 1e-12, `${i}: ${v} vs ${b[i]}`)));
};

test('ema: weight 0 is the raw curve; debiased so the first value is kept; hand-computed steps', () => {
  close(ema([1, 2, 3], 0), [1, 2, 3]);
  // w = 0.5: acc = 0.5, 1.25, 2.125; debias by 1 − 0.5^n = 0.5, 0.75, 0.875 → 1, 5/3, 17/7.
  close(ema([1, 2, 3], 0.5), [1, 5 / 3, 17 / 7]);
  close(ema([4, 4, 4, 4], 0.9), [4, 4, 4, 4]);
});

test('ema: nulls and non-finite values pass through as null without advancing; bad weights throw', () => {
  // 3 after a null: acc = 0.5·0.5 + 0.5·3 = 1.75, the 2nd finite value → 1.75 / 0.75.
  close(ema([1, null, 3], 0.5), [1, null, 7 / 3]);
  close(ema([NaN, 2], 0.5), [null, 2]);
  close(ema([1, Infinity], 0), [1, null]);
  assert.throws(() => ema([1], 1), /\[0, 1\)/);
  assert.throws(() => ema([1], -0.1), RangeError);
});
