// The run-config schema: defaults, presets with the reference hyperparameters, cross-field checks, unknown
// keys named, every bad field listed with its path, help text on every field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RUNTIME_NAMES } from '../../../backend/model/runtime/runtime.js';
import {
  CONFIG_RUNTIME_NAMES,
  ConfigError,
  describeRunConfigFields,
  parseRunConfig,
  presetRunConfig,
} from '../../../backend/rl/config.js';
import { PRESET_NAMES } from '../../../backend/rl/presets.js';

function problems(json: unknown): string[] {
  try {
    parseRunConfig(json, 'test.json');
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems.map((p) => `${p.path}: ${p.message}`);
  }
  assert.fail('expected a ConfigError');
}

test('an empty config gets every default (the reference PPO values)', () => {
  const c = parseRunConfig({}, 'empty');
  assert.equal(c.task.mode, 'multi-attempt');
  assert.deepEqual([c.task.minAttempts, c.task.maxAttempts], [1, 5]);
  assert.deepEqual(c.task.rewards, { correct: 1, wrong: -0.5, noBox: -1 });
  assert.equal(c.algorithm.name, 'ppo');
  assert.equal(c.algorithm.kl.estimator, 'k3');
  assert.equal(c.runtime, 'auto');
});

test('the four presets exist by name and hold the reference hyperparameters', () => {
  assert.deepEqual(PRESET_NAMES, [
    'builtin-multi-attempt',
    'builtin-baseline',
    'qwen2.5-math-1.5b-multi-attempt',
    'qwen2.5-math-1.5b-baseline',
  ]);
  for (const name of PRESET_NAMES) assert.equal(presetRunConfig(name).preset, name);
  const q = presetRunConfig('qwen2.5-math-1.5b-multi-attempt');
  assert.deepEqual(
    [q.optimizer.actorLr, q.optimizer.criticLr, q.optimizer.beta1, q.optimizer.beta2, q.optimizer.gradClip],
    [5e-7, 1e-5, 0.9, 0.95, 1.0],
  );
  assert.deepEqual(q.optimizer.schedule, { kind: 'cosine', warmupFraction: 0.03, minLrRatio: 0.1 });
  assert.deepEqual([q.rolloutBatch, q.miniBatch, q.epochs], [1024, 128, 1]);
  assert.equal(q.microBatch, 1, 'one GPU: 1-episode micro-batches, accumulated');
  assert.deepEqual(q.generation, {
    batchSize: 64,
    maxTokensPerAttempt: 3000,
    maxTotalTokens: 3000,
    temperature: 1,
    topP: 1,
  });
  assert.deepEqual(
    [q.algorithm.gamma, q.algorithm.lambda, q.algorithm.clipEps, q.algorithm.valueClip],
    [1, 0.99, 0.2, 0.2],
  );
  assert.deepEqual(q.algorithm.kl, { estimator: 'k3', coef: 0.01, target: 'loss' });
  assert.deepEqual([q.task.mode, q.task.minAttempts, q.task.maxAttempts], ['multi-attempt', 1, 5]);
  const qb = presetRunConfig('qwen2.5-math-1.5b-baseline');
  assert.deepEqual([qb.task.mode, qb.task.minAttempts, qb.task.maxAttempts], ['single-turn', 1, 1]);
  assert.equal(qb.optimizer.actorLr, 5e-7);
  const b = presetRunConfig('builtin-baseline');
  assert.equal(b.model.source, 'builtin');
  assert.equal(b.task.mode, 'single-turn');
  assert.ok(
    b.rolloutBatch <= 128 && b.generation.maxTotalTokens <= 512,
    'builtin presets are scaled for a CPU',
  );
  // Both multi-attempt presets use the seed's reward as it is: +1 / −0.5 / −1, no per-attempt discount.
  for (const name of ['builtin-multi-attempt', 'qwen2.5-math-1.5b-multi-attempt'] as const) {
    const m = presetRunConfig(name);
    assert.deepEqual(m.task.rewards, { correct: 1, wrong: -0.5, noBox: -1 }, name);
    assert.equal(m.task.attemptDiscount, 1, name);
  }
});

