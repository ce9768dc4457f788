// The two WebGPU device limits tfjs-backend-webgpu does not handle itself: AddN with more inputs than the
// device's storage buffers per shader (split into chunks here), and Dawn validation errors, which tfjs ignores
// (outputs stay unwritten) — the next read throws them instead of returning wrong data.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../backend/model/core/tf.js';
import { selectRuntime } from '../../../backend/model/runtime/runtime.js';
import { startWebGpuOrSkip } from './webgpu-available.js';

after(async () => {
  await selectRuntime({ force: 'cpu' });
});

test('addN over more tensors than the storage-buffer limit gives the right sum on webgpu', async (t) => {
  const report = await startWebGpuOrSkip(t);
  if (!report) return;
  const n = 3 * report.adapter!.limits.maxStorageBuffersPerShaderStage + 2;
  const before = tf.memory().numTensors;
  const parts = Array.from({ length: n }, (_, i) => tf.tensor1d([i, 2 * i, -i, 0.5]));
  const sum = tf.addN(parts);
  const got = Array.from(await sum.data());
  tf.dispose([sum, ...parts]);
  const s = (n * (n - 1)) / 2;
  assert.deepEqual(got, [s, 2 * s, -s, 0.5 * n]);
  assert.equal(tf.memory().numTensors, before, 'tensors leaked');
});

test('a Dawn validation error makes the next read throw it; the device keeps working afterwards', async (t) => {
  const report = await startWebGpuOrSkip(t);
  if (!report) return;
  // One float32 more than the largest buffer the device allows: Dawn rejects the buffer (nothing is allocated).
  const big = tf.fill([report.adapter!.limits.maxBufferSize / 4 + 1], 1);
  const head = tf.slice(big, [0], [4]);
  await assert.rejects(head.data(), /WebGPU device error: .*max buffer size/i);
  tf.dispose([big, head]);
  const ok = tf.add(tf.scalar(1), tf.scalar(2));
  assert.deepEqual(Array.from(await ok.data()), [3]);
  ok.dispose();
});
