// The seed's recipe (backend/rl/recipe.ts): the Qwen presets hold every value the table says they do,
// docs/RECIPE.md is the table, and `train --dry-run` of a Qwen preset prints it beside the config's values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { presetRunConfig } from '../../../backend/rl/config.js';
import { RECIPE, configValue, recipeMarkdown } from '../../../backend/rl/recipe.js';

const root = path.resolve(import.meta.dirname, '../../..');

test('the Qwen presets hold the recipe values (the baseline all but the attempts)', () => {
  for (const name of ['qwen2.5-math-1.5b-multi-attempt', 'qwen2.5-math-1.5b-baseline']) {
    const c = presetRunConfig(name);
    for (const r of RECIPE) {
      if (r.field === undefined || r.preset === undefined) continue;
      if (r.multiAttemptOnly && name.endsWith('baseline')) continue;
      assert.deepEqual(configValue(c, r.field), r.preset, `${name}: ${r.setting} (${r.field})`);
    }
    // Values the table states beside its checked field.
    assert.deepEqual([c.optimizer.beta1, c.generation.topP, c.generation.maxTokensPerAttempt, c.checkpoint.everySteps, c.eval.attempts, c.task.minAttempts], [0.9, 1, 3000, 8, 1, 1]);
  }
  assert.equal(presetRunConfig('qwen2.5-math-1.5b-baseline').task.mode, 'single-turn');
  // 160 passes of the drop-last loader over 8,523 questions in batches of 1,024.
  assert.equal(presetRunConfig('qwen2.5-math-1.5b-multi-attempt').steps, 160 * Math.floor(8523 / 1024));
});

test('docs/RECIPE.md holds the table', () => {
  const doc = readFileSync(path.join(root, 'docs/RECIPE.md'), 'utf8');
  assert.ok(doc.includes(recipeMarkdown()), 'regenerate the table in docs/RECIPE.md from backend/rl/recipe.ts (recipeMarkdown)');
});

test('train --preset qwen… --dry-run prints the recipe beside the config values', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-recipe-'));
  try {
    // The published config.json of Qwen2.5-Math-1.5B (shape fields): the dry run reads nothing else.
    writeFileSync(
      path.join(dir, 'config.json'),
      JSON.stringify({ architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', vocab_size: 151936, hidden_size: 1536, num_hidden_layers: 28, num_attention_heads: 12, num_key_value_heads: 2, intermediate_size: 8960, rms_norm_eps: 1e-6, rope_theta: 10000, tie_word_embeddings: true, max_position_embeddings: 4096 }),
    );
    const cfg = path.join(dir, 'run.json');
    writeFileSync(cfg, JSON.stringify({ preset: 'qwen2.5-math-1.5b-multi-attempt', model: { source: dir } }));
    const r = spawnSync(process.execPath, [path.join(root, 'bin/attempt-studio.js'), 'train', '--config', cfg, '--dry-run', '--json'], { encoding: 'utf8' });
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    assert.equal(out.recipe.length, RECIPE.length);
    const row = (setting: string) => out.recipe.find((x: { setting: string }) => x.setting === setting);
    assert.equal(row('training steps').value, 1280);
    assert.equal(row('actor learning rate').value, 5e-7);
    assert.deepEqual(row('its questions').value, ['aime24', 'amc23', 'math500', 'minerva_math', 'olympiadbench']);
    const text = spawnSync(process.execPath, [path.join(root, 'bin/attempt-studio.js'), 'train', '--config', cfg, '--dry-run'], { encoding: 'utf8' });
    assert.match(text.stdout, /the seed's recipe \(DualityRL\/multi-attempt @ 32d8641; docs\/RECIPE\.md\) → this config:/);
    assert.match(text.stdout, /training steps: 160 passes × ⌊8,523 \/ 1,024⌋ = 1,280 rollout steps \[.*\] → steps = 1280/);
    assert.match(text.stdout, /reward normalisation: on \[.*--normalize_reward\] → not implemented in the studio/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
