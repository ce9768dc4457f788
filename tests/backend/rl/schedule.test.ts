// Cosine schedule with warm-up and floor: hand-computed points.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cosineWithWarmup, learningRateAt } from '../../../backend/model/core/schedule.js';

const spec = { baseLr: 1, totalSteps: 100, warmupFraction: 0.03, minLrRatio: 0.1 };

test('linear warm-up over 3% of the steps, then cosine down to the 0.1× floor', () => {
  assert.equal(cosineWithWarmup(0, spec), 1 / 3);
  assert.equal(cosineWithWarmup(2, spec), 1);
  assert.equal(cosineWithWarmup(3, spec), 1); // first post-warm-up step at the peak
  // midway through the decay (p = 0.5): 0.1 + 0.9 · 0.5 = 0.55
  const mid = 3 + (100 - 1 - 3) / 2;
  assert.ok(Math.abs(cosineWithWarmup(mid, spec) - 0.55) < 1e-12);
  assert.ok(Math.abs(cosineWithWarmup(99, spec) - 0.1) < 1e-12);
  assert.ok(Math.abs(cosineWithWarmup(500, spec) - 0.1) < 1e-12);
  for (let s = 3; s < 99; s++)
    assert.ok(cosineWithWarmup(s + 1, spec) <= cosineWithWarmup(s, spec), `monotone at ${s}`);
});

test('no warm-up, one step, constant kind, bad steps', () => {
  assert.equal(cosineWithWarmup(0, { ...spec, warmupFraction: 0 }), 1);
  assert.equal(cosineWithWarmup(0, { ...spec, totalSteps: 1 }), 1);
  assert.equal(learningRateAt(50, { ...spec, kind: 'constant' }), 1);
  assert.equal(learningRateAt(1, { ...spec, kind: 'constant' }), 2 / 3);
  assert.throws(() => cosineWithWarmup(-1, spec), /non-negative integer/);
});
