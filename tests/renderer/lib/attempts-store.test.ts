// The explorer's and the Export page's stores against a fake API: the first page and "load more" by cursor,
// partial pages continued automatically, stale answers dropped, errors kept for the page, the last clicked
// episode wins; CSV exports download in a browser and go through the save dialog on the desktop; 409 flagged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { register } from 'node:module';
import type { EpisodeSummary } from '../../../backend/api/contract.js';
import { ApiCallError } from '../../../renderer/src/lib/api-client.js';
import { fakeApi } from './fake-api.js';

register('../svelte-hooks.mjs', import.meta.url);
const { AttemptsStore } = await import('../../../renderer/src/lib/attempts-store.svelte.js');
const { ExportStore } = await import('../../../renderer/src/lib/export-store.svelte.js');

const ep = (id: number): EpisodeSummary => ({
  id, runId: 1, step: id, split: 'train', dataset: 'synthetic', questionId: `q${id}`, question: 'Q', gold: '4', sampleIndex: 0,
  attemptsAllowed: 2, attemptsUsed: 1, solvedAt: 0, reward: 1, verdict: 'correct', tokens: 3, repeats: 0,
});
const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

test('attempts store: first page, load more by cursor, partial pages continued, filter sent as the API filter', async () => {
  const pages: Record<string, { items: EpisodeSummary[]; nextCursor: string | null; partial: boolean }> = {
    start: { items: [ep(1), ep(2)], nextCursor: '2:2', partial: false },
    '2:2': { items: [], nextCursor: '40:40', partial: true },
    '40:40': { items: [ep(41)], nextCursor: null, partial: false },
  };
  const api = fakeApi({ 'episodes:list': async (q: { cursor?: string }) => pages[q.cursor ?? 'start']! });
  const store = new AttemptsStore(api, 2);
  store.filter = { ...store.filter, runId: 1, verdict: 'wrong', repeated: 'yes', stepMin: '3' };
  await store.search();
  assert.deepEqual(store.items.map((e) => e.id), [1, 2]);
  assert.equal(store.hasMore, true);
  assert.deepEqual(api.calls[0]!.input, { runId: 1, stepMin: 3, verdict: 'wrong', repeatedWrongAnswer: true, limit: 2 });
  await store.loadMore();
  assert.deepEqual(store.items.map((e) => e.id), [1, 2, 41], 'the partial page was continued in the same load');
  assert.equal(store.hasMore, false);
  assert.equal(store.loaded, true);
  assert.deepEqual(api.calls.map((c) => (c.input as { cursor?: string }).cursor), [undefined, '2:2', '40:40']);

  store.filter = { ...store.filter, stepMin: '9', stepMax: '3' };
  await store.search();
  assert.match(store.filterError!, /after the last/);
  assert.equal(api.calls.length, 3, 'an invalid step range sends nothing');
  assert.deepEqual(store.items, []);
});

test('attempts store: an older answer is dropped, errors kept; the last opened episode wins', async () => {
  let release: (() => void) | undefined;
  const api = fakeApi({
    'episodes:list': async (q: { verdict?: string }) => {
      if (q.verdict === 'wrong') await new Promise<void>((r) => (release = r));
      if (q.verdict === 'no_box') throw new ApiCallError(500, 'disk on fire');
      return { items: [ep(q.verdict === 'wrong' ? 7 : 8)], nextCursor: null, partial: false };
    },
    'episodes:get': async (q: { episodeId: number }) => {
      await tick(q.episodeId === 1 ? 30 : 0);
      return { ...ep(q.episodeId), attempts: [] };
    },
  });
  const store = new AttemptsStore(api);
  store.filter = { ...store.filter, runId: 1, verdict: 'wrong' };
  const slow = store.search();
  await tick();
  store.filter = { ...store.filter, verdict: 'correct' };
  await store.search();
  release!();
  await slow;
  assert.deepEqual(store.items.map((e) => e.id), [8], 'the answer to the older filter is ignored');

  store.filter = { ...store.filter, verdict: 'no_box' };
  await store.search();
  assert.equal(store.error, 'disk on fire');
  assert.equal(store.loading, false);

  const first = store.open(1);
  await store.open(2);
  await first;
  assert.equal(store.detail?.id, 2);
  store.close();
  assert.equal(store.detail, null);
});

test('export store: browser downloads, desktop save dialog (cancel, .csv added), 409 marked as a conflict', async () => {
  const downloads: string[] = [];
  const result = (p: string | undefined) => ({ path: p ?? '/srv/exports/m.csv', fileName: 'm.csv', rows: 3, bytes: 42, downloadUrl: p ? null : 'exports/m.csv' });
  const api = fakeApi({
    'export:csv': async (q: { path?: string }) => result(q.path),
    'export:checkpoint': async () => {
      throw new ApiCallError(409, 'destination: /x is not empty', 'destination');
    },
    'dialog:saveFile': async () => ({ path: saved }),
  });
  let saved: string | null = null;
  const browser = new ExportStore(api, { desktop: false, download: (url) => downloads.push(url) });
  await browser.csv('metrics', { table: 'metrics' }, 'metrics-all.csv');
  assert.deepEqual(downloads, ['exports/m.csv']);
  assert.equal(browser.jobs.metrics.state, 'done');
  assert.deepEqual(api.calls.at(-1)!.input, { table: 'metrics' });

  const desktop = new ExportStore(api, { desktop: true, download: (url) => downloads.push(url) });
  await desktop.csv('eval', { table: 'eval' }, 'eval-all.csv');
  assert.equal(desktop.jobs.eval.state, 'cancelled');
  saved = '/home/me/eval';
  await desktop.csv('eval', { table: 'eval' }, 'eval-all.csv');
  assert.deepEqual(api.calls.at(-1)!.input, { table: 'eval', path: '/home/me/eval.csv', overwrite: true }, 'the dialog already asked about replacing');
  assert.equal(downloads.length, 1, 'no download on the desktop');

  await desktop.checkpoint({ runId: 1, destination: '/x' });
  const job = desktop.jobs.checkpoint;
  assert.equal(job.state, 'error');
  assert.ok(job.state === 'error' && job.conflict && job.field === 'destination');
});
