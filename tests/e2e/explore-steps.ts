// The Attempts explorer and Export steps of the end-to-end flow (issue #7, pages 5–6), called by studio.test.ts
// after its runs have finished. Besides those runs it seeds one run of known content into the studio's database
// (text with commas, quotes, newlines and non-ASCII; repeats; a checkpoint folder), so the CSVs can be checked
// cell by cell: filter and page the explorer, open an episode (feedback turns, answers, verdicts), export the
// filtered attempts and the metrics as CSV downloads and a checkpoint into a folder; screenshots of each page.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { until, type Studio } from './harness.js';
import { openDb } from '../../backend/db/open-db.js';
import { addCheckpoint, addEvalResult, createRun, logStep } from '../../backend/db/run-store.js';
import { finishRun, markRunning } from '../../backend/jobs/run-status.js';
import type { EpisodeRecord } from '../../backend/domain/vocabulary.js';
import { encodeSafetensors } from '../../backend/model/formats/safetensors.js';
import { parseCsv } from '../../backend/export/csv.js';

export interface ExploreContext {
  page: Page;
  studio: Studio;
  /** The finished training runs of the flow (each has metrics, episodes, attempts and eval results). */
  runIds: number[];
  /** Saves tests/e2e/screenshots/<name>.png. */
  screenshot(name: string): Promise<string>;
}

const TRICKY = 'Compute 1,000 + "2" —\nthen say “√4”, café';

/** A completed run with 3 steps × 30 episodes of known content, metrics, an eval result and a checkpoint folder. */
function seedRun(studio: Studio): { runId: number; checkpoint: string } {
  const db = openDb(path.join(studio.dir, 'studio.db'));
  try {
    const runId = createRun(db, { kind: 'train', config: { steps: 3 }, name: 'seeded e2e run' });
    for (let step = 1; step <= 3; step++) {
      const episodes: EpisodeRecord[] = Array.from({ length: 30 }, (_, i) => {
        const kind = i % 3; // 0: solved first, 1: solved on the 3rd after a repeat, 2: unsolved
        const wrong = (n: number) => ({ response: `I think it is \\boxed{${n}}, "sure", ok`, extracted: String(n), verdict: 'wrong' as const, tokens: 9 });
        const right = { response: 'So \\boxed{1002} — √ done', extracted: '1002', verdict: 'correct' as const, tokens: 7 };
        return {
          split: i % 10 === 9 ? 'eval' : 'train',
          dataset: i % 2 === 0 ? 'synthetic' : 'math500',
          questionId: `s${step}q${i}`,
          question: i === 0 ? TRICKY : `What is ${i} + ${step}?`,
          gold: '1002',
          attemptsAllowed: 3,
          reward: kind === 2 ? -0.5 : 1,
          attempts: kind === 0 ? [right] : kind === 1 ? [wrong(7), wrong(7), right] : [wrong(5), { response: 'no box here', extracted: null, verdict: 'no_box', tokens: 3 }, wrong(6)],
        };
      });
      logStep(db, runId, step, { metrics: { reward: step / 10 - 0.2, accuracy: step / 4 }, episodes });
    }
    const checkpoint = path.join(studio.dir, 'seeded-checkpoint');
    mkdirSync(checkpoint, { recursive: true });
    writeFileSync(path.join(checkpoint, 'model.safetensors'), encodeSafetensors(new Map([['model.norm.weight', { data: new Float32Array([1, 1]), shape: [2] }]]), { format: 'pt' }));
    writeFileSync(path.join(checkpoint, 'config.json'), JSON.stringify({ vocab_size: 7 }));
    addCheckpoint(db, runId, 3, checkpoint, 'attempt-studio-train-v1');
    addEvalResult(db, runId, { dataset: 'math500', k: 2, n: 10, correct: 4, decoding: 'greedy', step: 3 });
    markRunning(db, runId, { pid: process.pid }); // a run that ran: the state machine allows completed only from running
    finishRun(db, runId);
    return { runId, checkpoint };
  } finally {
    db.close();
  }
}

