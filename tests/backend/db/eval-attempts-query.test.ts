// What the attempt comparisons read of a stored evaluation, on a real SQLite file: the latest evaluation's
// K-attempt episodes per dataset (not its sampled episodes, not the 'separate' protocol's shorter runs, one
// episode per question under 'truncated'), and the latest sampled pass@k.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDb } from '../../../backend/db/open-db.js';
import { addEvalResult, createRun, logStep } from '../../../backend/db/run-store.js';
import { storedEvalEpisodes, storedPassAtK } from '../../../backend/db/eval-attempts-query.js';
import type { EpisodeRecord, Verdict } from '../../../backend/domain/vocabulary.js';

const ep = (dataset: string, q: string, verdicts: Verdict[], allowed: number, sampleIndex = 0): EpisodeRecord => ({
  split: 'eval',
  dataset,
  questionId: q,
  question: q,
  gold: '1',
  sampleIndex,
  attemptsAllowed: allowed,
  reward: 0,
  attempts: verdicts.map((verdict, i) => ({ response: `r${i}`, extracted: verdict === 'correct' ? '1' : verdict === 'no_box' ? null : String(10 + i), verdict, tokens: 1 })),
});

test('storedEvalEpisodes: the latest step, the K-attempt episodes only, one per question; storedPassAtK: the latest evaluation', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-eaq-'));
  const db = openDb(path.join(dir, 'studio.db'));
  try {
    const run = createRun(db, { kind: 'train', config: {} });
    const other = createRun(db, { kind: 'train', config: {} });
    // Step 3: an older evaluation of 'a'; a training episode at step 9 is not an eval episode.
    logStep(db, run, 3, { episodes: [ep('a', 'old', ['wrong', 'wrong'], 2)] });
    logStep(db, run, 9, { episodes: [{ ...ep('a', 'train', ['correct'], 3), split: 'train' }] });
    // Step 8, dataset 'a': the 'separate' protocol (runs allowing 1, 2, 3 attempts), plus sampled episodes.
    logStep(db, run, 8, {
      episodes: [
        ep('a', 'q1', ['wrong'], 1),
        ep('a', 'q1', ['wrong', 'correct'], 2),
        ep('a', 'q1', ['wrong', 'correct'], 3),
        ep('a', 'q2', ['wrong'], 1),
        ep('a', 'q2', ['wrong', 'wrong'], 2),
        ep('a', 'q2', ['wrong', 'no_box', 'wrong'], 3),
        ep('a', 'q1', ['correct'], 1, 1),
      ],
    });
    // Step 8, dataset 'b': the 'truncated' protocol (N = K every run, stopped after k attempts).
    logStep(db, run, 8, { episodes: [ep('b', 'q1', ['wrong'], 2), ep('b', 'q1', ['wrong', 'wrong'], 2)] });
    logStep(db, other, 8, { episodes: [ep('a', 'x', ['correct'], 3)] });

    const got = storedEvalEpisodes(db, run);
    assert.deepEqual(got.map((d) => [d.dataset, d.step, d.attemptsAllowed, d.episodes.length]), [['a', 8, 3, 2], ['b', 8, 2, 1]]);
    assert.deepEqual(got[0]!.episodes.map((e) => e.map((a) => a.verdict)), [['wrong', 'correct'], ['wrong', 'no_box', 'wrong']]);
    assert.deepEqual(got[0]!.episodes[1]!.map((a) => a.extracted), ['10', null, '12']);
    assert.deepEqual(got[1]!.episodes[0]!.map((a) => a.verdict), ['wrong', 'wrong'], 'the run that went furthest');
    assert.deepEqual(storedEvalEpisodes(db, 999), []);

    // Two sampled evaluations of 'a' (steps 4 and 8) and one of 'b' (no step): the latest of each.
    for (const [step, base] of [[4, 0.1], [8, 0.5]] as const)
      for (let k = 1; k <= 3; k++) addEvalResult(db, run, { dataset: 'a', k, n: 6, correct: 0, accuracy: base + 0.1 * k, decoding: 'sampled', metric: 'pass_at_k', step });
    for (let k = 1; k <= 2; k++) addEvalResult(db, run, { dataset: 'b', k, n: 4, correct: 0, accuracy: 0.2 * k, decoding: 'sampled', metric: 'pass_at_k' });
    addEvalResult(db, run, { dataset: 'a', k: 1, n: 2, correct: 2, decoding: 'greedy', step: 9 }); // a k-attempt row: not pass@k
    const pass = storedPassAtK(db, run);
    assert.deepEqual(pass.map((p) => [p.dataset, p.step, Object.keys(p.passByK).map(Number)]), [['a', 8, [1, 2, 3]], ['b', null, [1, 2]]]);
    assert.ok(Math.abs(pass[0]!.passByK[3]! - 0.8) < 1e-12);
    assert.deepEqual(storedPassAtK(db, other), []);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
