// The studio end to end in a real browser (issue #7): serve on a temporary database, Chromium through
// playwright-core. Flow: pages render with their empty states → (more steps follow).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, screenshot, startStudio } from './harness.js';
import { exploreSteps } from './explore-steps.js';

test('studio end to end: pages, launch, live run, compare, explore/export', { timeout: 180_000 }, async () => {
  const studio = await startStudio();
  const b = await openBrowser().catch(async (err) => {
    await studio.stop();
    throw err;
  });
  const { page } = b;
  try {
    await page.goto(studio.urlWithToken);
    await page.locator('nav[aria-label="Main"]').waitFor();
    assert.equal(new URL(page.url()).searchParams.has('token'), false, 'the token leaves the address bar');
    for (const name of ['experiments', 'runs', 'compare', 'attempts', 'export']) {
      await page.click(`[data-nav="${name}"]`);
      await page.locator('main h1').waitFor();
      await screenshot(page, `empty-${name}`);
    }

    // ---- Attempts explorer and Export (pages 5–6): the ui-explore branch's steps, in tests/e2e/explore-steps.ts ----
    await exploreSteps({ page, studio, runIds: [], screenshot: (n) => screenshot(page, n) });

    assert.deepEqual(b.problems, [], 'no page errors or console errors');
  } catch (err) {
    await screenshot(page, 'failure').catch(() => {});
    throw new Error(`${(err as Error).message}\n--- serve log ---\n${studio.log()}`, { cause: err });
  } finally {
    await b.close();
    await studio.stop();
  }
});
