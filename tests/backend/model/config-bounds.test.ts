// Absurd model configs are refused before any work (issue 18): `generate` on a folder whose config.json claims
// 10 million positions, 10^12 positions, a million layers, more layers than the weights hold, or another
// vocabulary size than the embedding answers at once with one line naming the config.json field, exit 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Transformer } from '../../../backend/model/core/transformer.js';
import { fromHfConfig, parseModelConfig } from '../../../backend/model/core/config.js';
import { saveModel } from '../../../backend/model/formats/checkpoint.js';

const bin = path.resolve(import.meta.dirname, '../../../bin/attempt-studio.js');

test('generate refuses absurd or inconsistent config.json fields at once, naming the field', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'as-bounds-'));
  try {
    const model = path.join(dir, 'm');
    const m = Transformer.create(parseModelConfig({ vocabSize: 40, hiddenSize: 16, numLayers: 1, numHeads: 2, numKvHeads: 1, intermediateSize: 24, rmsNormEps: 1e-6, ropeTheta: 10000, qkvBias: false, tieEmbeddings: true, maxPositions: 64 }), 1);
    await saveModel(model, m);
    m.dispose();
    const original = JSON.parse(readFileSync(path.join(model, 'config.json'), 'utf8')) as Record<string, unknown>;
    // The cpu runtime: probing a WebGPU adapter may print the driver's own warnings, which are not ours to test.
    const generate = () =>
      spawnSync(process.execPath, [bin, 'generate', '--model', model, '--prompt-ids', '1,2,3', '--max-new-tokens', '3', '--greedy'], { encoding: 'utf8', env: { ...process.env, ATTEMPT_STUDIO_RUNTIME: 'cpu' } });
    assert.equal(generate().status, 0, 'the unedited folder generates');
    for (const [field, value, re] of [
      ['max_position_embeddings', 1e7, /field 'max_position_embeddings': 10000000 is over 1,048,576/],
      ['max_position_embeddings', 1e12, /field 'max_position_embeddings': 1000000000000 is over/],
      ['num_hidden_layers', 1e6, /field 'num_hidden_layers': 1000000 is over 1,024/],
      ['num_hidden_layers', 3, /field 'num_hidden_layers' is 3, but the weights hold 1 layer/],
      ['vocab_size', 41, /field 'vocab_size' is 41, but model\.embed_tokens\.weight has 40 rows/],
    ] as const) {
      writeFileSync(path.join(model, 'config.json'), JSON.stringify({ ...original, [field]: value }));
      const r = generate();
      assert.equal(r.status, 1, `${field} = ${value}: ${r.stdout}`);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0]!, re);
      assert.match(lines[0]!, /config\.json/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the bounds hold for studio configs too, and real shapes pass', () => {
  const base = { vocabSize: 151_936, hiddenSize: 1536, numLayers: 28, numHeads: 12, numKvHeads: 2, intermediateSize: 8960, rmsNormEps: 1e-6, ropeTheta: 10000, qkvBias: true, tieEmbeddings: true, maxPositions: 4096 };
  assert.equal(parseModelConfig(base).numLayers, 28);
  assert.throws(() => parseModelConfig({ ...base, maxPositions: 1e7 }), /field 'maxPositions': must be at most 1,048,576/);
  const hf = { architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', vocab_size: 151_936, hidden_size: 1536, num_hidden_layers: 28, num_attention_heads: 12, num_key_value_heads: 2, intermediate_size: 8960, rms_norm_eps: 1e-6, rope_theta: 10000, max_position_embeddings: 1_010_000, tie_word_embeddings: true };
  assert.equal(fromHfConfig(hf).maxPositions, 1_010_000, 'a 1M-context model is within bounds');
  // Errors on a config.json name its keys, not the studio's own field names.
  assert.throws(() => fromHfConfig({ ...hf, rms_norm_eps: 0 }), (e: Error) => /field 'rms_norm_eps'/.test(e.message) && !/rmsNormEps/.test(e.message));
  assert.throws(() => fromHfConfig({ ...hf, rope_theta: -1 }), /field 'rope_theta'/);
  assert.throws(() => fromHfConfig({ ...hf, num_key_value_heads: 5 }), /field 'num_key_value_heads'/);
  assert.throws(() => parseModelConfig({ ...base, rmsNormEps: 0 }), /field 'rmsNormEps'/, 'a studio config keeps its own names');
});
