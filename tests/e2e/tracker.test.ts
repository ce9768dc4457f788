// The views RL researchers expect (issue #19), end to end in Debian's Chromium: the demo from the empty studio on
// a tiny budget, a 2-seed "Reproduce the finding" sweep, the grouped comparison with mean ± sd / min–max bands and
// its CSV, the runs table sorted, filtered and with a hyperparameter column, a config diff, the system metrics
// charts, zoom and reset, and a chart click into the attempts explorer. Screenshots: tests/e2e/screenshots/19-*.png.
// Waits for data only (runs finishing, rows appearing), never for time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { openBrowser, screenshot, startStudio, until, type Studio } from './harness.js';
import { tinySetup } from '../backend/runs/tiny-run.js';
import { seedGroups } from './seed-db.js';
import { baseModelSpecHash, resolveBaseModelSpec } from '../../backend/pretrain/base-model.js';
import { Transformer } from '../../backend/model/core/transformer.js';
import { saveModel } from '../../backend/model/formats/checkpoint.js';
import { parseCsv } from '../../backend/export/csv.js';

type Row = { id: number; name: string; status: string; error: string | null };

/**
 * An untrained base model of the built-in spec's shape in the studio's cache, so the demo starts at once (the
 * pre-training phase has its own test in new-user.test.ts).
 */
async function cacheBaseModel(dataDir: string): Promise<void> {
  const spec = resolveBaseModelSpec();
  const hash = baseModelSpecHash(spec);
  const dir = path.join(dataDir, 'models', `base-${hash}`);
  mkdirSync(dir, { recursive: true });
  const m = Transformer.create(spec.config, 1);
  await saveModel(dir, m);
  m.dispose();
  writeFileSync(path.join(dir, 'base-model.json'), JSON.stringify({ hash, spec, metrics: { steps: 0 } }));
}

async function setField(page: Page, p: string, value: string): Promise<void> {
  const el = page.locator(`[data-field="${p}"]`);
  if ((await el.evaluate((e) => e.tagName)) === 'SELECT') await el.selectOption(value);
  else {
    await el.fill(value);
    await el.press('Tab');
  }
}

/** Waits until every run named has finished, failing fast on a failed one. */
async function allCompleted(studio: Studio, ids: number[]): Promise<void> {
  await until(
    `runs ${ids.join(', ')} completed`,
    async () => {
      const rows = (await studio.call<Row[]>('runs:list', {})).filter((r) => ids.includes(r.id));
      const failed = rows.find((r) => r.status === 'failed');
      if (failed) throw new Error(`run ${failed.id} failed: ${failed.error}`);
      return rows.length === ids.length && rows.every((r) => r.status === 'completed');
    },
    240_000,
  );
}

const launchedIds = (page: Page) => new URL(page.url().replace('#/', '')).searchParams.get('launched')!.split(',').map(Number);

