// Per-kernel CPU time of one benchmark-GPT train step on cpu-native (where the time goes; guides what to fuse).
// Usage: node --import tsx bench/kernel-profile.ts [--shape NAME] [--unfused] [--stock] [--steps N]
import { tf } from '../backend/model/tf.js';
import { selectRuntime } from '../backend/model/runtime.js';
import { adam } from '../backend/model/native-fused.js';
import { BenchGpt, SHAPES } from './bench-gpt.js';

const arg = (n: string, d: string) => (process.argv.includes(`--${n}`) ? process.argv[process.argv.indexOf(`--${n}`) + 1] : d);
const fused = !process.argv.includes('--unfused');
await selectRuntime({ force: process.argv.includes('--stock') ? 'cpu' : 'cpu-native' });
const times = new Map<string, [number, number]>();
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
for (const k of tf.getKernelsForBackend('cpu')) {
  const f = k.kernelFunc;
  tf.unregisterKernel(k.kernelName, 'cpu');
  tf.registerKernel({
    ...k,
    kernelFunc: (a) => {
      const t0 = cpu();
      const r = f(a);
      const e = times.get(k.kernelName) ?? [0, 0];
      e[0] += cpu() - t0;
      e[1]++;
      times.set(k.kernelName, e);
      return r;
    },
  });
}
const s = SHAPES.find((x) => x.name === arg('shape', 'd128-l4-s64-b32'))!;
const m = new BenchGpt(s, fused);
const ids = tf.randomUniform([s.batch, s.seq + 1], 0, s.vocab, 'int32');
const opt = fused ? adam(1e-3) : tf.train.adam(1e-3);
opt.minimize(() => m.loss(ids), true)!.dispose();
times.clear();
const N = Number(arg('steps', '3'));
const c0 = cpu();
const w0 = performance.now();
for (let i = 0; i < N; i++) opt.minimize(() => m.loss(ids), true)!.dispose();
const total = (cpu() - c0) / N;
let ksum = 0;
for (const [, [t]] of times) ksum += t / N;
console.log(`${s.name} fused=${fused}: step ${total.toFixed(0)} ms CPU (${((performance.now() - w0) / N).toFixed(0)} ms wall), ${ksum.toFixed(0)} ms in kernels`);
import('../backend/model/native-buffer-pool.js').then((p) => console.log('pool reused', p.bufferPool.reused));
console.log([...times].sort((a, b) => b[1][0] - a[1][0]).slice(0, 20).map(([k, [t, n]]) => `  ${k} ${(t / N).toFixed(0)} ms ×${n / N}`).join('\n'));
