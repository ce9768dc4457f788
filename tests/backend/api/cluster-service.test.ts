// The Settings page's API (cluster:get / save / test) without a cluster: field-named validation, a dashboard
// that does not answer (a closed port), saving settings.json's "ray" while keeping its other entries, a save
// that cannot reach the cluster changing nothing in use, and a flag or environment that wins over settings.json.
// Success against a real cluster: tests/backend/runs/ray/ray-backend.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createBackend } from '../../../backend/api/backend.js';
import { ApiError, parseInput, type MethodInput } from '../../../backend/api/contract.js';

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function rejectsWith(p: Promise<unknown> | (() => unknown), status: number, field: string, re: RegExp): Promise<void> {
  await assert.rejects(
    async () => (typeof p === 'function' ? p() : p),
    (e: unknown) => e instanceof ApiError && e.status === status && e.field === field && re.test(e.message),
  );
}

test('cluster settings: validated field by field, saved into settings.json beside its other entries, an unreachable cluster changes nothing in use', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-cluster-'));
  const settingsFile = path.join(dir, 'config', 'settings.json');
  const backend = createBackend({ dbPath: path.join(dir, 'studio.db'), settingsFile });
  const h = backend.handlers;
  const save = (raw: unknown) => h['cluster:save'](parseInput('cluster:save', raw as MethodInput<'cluster:save'>));
  try {
    const v0 = await h['cluster:get'](undefined);
    assert.deepEqual([v0.active, v0.saved, v0.overriddenBy, v0.busyRuns, v0.concurrency, v0.settingsFile], [{ backend: 'local' }, null, null, 0, 1, settingsFile]);

    await rejectsWith(() => save({ ray: { address: 'head:8265' } }), 400, 'ray.address', /ray\.address: must be the Ray dashboard URL/);
    await rejectsWith(() => save({ ray: { address: 'ftp://head:8265' } }), 400, 'ray.address', /must be the Ray dashboard URL/);
    await rejectsWith(() => save({ ray: { address: 'http://h:1', cpusPerJob: 0 } }), 400, 'ray.cpusPerJob', /positive/);
    await rejectsWith(save({ ray: { address: 'http://h:1', sharedDir: 'rel/dir' } }), 400, 'ray.sharedDir', /must be an absolute path/);
    await rejectsWith(save({ ray: { address: 'http://h:1', sharedDir: path.join(dir, 'missing') } }), 400, 'ray.sharedDir', /not reachable \(ENOENT\): it must exist, be writable/);
    assert.equal(existsSync(settingsFile), false, 'nothing saved from invalid input');

    const port = await closedPort();
    const address = `http://127.0.0.1:${port}`;
    const t = await h['cluster:test'](parseInput('cluster:test', { address }));
    assert.equal(t.ok, false);
    assert.equal(t.message, `Not connected: ${t.reason}`);
    assert.match(t.message, new RegExp(`^Not connected: cannot reach the Ray dashboard at ${address} \\(ECONNREFUSED\\)`));
    await rejectsWith(() => h['cluster:test'](parseInput('cluster:test', { address: 'nope' })), 400, 'address', /must be the Ray dashboard URL/);

    mkdirSync(path.dirname(settingsFile), { recursive: true });
    writeFileSync(settingsFile, JSON.stringify({ dataDir: '/big/disk' }));
    const r = await save({ ray: { address: `${address}/some/path`, sharedDir: dir, ingestHost: '', cpusPerJob: 2 } });
    assert.equal(r.applied, false);
    assert.match(r.message, new RegExp(`^Saved to ${settingsFile.replace(/[.]/g, '\\.')}\\. Not in use: .*cannot reach the Ray dashboard.*New runs stay on this machine`));
    assert.deepEqual(JSON.parse(readFileSync(settingsFile, 'utf8')), { dataDir: '/big/disk', ray: { address, sharedDir: dir, cpusPerJob: 2 } }, 'origin only; empty fields left out; dataDir kept');
    assert.deepEqual(r.view.active, { backend: 'local' });
    assert.deepEqual(r.view.saved, { address, sharedDir: dir, ingestHost: null, cpusPerJob: 2 });
    assert.match(r.view.problem?.message ?? '', /Could not use the Ray cluster at .* \(settings\): cannot reach/);
    // The same failure as one reason in every answer that carries it (the page shows it once).
    assert.match(r.reason ?? '', /^cannot reach the Ray dashboard/);
    assert.equal(r.view.problem?.reason, r.reason);
    assert.ok(r.message.includes(r.reason!) && r.view.problem!.message.endsWith(r.reason!));
    assert.equal(t.reason, r.reason, 'the test and the save report the same unreachable cluster in the same words');

    const back = await save({ ray: null });
    assert.equal(back.applied, true);
    assert.equal(back.reason, null);
    assert.match(back.message, /In use now: new runs run on this machine\.$/);
    assert.deepEqual(JSON.parse(readFileSync(settingsFile, 'utf8')), { dataDir: '/big/disk' });
    assert.equal(back.view.problem, null);

    writeFileSync(settingsFile, '{ broken');
    assert.match((await h['cluster:get'](undefined)).savedError ?? '', /settings\.json: not valid JSON/);
    await rejectsWith(save({ ray: null }), 409, 'ray', /cannot save: .*not valid JSON.*fix or remove that file/);
  } finally {
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a cluster chosen by serve --ray or $ATTEMPT_STUDIO_RAY wins over settings.json: a save takes effect at the next start', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-cluster-'));
  const settingsFile = path.join(dir, 'settings.json');
  const backend = createBackend({ dbPath: path.join(dir, 'studio.db'), settingsFile, rayOverride: 'env' });
  try {
    const r = await backend.handlers['cluster:save'](parseInput('cluster:save', { ray: { address: 'http://10.0.0.1:8265' } }));
    assert.equal(r.applied, false);
    assert.match(r.message, /started with \$ATTEMPT_STUDIO_RAY, which wins over settings\.json: new runs stay on this machine until a start without it/);
    assert.equal(r.view.overriddenBy, 'env');
    assert.equal(JSON.parse(readFileSync(settingsFile, 'utf8')).ray.address, 'http://10.0.0.1:8265');
  } finally {
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
