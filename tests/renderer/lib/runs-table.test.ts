// The runs table's model (issue #19): config columns, filters, sorting, the config diff of two runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunSummary } from '../../../backend/api/contract.js';
import { cellText, configDiff, filterRuns, flattenConfig, NO_FILTER, sortRuns, timeEstimate } from '../../../renderer/src/lib/runs-table.js';

const run = (id: number, o: Partial<RunSummary> = {}): RunSummary => ({
  id, kind: 'train', status: 'completed', name: `r${id}`, preset: 'builtin-multi-attempt', backend: null, device: null, pid: null, error: null,
  createdAt: 0, startedAt: 0, endedAt: null, heartbeatAt: null, stepsDone: 10, totalSteps: 10, tags: [], resumable: true, lastReward: null,
  phase: null, setupSeconds: null, trainingSeconds: null, evalAccuracy: [], config: { seed: id, optimizer: { actorLr: 1 / id } }, ...o,
});

test('flatten a config by dotted path; arrays are leaves', () => {
  assert.deepEqual(flattenConfig({ a: 1, b: { c: [1, 2], d: { e: 'x' } } }), { a: 1, 'b.c': [1, 2], 'b.d.e': 'x' });
  assert.equal(cellText([1, 2]), '1, 2');
  assert.equal(cellText(undefined), '');
});

test('config diff: only the paths that differ, either side absent included', () => {
  assert.deepEqual(configDiff({ a: 1, b: { c: 2 }, s: [1] }, { a: 1, b: { c: 3 }, d: true, s: [1] }), [
    { path: 'b.c', a: '2', b: '3' },
    { path: 'd', a: '', b: 'true' },
  ]);
});

test('filters: status, kind, preset, tag and free text', () => {
  const runs = [run(1, { tags: ['sweep'] }), run(2, { status: 'failed', error: 'ENOENT here' }), run(3, { kind: 'eval', preset: null, name: 'eval of r1' })];
  assert.deepEqual(filterRuns(runs, { ...NO_FILTER, status: 'failed' }).map((r) => r.id), [2]);
  assert.deepEqual(filterRuns(runs, { ...NO_FILTER, kind: 'eval' }).map((r) => r.id), [3]);
  assert.deepEqual(filterRuns(runs, { ...NO_FILTER, tag: 'sweep' }).map((r) => r.id), [1]);
  assert.deepEqual(filterRuns(runs, { ...NO_FILTER, preset: 'builtin-multi-attempt' }).map((r) => r.id), [1, 2]);
  assert.deepEqual(filterRuns(runs, { ...NO_FILTER, text: 'enoent' }).map((r) => r.id), [2]);
  assert.deepEqual(filterRuns(runs, { ...NO_FILTER, text: '#3' }).map((r) => r.id), [3]);
});

test('sort by a built-in column or a config path, both ways; missing values last', () => {
  const runs = [run(1), run(2, { config: { seed: 2 } }), run(3)];
  assert.deepEqual(sortRuns(runs, 'config:optimizer.actorLr', 1).map((r) => r.id), [3, 1, 2]);
  assert.deepEqual(sortRuns(runs, 'config:optimizer.actorLr', -1).map((r) => r.id), [1, 3, 2]);
  assert.deepEqual(sortRuns(runs, 'id', -1).map((r) => r.id), [3, 2, 1]);
  assert.deepEqual(sortRuns([run(1, { name: 'b10' }), run(2, { name: 'b9' })], 'name', 1).map((r) => r.id), [2, 1], 'numeric-aware');
  assert.deepEqual(sortRuns(runs, 'result', 1, (id) => (id === 2 ? 0.5 : id === 1 ? -1 : null)).map((r) => r.id), [1, 2, 3]);
});

test('time estimate: seconds per step of the newest run with the same cost settings, times the steps', () => {
  const cfg = { steps: 100, rolloutBatch: 8, model: { source: 'builtin' }, generation: { maxTotalTokens: 40 } };
  const runs = [
    run(3, { trainingSeconds: 50, stepsDone: 10, config: { ...cfg, rolloutBatch: 64 } }),
    run(2, { trainingSeconds: 20, stepsDone: 10, config: { ...cfg, steps: 10, seed: 4 } }),
    run(1, { trainingSeconds: 90, stepsDone: 10, config: cfg }),
  ];
  assert.deepEqual(timeEstimate(cfg, runs), { seconds: 200, perStep: 2, fromRun: 2 });
  assert.equal(timeEstimate({ ...cfg, rolloutBatch: 2 }, runs), null);
  assert.equal(timeEstimate(cfg, [run(5, { trainingSeconds: null, config: cfg })]), null);
});
