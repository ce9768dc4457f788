// System metrics per step: CPU time between samples, resident memory, GPU memory only where reported (issue #19).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gpuBytesOf, systemSampler } from '../../../backend/jobs/system-metrics.js';

test('system sampler: CPU seconds since the previous sample, RSS in MiB, GPU memory only when reported', () => {
  let cpu = { user: 0, system: 0 };
  const usage = (prev?: NodeJS.CpuUsage) => (prev ? { user: cpu.user - prev.user, system: cpu.system - prev.system } : { ...cpu });
  const sample = systemSampler(() => undefined, usage, () => 3 * 2 ** 20);
  cpu = { user: 1_500_000, system: 500_000 };
  assert.deepEqual(sample(), { cpuSeconds: 2, rssMiB: 3 });
  cpu = { user: 2_000_000, system: 500_000 };
  assert.deepEqual(sample(), { cpuSeconds: 0.5, rssMiB: 3 });
  const withGpu = systemSampler(() => 2 ** 21, usage, () => 0);
  assert.equal(withGpu().gpuMemoryMiB, 2);
});

test('GPU bytes from a tfjs memory report: WebGL reports them, the CPU backend does not', () => {
  assert.equal(gpuBytesOf({ numTensors: 3, numBytes: 100 }), undefined);
  assert.equal(gpuBytesOf({ numBytesInGPU: 4096 }), 4096);
  assert.equal(gpuBytesOf({ numBytesInGPUAllocated: 8 }), 8);
});

test('a real sample of this process: positive RSS, non-negative CPU time', () => {
  const s = systemSampler()();
  assert.ok(s.rssMiB > 1 && s.cpuSeconds >= 0 && s.gpuMemoryMiB === undefined);
});
