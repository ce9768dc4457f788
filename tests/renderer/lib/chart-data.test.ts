// Metric series → chart points (step or wall-time x, smoothing), appending live points, solvedAt order, flat ranges.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendPoints, singleX, solvedAtNames, toPoints, yRange } from '../../../renderer/src/lib/chart-data.js';

const s = [
  { step: 1, value: 1, time: 60_000 },
  { step: 2, value: 3, time: 120_000 },
  { step: 3, value: null, time: 150_000 },
];

test('points: x is the step or minutes since the first point (or a given start); y smoothed', () => {
  assert.deepEqual(toPoints(s, 'step'), [{ x: 1, y: 1 }, { x: 2, y: 3 }, { x: 3, y: null }]);
  assert.deepEqual(toPoints(s, 'time').map((p) => p.x), [0, 1, 1.5]);
  assert.deepEqual(toPoints(s, 'time', 0, 0).map((p) => p.x), [1, 2, 2.5]);
  const sm = toPoints(s, 'step', 0.5).map((p) => p.y);
  assert.equal(sm[0], 1);
  assert.ok(Math.abs(sm[1]! - 7 / 3) < 1e-12, String(sm[1]));
  assert.deepEqual(toPoints([], 'time'), []);
});

test('appending live points keeps step order and replaces a re-logged step', () => {
  const out = appendPoints(s, [{ step: 2, value: 9, time: 1 }, { step: 5, value: 5, time: 2 }, { step: 4, value: 4, time: 3 }]);
  assert.deepEqual(out.map((p) => [p.step, p.value]), [[1, 1], [2, 9], [3, null], [4, 4], [5, 5]]);
  assert.equal(appendPoints(s, []), s);
});

test('solvedAt metrics in attempt order, others ignored', () => {
  assert.deepEqual(solvedAtNames(['solvedAt10', 'reward', 'solvedAt2', 'solvedAt1', 'solvedAtX']), ['solvedAt1', 'solvedAt2', 'solvedAt10']);
});

test('a flat curve gets a readable y range; a real spread is left to chart.js', () => {
  assert.deepEqual(yRange([{ points: [{ x: 1, y: -1 }, { x: 2, y: -1.0000000000000002 }] }]), { min: -1.1000000000000000888, max: -0.9 });
  assert.deepEqual(yRange([{ points: [{ x: 1, y: 0 }, { x: 2, y: 0 }] }]), { min: -0.001, max: 0.001 });
  assert.equal(yRange([{ points: [{ x: 1, y: 1 }, { x: 2, y: 1.5 }] }]), null);
  assert.equal(yRange([{ points: [{ x: 1, y: null }] }]), null);
});

test('singleX: the one x all points share, else null (a one-step chart gets a ±1 axis)', () => {
  assert.equal(singleX([{ points: [{ x: 3, y: 1 }] }, { points: [{ x: 3, y: 2 }] }]), 3);
  assert.equal(singleX([{ points: [{ x: 3, y: 1 }, { x: 4, y: 1 }] }]), null);
  assert.equal(singleX([{ points: [] }]), null);
});
