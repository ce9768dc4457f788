// Checkpoints: save → load gives identical logits; Adam state resumes exactly; corrupt or truncated
// safetensors files fail with the file name and the problem; F16/BF16 files read as float32.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tf } from '../../../backend/model/core/tf.js';
import { Transformer } from '../../../backend/model/core/transformer.js';
import {
  saveModel,
  loadModel,
  saveOptimizer,
  loadOptimizer,
  createAdam,
} from '../../../backend/model/formats/checkpoint.js';
import { encodeSafetensors, readSafetensors } from '../../../backend/model/formats/safetensors.js';
import { lmTrainStep } from '../../../backend/model/core/lm-train.js';
import { tinyConfig } from './tiny.js';

let dir: string;
before(async () => {
  await tf.setBackend('cpu');
  dir = mkdtempSync(path.join(tmpdir(), 'as-ckpt-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function logitsOf(m: Transformer): number[] {
  return tf.tidy(() =>
    Array.from(
      m
        .forward([
          [1, 2, 3, 4],
          [5, 6, 7, 8],
        ])
        .logits.dataSync(),
    ),
  );
}

test('save → load gives identical logits and values, HF layout on disk', async () => {
  const m = Transformer.create(tinyConfig({ valueHead: true }), 21);
  const ck = path.join(dir, 'a');
  await saveModel(ck, m);
  assert.deepEqual(readdirSync(ck).sort(), ['config.json', 'model.safetensors']);
  const cfg = JSON.parse(readFileSync(path.join(ck, 'config.json'), 'utf8'));
  assert.equal(cfg.num_key_value_heads, 2);
  assert.equal(cfg.model_type, 'qwen2');
  const raw = readFileSync(path.join(ck, 'model.safetensors'));
  const headerLen = Number(raw.readBigUInt64LE(0));
  const header = JSON.parse(raw.subarray(8, 8 + headerLen).toString());
  assert.deepEqual(header['model.layers.0.self_attn.q_proj.weight'].shape, [16, 16]);
  assert.equal(header['model.layers.0.self_attn.q_proj.weight'].dtype, 'F32');
  assert.equal((8 + headerLen) % 8, 0);
  const loaded = await loadModel(ck);
  assert.deepEqual(logitsOf(loaded), logitsOf(m));
  const v1 = tf.tidy(() => Array.from(m.forward([[1, 2]]).values!.dataSync()));
  const v2 = tf.tidy(() => Array.from(loaded.forward([[1, 2]]).values!.dataSync()));
  assert.deepEqual(v1, v2);
  m.dispose();
  loaded.dispose();
});

test('corrupt or truncated safetensors give a clear error naming the file', async () => {
  const m = Transformer.create(tinyConfig(), 1);
  const ck = path.join(dir, 'b');
  await saveModel(ck, m);
  m.dispose();
  const file = path.join(ck, 'model.safetensors');
  const good = readFileSync(file);
  writeFileSync(file, good.subarray(0, good.length - 100));
  await assert.rejects(
    loadModel(ck),
    (e: Error) =>
      e.message.startsWith(file) && /truncated: tensor '.+' needs data up to byte/.test(e.message),
  );
  writeFileSync(file, good.subarray(0, 5));
  await assert.rejects(loadModel(ck), /model\.safetensors: truncated: 5 bytes/);
  const bad = Buffer.from(good);
  bad.write('#', 8);
  writeFileSync(file, bad);
  await assert.rejects(loadModel(ck), /model\.safetensors: corrupt header \(not valid JSON/);
  const huge = Buffer.from(good);
  huge.writeBigUInt64LE(10n ** 12n, 0);
  writeFileSync(file, huge);
  await assert.rejects(loadModel(ck), /header length 1000000000000 exceeds the file size/);
  writeFileSync(file, good);
  const cfgFile = path.join(ck, 'config.json');
  const cfg = JSON.parse(readFileSync(cfgFile, 'utf8'));
  writeFileSync(cfgFile, JSON.stringify({ ...cfg, hidden_size: 32 }));
  await assert.rejects(
    loadModel(ck),
    // The config is checked against the weights before any tensor is read (#18), naming the field and the tensor.
    /config\.json: field 'hidden_size' is 32, but model\.embed_tokens\.weight has 16 columns/,
  );
  await assert.rejects(loadModel(path.join(dir, 'nope')), /nope\/config\.json: missing/);
});

test('F16 and BF16 tensors are read as float32 (the streaming reader every model load uses)', async () => {
  const header = JSON.stringify({
    a: { dtype: 'F16', shape: [3], data_offsets: [0, 6] },
    b: { dtype: 'BF16', shape: [2], data_offsets: [6, 10] },
    __metadata__: { format: 'pt' },
  });
  const h = Buffer.from(header);
  const buf = Buffer.alloc(8 + h.length + 10);
  buf.writeBigUInt64LE(BigInt(h.length), 0);
  h.copy(buf, 8);
  const d = 8 + h.length;
  buf.writeUInt16LE(0x3c00, d); // 1.0
  buf.writeUInt16LE(0xc000, d + 2); // -2.0
  buf.writeUInt16LE(0x3555, d + 4); // 0.33325
  buf.writeUInt16LE(0x3fc0, d + 6); // bf16 1.5
  buf.writeUInt16LE(0xc2f7, d + 8); // bf16 -123.5
  const file = path.join(dir, 'x.safetensors');
  writeFileSync(file, buf);
  const { tensors, metadata } = await readSafetensors(file);
  assert.deepEqual(
    Array.from(tensors.get('a')!.data).map((x) => +x.toFixed(4)),
    [1, -2, 0.3333],
  );
  assert.deepEqual(Array.from(tensors.get('b')!.data), [1.5, -123.5]);
  assert.equal(metadata.format, 'pt');
  const i8 = Buffer.from(buf);
  i8.write('"I8" ', 8 + header.indexOf('"F16"'));
  writeFileSync(file, i8);
  await assert.rejects(readSafetensors(file), /x\.safetensors: tensor 'a' has dtype I8; supported: F32, F16, BF16, F64/);
  writeFileSync(file, encodeSafetensors(new Map([['w', { data: Float32Array.from([1.25, -3]), shape: [1, 2] }]])));
  const rt = await readSafetensors(file);
  assert.deepEqual(Array.from(rt.tensors.get('w')!.data), [1.25, -3]);
});

test('Adam state resumes exactly: save after 3 steps, load, 2 more steps = 5 uninterrupted steps', async () => {
  const ids = tf.tensor2d(
    [
      [1, 2, 3, 4, 5, 6],
      [6, 5, 4, 3, 2, 1],
    ],
    undefined,
    'int32',
  );
  const mask = tf.onesLike(ids);
  const a = Transformer.create(tinyConfig(), 31);
  const optA = createAdam({ learningRate: 5e-3 });
  for (let s = 0; s < 3; s++) await lmTrainStep(a, optA, ids, mask);
  const ck = path.join(dir, 'c');
  await saveModel(ck, a);
  await saveOptimizer(ck, optA, { step: 3 });
  const b = await loadModel(ck);
  const before = tf.memory().numTensors;
  const { optimizer: optB, extra } = await loadOptimizer(ck, b);
  assert.deepEqual(extra, { step: 3 });
  assert.equal(optB.iterations, 3);
  for (let s = 0; s < 2; s++) {
    await lmTrainStep(a, optA, ids, mask);
    await lmTrainStep(b, optB, ids, mask);
  }
  const la = logitsOf(a);
  const lb = logitsOf(b);
  for (let i = 0; i < la.length; i++) assert.ok(Math.abs(la[i] - lb[i]) < 1e-5);
  optB.dispose();
  assert.equal(tf.memory().numTensors, before);
  const onDisk = await readSafetensors(path.join(ck, 'optimizer.safetensors'));
  assert.ok(onDisk.tensors.has('model.layers.1.mlp.up_proj.weight.adam_v'));
  tf.dispose([ids, mask]);
  optA.dispose();
  a.dispose();
  b.dispose();
});