async function downloadCsv(page: Page, click: () => Promise<void>): Promise<{ name: string; rows: string[][]; text: string }> {
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), click()]);
  const file = await download.path();
  const text = readFileSync(file, 'utf8');
  assert.ok(text.startsWith('\ufeff'), 'UTF-8 with a byte-order mark');
  return { name: download.suggestedFilename(), rows: parseCsv(text.slice(1)), text };
}

/** Waits until the episodes table shows exactly n rows. */
// (A locator count, polled: the page's CSP forbids the eval a string predicate of waitForFunction needs.)
const rows = (page: Page, n: number) => until(`${n} episode rows`, async () => (await page.locator('[data-testid="episodes-table"] tbody tr').count()) === n, 15_000);

export async function exploreSteps(ctx: ExploreContext): Promise<void> {
  const { page, studio } = ctx;
  const seeded = seedRun(studio);
  await page.reload(); // the runs list now holds the seeded run
  await page.locator('nav[aria-label="Main"]').waitFor();

  // ---- the explorer on a flow run (real episodes), when there is one ----
  const realRun = ctx.runIds[0];
  if (realRun !== undefined) {
    await page.evaluate(`location.hash = '#/attempts?run=${realRun}'`);
    await page.locator('[data-testid="episodes-table"] tbody tr').first().waitFor();
    const api = await studio.call('episodes:list', { runId: realRun, limit: 50 });
    assert.equal(await page.locator('[data-testid="episodes-table"] tbody tr').count(), api.items.length);
    await page.locator('[data-testid="episodes-table"] tbody tr').first().click();
    await page.locator('[data-testid="episode-detail"] [data-testid="attempt"]').first().waitFor();
    const detail = await studio.call('episodes:get', { episodeId: api.items[0].id });
    assert.equal(await page.locator('[data-testid="episode-detail"] [data-testid="attempt"]').count(), detail.attempts.length);
    assert.equal(await page.locator('[data-testid="episode-detail"] [data-testid="feedback"]').count(), detail.attempts.length - 1);
    await ctx.screenshot('attempts-real-run');
  }

  // ---- the explorer on the seeded run: filter, page, open an episode ----
  await page.click('[data-nav="attempts"]');
  await page.locator('[data-testid="run-select"]').selectOption(String(seeded.runId));
  await page.locator('[data-testid="episodes-table"] tbody tr').first().waitFor();
  assert.equal(await page.locator('[data-testid="episodes-table"] tbody tr').count(), 50, 'first page of 90');
  await page.click('[data-testid="load-more"]');
  await rows(page, 90);
  assert.equal(await page.locator('[data-testid="load-more"]').count(), 0, 'everything loaded');

  await page.locator('[data-testid="filter-repeated"]').selectOption('yes');
  await rows(page, 30);
  await page.locator('[data-testid="filter-dataset"]').selectOption('math500');
  await rows(page, 15);
  assert.match(page.url(), /repeated=yes/);
  assert.match(page.url(), /dataset=math500/);
  await page.locator('[data-testid="episodes-table"] tbody tr').first().click();
  const detail = page.locator('[data-testid="episode-detail"]');
  await detail.locator('[data-testid="attempt"]').nth(2).waitFor();
  assert.deepEqual(await detail.locator('[data-testid="extracted"]').allInnerTexts(), ['7', '7', '1002']);
  assert.equal(await detail.locator('[data-testid="feedback"]').count(), 2);
  assert.match(await detail.locator('[data-testid="feedback"]').first().innerText(), /Your answer is incorrect\. You have 2 attempts left\. Try an alternative\./);
  assert.match(await detail.innerText(), /solved on attempt 3 of 3/);
  assert.match(await detail.innerText(), /repeats an earlier wrong answer/);
  await ctx.screenshot('attempts');

  await page.locator('[data-testid="filter-verdict"]').selectOption('over_budget');
  await page.locator('[data-testid="attempts-none"]').waitFor();
  await ctx.screenshot('attempts-no-match');
  await page.locator('[data-testid="filter-verdict"]').selectOption('');
  await rows(page, 15);

  // ---- Export: the explorer's filter travels along; attempts CSV, metrics CSV, checkpoint ----
  await page.getByRole('button', { name: 'Export as CSV…' }).click();
  await page.locator('[data-testid="export-episodes"]').waitFor();
  assert.match(await page.locator('[data-testid="export-episodes"]').innerText(), /repeated a wrong answer: yes/);
  const attempts = await downloadCsv(page, () => page.click('[data-testid="export-episodes-button"]'));
  assert.match(attempts.name, new RegExp(`^attempts-run${seeded.runId}-.*\\.csv$`));
  assert.deepEqual(attempts.rows[0], ['episode_id', 'run_id', 'step', 'split', 'dataset', 'question_id', 'attempt', 'verdict', 'extracted', 'tokens', 'gold', 'response']);
  assert.equal(attempts.rows.length, 1 + 15 * 3, '15 episodes × 3 attempts');
  assert.ok(attempts.rows.slice(1).every((r) => r[4] === 'math500' && r[1] === String(seeded.runId)));
  assert.deepEqual(attempts.rows[1]!.slice(6, 12), ['1', 'wrong', '7', '9', '1002', 'I think it is \\boxed{7}, "sure", ok']);
  assert.ok(attempts.text.includes('"I think it is \\boxed{7}, ""sure"", ok"'), 'RFC 4180 quoting in the file');
  await page.locator('[data-testid="csv-done"]').waitFor();
  await page.locator('[data-testid="episodes-table-kind"]').selectOption('episodes');

  // The run the page came from is preselected (issue #24 item 5), for metrics and the checkpoint; metric names are
  // picked from what the runs logged. Unticked, the metrics export covers every run.
  const fromRun = page.locator(`[data-testid="export-runs"] .run-list label:has-text("#${seeded.runId} ") input`);
  assert.equal(await fromRun.isChecked(), true, 'the run the export was opened from is preselected');
  assert.equal(await page.locator('[data-testid="checkpoint-run"]').inputValue(), String(seeded.runId));
  await page.locator('[data-metric-name="reward"]').waitFor();
  await fromRun.uncheck();
  const metrics = await downloadCsv(page, () => page.click('[data-testid="export-metrics"]'));
  assert.deepEqual(metrics.rows[0], ['run_id', 'run_name', 'step', 'name', 'value', 'time']);
  const seededMetrics = metrics.rows.filter((r) => r[0] === String(seeded.runId));
  assert.deepEqual(seededMetrics.map((r) => r.slice(1, 5)), [
    ['seeded e2e run', '1', 'accuracy', '0.25'],
    ['seeded e2e run', '2', 'accuracy', '0.5'],
    ['seeded e2e run', '3', 'accuracy', '0.75'],
    ['seeded e2e run', '1', 'reward', String(1 / 10 - 0.2)],
    ['seeded e2e run', '2', 'reward', String(2 / 10 - 0.2)],
    ['seeded e2e run', '3', 'reward', String(3 / 10 - 0.2)],
  ]);
  for (const runId of ctx.runIds) {
    const m = await studio.call('metrics:get', { runId });
    const n = Object.values(m.series as Record<string, unknown[]>).reduce((s, x) => s + x.length, 0);
    assert.equal(metrics.rows.filter((r) => r[0] === String(runId)).length, n, `run ${runId}: every metric point`);
  }

  const evals = await downloadCsv(page, () => page.click('[data-testid="export-eval"]'));
  assert.ok(evals.rows.some((r) => r[0] === String(seeded.runId) && r[4] === 'math500' && r[9] === '0.4'));

  await page.locator('[data-testid="checkpoint-run"]').selectOption(String(seeded.runId));
  await page.locator('[data-testid="checkpoint-step"] option[value="3"]').waitFor({ state: 'attached' });
  const dest = path.join(studio.dir, 'exported-model');
  await page.fill('[data-testid="checkpoint-destination"]', dest);
  await page.click('[data-testid="export-checkpoint-button"]');
  await page.locator('[data-testid="checkpoint-done"]').waitFor();
  assert.deepEqual(readdirSync(dest).sort(), ['config.json', 'model.safetensors']);
  assert.ok(readFileSync(path.join(dest, 'model.safetensors')).equals(readFileSync(path.join(seeded.checkpoint, 'model.safetensors'))));
  await ctx.screenshot('export');
  // (Exporting again into the same folder answers 409 and the page shows it: covered by the API tests, kept out of
  // here because the browser logs every non-2xx response as a console error, which the flow forbids.)
}