test('a preset can be overridden field by field', () => {
  const c = parseRunConfig(
    '{"preset": "builtin-multi-attempt", "steps": 3, "optimizer": {"actorLr": 0.001}}',
    'x.json',
  );
  assert.equal(c.steps, 3);
  assert.equal(c.optimizer.actorLr, 0.001);
  assert.equal(c.optimizer.criticLr, presetRunConfig('builtin-multi-attempt').optimizer.criticLr);
  assert.match(
    problems({ preset: 'gpt-5' }).join('\n'),
    /preset: unknown preset "gpt-5" \(available: builtin-multi-attempt, /,
  );
});

test('unknown keys are rejected with the key named, at any depth', () => {
  const p = problems({ stepz: 3, task: { maxAttempt: 4 } });
  assert.ok(
    p.some((l) => /^stepz: unknown key \(allowed: name, preset, task, /.test(l)),
    p.join('\n'),
  );
  assert.ok(
    p.some((l) =>
      /^task\.maxAttempt: unknown key \(allowed: mode, minAttempts, maxAttempts, rewards, attemptDiscount\)/.test(
        l,
      ),
    ),
    p.join('\n'),
  );
});

test('every bad field is listed with its path, in one error', () => {
  const p = problems({
    task: { minAttempts: 0 },
    algorithm: { clipEps: -1, name: 'dpo' },
    rolloutBatch: 2.5,
  });
  assert.equal(p.length, 4, p.join('\n'));
  for (const path of ['task.minAttempts', 'algorithm.clipEps', 'algorithm.name', 'rolloutBatch'])
    assert.ok(
      p.some((l) => l.startsWith(path + ':')),
      `${path} in\n${p.join('\n')}`,
    );
  assert.throws(
    () => parseRunConfig('{"steps": ', 'broken.json'),
    /broken\.json: invalid run config \(1 problem\):\n {2}\(root\): not valid JSON/,
  );
  assert.throws(() => parseRunConfig([], 'arr.json'), /expected a JSON object, got an array/);
});

test('cross-field checks', () => {
  const has = (json: unknown, re: RegExp) =>
    assert.ok(
      problems(json).some((l) => re.test(l)),
      `${re} in ${problems(json).join('\n')}`,
    );
  has({ task: { minAttempts: 4, maxAttempts: 2 } }, /^task\.minAttempts: must be ≤ task\.maxAttempts \(2\)/);
  has({ task: { mode: 'single-turn' } }, /^task\.maxAttempts: single-turn mode has exactly 1 attempt/);
  has({ rolloutBatch: 100, miniBatch: 30 }, /^miniBatch: must divide rolloutBatch \(100\), got 30/);
  has({ rolloutBatch: 8, miniBatch: 16 }, /^miniBatch: must divide rolloutBatch/);
  has(
    { algorithm: { name: 'grpo' } },
    /^algorithm\.samplesPerPrompt: grpo needs at least 2 samples per prompt/,
  );
  has(
    { algorithm: { name: 'rloo', samplesPerPrompt: 3 } },
    /^algorithm\.samplesPerPrompt: must divide rolloutBatch \(1024\)/,
  );
  has(
    { generation: { maxTokensPerAttempt: 4000 } },
    /^generation\.maxTokensPerAttempt: must be ≤ generation\.maxTotalTokens \(3000\)/,
  );
  has(
    { algorithm: { kl: { target: 'reward' } } },
    /^algorithm\.kl\.target: 'reward' is only supported with reinforce\+\+/,
  );
  has({ task: { rewards: { correct: -2 } } }, /^task\.rewards\.correct: must exceed wrong/);
  assert.equal(
    parseRunConfig({ algorithm: { name: 'grpo', samplesPerPrompt: 8 } }, 'ok').algorithm.samplesPerPrompt,
    8,
  );
});

test('every field, sections included, has help text', () => {
  const fields = describeRunConfigFields();
  assert.ok(fields.length > 50, `only ${fields.length} fields`);
  for (const f of fields) assert.ok(f.description.length > 3, `${f.path} has no description`);
  assert.equal(fields.find((f) => f.path === 'algorithm.lambda')?.default, 0.99);
  assert.ok(fields.some((f) => f.path === 'optimizer.schedule.minLrRatio'));
});

test('fields carry their kind, options and bounds for generated forms', () => {
  const at = (p: string) => describeRunConfigFields().find((f) => f.path === p)!;
  assert.deepEqual(
    { type: at('steps').type, minimum: at('steps').minimum, optional: at('steps').optional },
    { type: 'integer', minimum: 1, optional: false },
  );
  assert.deepEqual([at('algorithm.clipEps').minimum, at('algorithm.clipEps').exclusiveMinimum, at('algorithm.clipEps').maximum], [0, true, 1]);
  assert.equal(at('task.mode').type, 'enum');
  assert.deepEqual(at('task.mode').options, ['multi-attempt', 'single-turn']);
  assert.equal(at('algorithm.whitenAdvantages').type, 'boolean');
  assert.equal(at('algorithm.whitenAdvantages').optional, true);
  assert.equal(at('model.source').type, 'string');
  assert.equal(at('task').type, 'object');
  assert.deepEqual([at('eval.datasets').type, at('eval.datasets').items], ['array', 'string']);
  assert.deepEqual([at('dataset.synthetic.levels').type, at('dataset.synthetic.levels').items], ['array', 'integer']);
  assert.ok(at('dataset.synthetic.families').options!.includes('add'));
  assert.ok(at('runtime').options!.includes('auto'));
});

test('the config lists the same runtimes as the runtime selector, without loading tfjs', () => {
  assert.deepEqual([...CONFIG_RUNTIME_NAMES], [...RUNTIME_NAMES]);
  assert.equal(parseRunConfig({ runtime: 'wasm' }, 'x').runtime, 'wasm');
  assert.match(problems({ runtime: 'cuda' }).join('\n'), /^runtime: /);
});

test('every preset names a dataset the registry knows (or the synthetic task)', async () => {
  const { presetRunConfig } = await import('../../../backend/rl/config.js');
  const { PRESET_NAMES } = await import('../../../backend/rl/presets.js');
  const { DATASET_NAMES } = await import('../../../backend/data/registry.js');
  for (const name of PRESET_NAMES) {
    const source = presetRunConfig(name).dataset.source;
    assert.ok(source === 'synthetic' || (DATASET_NAMES as readonly string[]).includes(source), `${name}: dataset '${source}'`);
  }
});
