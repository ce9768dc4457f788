// Why a cluster cannot be used is shown once on the Settings page: the newest outcome carrying a reason shows it,
// the others with the same reason point to it; a different reason is shown where it is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pointer, reasonDisplay } from '../../../renderer/src/lib/cluster-reasons.js';

const R = 'cannot reach the Ray dashboard at http://127.0.0.1:9 (ECONNREFUSED)';
const none = { reason: null, seq: 0 };

test('cluster reasons: one place shows a reason in full, the newest action first, the server problem last', () => {
  // Only the server's problem (a failed start): it is shown there.
  assert.deepEqual(reasonDisplay({ problem: { reason: R, seq: 0 }, test: none, save: none }), { problem: { full: true }, test: null, save: null });
  // A failed test of the same cluster: the test shows it, the problem points to it.
  assert.deepEqual(reasonDisplay({ problem: { reason: R, seq: 0 }, test: { reason: R, seq: 1 }, save: none }), {
    problem: { full: false, shownIn: 'test' },
    test: { full: true },
    save: null,
  });
  // Then a failed save: the save shows it, the test and the problem point to it.
  assert.deepEqual(reasonDisplay({ problem: { reason: R, seq: 0 }, test: { reason: R, seq: 1 }, save: { reason: R, seq: 2 } }), {
    problem: { full: false, shownIn: 'save' },
    test: { full: false, shownIn: 'save' },
    save: { full: true },
  });
  // Testing again after the save: the test is newest.
  assert.deepEqual(reasonDisplay({ problem: { reason: R, seq: 0 }, test: { reason: R, seq: 3 }, save: { reason: R, seq: 2 } }).test, { full: true });
  // A different reason is its own: both are shown.
  assert.deepEqual(reasonDisplay({ problem: { reason: R, seq: 0 }, test: { reason: 'another', seq: 1 }, save: none }), { problem: { full: true }, test: { full: true }, save: null });
  // A test that connected carries no reason.
  assert.deepEqual(reasonDisplay({ problem: none, test: none, save: none }), { problem: null, test: null, save: null });
});

test('cluster reasons: pointers say which result and whether it is above or below', () => {
  assert.equal(pointer('problem', 'save'), 'the save result below');
  assert.equal(pointer('test', 'save'), 'the save result below');
  assert.equal(pointer('save', 'test'), 'the test result above');
  assert.equal(pointer('save', 'problem'), '“In use now” above');
});
