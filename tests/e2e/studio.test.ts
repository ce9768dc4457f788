// The studio end to end in a real browser (issue #7): `serve` on a temporary database, Debian's Chromium through
// playwright-core. Flow: empty states → an experiment from a preset with a tiny budget (inline validation on
// the way) → "Launch both" → the runs appear with progress bars → the run detail's reward chart gains points
// live → tags saved → compare both runs on the accuracy-vs-attempts chart → (attempts explorer, export:
// explore-steps.ts) → evaluate a run from the table (k-attempt, then sampled pass@k) → an error state. A screenshot of every page goes to tests/e2e/screenshots/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { openBrowser, screenshot, startStudio, until, whereStuck, type Studio } from './harness.js';
import { exploreSteps } from './explore-steps.js';
import { tinySetup } from '../backend/runs/tiny-run.js';

const STEPS = 6;

/** Types into a generated config field and leaves it (inputs commit on change). */
async function setField(page: Page, path: string, value: string): Promise<void> {
  const el = page.locator(`[data-field="${path}"]`);
  if ((await el.evaluate((e) => e.tagName)) === 'SELECT') await el.selectOption(value);
  else {
    await el.fill(value);
    await el.press('Tab');
  }
}

test('studio end to end: launch from a preset, live run, compare on accuracy vs. attempts', { timeout: 240_000 }, async () => {
  const tiny = await tinySetup('as-e2e-');
  let studio: Studio | undefined;
  let b: Awaited<ReturnType<typeof openBrowser>> | undefined;
  try {
    studio = await startStudio({ dir: tiny.dir, concurrency: 2 });
    b = await openBrowser();
    const page = b.page;
    try {
      // ---- empty states ----
      await page.goto(studio.urlWithToken);
      await page.locator('[data-testid="runs-empty"]').waitFor();
      assert.equal(new URL(page.url()).searchParams.has('token'), false, 'the token leaves the address bar');
      await screenshot(page, '01-runs-empty');
      await page.click('[data-nav="compare"]');
      await page.locator('[data-testid="compare-empty"]').waitFor();
      await screenshot(page, '02-compare-empty');

      // ---- Experiments: a preset, a tiny budget, inline validation ----
      await page.click('[data-nav="experiments"]');
      await page.locator('[data-field="steps"]').waitFor();
      await page.locator('[data-testid="preset"]').selectOption('builtin-multi-attempt');
      await page.fill('[data-testid="run-name"]', 'e2e');
      await setField(page, 'model.checkpoint', tiny.base);
      await setField(page, 'steps', String(STEPS));
      await setField(page, 'rolloutBatch', '2');
      await setField(page, 'miniBatch', '3');
      await page.locator('[data-error-for="miniBatch"]', { hasText: 'must divide rolloutBatch' }).waitFor();
      await setField(page, 'steps', 'ten');
      await page.locator('[data-error-for="steps"]', { hasText: 'not a number' }).waitFor();
      await screenshot(page, '03-experiments-invalid');
      await setField(page, 'steps', String(STEPS));
      await setField(page, 'miniBatch', '2');
      await setField(page, 'epochs', '1');
      await setField(page, 'generation.maxTokensPerAttempt', '6');
      await setField(page, 'generation.maxTotalTokens', '12');
      await setField(page, 'eval.everySteps', '0');
      await setField(page, 'eval.attempts', '3');
      await setField(page, 'eval.maxQuestions', '2');
      await setField(page, 'checkpoint.everySteps', '0');
      await setField(page, 'runtime', 'cpu');
      await page.locator('[data-testid="validation"]', { hasText: 'config valid' }).waitFor();
      assert.equal(await page.locator('[data-error-for]').count(), 0, 'no field messages left');
      await screenshot(page, '04-experiments');
      await page.click('[data-testid="launch-both"]');

      // ---- Runs: both appear with progress bars ----
      await page.waitForURL(/#\/runs\?launched=/);
      const rows = page.locator('[data-testid="runs-table"] tbody tr[data-run-id]');
      await until('two runs in the table', async () => (await rows.count()) === 2);
      const runs = await studio.call<Array<{ id: number; name: string; config: unknown }>>('runs:list', {});
      const multi = runs.find((r) => r.name === 'e2e (multi-attempt)');
      const base = runs.find((r) => r.name === 'e2e (baseline)');
      assert.ok(multi && base, `runs named for both arms: ${runs.map((r) => r.name).join(', ')}`);
      const cfg = (await studio.call<{ config: any }>('runs:get', { runId: base.id })).config;
      assert.equal(cfg.task.mode, 'single-turn');
      assert.equal(cfg.steps, STEPS, 'the baseline has the same budget');
      assert.equal(await page.locator(`tr[data-run-id="${multi.id}"] [data-testid="progress"]`).count(), 1);

      // ---- Run detail: the reward chart gains points while the run trains ----
      await page.click(`tr[data-run-id="${multi.id}"] td.name a`);
      await page.locator('[data-testid="detail-status"]').waitFor();
      const seen = new Set<number>();
      await until('the reward chart to show every step', async () => {
        const n = Number((await page.locator('[data-testid="chart-reward"]').getAttribute('data-points').catch(() => null)) ?? 0);
        seen.add(n);
        return n === STEPS;
      });
      assert.ok([...seen].some((n) => n > 0 && n < STEPS), `points arrived step by step (seen ${[...seen].sort().join(', ')})`);
      await page.locator('[data-testid="detail-status"]', { hasText: 'completed' }).waitFor({ timeout: 90_000 });
      await page.locator('[data-chart="solved"]').waitFor();
      await page.locator('[data-testid="log"]', { hasText: 'status: completed' }).waitFor();
      const ticks = ((await page.locator('[data-testid="chart-reward"]').getAttribute('data-x-ticks')) ?? '').split(',').map(Number);
      assert.ok(ticks.length > 1 && ticks.every(Number.isInteger), `step axis ticks are whole numbers (issue #24 item 6): ${ticks.join(', ')}`);
      await screenshot(page, '05-run-detail');
      await page.check('[data-testid="x-time"]');
      assert.equal(await page.locator('[data-testid="chart-reward"]').getAttribute('data-points'), String(STEPS), 'wall-time x-axis keeps every point');

      // ---- Runs: tags and notes; then select both and compare ----
      await until('both runs completed', async () => {
        const l = await studio!.call<Array<{ status: string }>>('runs:list', {});
        if (l.some((r) => r.status === 'failed')) throw new Error(`a run failed: ${JSON.stringify(l)}`);
        return l.every((r) => r.status === 'completed');
      });
      await page.click('[data-nav="runs"]');
      await page.click(`tr[data-run-id="${multi.id}"] [data-testid="edit-meta"]`);
      await page.fill('[data-testid="tags-input"]', 'e2e, tiny');
      await page.locator('[data-testid="notes-input"]:not([disabled])').fill('launched by the browser test');
      await page.click('[data-testid="save-meta"]');
      await page.locator(`tr[data-run-id="${multi.id}"] .tag`, { hasText: 'tiny' }).waitFor();
      const saved = await studio.call<{ tags: string[]; notes: string }>('runs:get', { runId: multi.id });
      assert.deepEqual(saved.tags, ['e2e', 'tiny']);
      assert.equal(saved.notes, 'launched by the browser test');
      assert.match((await page.locator(`tr[data-run-id="${multi.id}"] [data-testid="last-reward"]`).textContent()) ?? '', /^-?\d/);
      await screenshot(page, '06-runs');
      await page.check(`tr[data-run-id="${base.id}"] input[type="checkbox"]`);
      await page.check(`tr[data-run-id="${multi.id}"] input[type="checkbox"]`);
      await page.click('[data-testid="compare-selected"]', { timeout: 15_000 }).catch(async (err) => {
        throw new Error(`${(err as Error).message.split('\n')[0]}; the page's JavaScript: ${await whereStuck(page)}`);
      });

      // ---- Compare: accuracy vs. attempts, k = 1..3, one line per run ----
      // Each run's results arrive on their own: wait for both (identical curves still count as two).
      await page.locator('[data-testid="accuracy-vs-attempts"][data-points="6"]').waitFor({ timeout: 60_000 }).catch(async (err) => {
        throw new Error(`2 runs × k = 1..3: the chart holds ${await page.locator('[data-testid="accuracy-vs-attempts"]').getAttribute('data-points')} points (${(err as Error).message.split('\n')[0]})`);
      });
      await page.locator('[data-testid="accuracy-table"] tbody tr[data-curve]').nth(1).waitFor();
      const header = await page.locator('[data-testid="accuracy-table"] thead th').allTextContents();
      assert.deepEqual(header.slice(1, 4), ['k=1', 'k=2', 'k=3']);
      const tableRows = await page.locator('[data-testid="accuracy-table"] tbody tr[data-curve]').allTextContents();
      assert.equal(tableRows.length, 2);
      assert.ok(tableRows.every((t) => /held-out/.test(t) && /\d+\.\d%/.test(t)), tableRows.join(' | '));
      await page.locator(`[data-testid="overlay-chart"][data-points="${2 * STEPS}"]`).waitFor({ timeout: 60_000 });
      await screenshot(page, '07-compare');

      // ---- Attempts explorer and Export (pages 5–6): the ui-explore branch's steps, in tests/e2e/explore-steps.ts ----
      await exploreSteps({ page, studio, runIds: [base.id, multi.id], screenshot: (n) => screenshot(page, n) });

      // ---- Evaluate from the runs table: a k-attempt evaluation run of the latest checkpoint ----
      await page.click('[data-nav="runs"]');
      await page.click(`tr[data-run-id="${base.id}"] button:has-text("Evaluate")`);
      const form = page.locator('[data-testid="evaluate-form"]');
      // Issue #24 item 1: the run's own held-out split is offered and chosen by default.
      const heldOut = form.locator('input[data-dataset="held-out"]');
      await heldOut.waitFor();
      assert.equal(await heldOut.isChecked(), true, "the run's held-out split is the default");
      assert.equal(await form.locator('input[data-dataset="synthetic"]').isChecked(), false);
      // Issue #20: K and the protocol/budget line come from the model's evaluation defaults (eval:defaults).
      await form.locator('[data-testid="eval-defaults"]', { hasText: 'built-in model: protocol one-episode, greedy,' }).waitFor();
      assert.equal(await form.locator('[data-testid="eval-k"]').inputValue(), '5');
      await screenshot(page, '08-evaluate-form');
      // Item 4: an impossible K says why Start is disabled.
      await form.locator('[data-testid="eval-k"]').fill('0');
      await form.locator('[data-eval-problem="attempts"]', { hasText: 'from 1 to 64' }).waitFor();
      assert.equal(await form.locator('button:has-text("Start")').isDisabled(), true);
      await form.locator('[data-testid="eval-limit"]').fill('-5');
      await form.locator('[data-eval-problem="limit"]', { hasText: 'at least 1' }).waitFor();
      await screenshot(page, '08a-evaluate-form-problems');
      await form.locator('[data-testid="eval-k"]').fill('2');
      await form.locator('[data-testid="eval-limit"]').fill('2');
      await form.locator('button:has-text("Start")').click();
      const evalRun = await until('the eval run', async () => (await studio!.call<Array<{ id: number; kind: string; name: string }>>('runs:list', {})).find((r) => r.kind === 'eval'));
      assert.equal(evalRun.name, 'eval of e2e (baseline)');
      await page.locator(`tr[data-run-id="${evalRun.id}"] [data-testid="status"]`, { hasText: 'completed' }).waitFor({ timeout: 90_000 });
      const evalRows = await studio.call<Array<{ dataset: string; k: number; n: number }>>('eval:results', { runId: evalRun.id });
      assert.deepEqual(evalRows.map((r) => [r.dataset, r.k, r.n]), [['held-out', 1, 2], ['held-out', 2, 2]]);
      // …and its results show in its row and on its page (table + chart), not "–".
      await page.locator(`tr[data-run-id="${evalRun.id}"] [data-testid="eval-result"]`, { hasText: /held-out \d+\.\d% → \d+\.\d%/ }).waitFor();
      await page.click(`tr[data-run-id="${evalRun.id}"] td.name a`);
      await page.locator('[data-testid="eval-table"] tr[data-eval-dataset="held-out"]').waitFor();
      assert.match((await page.locator('[data-testid="eval-table"] tr[data-eval-dataset="held-out"]').innerText()).replace(/\s+/g, ' '), /held-out \d+\.\d% \d+\.\d% -?\d+\.\d pts 2/);
      assert.equal(await page.locator('[data-testid="eval-chart"]').getAttribute('data-points'), '2');
      assert.equal(await page.locator('[data-testid="eval-chart"]').getAttribute('data-x-ticks'), '1,2', 'k axis: whole numbers only');
      await screenshot(page, '08-eval-run');

      // ---- Sampled pass@k from the same dialog: N samples at temperature T, stored and shown as such ----
      await page.click('[data-nav="runs"]');
      await page.click(`tr[data-run-id="${base.id}"] button:has-text("Evaluate")`);
      await form.locator('input[data-dataset="held-out"]').waitFor();
      await form.locator('[data-testid="eval-defaults"]').waitFor();
      await form.locator('[data-testid="eval-mode-sampled"]').check();
      // The defaults come from eval:defaults (eval-defaults.ts): N = the model's K, its sampled temperature and seed.
      const defaults = await studio.call<{ maxAttempts: number; sampledTemperature: number; seed: number; maxK: number }>('eval:defaults', { runId: base.id });
      assert.equal(await form.locator('[data-testid="eval-samples"]').inputValue(), String(defaults.maxAttempts));
      assert.equal(await form.locator('[data-testid="eval-temperature"]').inputValue(), String(defaults.sampledTemperature));
      assert.equal(await form.locator('[data-testid="eval-seed"]').inputValue(), String(defaults.seed));
      assert.equal(await form.locator('[data-testid="eval-k"]').count(), 0, 'K belongs to k-attempt accuracy');
      await form.locator('[data-testid="eval-samples"]').fill(String(defaults.maxK + 1));
      await form.locator('[data-eval-problem="samples"]', { hasText: `from 1 to ${defaults.maxK}` }).waitFor();
      await form.locator('[data-testid="eval-temperature"]').fill('0');
      await form.locator('[data-eval-problem="temperature"]', { hasText: 'above 0' }).waitFor();
      assert.equal(await form.locator('button:has-text("Start")').isDisabled(), true);
      await form.locator('[data-testid="eval-samples"]').fill('3');
      await form.locator('[data-testid="eval-temperature"]').fill('0.7');
      await form.locator('[data-testid="eval-seed"]').fill('4');
      await form.locator('[data-testid="eval-limit"]').fill('2');
      await form.locator('[data-testid="eval-defaults"]', { hasText: 'pass@1..3 of 3 independent samples per question at temperature 0.7, seed 4' }).waitFor();
      assert.equal(await form.locator('[data-eval-problem]').count(), 0);
      await screenshot(page, '08b-evaluate-form-sampled');
      await form.locator('button:has-text("Start")').click();
      const passRun = await until('the sampled eval run', async () => (await studio!.call<Array<{ id: number; kind: string; name: string }>>('runs:list', {})).find((r) => r.kind === 'eval' && r.id !== evalRun.id));
      assert.equal(passRun.name, 'pass@k of e2e (baseline)');
      await page.locator(`tr[data-run-id="${passRun.id}"] [data-testid="status"]`, { hasText: 'completed' }).waitFor({ timeout: 90_000 });
      const spec = (await studio.call<{ config: any }>('runs:get', { runId: passRun.id })).config;
      assert.deepEqual([spec.samples, spec.temperature, spec.seed, spec.protocol, spec.maxAttempts], [3, 0.7, 4, null, 3], 'the stored spec is the sampled one asked for');
      const passRows = await studio.call<Array<{ metric: string; dataset: string; k: number; n: number; decoding: string }>>('eval:results', { runId: passRun.id });
      assert.deepEqual(
        passRows.filter((r) => r.metric === 'pass_at_k').map((r) => [r.dataset, r.k, r.n, r.decoding]),
        [1, 2, 3].map((k) => ['held-out', k, 2 * 3, 'sampled(t=0.7,p=1)']),
        'pass@1..3 over 2 questions × 3 samples at temperature 0.7',
      );
      assert.equal(passRows.filter((r) => r.metric === 'mean_accuracy').length, 1);
      // Its row and its page say pass@k and how it was sampled.
      await page.locator(`tr[data-run-id="${passRun.id}"] [data-testid="eval-result"]`, { hasText: /held-out pass@1 \d+\.\d% → pass@3 \d+\.\d%/ }).waitFor();
      await screenshot(page, '08c-runs-sampled-row');
      await page.click(`tr[data-run-id="${passRun.id}"] td.name a`);
      await page.locator('[data-testid="eval-results"][data-metric="pass_at_k"]').waitFor();
      assert.match(await page.locator('[data-testid="eval-sampling"]').innerText(), /3 independent samples per question at temperature 0\.7, seed 4/);
      assert.deepEqual((await page.locator('[data-testid="eval-table"] thead th').allTextContents()).slice(1), ['pass@1', 'pass@2', 'pass@3', 'per sample', 'n']);
      assert.match((await page.locator('[data-testid="eval-table"] tr[data-eval-dataset="held-out"]').innerText()).replace(/\s+/g, ' '), /held-out \d+\.\d% \d+\.\d% \d+\.\d% \d+\.\d% 2 × 3/);
      assert.equal(await page.locator('[data-testid="eval-chart"]').getAttribute('data-points'), '3');
      await screenshot(page, '08d-eval-run-sampled');

      // ---- error state: a run that does not exist ----
      await page.goto(`${studio.url}#/run/99999`);
      await page.locator('.error-state', { hasText: 'no run with id 99999' }).waitFor();
      await screenshot(page, '09-run-missing');

      assert.deepEqual(
        b.problems.filter((p) => !/404|Not Found/.test(p)),
        [],
        'no page errors or console errors (besides the 404 of the missing run)',
      );
    } catch (err) {
      await Promise.race([screenshot(page, 'failure'), new Promise((r) => setTimeout(r, 10_000))]).catch(() => {});
      throw new Error(`${(err as Error).message}\n--- serve log ---\n${studio.log().slice(-4000)}`, { cause: err });
    }
  } finally {
    await b?.close();
    await studio?.stop();
    tiny.cleanup();
  }
});
