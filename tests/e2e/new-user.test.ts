// What a new user trips over (issue #24), end to end in Debian's Chromium: a 1024 × 700 window over every page
// (actions reachable, the episode in view, Esc closes it), a keyboard-only pass (skip link, a visible focus ring on
// every control reached), forms (existence checks beside the field, plain-language limits), charts (whole-number
// step ticks, one point, no duplicate menu entries, names not cut) and the base model's pre-training phase with its
// progress and ETA on a fresh studio, stopped from the run page. Screenshots: tests/e2e/screenshots/24-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { openBrowser, screenshot, startStudio, until, type Studio } from './harness.js';
import { seedStudioDb } from './seed-db.js';
import { openDb } from '../../backend/db/open-db.js';
import { createRun, logStep } from '../../backend/db/run-store.js';
import { finishRun, markRunning } from '../../backend/jobs/run-status.js';
import type { EpisodeRecord } from '../../backend/domain/vocabulary.js';

const W = 1024;
const H = 700;

/** A finished run with one step of episodes (for the explorer) and a one-step metric series (a single point). */
function seedEpisodes(dbPath: string): number {
  const db = openDb(dbPath);
  try {
    const id = createRun(db, { kind: 'train', config: { steps: 1 }, name: 'eval of a run with a rather long name (baseline, seed 3)' });
    const episodes: EpisodeRecord[] = Array.from({ length: 40 }, (_, i) => ({
      split: 'train',
      dataset: 'synthetic',
      questionId: `internal-q-${i}`,
      question: `What is ${i} + 1?`,
      gold: String(i + 1),
      attemptsAllowed: 2,
      reward: 1,
      attempts: [
        { response: `\\boxed{${i}}`, extracted: String(i), verdict: 'wrong', tokens: 4 },
        { response: `\\boxed{${i + 1}}`, extracted: String(i + 1), verdict: 'correct', tokens: 4 },
      ],
    }));
    markRunning(db, id, { pid: process.pid }); // a run that ran: the state machine allows completed only from running
    logStep(db, id, 1, { metrics: { reward: 0.5, accuracy: 0.5 }, episodes });
    finishRun(db, id);
    return id;
  } finally {
    db.close();
  }
}

/** The page scrolls sideways (content wider than the window)? */
const overflowsX = (page: Page) => page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth > (globalThis as any).innerWidth + 1);

/** Whether an element, scrolled into view vertically, lies wholly inside the window (and is the topmost thing at its centre). */
async function inView(page: Page, selector: string): Promise<boolean> {
  await page.locator(selector).first().evaluate((el) => el.scrollIntoView({ block: 'center', inline: 'nearest' }));
  return page.locator(selector).first().evaluate((el) => {
    const g = globalThis as any;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.left < 0 || r.top < 0 || r.right > g.innerWidth || r.bottom > g.innerHeight) return false;
    const hit = g.document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return hit !== null && (hit === el || el.contains(hit));
  });
}

/** The focused element and its focus ring (outline, or a box-shadow standing in for one). */
const focused = (page: Page) =>
  page.evaluate(() => {
    const g = globalThis as any;
    const el = g.document.activeElement;
    if (!el || el === g.document.body) return null;
    const cs = g.getComputedStyle(el);
    const label = `${el.tagName.toLowerCase()}${el.getAttribute('type') ? `[type=${el.getAttribute('type')}]` : ''} "${(el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 30)}"`;
    return { label: label as string, inMain: !!el.closest('main'), outline: cs.outlineStyle !== 'none' ? parseFloat(cs.outlineWidth) : 0, color: cs.outlineColor as string };
  });

