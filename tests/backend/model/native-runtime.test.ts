// The cpu-native runtime: chosen before wasm/cpu when the addon is built, reports its kernels, and is cleanly
// skipped with ATTEMPT_STUDIO_NATIVE=0 (the stock-tfjs fallback path); plain `cpu` restores the stock kernels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectRuntime, formatRuntimeReport } from '../../../backend/model/runtime/runtime.js';
import { nativeKernelNames } from '../../../backend/model/native/native-kernels.js';
import { loadNativeAddon } from '../../../backend/model/native/native-addon.js';
import { tf } from '../../../backend/model/core/tf.js';

const { reason } = loadNativeAddon();
const skip = reason ? `native addon unavailable: ${reason}` : false;

test('cpu-native is picked before wasm and cpu and lists its kernels', { skip }, async () => {
  const saved = process.env.ATTEMPT_STUDIO_NATIVE;
  delete process.env.ATTEMPT_STUDIO_NATIVE;
  try {
    const r = await selectRuntime({ candidates: ['cpu-native', 'wasm', 'cpu'] });
    assert.equal(r.name, 'cpu-native');
    assert.equal(r.tfBackend, 'cpu');
    assert.ok(r.nativeKernels.includes('BatchMatMul'));
    assert.match(formatRuntimeReport(r), /native kernels: .*BatchMatMul/);
    const y = tf.tidy(() => tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([5, 6, 7, 8], [2, 2])).arraySync());
    assert.deepEqual(y, [[19, 22], [43, 50]]);
  } finally {
    if (saved === undefined) delete process.env.ATTEMPT_STUDIO_NATIVE;
    else process.env.ATTEMPT_STUDIO_NATIVE = saved;
  }
});

test('ATTEMPT_STUDIO_NATIVE=0 skips cpu-native with its reason and the cpu runtime runs stock kernels', async () => {
  const saved = process.env.ATTEMPT_STUDIO_NATIVE;
  process.env.ATTEMPT_STUDIO_NATIVE = '0';
  try {
    const r = await selectRuntime({ candidates: ['cpu-native', 'cpu'] });
    assert.equal(r.name, 'cpu');
    assert.match(r.attempts[0].reason, /disabled by ATTEMPT_STUDIO_NATIVE=0|not built|failed to load/);
    assert.deepEqual(nativeKernelNames(), []);
    assert.deepEqual(r.nativeKernels, []);
    const y = tf.tidy(() => tf.softmax(tf.tensor1d([0, Math.log(3)])).arraySync());
    assert.ok(Math.abs(y[1] - 0.75) < 1e-6);
  } finally {
    if (saved === undefined) delete process.env.ATTEMPT_STUDIO_NATIVE;
    else process.env.ATTEMPT_STUDIO_NATIVE = saved;
  }
});