test('tracker views: demo from the empty studio, a 2-seed sweep, grouped comparison, runs table, system metrics, chart controls', { timeout: 600_000 }, async () => {
  const tiny = await tinySetup('as-e2e-19-');
  await cacheBaseModel(tiny.dir);
  let studio: Studio | undefined;
  const b = await openBrowser();
  const page = b.page;
  try {
    studio = await startStudio({ dir: tiny.dir, concurrency: 2 });
    await page.goto(studio.urlWithToken);

    // ---- the empty studio offers the demo; run it on a tiny budget ----
    const empty = page.locator('[data-testid="runs-empty"]');
    await empty.locator('[data-testid="sweep-launch"]', { hasText: 'Run the demo' }).waitFor();
    await screenshot(page, '19-empty-studio-demo');
    await empty.locator('[data-testid="sweep-quick"]').check();
    await empty.locator('[data-testid="sweep-seeds"]').fill('1');
    await empty.locator('[data-testid="sweep-steps"]').fill('1');
    await empty.locator('[data-testid="sweep-launch"]').click();
    await page.waitForURL(/launched=.*sweep=demo/);
    const demoIds = launchedIds(page);
    assert.equal(demoIds.length, 2, 'baseline + multi-attempt for one seed');
    await page.locator('[data-testid="sweep-banner"]').waitFor();
    await allCompleted(studio, demoIds);
    await page.locator('[data-testid="sweep-banner"]', { hasText: '2 finished' }).waitFor();
    await page.click('[data-testid="open-grouped"]');
    await page.locator('[data-testid="group-table"] tr[data-group]').nth(1).waitFor();
    await screenshot(page, '19-demo-grouped');

    // ---- a 2-seed sweep of a tiny config from the Experiments page ----
    await page.click('[data-nav="experiments"]');
    await page.locator('[data-field="steps"]').waitFor();
    const fillTiny = async () => {
      await page.locator('[data-testid="preset"]').selectOption('builtin-multi-attempt');
      await setField(page, 'model.checkpoint', tiny.base);
      for (const [f, v] of [['steps', '3'], ['rolloutBatch', '2'], ['miniBatch', '2'], ['epochs', '1'], ['generation.maxTokensPerAttempt', '6'], ['generation.maxTotalTokens', '12'], ['eval.everySteps', '0'], ['eval.maxQuestions', '3'], ['checkpoint.everySteps', '0'], ['runtime', 'cpu']] as const)
        await setField(page, f, v);
      await page.locator('[data-testid="validation"]', { hasText: 'config valid' }).waitFor();
    };
    await fillTiny();
    assert.equal(await page.locator('[data-testid="time-estimate"]').count(), 0, 'no run with these settings has trained yet');
    await page.locator('[data-testid="reproduce-finding"] summary').click();
    const sweep = page.locator('[data-testid="reproduce-finding"] [data-testid="sweep-launcher"]');
    await sweep.locator('[data-testid="sweep-seeds"]').fill('2');
    await sweep.locator('[data-testid="sweep-name"]').fill('two seeds');
    await screenshot(page, '19-reproduce-finding');
    await sweep.locator('[data-testid="sweep-launch"]').click();
    await page.waitForURL(/launched=.*sweep=two/);
    const ids = launchedIds(page);
    assert.equal(ids.length, 4);
    await allCompleted(studio, ids);
    // Issue #24 item 4: with runs of the same settings measured, the form estimates the training time.
    await page.click('[data-nav="experiments"]');
    await page.locator('[data-field="steps"]').waitFor();
    await fillTiny();
    await page.locator('[data-testid="time-estimate"]', { hasText: /About .* of training \(\d+\.\d\d s per step measured on run #\d+/ }).waitFor();
    await page.goto(`${studio.url}#/runs?launched=${ids.join(',')}&sweep=two%20seeds`);
    await page.locator('[data-testid="open-grouped"]').waitFor();
    await page.click('[data-testid="open-grouped"]');

    // ---- the grouped comparison: two groups of n = 2, mean ± sd per k and the gain; min–max; CSV ----
    const groupRows = page.locator('[data-testid="group-table"] tbody tr[data-group]');
    // Each run's results and series load on their own: wait until both groups hold both seeds.
    const texts = await until('two group rows of n = 2', async () => {
      const t = (await groupRows.allInnerTexts()).map((x) => x.replace(/\s+/g, ' '));
      return t.length === 2 && t.every((x) => / pts 2 /.test(x)) && t;
    });
    await page.locator('[data-testid="accuracy-vs-attempts"][data-points="10"]').waitFor();
    await page.locator('[data-testid="overlay-chart"][data-points="6"]').waitFor();
    assert.deepEqual(await groupRows.evaluateAll((rs) => rs.map((r) => r.getAttribute('data-group'))), ['two seeds · baseline', 'two seeds · multi-attempt']);
    for (const t of texts) assert.match(t, /\d+\.\d ± \d+\.\d% .* -?\d+\.\d ± \d+\.\d pts 2 CSV/, t);
    // (the charts above: 2 group means × k = 1..5, and 2 group means × 3 steps)
    await screenshot(page, '19-grouped-compare-sd');
    await page.locator('[data-testid="band"]').selectOption('minmax');
    await page.locator('[data-testid="group-table"] td', { hasText: /% \[\d+\.\d–\d+\.\d\]/ }).first().waitFor();
    await screenshot(page, '19-grouped-compare-minmax');
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid="group-csv"]').first().click()]);
    const csv = parseCsv(readFileSync((await download.path())!, 'utf8').slice(1));
    assert.deepEqual(csv[0], ['group', 'k', 'mean', 'sd', 'min', 'max', 'n']);
    assert.equal(csv.length, 6, 'k = 1..5');
    assert.ok(csv.slice(1).every((r) => r[0] === 'two seeds · baseline' && r[6] === '2'));

    // ---- the runs table: a hyperparameter column, sorted; filtered; two runs' config diff ----
    await page.click('[data-nav="runs"]');
    const rows = page.locator('[data-testid="runs-table"] tbody tr[data-run-id]');
    await until('all six runs', async () => (await rows.count()) === 6);
    await page.locator('[data-testid="column-chooser"] summary').click();
    await page.locator('[data-column="optimizer.actorLr"]').check();
    await page.locator('[data-testid="column-chooser"] summary').click();
    await page.click('button[data-sort="config:seed"]');
    const seedsShown = async () => (await page.locator('[data-testid="runs-table"] tbody td[data-col="seed"]').allInnerTexts()).map(Number);
    assert.deepEqual(await seedsShown(), [1, 1, 1, 1, 2, 2], 'sorted by seed, ascending');
    await page.click('button[data-sort="config:seed"]');
    assert.deepEqual(await seedsShown(), [2, 2, 1, 1, 1, 1], 'and descending');
    await page.locator('[data-testid="filter-tag"]').selectOption('two seeds');
    await until('four runs of the sweep', async () => (await rows.count()) === 4);
    await page.fill('[data-testid="filter-text"]', 'multi-attempt');
    await until('two multi-attempt runs', async () => (await rows.count()) === 2);
    await screenshot(page, '19-runs-table-filtered');
    await page.fill('[data-testid="filter-text"]', 'seed 1');
    await until('the two runs of seed 1', async () => (await rows.count()) === 2);
    for (const id of await rows.evaluateAll((rs) => rs.map((r) => r.getAttribute('data-run-id')))) await page.check(`tr[data-run-id="${id}"] input[type="checkbox"]`);
    await page.click('[data-testid="diff-selected"]');
    const diff = page.locator('[data-testid="config-diff"]');
    await diff.locator('tr[data-diff-path="task.mode"]').waitFor();
    assert.match(await diff.locator('tr[data-diff-path="task.mode"]').innerText(), /single-turn\s+multi-attempt|multi-attempt\s+single-turn/);
    assert.equal(await diff.locator('tr[data-diff-path="seed"]').count(), 0, 'same seed: not a difference');
    assert.equal(await diff.locator('tr[data-diff-path="steps"]').count(), 0, 'same budget');
    await screenshot(page, '19-config-diff');

    // ---- run detail: system metrics per step; zoom and reset; a click opens that step's attempts ----
    const multi = (await studio.call<Row[]>('runs:list', {})).find((r) => r.name === 'two seeds · multi-attempt · seed 2')!;
    await page.goto(`${studio.url}#/run/${multi.id}`);
    for (const c of ['chart-cpu', 'chart-memory', 'chart-tps']) {
      await page.locator(`[data-testid="${c}"]`).waitFor();
      assert.equal(await page.locator(`[data-testid="${c}"]`).getAttribute('data-points'), '3', `${c}: one point per step`);
    }
    await page.locator('[data-testid="seed-group"]', { hasText: 'n = 2' }).waitFor();
    await page.check('[data-testid="show-group"]');
    await page.locator('[data-testid="chart-reward"][data-bands="1"]').waitFor();
    await screenshot(page, '19-run-detail-seed-group');
    await page.uncheck('[data-testid="show-group"]');
    await page.check('[data-testid="log-y"]');
    const reward = page.locator('[data-testid="chart-reward"]');
    const box = (await reward.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.4);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.4, { steps: 5 });
    await page.mouse.up();
    await until('the chart zoomed', async () => (await reward.getAttribute('data-zoomed')) === 'true');
    await screenshot(page, '19-run-detail-system-zoomed');
    await reward.locator('[data-testid="reset-zoom"]').click();
    await until('the zoom reset', async () => (await reward.getAttribute('data-zoomed')) === 'false');
    await page.uncheck('[data-testid="log-y"]');
    await page.mouse.click(box.x + box.width * 0.97, box.y + box.height * 0.4);
    await page.waitForURL(/#\/attempts\?/);
    const params = new URL(page.url().replace('#/', '')).searchParams;
    assert.equal(params.get('run'), String(multi.id));
    assert.equal(params.get('from'), params.get('to'), 'one step');
    const step = Number(params.get('from'));
    assert.ok(step >= 1 && step <= 3, `a step of the run: ${step}`);
    await page.locator('[data-testid="episodes-table"] tbody tr').first().waitFor();
    const steps = await page.locator('[data-testid="episodes-table"] tbody tr td:first-child').allInnerTexts();
    assert.ok(steps.length > 0 && steps.every((s) => Number(s) === step), `only step ${step}: ${steps.join(',')}`);
    await screenshot(page, '19-chart-click-explorer');

    // ---- bands to look at: two seeded groups of three seeds with spread ----
    const seededRuns = seedGroups(path.join(tiny.dir, 'studio.db'));
    await page.goto(`${studio.url}#/compare?runs=${seededRuns.map((r) => r.id).join(',')}&group=seed`);
    await page.reload();
    await page.locator('[data-testid="group-table"] tr[data-group="seeded · multi-attempt"]').waitFor();
    // Each run's results arrive on their own: wait for both bands and for all three seeds in the row.
    await page.locator('[data-testid="accuracy-vs-attempts"][data-bands="2"]').waitFor();
    await page.locator('[data-testid="overlay-chart"][data-bands="2"]').waitFor();
    const seededRow = page.locator('[data-testid="group-table"] tr[data-group="seeded · multi-attempt"]');
    await until('all three seeds in the multi-attempt row', async () => / pts 3 /.test((await seededRow.innerText()).replace(/\s+/g, ' ')));
    assert.match((await seededRow.innerText()).replace(/\s+/g, ' '), /38\.0 ± 4\.0% .* 10\.0 ± 2\.0 pts 3/);
    await screenshot(page, '19-grouped-bands');
    // Grouped by hand: the runs' tags (all six seeded runs carry the same tag).
    await page.locator('[data-testid="group-by"]').selectOption('tags');
    const byTag = page.locator('[data-testid="group-table"] tr[data-group="tags: seeded groups"]');
    await until('one group of six by tag', async () => (await byTag.count()) === 1 && / pts 6 /.test((await byTag.innerText()).replace(/\s+/g, ' ')));

    assert.deepEqual(b.problems, [], 'no page errors or console errors');
  } catch (err) {
    await screenshot(page, '19-failure').catch(() => {});
    throw new Error(`${(err as Error).message}\n--- serve log ---\n${studio?.log().slice(-3000)}`, { cause: err });
  } finally {
    await b.close();
    await studio?.stop();
    tiny.cleanup();
  }
});
