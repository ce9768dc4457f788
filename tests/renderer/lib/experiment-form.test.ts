// The Experiments form state against a fake API backed by the real config functions: presets load, inputs
// parse locally, the server's problems land on their fields, "Launch both" starts the baseline and the
// multi-attempt arm with the same budget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { register } from 'node:module';
import { ConfigError, describeRunConfigFields, parseRunConfig, presetRunConfig } from '../../../backend/rl/config.js';
import { PRESET_NAMES } from '../../../backend/rl/presets.js';
import { fakeApi } from './fake-api.js';

register('../svelte-hooks.mjs', import.meta.url);
const { ExperimentForm } = await import('../../../renderer/src/lib/experiment-form.svelte.js');

function api() {
  return fakeApi({
    'config:schema': async () => describeRunConfigFields(),
    'config:presets': async () => PRESET_NAMES.map((name) => ({ name, config: presetRunConfig(name) })),
    'datasets:list': async () => [{ name: 'synthetic', title: 'Synthetic', count: null, goldRule: 'generated', benchmark: false }],
    'config:validate': async ({ config }) => {
      try {
        return { ok: true, config: parseRunConfig(config, 'config') };
      } catch (err) {
        return { ok: false, problems: (err as ConfigError).problems };
      }
    },
    'runs:start': async ({ config }) => ({ runId: Math.floor(Math.random() * 1000) + 1, status: 'queued', config }),
  });
}

test('experiment form: preset, local and server messages, Launch both', async () => {
  const a = api();
  const form = new ExperimentForm(a);
  await form.load();
  assert.equal(form.preset, PRESET_NAMES[0]);
  form.choosePreset('builtin-multi-attempt');
  assert.equal(form.value('task.mode'), 'multi-attempt');

  form.setText('steps', 'ten');
  assert.equal(form.localErrors.steps, 'not a number: ten');
  assert.equal(form.valid, false);
  form.setText('steps', '4');
  assert.equal(form.localErrors.steps, undefined);
  assert.equal(form.value('steps'), 4);

  form.setText('miniBatch', '5');
  assert.equal(await form.validate(), false);
  assert.match(form.problems.miniBatch!, /must divide rolloutBatch \(64\), got 5/);
  assert.deepEqual(await form.launch(false), [], 'no launch while invalid');
  assert.match(form.launchError!, /Fix the fields/);
  form.setText('miniBatch', '16');
  assert.equal(await form.validate(), true);

  form.name = 'pair';
  const ids = await form.launch(true);
  assert.equal(ids.length, 2);
  const starts = a.calls.filter((c) => c.method === 'runs:start').map((c) => c.input as { config: any; name: string });
  assert.deepEqual(starts.map((s) => s.name), ['pair (baseline)', 'pair (multi-attempt)']);
  const [base, multi] = starts.map((s) => parseRunConfig(s.config, 'x'));
  assert.equal(base!.task.mode, 'single-turn');
  assert.equal(base!.task.maxAttempts, 1);
  assert.equal(base!.preset, 'builtin-baseline');
  assert.equal(multi!.task.mode, 'multi-attempt');
  assert.equal(multi!.task.maxAttempts, 5);
  for (const c of [base!, multi!]) assert.deepEqual([c.steps, c.miniBatch, c.rolloutBatch], [4, 16, 64], 'the same budget');
});
