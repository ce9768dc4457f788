// Runtime selection: falls back cleanly when optional backends are absent; forcing a missing one is an error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectRuntime, setNativeKernelProvider, parseRuntimeName } from '../../../backend/model/runtime/runtime.js';
import { tf } from '../../../backend/model/core/tf.js';

test('falls back past missing optional backends to one that works', async () => {
  const report = await selectRuntime({ candidates: ['tfjs-node-gpu', 'tfjs-node', 'cpu'] });
  // On a machine without tfjs-node(-gpu) the first two are reported as unavailable, never thrown.
  assert.ok(report.attempts.length >= 1);
  assert.equal(report.attempts.at(-1)!.ok, true);
  for (const a of report.attempts.slice(0, -1)) assert.match(a.reason, /not installed|failed to load|no CUDA GPU|did not start/);
  assert.equal(tf.getBackend(), report.tfBackend);
});

test('a native provider that throws is skipped with its reason', async () => {
  setNativeKernelProvider({
    install() {
      throw new Error('addon missing for test');
    },
  });
  try {
    const report = await selectRuntime({ candidates: ['cpu-native', 'cpu'] });
    assert.equal(report.name, 'cpu');
    assert.equal(report.attempts[0]!.ok, false);
    assert.match(report.attempts[0]!.reason, /addon missing for test|disabled by ATTEMPT_STUDIO_NATIVE=0/);
  } finally {
    setNativeKernelProvider(undefined);
  }
});

test('forcing an unavailable runtime fails with every reason listed', async () => {
  setNativeKernelProvider(undefined);
  await assert.rejects(selectRuntime({ force: 'cpu-native' }), /runtime 'cpu-native' is not available:\n {2}cpu-native: native kernels are not available/);
  // The previously active backend keeps working after a failed force.
  const r = await selectRuntime({ force: 'cpu' });
  assert.equal(r.name, 'cpu');
});

test('wasm runtime computes the same matmul as cpu', async () => {
  await selectRuntime({ force: 'cpu' });
  const a = [1, 2, 3, 4, 5, 6];
  const b = [0.5, -1, 2, 0.25, 3, 1];
  const cpu = tf.tidy(() => tf.matMul(tf.tensor2d(a, [2, 3]), tf.tensor2d(b, [3, 2])).dataSync().slice());
  await selectRuntime({ force: 'wasm' });
  const before = tf.memory().numTensors;
  const wasm = tf.tidy(() => tf.matMul(tf.tensor2d(a, [2, 3]), tf.tensor2d(b, [3, 2])).dataSync().slice());
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(Array.from(wasm), Array.from(cpu));
  await selectRuntime({ force: 'cpu' });
});

test('unknown runtime names are rejected with the list', () => {
  assert.throws(() => parseRuntimeName('cuda'), /expected one of: tfjs-node-gpu, webgpu, tfjs-node, cpu-native, wasm, cpu/);
});
