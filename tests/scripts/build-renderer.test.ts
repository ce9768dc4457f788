// The UI build's staleness check is by content (scripts/build-renderer.mjs): on a small tree in a temporary
// folder, a dist whose stamp matches the sources is fresh even when the sources look newer; a source whose
// bytes changed is named even when its modification time is older than the build (a dist copied with cp -r);
// a missing stamp, a deleted input and a missing dist each rebuild. The real build writes the stamp: the
// checkout's own renderer/dist (built by `npm test` before the browser tests) lists App.svelte and is fresh.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildStamp, rendererStaleReason } from '../../scripts/build-renderer.mjs';

const root = path.resolve(import.meta.dirname, '../..');

test('the UI build is stale exactly when a file it was built from has other bytes, is gone, or the stamp or dist is missing', () => {
  const repo = mkdtempSync(path.join(tmpdir(), 'as-ui-stamp-'));
  try {
    const put = (rel: string, text: string) => {
      mkdirSync(path.dirname(path.join(repo, rel)), { recursive: true });
      writeFileSync(path.join(repo, rel), text);
      return path.join(repo, rel);
    };
    const sources = [put('renderer/src/App.svelte', '<h1>one</h1>\n'), put('renderer/src/lib/x.ts', 'export const x = 1;\n'), put('renderer/index.html', '<div id="app"></div>\n')];
    const stampFile = path.join(repo, 'renderer/dist/build-inputs.json');
    assert.equal(rendererStaleReason(repo), 'renderer/dist is missing');
    put('renderer/dist/index.html', '<built/>');
    assert.equal(rendererStaleReason(repo), 'renderer/dist has no readable build-inputs.json');
    const stamp = buildStamp(sources, repo);
    assert.deepEqual(Object.keys(stamp.inputs), ['renderer/index.html', 'renderer/src/App.svelte', 'renderer/src/lib/x.ts']);
    writeFileSync(stampFile, JSON.stringify(stamp));
    assert.equal(rendererStaleReason(repo), null);

    // Newer modification time, same bytes (a checkout, a touch): still fresh — no rebuild for nothing.
    const later = new Date(Date.now() + 60_000);
    utimesSync(sources[1]!, later, later);
    assert.equal(rendererStaleReason(repo), null);
    // Other bytes with an OLDER modification time than the build (a dist copied after the edit): stale, named.
    writeFileSync(sources[0]!, '<h1>two</h1>\n');
    const earlier = new Date(Date.now() - 3_600_000);
    utimesSync(sources[0]!, earlier, earlier);
    assert.equal(rendererStaleReason(repo), 'renderer/src/App.svelte changed since the last build');
    writeFileSync(stampFile, JSON.stringify(buildStamp(sources, repo)));
    assert.equal(rendererStaleReason(repo), null);
    unlinkSync(sources[1]!);
    assert.equal(rendererStaleReason(repo), 'renderer/src/lib/x.ts is gone since the last build');
    writeFileSync(stampFile, '{"inputs":{}}');
    assert.equal(rendererStaleReason(repo), 'renderer/dist/build-inputs.json lists no inputs');
    // A packaged app has dist only: nothing to build from, never stale.
    rmSync(path.join(repo, 'renderer/src'), { recursive: true });
    assert.equal(rendererStaleReason(repo), null);
  } finally {
    rmSync(repo, { recursive: true, force: true });
  }
});

test("the real build records what it was built from: the checkout's renderer/dist stamp lists the app's sources and matches them", { skip: existsSync(path.join(root, 'renderer/dist/index.html')) ? false : 'renderer/dist is not built (npm test builds it before the browser tests)' }, () => {
  const stamp = JSON.parse(readFileSync(path.join(root, 'renderer/dist/build-inputs.json'), 'utf8')) as { inputs: Record<string, string> };
  const files = Object.keys(stamp.inputs);
  assert.ok(files.includes('renderer/src/App.svelte') && files.includes('renderer/index.html') && files.includes('renderer/vite.config.ts'), files.join(', '));
  assert.ok(files.every((f) => !f.includes('node_modules')), 'no dependency is listed');
  assert.equal(rendererStaleReason(), null);
});
