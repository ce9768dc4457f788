// The per-tensor device limit (pure; no adapter needed): every float32 tensor must fit the adapter's largest
// buffer binding, min(maxBufferSize, maxStorageBufferBindingSize); the refusal names the first one that does not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromHfConfig } from '../../../backend/model/core/config.js';
import { assertTensorsFit, largeTensors } from '../../../backend/model/runtime/memory-estimate.js';

// Qwen/Qwen2.5-0.5B's config.json fields that shape it.
const qwen05 = fromHfConfig({
  architectures: ['Qwen2ForCausalLM'],
  model_type: 'qwen2',
  vocab_size: 151936,
  hidden_size: 896,
  num_hidden_layers: 24,
  num_attention_heads: 14,
  num_key_value_heads: 2,
  intermediate_size: 4864,
  rms_norm_eps: 1e-6,
  rope_theta: 1000000,
  tie_word_embeddings: true,
  max_position_embeddings: 32768,
});
const MiB = 2 ** 20;

test('Qwen2.5-0.5B fits a 4 GiB binding but not llvmpipe\'s 128 MiB: its embedding is named', () => {
  assert.doesNotThrow(() => assertTensorsFit(largeTensors(qwen05), { maxBufferSize: 4096 * MiB, maxStorageBufferBindingSize: 4096 * MiB }, 'gpu'));
  assert.throws(
    () => assertTensorsFit(largeTensors(qwen05), { maxBufferSize: 2048 * MiB, maxStorageBufferBindingSize: 128 * MiB }, 'llvmpipe'),
    /^Error: tensor 'model\.embed_tokens\.weight' \[151936, 896\] is 519\.3 MiB as float32, more than the 128\.0 MiB one buffer may hold on llvmpipe \(maxStorageBufferBindingSize\)/,
  );
  // The smaller of the two limits counts, and is the one named.
  assert.throws(() => assertTensorsFit(largeTensors(qwen05), { maxBufferSize: 256 * MiB, maxStorageBufferBindingSize: 4096 * MiB }, 'x'), /256\.0 MiB .* \(maxBufferSize\)/);
});

test('a run\'s own tensors count too: the logits of an update micro-batch and one layer\'s KV cache', () => {
  const limits = { maxBufferSize: 2048 * MiB, maxStorageBufferBindingSize: 2048 * MiB };
  const run = { generationBatch: 8, maxSequence: 1024, updateBatch: 2, updateSequence: 1024 };
  assert.doesNotThrow(() => assertTensorsFit(largeTensors(qwen05, run), limits, 'gpu')); // logits 2·1024·151936·4 B = 1.16 GiB
  assert.throws(
    () => assertTensorsFit(largeTensors(qwen05, { ...run, updateBatch: 4 }), limits, 'gpu'),
    /tensor 'logits of an update micro-batch' \[4, 1024, 151936\] is 2\.3 GiB/,
  );
  const names = largeTensors(qwen05, run).map((t) => t.name);
  assert.ok(names.includes("one layer's KV cache (keys)"));
  assert.equal(names.filter((n) => n.startsWith('model.layers.')).length, 24 * 12); // 12 tensors per layer (q/k/v bias)
});
