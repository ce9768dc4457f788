// Model config: validation names the field, unknown keys fail, HF config.json round-trips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BUILTIN_MODEL_CONFIG,
  fromHfConfig,
  parseModelConfig,
  toHfConfig,
} from '../../../backend/model/core/config.js';
import { charTokenizer } from '../../../backend/model/tokenizers/char-tokenizer.js';

test('the built-in config matches the char tokenizer and the suggested shape', () => {
  assert.equal(BUILTIN_MODEL_CONFIG.vocabSize, charTokenizer.vocabSize);
  assert.equal(BUILTIN_MODEL_CONFIG.hiddenSize, 128);
  assert.equal(BUILTIN_MODEL_CONFIG.numKvHeads, 2);
  assert.equal(BUILTIN_MODEL_CONFIG.tieEmbeddings, true);
  assert.equal(BUILTIN_MODEL_CONFIG.valueHead, false);
});

test('validation errors name the field', () => {
  assert.throws(
    () => parseModelConfig({ ...BUILTIN_MODEL_CONFIG, hiddenSize: -3 }, 'cfg.json'),
    /cfg\.json: field 'hiddenSize'/,
  );
  assert.throws(() => parseModelConfig({ ...BUILTIN_MODEL_CONFIG, qkvBias: 'yes' }), /field 'qkvBias'/);
  assert.throws(
    () => parseModelConfig({ ...BUILTIN_MODEL_CONFIG, numKvHeads: 3 }),
    /field 'numKvHeads': numHeads \(4\) must be a multiple/,
  );
  const { ropeTheta: _drop, ...missing } = BUILTIN_MODEL_CONFIG;
  assert.throws(() => parseModelConfig(missing), /field 'ropeTheta'/);
  assert.throws(
    () => parseModelConfig({ ...BUILTIN_MODEL_CONFIG, hiddenSizes: 3 }),
    /unknown field\(s\) 'hiddenSizes'/,
  );
  assert.throws(() => parseModelConfig({ ...BUILTIN_MODEL_CONFIG, hiddenSize: 130 }), /field 'numHeads'/);
});

test('HF config.json round-trips, Qwen2 implies qkv bias, unsupported fields are named', () => {
  const c = parseModelConfig({
    ...BUILTIN_MODEL_CONFIG,
    valueHead: true,
    qkvBias: true,
    tieEmbeddings: false,
  });
  const hf = toHfConfig(c);
  assert.equal(hf.model_type, 'qwen2');
  assert.equal(hf.num_key_value_heads, 2);
  assert.deepEqual(fromHfConfig(JSON.parse(JSON.stringify(hf))), c);
  // A real Qwen2.5-Math-1.5B config (abridged): extra HF fields are ignored.
  const qwen = fromHfConfig({
    architectures: ['Qwen2ForCausalLM'],
    model_type: 'qwen2',
    hidden_size: 1536,
    intermediate_size: 8960,
    num_attention_heads: 12,
    num_hidden_layers: 28,
    num_key_value_heads: 2,
    rms_norm_eps: 1e-6,
    rope_theta: 10000,
    max_position_embeddings: 4096,
    tie_word_embeddings: true,
    vocab_size: 151936,
    hidden_act: 'silu',
    use_sliding_window: false,
    bos_token_id: 151643,
    torch_dtype: 'bfloat16',
  });
  assert.equal(qwen.qkvBias, true);
  assert.equal(qwen.numLayers, 28);
  assert.equal(qwen.valueHead, false);
  assert.throws(
    () => fromHfConfig({ ...hf, hidden_size: undefined }, 'x/config.json'),
    /x\/config\.json: missing field 'hidden_size'/,
  );
  assert.throws(() => fromHfConfig({ ...hf, model_type: 'gpt2' }), /field 'model_type'/);
  assert.throws(
    () => fromHfConfig({ ...hf, model_type: 'llama', attention_bias: true }),
    /field 'attention_bias'/,
  );
});
