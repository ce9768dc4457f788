// The multi-attempt comparisons in the app (issue #16, item 7): two runs' stored evaluations written directly
// (a multi-attempt policy's K-attempt episodes; a baseline's K-attempt episodes and sampled pass@k), then
// `eval:comparisons` over HTTP checked against numbers worked out by hand, and the Compare page's panel in
// Debian's Chromium showing the same numbers. Screenshot: tests/e2e/screenshots/16-compare-comparisons.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDb } from '../../backend/db/open-db.js';
import { addEvalResult, createRun, logStep } from '../../backend/db/run-store.js';
import { finishRun, markRunning } from '../../backend/jobs/run-status.js';
import { presetRunConfig } from '../../backend/rl/config.js';
import type { EpisodeRecord, Verdict } from '../../backend/domain/vocabulary.js';
import { openBrowser, screenshot, startStudio, until, type Studio } from './harness.js';

/** An eval episode from (answer, verdict) pairs; gold 7. */
const episode = (q: string, attempts: Array<[string | null, Verdict]>, attemptsAllowed = 3, sampleIndex = 0): EpisodeRecord => ({
  split: 'eval',
  dataset: 'held-out',
  questionId: q,
  question: `${q}=`,
  gold: '7',
  sampleIndex,
  attemptsAllowed,
  reward: 0,
  attempts: attempts.map(([extracted, verdict]) => ({ response: extracted === null ? 'no box' : `\\boxed{${extracted}}`, extracted, verdict, tokens: 5 })),
});

function seed(dbPath: string): { multi: number; baseline: number } {
  const db = openDb(dbPath);
  try {
    const run = (name: string, preset: 'builtin-baseline' | 'builtin-multi-attempt') => {
      const id = createRun(db, { kind: 'train', config: { ...presetRunConfig(preset), steps: 10 }, name, preset });
      markRunning(db, id, { pid: process.pid, backend: 'cpu', device: 'CPU (seeded)' });
      return id;
    };
    const multi = run('cmp multi-attempt', 'builtin-multi-attempt');
    // Four questions, K = 3: right at once; wrong then right; wrong, wrong (a repeat), right; never right.
    const multiEps = [
      episode('q1', [['7', 'correct']]),
      episode('q2', [['5', 'wrong'], ['7', 'correct']]),
      episode('q3', [['4', 'wrong'], ['4', 'wrong'], ['7', 'correct']]),
      episode('q4', [['1', 'wrong'], [null, 'no_box'], ['2', 'wrong']]),
    ];
    // An older evaluation at step 5 that must not be read (the latest, step 10, is).
    logStep(db, multi, 5, { episodes: [episode('q1', [['0', 'wrong'], ['0', 'wrong'], ['0', 'wrong']])] });
    logStep(db, multi, 10, { episodes: multiEps });
    for (let k = 1; k <= 3; k++) addEvalResult(db, multi, { dataset: 'held-out', k, n: 4, correct: [1, 2, 3][k - 1]!, decoding: 'greedy', step: 10 });
    finishRun(db, multi, 'completed');

    const baseline = run('cmp baseline', 'builtin-baseline');
    logStep(db, baseline, 10, {
      episodes: [
        episode('q1', [['7', 'correct']]),
        episode('q2', [['5', 'wrong'], ['5', 'wrong'], ['5', 'wrong']]),
        episode('q3', [['4', 'wrong'], ['4', 'wrong'], ['4', 'wrong']]),
        episode('q4', [['1', 'wrong'], ['1', 'wrong'], ['1', 'wrong']]),
        // Its sampled evaluation's episodes (one attempt each) are not K-attempt episodes.
        episode('q2', [['7', 'correct']], 1, 1),
      ],
    });
    for (let k = 1; k <= 3; k++) addEvalResult(db, baseline, { dataset: 'held-out', k, n: 4, correct: 1, decoding: 'greedy', step: 10 });
    for (const [k, a] of [[1, 0.3], [2, 0.45], [3, 0.6]] as const)
      addEvalResult(db, baseline, { dataset: 'held-out', k, n: 12, correct: 0, accuracy: a, decoding: 'sampled (T=1)', metric: 'pass_at_k', step: 10 });
    finishRun(db, baseline, 'completed');
    return { multi, baseline };
  } finally {
    db.close();
  }
}

