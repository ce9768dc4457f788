// Hugging Face folders: import → export → import gives identical tensors and logits (F32; BF16 stores the
// BF16-rounded values), sharding with an index, F16 reads, and bad folders fail naming the file and tensor.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tf } from '../../../backend/model/core/tf.js';
import { loadHfModel } from '../../../backend/model/formats/hf-import.js';
import { exportHfModel, planShards } from '../../../backend/model/formats/hf-export.js';
import { HfTokenizer } from '../../../backend/model/tokenizers/hf-tokenizer.js';
import { SafetensorsReader, roundToBf16 } from '../../../backend/model/formats/safetensors-stream.js';
import { fromHfConfig, toHfConfig } from '../../../backend/model/core/config.js';
import type { Transformer } from '../../../backend/model/core/transformer.js';
import { LLAMA_TINY, QWEN_TINY, writeTinyModel, writeTinyTokenizer } from './hf-fixtures.js';

let dir: string;
before(async () => {
  await tf.setBackend('cpu');
  dir = mkdtempSync(path.join(tmpdir(), 'as-hfio-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const IDS = [
  [1, 2, 3, 4, 5, 6],
  [200, 100, 50, 25, 12, 6],
];
const logits = (m: Transformer) => tf.tidy(() => Array.from(m.forward(IDS).logits.dataSync()));

test('import → export (F32, sharded) → import gives identical tensors and logits; tokenizer files travel', async () => {
  const src = path.join(dir, 'llama-src');
  await writeTinyModel(src, LLAMA_TINY, { seed: 5, shards: 3 });
  writeTinyTokenizer(src, { chatml: false });
  const n0 = tf.memory().numTensors;
  const a = await loadHfModel(src);
  const out = path.join(dir, 'llama-out');
  const res = await exportHfModel(a, out, { maxShardBytes: 64 * 1024, tokenizerFrom: src });
  const shards = readdirSync(out).filter((f) => f.endsWith('.safetensors'));
  assert.ok(shards.length > 1, `expected several shards, got ${shards.join(', ')}`);
  assert.ok(shards.every((f) => /^model-\d{5}-of-\d{5}\.safetensors$/.test(f)));
  const index = JSON.parse(readFileSync(path.join(out, 'model.safetensors.index.json'), 'utf8'));
  assert.equal(index.metadata.total_size, res.totalBytes);
  assert.equal(Object.keys(index.weight_map).length, a.params.size);
  assert.ok(existsSync(path.join(out, 'tokenizer.json')) && existsSync(path.join(out, 'tokenizer_config.json')));
  const cfg = JSON.parse(readFileSync(path.join(out, 'config.json'), 'utf8'));
  assert.equal(cfg.architectures[0], 'LlamaForCausalLM');
  assert.deepEqual(cfg.rope_scaling, LLAMA_TINY.rope_scaling);
  assert.equal(cfg.torch_dtype, 'float32');
  const b = await loadHfModel(out);
  try {
    assert.deepEqual(b.config, a.config);
    for (const [name, v] of a.params) assert.deepEqual(b.param(name).dataSync(), v.dataSync(), name);
    assert.deepEqual(logits(b), logits(a));
    assert.ok(await HfTokenizer.load(out));
  } finally {
    a.dispose();
    b.dispose();
  }
  assert.equal(tf.memory().numTensors, n0, 'tensor leak');
});

test('BF16 export stores the BF16-rounded values and round-trips them exactly', async () => {
  const src = path.join(dir, 'qwen-src');
  await writeTinyModel(src, QWEN_TINY, { seed: 6 });
  const n0 = tf.memory().numTensors;
  const a = await loadHfModel(src);
  const out = path.join(dir, 'qwen-bf16');
  await exportHfModel(a, out, { dtype: 'BF16' });
  assert.ok(existsSync(path.join(out, 'model.safetensors')) && !existsSync(path.join(out, 'model.safetensors.index.json')));
  const r = SafetensorsReader.open(path.join(out, 'model.safetensors'));
  assert.equal(r.tensors.get('model.norm.weight')!.dtype, 'BF16');
  assert.equal(r.tensors.has('lm_head.weight'), false, 'tied embeddings are stored once');
  r.close();
  assert.equal(JSON.parse(readFileSync(path.join(out, 'config.json'), 'utf8')).torch_dtype, 'bfloat16');
  const b = await loadHfModel(out);
  try {
    let changed = 0;
    for (const [name, v] of a.params) {
      const want = roundToBf16(v.dataSync() as Float32Array);
      const got = b.param(name).dataSync() as Float32Array;
      assert.deepEqual(got, want, name);
      if (got.some((x, i) => x !== (v.dataSync() as Float32Array)[i])) changed++;
    }
    assert.ok(changed > 0, 'BF16 rounding changed some values');
    // Exporting the BF16 model again (as BF16) is lossless.
    const again = path.join(dir, 'qwen-bf16-2');
    await exportHfModel(b, again, { dtype: 'BF16' });
    assert.deepEqual(readFileSync(path.join(again, 'model.safetensors')), readFileSync(path.join(out, 'model.safetensors')));
  } finally {
    a.dispose();
    b.dispose();
  }
  assert.equal(tf.memory().numTensors, n0, 'tensor leak');
});

test('bfloat16 rounding is round-to-nearest-even and F16 files read as float32', async () => {
  // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties go to the even mantissa (1); 1 + 3·2^-8 goes up to 1 + 2^-6.
  const x = new Float32Array([1, 1 + 2 ** -8, 1 + 3 * 2 ** -8, -2.5, 1 + 2 ** -9, Infinity, NaN]);
  const r = roundToBf16(x);
  assert.deepEqual(Array.from(r.slice(0, 6)), [1, 1, 1 + 2 ** -6, -2.5, 1, Infinity]);
  assert.ok(Number.isNaN(r[6]));
  // An F16 file (hand-built: 1.0, -2.0, 0.5 as half floats).
  const header = Buffer.from(JSON.stringify({ h: { dtype: 'F16', shape: [3], data_offsets: [0, 6] } }));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  const data = Buffer.alloc(6);
  [0x3c00, 0xc000, 0x3800].forEach((h, i) => data.writeUInt16LE(h, 2 * i));
  const f = path.join(dir, 'f16.safetensors');
  writeFileSync(f, Buffer.concat([len, header, data]));
  const rd = SafetensorsReader.open(f);
  assert.deepEqual(Array.from(rd.read('h')), [1, -2, 0.5]);
  rd.close();
  assert.deepEqual(planShards([{ name: 'a', bytes: 5 }, { name: 'b', bytes: 5 }, { name: 'c', bytes: 20 }, { name: 'd', bytes: 1 }], 10), [['a', 'b'], ['c'], ['d']]);
});

test('bad model folders fail with the file and the tensor or field named', async () => {
  const base = path.join(dir, 'bad');
  const reset = async (hf: Record<string, unknown> = QWEN_TINY, opts = {}) => {
    rmSync(base, { recursive: true, force: true });
    await writeTinyModel(base, hf, opts);
  };
  const st = path.join(base, 'model.safetensors');
  const cfgFile = path.join(base, 'config.json');
  // Unsupported architecture.
  await reset(QWEN_TINY);
  writeFileSync(cfgFile, JSON.stringify({ ...QWEN_TINY, architectures: ['GPT2LMHeadModel'] }));
  await assert.rejects(loadHfModel(base), /config\.json: field 'architectures': 'GPT2LMHeadModel' is not supported/);
  writeFileSync(cfgFile, JSON.stringify({ ...QWEN_TINY, model_type: 'gemma' }));
  await assert.rejects(loadHfModel(base), /config\.json: field 'model_type': 'gemma' is not supported/);
  writeFileSync(cfgFile, JSON.stringify({ ...LLAMA_TINY, rope_scaling: { rope_type: 'yarn', factor: 4 } }));
  await assert.rejects(loadHfModel(base), /config\.json: field 'rope_scaling': rope type 'yarn' is not supported/);
  // Missing tensor: an untied config whose file has no lm_head.
  await reset(QWEN_TINY);
  writeFileSync(cfgFile, JSON.stringify({ ...QWEN_TINY, tie_word_embeddings: false }));
  await assert.rejects(loadHfModel(base), (e: Error) => e.message.includes(base) && /missing tensor 'lm_head\.weight'/.test(e.message));
  // Wrong shape.
  writeFileSync(cfgFile, JSON.stringify({ ...QWEN_TINY, intermediate_size: 48 }));
  await assert.rejects(loadHfModel(base), /model\.safetensors: tensor 'model\.layers\.0\.mlp\.gate_proj\.weight' has shape \[64, 32\], the config needs \[48, 32\]/);
  // Extra tensors from another architecture.
  await reset(QWEN_TINY, { extraTensors: ['model.layers.0.self_attn.o_proj.bias'] });
  await assert.rejects(loadHfModel(base), /model\.safetensors: tensor\(s\) 'model\.layers\.0\.self_attn\.o_proj\.bias' do not belong/);
  // Harmless extras (rotary inv_freq buffers of old checkpoints) are skipped.
  await reset(QWEN_TINY, { extraTensors: ['model.layers.0.self_attn.rotary_emb.inv_freq'] });
  (await loadHfModel(base)).dispose();
  // Unsupported dtype and corrupt header.
  const good = readFileSync(st);
  const hlen = Number(good.readBigUInt64LE(0));
  const hdr = good.subarray(8, 8 + hlen).toString('utf8').replace('"F32"', '"I64"');
  writeFileSync(st, Buffer.concat([good.subarray(0, 8), Buffer.from(hdr), good.subarray(8 + hlen)]));
  await assert.rejects(loadHfModel(base), /model\.safetensors: tensor '.+' has dtype I64; supported: F32, F16, BF16, F64/);
  const corrupt = Buffer.from(good);
  corrupt.write('}', 8);
  writeFileSync(st, corrupt);
  await assert.rejects(loadHfModel(base), /model\.safetensors: corrupt header/);
  // Index naming a missing shard; no weights at all.
  writeFileSync(path.join(base, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { 'model.norm.weight': 'model-00002-of-00002.safetensors' } }));
  await assert.rejects(loadHfModel(base), /model\.safetensors\.index\.json: names model-00002-of-00002\.safetensors, which is missing/);
  rmSync(path.join(base, 'model.safetensors.index.json'));
  rmSync(st);
  writeFileSync(path.join(base, 'pytorch_model.bin'), 'x');
  await assert.rejects(loadHfModel(base), /no model\.safetensors .*PyTorch \.bin weights are not read/);
  await assert.rejects(loadHfModel(path.join(dir, 'nowhere')), /nowhere\/config\.json: missing/);
});

test('config.json round trip keeps rope scaling; Mistral sliding windows cap the positions', () => {
  const c = fromHfConfig(LLAMA_TINY);
  assert.equal(c.ropeScaling?.type, 'llama3');
  assert.deepEqual(fromHfConfig(toHfConfig(c)), c);
  // transformers 5.x writes rope_parameters instead of rope_theta / rope_scaling.
  const v5 = { ...LLAMA_TINY, rope_theta: undefined, rope_scaling: undefined, rope_parameters: { rope_type: 'linear', rope_theta: 1234, factor: 2 } };
  const c5 = fromHfConfig(v5);
  assert.equal(c5.ropeTheta, 1234);
  assert.deepEqual(c5.ropeScaling, { type: 'linear', factor: 2 });
  const m = fromHfConfig({ ...LLAMA_TINY, model_type: 'mistral', architectures: ['MistralForCausalLM'], rope_scaling: null, sliding_window: 64 });
  assert.equal(m.maxPositions, 64);
  assert.throws(() => fromHfConfig({ ...QWEN_TINY, hidden_act: 'gelu' }), /field 'hidden_act': 'gelu' is not supported/);
});
