// Loss mask and attempt structure from token kinds: generated tokens only, feedback spans skipped by `next`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildBatchMasks, encodeKinds, type TokenKind } from '../../../backend/rl/masks.js';

const P: TokenKind = 'prompt';
const G: TokenKind = 'generated';
const F: TokenKind = 'feedback';
const X: TokenKind = 'pad';

test('two attempts around a feedback span, then padding', () => {
  // columns:   0  1  2  3  4  5  6  7  8  9
  const row0 = [P, P, G, G, F, F, F, G, G, X];
  const row1 = [X, P, P, G, G, G, G, X, X, X]; // single attempt, left and right padding
  const m = buildBatchMasks([...row0, ...row1], 2, 10);
  assert.deepEqual(Array.from(m.lossMask), [0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0]);
  // attempt 0's last token (3) bootstraps from attempt 1's first token (7); the episode ends at 8.
  assert.deepEqual(Array.from(m.next.slice(0, 10)), [-1, -1, 3, 7, -1, -1, -1, 8, -1, -1]);
  assert.deepEqual(Array.from(m.next.slice(10)), [-1, -1, -1, 4, 5, 6, -1, -1, -1, -1]);
  assert.deepEqual(Array.from(m.attemptIndex.slice(0, 10)), [-1, -1, 0, 0, -1, -1, -1, 1, 1, -1]);
  assert.deepEqual(Array.from(m.last), [8, 6]);
  assert.deepEqual(m.attempts, [
    [
      { start: 2, end: 4 },
      { start: 7, end: 9 },
    ],
    [{ start: 3, end: 7 }],
  ]);
});

test('a row with no generated token has last = -1 and an all-zero mask', () => {
  const m = buildBatchMasks([P, P, X], 1, 3);
  assert.equal(m.last[0], -1);
  assert.deepEqual(Array.from(m.lossMask), [0, 0, 0]);
});

test('malformed layouts are rejected with row and column', () => {
  assert.throws(
    () => buildBatchMasks([P, G, X, G], 1, 4),
    /row 0, column 3: attempt 1 must follow a feedback span only/,
  );
  assert.throws(
    () => buildBatchMasks([P, G, F, P, G], 1, 5),
    /row 0, column 3: prompt token after generated tokens/,
  );
  assert.throws(() => buildBatchMasks([P, G], 2, 2), /expected 2×2 = 4 token kinds, got 2/);
  assert.throws(() => encodeKinds(['prompt', 'system' as TokenKind]), /token 1 has unknown kind 'system'/);
  assert.throws(() => buildBatchMasks(new Uint8Array([0, 7]), 1, 2), /row 0, column 1: unknown kind code 7/);
});
