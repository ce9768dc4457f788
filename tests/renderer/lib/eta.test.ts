// Progress maths of the runs table: ETA from recent step timestamps, duration text, progress fraction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { etaSeconds, formatDuration, progressFraction } from '../../../renderer/src/lib/eta.js';

test('ETA: remaining steps × the recent seconds per step; null until it can be known', () => {
  // 3 steps in 6 s → 2 s/step; at step 4 of 10 → 6 left → 12 s.
  assert.equal(etaSeconds([{ step: 1, time: 0 }, { step: 2, time: 2000 }, { step: 4, time: 6000 }], 10), 12);
  assert.equal(etaSeconds([{ step: 1, time: 0 }], 10), null, 'one sample gives no rate');
  assert.equal(etaSeconds([{ step: 1, time: 0 }, { step: 2, time: 1000 }], null), null, 'no total');
  assert.equal(etaSeconds([{ step: 2, time: 0 }, { step: 2, time: 1000 }], 10), null, 'no progress');
  assert.equal(etaSeconds([{ step: 1, time: 0 }, { step: 5, time: 1000 }], 5), 0, 'done');
  // Only the last `window` samples count: an early slow phase is forgotten.
  const samples = [{ step: 0, time: 0 }, { step: 1, time: 100_000 }, { step: 2, time: 101_000 }, { step: 3, time: 102_000 }];
  assert.equal(etaSeconds(samples, 13, 3), 10);
});

test('durations read as s, min and h; progress fraction is clamped', () => {
  assert.equal(formatDuration(45.4), '45 s');
  assert.equal(formatDuration(200), '3 min 20 s');
  assert.equal(formatDuration(120), '2 min');
  assert.equal(formatDuration(7500), '2 h 5 min');
  assert.equal(formatDuration(-1), '–');
  assert.equal(progressFraction(3, 12), 0.25);
  assert.equal(progressFraction(15, 12), 1);
  assert.equal(progressFraction(3, null), null);
  assert.equal(progressFraction(3, 0), null);
});
