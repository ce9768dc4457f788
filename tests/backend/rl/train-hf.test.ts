// A training run on an imported Hugging Face folder (tiny Qwen2 shape + byte-level BPE tokenizer with ChatML
// tokens) through the real `train` command: episodes use the seed's ChatML prompt, checkpoints carry the
// tokenizer files, and a run that cannot fit in memory is refused before any weights load.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openSqlite } from '../../../backend/db/sqlite-binding.js';
import { QWEN_TINY, writeTinyModel, writeTinyTokenizer } from '../model/hf-fixtures.js';
import { estimateRunMemory, assertFits, parameterCount } from '../../../backend/model/runtime/memory-estimate.js';
import { fromHfConfig } from '../../../backend/model/core/config.js';
import { presetRunConfig } from '../../../backend/rl/config.js';
import { runMemoryInput } from '../../../backend/rl/memory-check.js';
import { loadTextInterface } from '../../../backend/model/formats/model-folder.js';
import { chatmlTemplate } from '../../../backend/model/tokenizers/chat-template.js';

const bin = path.resolve(import.meta.dirname, '../../../bin/attempt-studio.js');
let dir: string;
let model: string;
before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'as-trainhf-'));
  model = path.join(dir, 'qwen-tiny');
  await writeTinyModel(model, { ...QWEN_TINY, max_position_embeddings: 1024 }, { seed: 7 }); // room for the ChatML prompt and 4 feedback turns in byte tokens
  writeTinyTokenizer(model);
});
after(() => rmSync(dir, { recursive: true, force: true }));

function configFile(name: string, over: Record<string, unknown>): string {
  const f = path.join(dir, `${name}.json`);
  const cfg = {
    model: { source: model },
    steps: 1,
    rolloutBatch: 2,
    miniBatch: 2,
    seed: 1,
    eval: { everySteps: 0, maxQuestions: 2 },
    checkpoint: { everySteps: 1 },
    generation: { maxTokensPerAttempt: 6, maxTotalTokens: 12 },
    ...over,
  };
  writeFileSync(f, JSON.stringify(cfg));
  return f;
}

test('a run trains an imported folder with ChatML prompts and writes self-contained checkpoints', async () => {
  // The folder's tokenizer has ChatML tokens, so runs use the seed's exact ChatML strings.
  assert.equal((await loadTextInterface([model], 300)).template, chatmlTemplate);
  const db = path.join(dir, 'ok.db');
  const r = spawnSync(process.execPath, [bin, 'train', '--config', configFile('ok', {}), '--db', db, '--json'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
  assert.equal(out.status, 'completed', out.error);
  assert.ok(existsSync(path.join(out.checkpoint, 'tokenizer.json')), 'tokenizer.json copied into the checkpoint');
  assert.ok(existsSync(path.join(out.checkpoint, 'tokenizer_config.json')));
  const d = openSqlite(db, { readonly: true });
  const n = (d.prepare("SELECT COUNT(*) n FROM episodes WHERE split = 'train'").get() as { n: number }).n;
  d.close();
  assert.equal(n, 2);
  // The checkpoint is a model folder generate reads with its own tokenizer.
  const g = spawnSync(process.execPath, [bin, 'generate', '--model', out.checkpoint, '--prompt', 'Hi', '--max-new-tokens', '3', '--ignore-eos', '--json'], { encoding: 'utf8' });
  assert.equal(g.status, 0, g.stderr);
  assert.equal(JSON.parse(g.stdout).ids.length, 3);
});

test('a run that cannot fit is refused before loading, naming the estimate and what to reduce', () => {
  const db = path.join(dir, 'big.db');
  const r = spawnSync(process.execPath, [bin, 'train', '--config', configFile('big', { rolloutBatch: 2 ** 26, miniBatch: 2 }), '--db', db, '--json'], { encoding: 'utf8' });
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
  assert.equal(out.status, 'failed');
  assert.match(r.stderr, /this run does not fit: it needs about [\d.]+ (GiB|TiB)/);
  assert.match(r.stderr, /KV cache \(67108864 sequences × 1024 tokens\)/);
  assert.match(r.stderr, /[Rr]educe generation.batchSize \(or rolloutBatch\)/);
  assert.doesNotMatch(r.stderr, /loading the initial policy/);
});

test('the estimate for Qwen2.5-Math-1.5B counts its exact parameters, uses the chunk and micro-batch, and fits 80 GB only with activation checkpointing', () => {
  // The published config.json of Qwen/Qwen2.5-Math-1.5B (shape fields).
  const qwen = fromHfConfig({
    architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', vocab_size: 151936, hidden_size: 1536, num_hidden_layers: 28,
    num_attention_heads: 12, num_key_value_heads: 2, intermediate_size: 8960, rms_norm_eps: 1e-6, rope_theta: 10000,
    tie_word_embeddings: true, max_position_embeddings: 4096,
  });
  assert.equal(parameterCount(qwen), 1_543_714_304);
  const gpu = { bytes: 80 * 1024 ** 3, what: 'GPU memory' };
  for (const name of ['qwen2.5-math-1.5b-multi-attempt', 'qwen2.5-math-1.5b-baseline']) {
    const preset = presetRunConfig(name);
    assert.equal(preset.model.gradientCheckpointing, true, `${name} turns checkpointing on`);
    const e = estimateRunMemory(runMemoryInput(preset, qwen));
    // Resident: policy (weights, m, v) + critic (the same, plus a 1,537-float value head) + reference: 7 copies.
    // Gradients are not resident: they exist only during an update, one model's at a time.
    assert.equal(e.resident.reduce((a, p) => a + p.bytes, 0), (7 * 1_543_714_304 + 3 * 1537) * 4);
    assert.ok(!e.resident.some((p) => p.name.includes('gradient')));
    // KV cache: 2 · 28 layers · 2 KV heads · 128 dims · 4 bytes = 57,344 bytes per token.
    // Context fitting lets an episode with a long prompt grow to the model's context: the bound is 4,096.
    const T = 4096;
    const kv = e.rollout.find((p) => p.name.startsWith('KV cache'))!;
    // The preset decodes generation.batchSize = 64 episodes at a time and back-propagates microBatch = 1 episode.
    assert.equal(kv.bytes, 57344 * 64 * T);
    assert.ok(e.update.some((p) => p.name.startsWith('gradient accumulator')));
    // Checkpointing keeps one 1,536-float input per layer and token, plus one layer's activations during recomputation.
    assert.equal(e.update.find((p) => p.name === `checkpointed layer inputs (1 sequences × ${T} tokens)`)!.bytes, T * 1536 * 28 * 4);
    assert.ok(e.update.some((p) => p.name.startsWith("one layer's activations")));
    assert.doesNotThrow(() => assertFits(e, gpu), `${name} fits 80 GiB with checkpointing`);
    // Without it the activations of one episode alone are ~50 GiB: refused.
    const plain = estimateRunMemory({ ...runMemoryInput(preset, qwen), checkpoint: false });
    assert.ok(plain.update.some((p) => p.name === `activations (1 sequences × ${T} tokens)` && p.bytes > 45 * 1024 ** 3));
    assert.throws(() => assertFits(plain, gpu), /does not fit/);
  }
});
