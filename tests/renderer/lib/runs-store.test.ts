// The live runs store against a fake API: the list loads, progress events patch steps/last reward and feed the
// ETA, status events reload (coalesced), errors are kept for the page, stop() unsubscribes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { register } from 'node:module';
import type { RunSummary } from '../../../backend/api/contract.js';
import { fakeApi } from './fake-api.js';

register('../svelte-hooks.mjs', import.meta.url);
const { RunsStore } = await import('../../../renderer/src/lib/runs-store.svelte.js');

const run = (id: number, o: Partial<RunSummary> = {}): RunSummary => ({
  id, kind: 'train', status: 'running', name: `r${id}`, preset: null, backend: 'cpu', device: 'CPU', pid: 1, error: null, createdAt: 0,
  startedAt: 0, endedAt: null, heartbeatAt: null, stepsDone: 0, totalSteps: 10, tags: [], resumable: false, lastReward: null,
  phase: null, setupSeconds: null, trainingSeconds: null, evalAccuracy: [], config: {}, ...o,
});
const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

test('runs store: loads, follows progress (steps, reward, ETA) and status (reload), unsubscribes', async () => {
  let list = [run(2), run(1, { status: 'completed', stepsDone: 10, lastReward: 0.5 })];
  const api = fakeApi({ 'runs:list': async () => list });
  let now = 0;
  const store = new RunsStore(api, () => now);
  const stop = store.start();
  await tick();
  assert.equal(store.loading, false);
  assert.deepEqual(store.runs.map((r) => r.id), [2, 1]);
  assert.equal(store.lastReward[1], 0.5);

  now = 1000;
  api.emit('runs:progress', { runId: 2, step: 1, totalSteps: 10, metrics: { reward: -0.5 } });
  now = 3000;
  api.emit('runs:progress', { runId: 2, step: 2, totalSteps: 10, metrics: { reward: -0.25 } });
  assert.equal(store.byId(2)!.stepsDone, 2);
  assert.equal(store.lastReward[2], -0.25);
  assert.equal(store.eta(store.byId(2)!), 16, '2 s per step × 8 steps left');
  assert.equal(store.eta(store.byId(1)!), null, 'no ETA for a finished run');

  list = [run(3), ...list];
  const calls = api.calls.length;
  api.emit('runs:status', { runId: 3, status: 'queued', error: null });
  api.emit('runs:status', { runId: 3, status: 'running', error: null });
  await tick(250);
  assert.equal(api.calls.length, calls + 1, 'a burst of status events reloads once');
  assert.deepEqual(store.runs.map((r) => r.id), [3, 2, 1]);

  stop();
  assert.equal(api.listeners(), 0);
});

test('runs store: an API error is kept for the page and cleared by the next good load', async () => {
  let fail = true;
  const api = fakeApi({
    'runs:list': async () => {
      if (fail) throw new Error('HTTP 500');
      return [run(1)];
    },
  });
  const store = new RunsStore(api);
  const stop = store.start();
  await tick();
  assert.equal(store.error, 'HTTP 500');
  assert.equal(store.loading, false);
  fail = false;
  await store.reload();
  assert.equal(store.error, null);
  assert.equal(store.runs.length, 1);
  stop();
});
