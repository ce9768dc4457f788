// Imported Hugging Face models against an independent PyTorch implementation (tests/reference/hf_reference.py):
// tiny random Qwen2 (tied, QKV bias, GQA, BF16) and Llama (untied, llama3 rope scaling, GQA, sharded F32)
// checkpoints give the same logits (max abs diff ≤ 1e-4) and the same 32-token greedy continuations.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tf } from '../../../backend/model/core/tf.js';
import { loadHfModel } from '../../../backend/model/formats/hf-import.js';
import { generate } from '../../../backend/model/core/generate.js';
import { LLAMA_TINY, QWEN_TINY, runReference, writeTinyModel, type ReferenceOutput } from './hf-fixtures.js';

const PROMPTS = [
  [1, 2, 3, 4, 5],
  [17, 250, 3, 99, 42, 7, 7, 7, 120, 5, 6],
  [299],
  [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150, 160, 170, 180, 190, 200],
];

const { rope_scaling: _noScaling, ...llamaPlain } = LLAMA_TINY;
void _noScaling;
const MODELS: { name: string; hf: Record<string, unknown>; opts: Parameters<typeof writeTinyModel>[2] }[] = [
  { name: 'qwen2', hf: QWEN_TINY, opts: { seed: 1, dtype: 'BF16' } },
  { name: 'llama', hf: LLAMA_TINY, opts: { seed: 2, shards: 2 } },
  {
    name: 'mistral',
    hf: { ...llamaPlain, architectures: ['MistralForCausalLM'], model_type: 'mistral', sliding_window: null, rope_theta: 10000 },
    opts: { seed: 3 },
  },
];

let dir: string;
const refs = new Map<string, ReferenceOutput>();
before(async () => {
  await tf.setBackend('cpu');
  dir = mkdtempSync(path.join(tmpdir(), 'as-hfref-'));
  for (const m of MODELS) await writeTinyModel(path.join(dir, m.name), m.hf, m.opts);
  const out = runReference(MODELS.map((m) => path.join(dir, m.name)), PROMPTS, 32);
  MODELS.forEach((m, i) => refs.set(m.name, out[i]));
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function compare(name: string) {
  const ref = refs.get(name)!;
  const before = tf.memory().numTensors;
  const model = await loadHfModel(path.join(dir, name));
  try {
    let maxDiff = 0;
    PROMPTS.forEach((p, i) => {
      const ours = tf.tidy(() => model.forward([p]).logits.arraySync() as number[][][])[0];
      assert.equal(ours.length, ref.logits[i].length);
      ours.forEach((row, t) => row.forEach((v, k) => (maxDiff = Math.max(maxDiff, Math.abs(v - ref.logits[i][t][k])))));
    });
    assert.ok(maxDiff <= 1e-4, `${name}: max abs logit diff ${maxDiff} > 1e-4`);
    const gen = await generate(model, PROMPTS, { maxNewTokens: 32, temperature: 0 });
    assert.deepEqual(gen.ids, ref.greedy, `${name}: greedy continuations differ`);
  } finally {
    model.dispose();
  }
  assert.equal(tf.memory().numTensors, before, 'tensor leak');
}

test('a tiny Qwen2 checkpoint (tied, QKV bias, GQA 4:2, BF16 weights) matches the PyTorch reference', async () => {
  await compare('qwen2');
});

test('a tiny Llama checkpoint (untied, llama3 rope scaling, GQA 6:2, 2 shards) matches the PyTorch reference', async () => {
  await compare('llama');
});

test('a Mistral-style untied checkpoint without rope scaling matches the reference', async () => {
  await compare('mistral');
});
