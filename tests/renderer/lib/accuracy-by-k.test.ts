// Accuracy-vs-attempts curves from eval rows: latest evaluation per run × dataset, mean over datasets, metric filter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EvalResultView } from '../../../backend/api/contract.js';
import { accuracyCurves, maxK } from '../../../renderer/src/lib/accuracy-by-k.js';

let nextId = 1;
const row = (runId: number, dataset: string, k: number, accuracy: number, step: number | null = 10, o: Partial<EvalResultView> = {}): EvalResultView => ({
  id: nextId++,
  runId,
  checkpointId: null,
  checkpointPath: null,
  metric: 'k_attempt',
  skipped: 0,
  step,
  dataset,
  k,
  n: 20,
  correct: Math.round(accuracy * 20),
  accuracy,
  decoding: 'greedy',
  createdAt: 1000,
  ...o,
});

test('one curve per run × dataset from its latest step, plus the mean of the datasets', () => {
  const rows = [
    row(1, 'a', 1, 0.1, 5), // an earlier periodic evaluation: ignored
    row(1, 'a', 1, 0.3),
    row(1, 'a', 2, 0.5),
    row(1, 'b', 1, 0.1),
    row(1, 'b', 2, 0.3),
    row(2, 'a', 1, 0.2),
    row(2, 'a', 2, 0.2),
    row(2, 'a', 3, 0.6),
    row(2, 'a', 1, 0.9, 10, { metric: 'pass_at_k' }),
  ];
  const c = accuracyCurves(rows);
  assert.deepEqual(c.map((x) => [x.runId, x.dataset, x.accuracy]), [
    [1, 'a', [0.3, 0.5]],
    [1, 'b', [0.1, 0.3]],
    [1, 'mean', [0.2, 0.4]],
    [2, 'a', [0.2, 0.2, 0.6]],
  ]);
  assert.equal(c[2]!.n, 40);
  assert.equal(maxK(c), 3);
  assert.deepEqual(accuracyCurves(rows, 'pass_at_k').map((x) => x.accuracy), [[0.9]]);
});

test('a k evaluated twice at the same step keeps the newest row; missing k stays null; mean only where all have k', () => {
  const c = accuracyCurves([
    row(3, 'a', 1, 0.1, null, { createdAt: 1 }),
    row(3, 'a', 1, 0.4, null, { createdAt: 2 }),
    row(3, 'a', 3, 0.8, null),
    row(3, 'b', 1, 0.2, null),
  ]);
  assert.deepEqual(c.find((x) => x.dataset === 'a')!.accuracy, [0.4, null, 0.8]);
  assert.deepEqual(c.find((x) => x.dataset === 'mean')!.accuracy.map((v) => (v === null ? v : Number(v.toFixed(6)))), [0.3]);
  assert.deepEqual(accuracyCurves([]), []);
});

test('two runs with identical curves (all zeros) are two curves, each its own', () => {
  const rows = [1, 2].flatMap((runId) => [1, 2, 3].map((k) => row(runId, 'held-out', k, 0)));
  const curves = accuracyCurves(rows);
  assert.deepEqual(curves.map((c) => [c.runId, c.dataset, c.accuracy]), [
    [1, 'held-out', [0, 0, 0]],
    [2, 'held-out', [0, 0, 0]],
  ]);
});
