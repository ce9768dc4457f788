// The Settings page in a real browser (issue #22, "point the studio at a cluster"): it shows that this server
// runs work on this machine; a bad dashboard address is refused beside its field; "Test connection" against a
// closed port says plainly it is not connected; a save while a run is running says it takes effect at the next
// start; a save when idle tries the cluster at once (unreachable here: it stays on this machine and says why);
// "Use this machine instead" removes the entry. Why the cluster cannot be used is on the page exactly once at
// every step, where the user last acted (the others say their outcome briefly). settings.json is checked on disk
// each time. A real cluster's
// success: tests/backend/runs/ray/ray-backend.test.ts (starting one here would cost minutes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openBrowser, screenshot, setViewport, startStudio, until, type Studio } from './harness.js';
import { tinySetup } from '../backend/runs/tiny-run.js';

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

test('Settings: which backend is in use, a bad address refused by field, a closed port reported, saves say when they apply', { timeout: 180_000 }, async () => {
  const tiny = await tinySetup('as-e2e-settings-');
  const xdg = mkdtempSync(path.join(tmpdir(), 'as-e2e-xdg-'));
  const settingsFile = path.join(xdg, 'Attempt Studio', 'settings.json');
  mkdirSync(path.dirname(settingsFile), { recursive: true });
  writeFileSync(settingsFile, JSON.stringify({ dataDir: tiny.dir }));
  const onDisk = () => JSON.parse(readFileSync(settingsFile, 'utf8')) as { dataDir?: string; ray?: Record<string, unknown> };
  let studio: Studio | undefined;
  let b: Awaited<ReturnType<typeof openBrowser>> | undefined;
  try {
    studio = await startStudio({ dir: tiny.dir, concurrency: 1, env: { XDG_CONFIG_HOME: xdg, ATTEMPT_STUDIO_RAY: '' } });
    b = await openBrowser();
    const page = b.page;
    await page.goto(studio.urlWithToken);
    await page.click('[data-nav="settings"]');
    const now = page.locator('[data-testid="backend-now"]');
    await now.getByText('This machine').waitFor();
    assert.match(await page.locator('[data-testid="ray-form"]').innerText(), new RegExp(settingsFile.replace(/[.]/g, '\\.')), 'the page names the settings file');
    await screenshot(page, '30-settings-local');

    // A bad address: refused beside its field, nothing written.
    await page.fill('[data-testid="ray-address"]', 'head-node:8265');
    await page.click('[data-testid="ray-save"]');
    await page.locator('[data-error-for="ray.address"]', { hasText: 'must be the Ray dashboard URL' }).waitFor();
    assert.equal(await page.locator('[data-testid="ray-address"]').getAttribute('aria-invalid'), 'true');
    assert.equal(onDisk().ray, undefined);
    await screenshot(page, '31-settings-bad-address');

    // A shared folder that does not exist: refused beside its field.
    const port = await closedPort();
    const address = `http://127.0.0.1:${port}`;
    await page.fill('[data-testid="ray-address"]', address);
    await page.fill('[data-testid="ray-shared-dir"]', path.join(tiny.dir, 'not-mounted'));
    await page.click('[data-testid="ray-save"]');
    await page.locator('[data-error-for="ray.sharedDir"]', { hasText: 'is not reachable (ENOENT)' }).waitFor();
    assert.equal(await page.locator('[data-error-for="ray.address"]').count(), 0, 'the address is fine now');

    // Test connection against a closed port: a plain failure.
    await page.fill('[data-testid="ray-shared-dir"]', tiny.dir);
    await page.click('[data-testid="ray-test"]');
    const tested = page.locator('[data-testid="ray-test-result"]');
    await tested.getByText('Not connected').waitFor();
    assert.match(await tested.innerText(), new RegExp(`cannot reach the Ray dashboard at ${address} \\(ECONNREFUSED\\)`));
    // The unreachable cluster's reason, counted on the whole page (it must never repeat).
    const REASON = `cannot reach the Ray dashboard at ${address}`;
    const reasonsShown = async () => (await page.locator('section.settings').innerText()).split(REASON).length - 1;
    assert.equal(await reasonsShown(), 1, 'after the test: once, in the test result');
    await screenshot(page, '32-settings-test-failed');

    // While a run is running, a save is stored and takes effect at the next start.
    const { runId } = await studio.call<{ runId: number }>('runs:start', { config: tiny.config(400, 50), name: 'busy' });
    await until('the run running', async () => (await studio!.call<{ status: string }>('runs:get', { runId })).status === 'running');
    await page.locator('[data-testid="busy-note"]').waitFor();
    await page.click('[data-testid="ray-save"]');
    const saved = page.locator('[data-testid="ray-save-result"]');
    await saved.getByText('takes effect at the next start').waitFor();
    assert.deepEqual(onDisk(), { dataDir: tiny.dir, ray: { address, sharedDir: tiny.dir } });
    await now.getByText('This machine').waitFor();
    assert.equal(await reasonsShown(), 1, 'a save that did not try the cluster leaves the test result as the one place');
    await screenshot(page, '33-settings-saved-busy');
    await studio.call('runs:stop', { runId });
    await until('the run stopped', async () => (await studio!.call<{ status: string }>('runs:get', { runId })).status === 'stopped');

    // Idle: a save tries the cluster at once; it cannot be reached, so this machine stays in use and the page says why.
    await page.locator('[data-testid="busy-note"]').waitFor({ state: 'detached' });
    await page.click('[data-testid="ray-save"]');
    await saved.getByText('Not in use').waitFor();
    assert.match(await saved.innerText(), new RegExp(`${REASON}.*New runs stay on this machine`), 'the save just made says why');
    const problem = page.locator('[data-testid="backend-problem"]');
    await problem.getByText('the save result below says why').waitFor();
    assert.match(await problem.innerText(), new RegExp(`^The Ray cluster at ${address} is not in use`));
    assert.equal(await tested.innerText(), '✗ Not connected; the save result below says why.');
    await now.getByText('This machine').waitFor();
    assert.equal(await reasonsShown(), 1, 'after the save: once, in the save result');
    await screenshot(page, '34-settings-unreachable');
    // Testing again: now the test result says why and the others point to it.
    await page.click('[data-testid="ray-test"]');
    await saved.getByText('the test result above says why').waitFor();
    await problem.getByText('the test result below says why').waitFor();
    assert.equal(await reasonsShown(), 1, 'after testing again: once, in the test result');
    await screenshot(page, '34a-settings-tested-again');
    // A fresh page has only the server's record of the failed switch: "In use now" says why.
    await page.reload();
    await problem.getByText('Could not use the Ray cluster').waitFor();
    assert.equal(await reasonsShown(), 1, 'a fresh page: once, in "In use now"');
    await screenshot(page, '34b-settings-fresh-page');

    // Back to this machine: the entry is removed, the rest of settings.json kept.
    await page.click('[data-testid="ray-local"]');
    await saved.getByText('In use now: new runs run on this machine').waitFor();
    assert.deepEqual(onDisk(), { dataDir: tiny.dir });
    assert.equal(await page.locator('[data-testid="backend-problem"]').count(), 0);
    assert.equal(await page.locator('[data-testid="ray-test-result"]').count(), 0, 'the test result of the cleared address is gone');
    // The long messages wrap: at 1024 × 700 the page does not scroll sideways.
    await setViewport(page, 1024, 700);
    assert.equal(await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth > (globalThis as any).innerWidth + 1), false, 'settings: no sideways scroll at 1024');
    await screenshot(page, '35-settings-1024');
    assert.deepEqual(b.problems.filter((p) => !/Failed to load resource/.test(p)), [], 'no page errors');
  } finally {
    await b?.close();
    await studio?.stop();
    tiny.cleanup();
    rmSync(xdg, { recursive: true, force: true });
  }
});