test('eval:comparisons and the Compare page: Succ@k vs a baseline pass@k, unique-answer ratio, SCoRe deltas', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-e2e-16-'));
  const ids = seed(path.join(dir, 'studio.db'));
  let studio: Studio | undefined;
  const b = await openBrowser();
  const page = b.page;
  try {
    studio = await startStudio({ dir });
    // ---- the API ----
    const [v] = await studio.call<any[]>('eval:comparisons', { runId: ids.multi, baselineRunId: ids.baseline });
    assert.equal(v.dataset, 'held-out');
    assert.equal(v.step, 10, 'the latest evaluation');
    assert.equal(v.n, 4);
    assert.equal(v.attempts, 3);
    assert.deepEqual(v.succByK, [0.25, 0.5, 0.75]);
    // Episodes with a retry: q2 2/2, q3 2/3 (4 repeated), q4 2/3 (no box adds no answer) → mean 7/9.
    assert.ok(Math.abs(v.uniqueAnswerRatio - 7 / 9) < 1e-12, String(v.uniqueAnswerRatio));
    assert.deepEqual(v.deltas, { accuracyT1: 0.25, accuracyT2: 0.5, delta: 0.25, incorrectToCorrect: 0.25, correctToIncorrect: 0 });
    assert.deepEqual(v.baseline.passByK, { 1: 0.3, 2: 0.45, 3: 0.6 });
    assert.deepEqual(v.baseline.rows.map((r: any) => [r.k, r.succ, r.pass]), [[1, 0.25, 0.3], [2, 0.5, 0.45], [3, 0.75, 0.6]]);
    assert.ok(Math.abs(v.baseline.rows[2].difference - 0.15) < 1e-12);
    const [bl] = await studio.call<any[]>('eval:comparisons', { runId: ids.baseline });
    assert.deepEqual(bl.succByK, [0.25, 0.25, 0.25], "the baseline's sampled episodes are not read as K-attempt ones");
    assert.equal(bl.uniqueAnswerRatio, 1 / 3);
    assert.equal(bl.baseline, null, 'no baseline asked');
    const res = await fetch(`${studio.url}api/eval:comparisons`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${studio.token}` },
      body: JSON.stringify({ runId: ids.multi, baselineRunId: 999 }),
    });
    assert.equal(res.status, 404);
    assert.match(JSON.stringify(await res.json()), /no run with id 999.*baselineRunId|baselineRunId.*no run with id 999/);

    // ---- the Compare page ----
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.goto(`${studio.urlWithToken}#/compare?runs=${ids.multi},${ids.baseline}`);
    const row = page.locator(`[data-comparison="${ids.multi}/held-out"]`);
    await row.waitFor();
    const passRow = page.locator('[data-pass-row="held-out"]');
    await until('the baseline pass@k under Succ@k', async () => (await passRow.locator('[data-pass="3"]').textContent()) === '60.0%');
    assert.match((await passRow.textContent()) ?? '', /pass@k of cmp baseline/);
    assert.equal(await row.locator('[data-succ="1"]').textContent(), '25.0%');
    assert.equal(await row.locator('[data-succ="3"]').textContent(), '75.0%');
    assert.equal((await row.locator('[data-testid="succ-minus-pass"]').textContent())?.trim(), '+15.0 (k=3)');
    assert.equal(await row.locator('[data-testid="unique-ratio"]').textContent(), '0.78');
    assert.equal(await row.locator('[data-testid="delta-t1t2"]').textContent(), '+25.0');
    assert.equal(await row.locator('[data-testid="delta-ic"]').textContent(), '25.0%');
    assert.equal(await row.locator('[data-testid="delta-ci"]').textContent(), '0.0%');
    assert.match((await page.locator('[data-testid="attempt-comparisons"] th', { hasText: 'Succ@1' }).getAttribute('title')) ?? '', /within the first k attempts/);
    assert.match((await page.locator('[data-testid="attempt-comparisons"] .defs').textContent()) ?? '', /pass@k.*cmp baseline/s);
    await page.locator('[data-testid="attempt-comparisons"]').scrollIntoViewIfNeeded();
    await screenshot(page, '16-compare-comparisons');
    // Without a baseline, the pass@k columns go.
    await page.selectOption('[data-testid="comparisons-baseline"]', 'none');
    await until('no pass@k row', async () => (await passRow.count()) === 0);
    assert.equal(await row.locator('[data-testid="succ-minus-pass"]').count(), 0);
  } finally {
    await b.close();
    await studio?.stop();
  }
});
