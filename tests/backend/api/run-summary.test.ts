// An eval run's row in runs:list (run-summary.ts evalAccuracy) on a real SQLite file: k-attempt accuracy by k;
// a run evaluated with the separate protocol shows its k_attempt_separate rows; a sampled evaluation its
// pass@1..N (not its mean_accuracy row) — each tagged with its metric so the table can say which it is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDb } from '../../../backend/db/open-db.js';
import { addEvalResult, createRun } from '../../../backend/db/run-store.js';
import { evalAccuracy } from '../../../backend/api/run-summary.js';

test('evalAccuracy: k-attempt, separate-protocol and sampled runs each show their own curve and metric', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-summary-'));
  try {
    const db = openDb(path.join(dir, 's.db'));
    const run = () => createRun(db, { kind: 'eval', config: {}, name: 'e' });
    const kAttempt = run();
    for (const k of [1, 2]) addEvalResult(db, kAttempt, { dataset: 'held-out', k, n: 4, correct: k, decoding: 'greedy' });
    const separate = run();
    for (const k of [1, 2, 3]) addEvalResult(db, separate, { dataset: 'math500', k, n: 10, correct: k + 2, decoding: 'greedy', metric: 'k_attempt_separate' });
    const sampled = run();
    addEvalResult(db, sampled, { dataset: 'held-out', k: 1, n: 6, correct: 2, decoding: 'sampled(t=0.7,p=1)', metric: 'mean_accuracy' });
    for (const [k, a] of [[1, 1 / 3], [2, 0.5], [3, 0.5]] as const) addEvalResult(db, sampled, { dataset: 'held-out', k, n: 6, correct: 2, decoding: 'sampled(t=0.7,p=1)', metric: 'pass_at_k', accuracy: a });

    assert.deepEqual(evalAccuracy(db, kAttempt), [{ dataset: 'held-out', metric: 'k_attempt', n: 4, byK: [0.25, 0.5] }]);
    assert.deepEqual(evalAccuracy(db, separate), [{ dataset: 'math500', metric: 'k_attempt_separate', n: 10, byK: [0.3, 0.4, 0.5] }]);
    assert.deepEqual(evalAccuracy(db, sampled), [{ dataset: 'held-out', metric: 'pass_at_k', n: 6, byK: [1 / 3, 0.5, 0.5] }]);
    assert.deepEqual(evalAccuracy(db, run()), [], 'no results yet');
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
