// The Settings page's store against a fake API: the form fills from settings.json's saved "ray"; a 400 naming
// a field lands beside that field (without the method's prefix); a CPU count that is not a number is refused
// before any call; a save's message and whether it applied are kept; "use this machine" sends ray: null.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { register } from 'node:module';
import type { ClusterView } from '../../../backend/api/contract.js';
import { ApiCallError } from '../../../renderer/src/lib/api-client.js';
import { fakeApi } from './fake-api.js';

register('../svelte-hooks.mjs', import.meta.url);
const { SettingsStore } = await import('../../../renderer/src/lib/settings-store.svelte.js');

const view = (o: Partial<ClusterView> = {}): ClusterView => ({
  active: { backend: 'local' }, concurrency: 1, saved: null, savedError: null, settingsFile: '/cfg/settings.json', overriddenBy: null, busyRuns: 0, problem: null, ...o,
});

test('settings store: form from the saved entry, field errors beside their field, save outcomes', async () => {
  const saves: unknown[] = [];
  let answer: () => Promise<unknown> = async () => ({ view: view(), applied: true, message: 'Saved. In use now.', reason: null });
  const api = fakeApi({
    'cluster:get': async () => view({ saved: { address: 'http://head:8265', sharedDir: null, ingestHost: '10.0.0.2', cpusPerJob: 2 } }),
    'cluster:save': async (input) => (saves.push(input), answer()),
    'cluster:test': async () => ({ ok: false, address: 'http://head:8265', rayVersion: null, jobs: null, message: 'Not connected: ECONNREFUSED', reason: 'ECONNREFUSED' }),
  });
  const store = new SettingsStore(api);
  await store.load();
  assert.deepEqual({ ...store.form }, { address: 'http://head:8265', sharedDir: '', ingestHost: '10.0.0.2', cpusPerJob: '2' });

  await store.testConnection();
  assert.deepEqual(store.test, { state: 'done', ok: false, message: 'Not connected: ECONNREFUSED', reason: 'ECONNREFUSED', seq: 1 });
  assert.deepEqual(store.reasons, { problem: null, test: { full: true }, save: null }, 'the test shows why');

  answer = async () => {
    throw new ApiCallError(400, 'cluster:save: invalid input: ray.address: must be the Ray dashboard URL', 'ray.address');
  };
  await store.saveSettings();
  assert.equal(store.fieldError('ray.address'), 'ray.address: must be the Ray dashboard URL');
  assert.equal(store.fieldError('ray.sharedDir'), null);
  assert.deepEqual(saves.at(-1), { ray: { address: 'http://head:8265', sharedDir: null, ingestHost: '10.0.0.2', cpusPerJob: 2 } });

  store.form.cpusPerJob = 'two';
  const before = saves.length;
  await store.saveSettings();
  assert.equal(saves.length, before, 'nothing sent');
  assert.match(store.fieldError('ray.cpusPerJob') ?? '', /'two' is not a positive number/);

  store.form.cpusPerJob = '';
  answer = async () => ({ view: view(), applied: false, message: 'Saved. It takes effect at the next start.', reason: null });
  await store.saveSettings();
  assert.deepEqual(store.save, { state: 'done', ok: false, message: 'Saved. It takes effect at the next start.', reason: null, seq: 2 });

  // A save that tried the cluster and failed as the test did: the save shows why, the test and "In use now" point to it.
  const problem = { address: 'http://head:8265', reason: 'ECONNREFUSED', message: 'Could not use the Ray cluster at http://head:8265 (settings): ECONNREFUSED' };
  answer = async () => ({ view: view({ problem }), applied: false, message: 'Saved. Not in use: ECONNREFUSED.', reason: 'ECONNREFUSED' });
  await store.saveSettings();
  assert.deepEqual(store.reasons, { problem: { full: false, shownIn: 'save' }, test: { full: false, shownIn: 'save' }, save: { full: true } });
  assert.equal(store.fieldError('ray.address'), null);

  answer = async () => ({ view: view(), applied: true, message: 'Saved. In use now: this machine.', reason: null });
  await store.saveSettings(true);
  assert.deepEqual(saves.at(-1), { ray: null });
  assert.equal(store.form.address, '');
  assert.deepEqual(store.test, { state: 'idle' }, 'the connection result of the cleared address is gone');
});
