// Progress line formatting: bar, ETA from the pace so far, named values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, formatProgress } from '../../../backend/commands/progress.js';

test('durations', () => {
  assert.equal(formatDuration(0), '00:00');
  assert.equal(formatDuration(61.4), '01:01');
  assert.equal(formatDuration(3725), '1:02:05');
  assert.equal(formatDuration(NaN), '--:--');
});

test('bar, ETA and values', () => {
  const line = formatProgress({ label: 'train', done: 5, total: 20, elapsedS: 10, width: 10, values: { reward: 0.1234, acc: 0.5, step: 5 } });
  // 10 s for 5 steps → 30 s for the remaining 15.
  assert.equal(line, 'train ███░░░░░░░ 5/20  elapsed 00:10  ETA 00:30  reward 0.123  acc 0.500  step 5');
  assert.match(formatProgress({ label: 'x', done: 0, total: 3, elapsedS: 1 }), /ETA --:--/);
  assert.match(formatProgress({ label: 'x', done: 3, total: 3, elapsedS: 9, width: 4 }), /████ 3\/3 .*ETA 00:00/);
});