test('a new user at 1024 × 700 and with the keyboard: every page, forms, charts', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-e2e-24-'));
  const dbPath = path.join(dir, 'studio.db');
  const seeded = seedStudioDb(dbPath, 40, 3);
  const single = seedEpisodes(dbPath);
  let studio: Studio | undefined;
  const b = await openBrowser();
  const page = b.page;
  try {
    studio = await startStudio({ dir });
    await page.setViewportSize({ width: W, height: H });
    await page.goto(studio.urlWithToken);
    const rows = page.locator('[data-testid="runs-table"] tbody tr[data-run-id]');
    await until('the seeded runs', async () => (await rows.count()) === seeded.length + 1);

    // ---- Runs at 1024: every row's actions in view, also with the tag editor open ----
    assert.equal(await overflowsX(page), false, 'the runs page does not scroll sideways');
    for (const r of seeded) assert.ok(await inView(page, `tr[data-run-id="${r.id}"] td.actions button.danger`), `run ${r.id}: Delete in view`);
    await page.click(`tr[data-run-id="${seeded[0]!.id}"] [data-testid="edit-meta"]`);
    await page.locator('[data-testid="tags-input"]').waitFor();
    assert.ok(await inView(page, `tr[data-run-id="${seeded[0]!.id}"] td.actions button.danger`), 'Delete in view with the tag editor open');
    await screenshot(page, '24-runs-1024');
    await page.keyboard.press('Escape');
    await page.reload();
    await rows.first().waitFor();

    // ---- keyboard only: the skip link first, then a visible ring on every control reached ----
    await page.keyboard.press('Tab');
    const first = await focused(page);
    assert.match(first?.label ?? '', /Skip to content/, 'the first Tab stop is the skip link');
    await page.keyboard.press('Enter');
    const seen: string[] = [];
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      const f = await focused(page);
      if (!f) break; // past the last control of the page

      if (i === 0) assert.equal(f.inMain, true, `after the skip link, Tab goes into the page, not the navigation (got ${f.label})`);
      assert.ok(f.outline >= 2, `a visible focus ring on ${f.label} (outline ${f.outline}px ${f.color})`);
      if (f.label.includes('type=checkbox') && !seen.some((l) => l.includes('type=checkbox'))) await screenshot(page, '24-keyboard-focus');
      seen.push(f.label);
    }
    assert.ok(seen.length >= 15, `the keyboard reached the page's controls: ${seen.join(' | ')}`);
    assert.ok(seen.some((l) => l.includes('type=checkbox')), `checkboxes were reached: ${seen.join(' | ')}`);

    // ---- Experiments at 1024: existence check beside the field, plain limits ----
    await page.click('[data-nav="experiments"]');
    await page.locator('[data-field="steps"]').waitFor();
    assert.equal(await overflowsX(page), false, 'experiments: no sideways scroll');
    await page.locator('[data-testid="model-kind"]').selectOption('folder');
    await page.fill('input[data-field="model.source"]', path.join(dir, 'no-such-model'));
    await page.press('input[data-field="model.source"]', 'Tab');
    await page.locator('[data-error-for="model.source"]', { hasText: 'does not exist' }).waitFor();
    await page.locator('[data-testid="validation"]', { hasText: 'need attention' }).waitFor();
    await page.locator('[data-testid="model-kind"]').selectOption('builtin');
    for (const [value, message] of [['-1', 'must be at least 1'], ['99999999999999999999', 'too large a number']] as const) {
      await page.fill('[data-field="steps"]', value);
      await page.press('[data-field="steps"]', 'Tab');
      await page.locator('[data-error-for="steps"]', { hasText: message }).waitFor();
    }
    assert.doesNotMatch(await page.locator('.launch-panel .field-help').first().innerText(), /-1 steps/, 'the preset summary never echoes a rejected value');
    await page.locator('[data-testid="budget"]').waitFor();
    await page.fill('[data-field="steps"]', '20');
    await page.press('[data-field="steps"]', 'Tab');
    await page.locator('[data-testid="validation"]', { hasText: 'config valid' }).waitFor();
    await page.click('[data-testid="estimate-memory"]');
    await page.locator('[data-testid="memory-estimate"]', { hasText: /Peak memory ≈ .* of .* — fits/ }).waitFor({ timeout: 120_000 });
    await screenshot(page, '24-experiments-1024');

    // ---- Run detail at 1024: Stop/Resume live here too; a single step gets a 0–2 axis of whole numbers ----
    await page.goto(`${studio.url}#/run/${single}`);
    await page.locator('[data-testid="chart-reward"]').waitFor();
    assert.equal(await overflowsX(page), false, 'run page: no sideways scroll');
    await until('the chart ticks', async () => (await page.locator('[data-testid="chart-reward"]').getAttribute('data-x-ticks')) || undefined);
    assert.equal(await page.locator('[data-testid="chart-reward"]').getAttribute('data-x-ticks'), '0,1,2', 'one point: a 0–2 step axis of whole numbers');
    await page.goto(`${studio.url}#/run/${seeded[2]!.id}`);
    await page.locator('[data-testid="detail-resume"]').waitFor();
    await screenshot(page, '24-run-detail-1024');

    // ---- Compare at 1024: one menu entry per dataset, run names whole ----
    await page.goto(`${studio.url}#/compare?runs=${seeded[0]!.id},${seeded[1]!.id},${single}`);
    await page.locator('[data-testid="accuracy-vs-attempts"]').waitFor();
    assert.equal(await overflowsX(page), false, 'compare: no sideways scroll');
    const options = await page.locator('[data-testid="curve-dataset"] option').allTextContents();
    assert.equal(new Set(options).size, options.length, `no duplicate dataset entries: ${options.join(', ')}`);
    const cut = await page.locator('.picker .rname').evaluateAll((els) => els.filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.textContent));
    assert.deepEqual(cut, [], 'run names are not cut');
    await screenshot(page, '24-compare-1024');

    // ---- Attempts at 1024: the episode opens in view (a drawer), Esc closes it; no internal id in its header ----
    await page.goto(`${studio.url}#/attempts?run=${single}`);
    const episode = page.locator('[data-testid="episodes-table"] tbody tr').nth(30);
    await episode.waitFor();
    await episode.scrollIntoViewIfNeeded();
    await episode.click();
    await page.locator('[data-testid="episode-detail"] [data-testid="attempt"]').first().waitFor();
    assert.ok(await inView(page, '[data-testid="episode-detail"] h2'), 'the opened episode is in view');
    assert.doesNotMatch(await page.locator('[data-testid="episode-detail"] .detail-head').innerText(), /internal-q-/);
    await screenshot(page, '24-attempts-drawer-1024');
    await page.keyboard.press('Escape');
    await page.locator('[data-testid="episode-detail"]').waitFor({ state: 'detached' });

    // ---- Export at 1024, opened from a run: that run is preselected ----
    await page.goto(`${studio.url}#/runs`);
    await page.click(`tr[data-run-id="${seeded[1]!.id}"] td.actions button:has-text("Export")`);
    await page.locator('[data-testid="export-runs"]').waitFor();
    assert.equal(await page.locator(`[data-testid="export-runs"] .run-list label:has-text("#${seeded[1]!.id} ") input`).isChecked(), true);
    await page.locator('[data-metric-name="accuracyFirstAttempt"]').waitFor();
    assert.equal(await page.locator('[data-testid="checkpoint-run"]').inputValue(), String(seeded[1]!.id));
    assert.equal(await overflowsX(page), false, 'export: no sideways scroll');
    await screenshot(page, '24-export-1024');

    assert.deepEqual(b.problems, [], 'no page errors or console errors');
  } catch (err) {
    await screenshot(page, '24-failure').catch(() => {});
    throw new Error(`${(err as Error).message}\n--- serve log ---\n${studio?.log().slice(-3000)}`, { cause: err });
  } finally {
    await b.close();
    await studio?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the first run on the built-in model: a note before launch, then the pre-training phase with progress and ETA; Stop on the run page', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-e2e-24b-'));
  let studio: Studio | undefined;
  const b = await openBrowser();
  const page = b.page;
  try {
    // Without the shipped base model, as after a change of the base model's spec: the first run pre-trains it.
    studio = await startStudio({ dir, concurrency: 1, env: { ATTEMPT_STUDIO_SHIPPED_BASE_MODELS: 'none' } });
    await page.setViewportSize({ width: W, height: H });
    await page.goto(`${studio.urlWithToken}`);
    await page.click('[data-nav="experiments"]');
    await page.locator('[data-testid="preset"]').selectOption('builtin-multi-attempt');
    await page.locator('[data-testid="pretrain-note"]', { hasText: 'pre-trains it' }).waitFor();
    await page.fill('[data-testid="run-name"]', 'first run');
    await page.fill('[data-field="steps"]', '2');
    await page.press('[data-field="steps"]', 'Tab');
    await page.locator('[data-testid="validation"]', { hasText: 'config valid' }).waitFor();
    await screenshot(page, '24-pretrain-note');
    await page.click('[data-testid="launch"]');
    await page.waitForURL(/#\/runs\?launched=/);
    const [run] = await studio.call<Array<{ id: number }>>('runs:list', {});
    const row = page.locator(`tr[data-run-id="${run!.id}"]`);
    // The row names the phase and counts its steps with an ETA (the worker reports them; wait for the data).
    await row.locator('[data-phase="pretraining"] [data-testid="phase"]', { hasText: 'pre-training the built-in base model' }).waitFor({ timeout: 120_000 });
    await row.locator('[data-phase="pretraining"]', { hasText: /\d+ \/ \d+ pre-training steps · ETA/ }).waitFor({ timeout: 120_000 });
    await screenshot(page, '24-pretrain-row');
    await page.click(`tr[data-run-id="${run!.id}"] td.name a`);
    await page.locator('[data-testid="run-progress"][data-phase="pretraining"]', { hasText: /pre-training steps · ETA/ }).waitFor();
    await page.locator('[data-testid="log"]', { hasText: 'training the built-in base model' }).waitFor();
    await screenshot(page, '24-pretrain-run-page');
    await page.click('[data-testid="detail-stop"]');
    await page.locator('[data-testid="log"]', { hasText: 'stopping:' }).waitFor();
    // Stop is prompt during pre-training (#18): the worker ends at its next pre-training step, the run is stopped
    // and its log says that resume starts over (there is no checkpoint).
    await page.locator('[data-testid="detail-status"]', { hasText: 'stopped' }).waitFor({ timeout: 60_000 });
    await page.locator('[data-testid="log"]', { hasText: "stopped during the built-in base model's pre-training" }).waitFor();
    await page.locator('[data-testid="detail-resume"]').waitFor();
    await screenshot(page, '24-stopped-from-run-page');
    assert.deepEqual(b.problems, [], 'no page errors or console errors');
  } catch (err) {
    await screenshot(page, '24b-failure').catch(() => {});
    throw new Error(`${(err as Error).message}\n--- serve log ---\n${studio?.log().slice(-3000)}`, { cause: err });
  } finally {
    await b.close();
    await studio?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
