// The base-model checkpoints shipped in resources/base-models: the demo's default seeds are there, each
// loads through ensureBaseModel without training, its hash matches its spec, and its greedy first-attempt
// accuracy on the recorded few dozen validation questions is the recorded one (a reproducibility check).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tf } from '../../../backend/model/core/tf.js';
import { selectRuntime } from '../../../backend/model/runtime/runtime.js';
import {
  DEFAULT_BASE_MODEL_SPEC,
  baseModelSpecHash,
  ensureBaseModel,
  resolveBaseModelSpec,
  type BaseModelInfo,
} from '../../../backend/pretrain/base-model.js';
import { baseModelCheck, BASE_MODEL_CHECK } from '../../../backend/eval/base-model-check.js';
import { shippedBaseModelsDir } from '../../../backend/pretrain/shipped-base-models.js';

/** The folder the app ships (the environment override left out). */
const SHIPPED_BASE_MODELS_DIR = shippedBaseModelsDir({})!;
const shipped = existsSync(SHIPPED_BASE_MODELS_DIR)
  ? readdirSync(SHIPPED_BASE_MODELS_DIR).filter((d) => d.startsWith('base-')).sort()
  : [];

/** The seeds whose default-spec base model ships with the app (the demo's default seed and bench:finding's). */
const SHIPPED_SEEDS = [0];

test('the default spec has a shipped checkpoint for every shipped seed', () => {
  for (const seed of SHIPPED_SEEDS) {
    const hash = baseModelSpecHash(resolveBaseModelSpec({ ...DEFAULT_BASE_MODEL_SPEC, seed }));
    assert.ok(shipped.includes(`base-${hash}`), `seed ${seed}: base-${hash} in resources/base-models (have: ${shipped.join(', ')})`);
  }
});

for (const name of shipped) {
  test(`shipped ${name}: hash matches its spec, loads without training, and its validation check is the recorded one`, async () => {
    await selectRuntime();
    const dir = path.join(SHIPPED_BASE_MODELS_DIR, name);
    const info = JSON.parse(readFileSync(path.join(dir, 'base-model.json'), 'utf8')) as BaseModelInfo;
    const spec = resolveBaseModelSpec(info.spec);
    assert.equal(baseModelSpecHash(spec), info.hash);
    assert.equal(name, `base-${info.hash}`);
    assert.ok(info.check, 'base-model.json records its check');
    assert.deepEqual([info.check.split, info.check.seed, info.check.n], [BASE_MODEL_CHECK.split, BASE_MODEL_CHECK.seed, BASE_MODEL_CHECK.n]);
    // A few MB at most: the weights file of a shipped checkpoint.
    const { size } = await import('node:fs').then((fs) => fs.statSync(path.join(dir, 'model.safetensors')));
    assert.ok(size < 2 * 1024 * 1024, `${size} bytes`);

    const cache = await mkdtemp(path.join(tmpdir(), 'as-shipped-'));
    try {
      const r = await ensureBaseModel(cache, spec, { onTrain: () => assert.fail('a shipped spec must not train') });
      try {
        assert.equal(r.source, 'shipped');
        assert.equal(r.dir, dir);
        const before = tf.memory().numTensors;
        const check = await baseModelCheck(r.model, spec.task);
        assert.equal(tf.memory().numTensors, before, 'the check leaks no tensors');
        assert.deepEqual(check, info.check);
      } finally {
        r.model.dispose();
      }
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  });
}
