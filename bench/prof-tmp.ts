import { tf } from '../backend/model/tf.js';
import { selectRuntime } from '../backend/model/runtime.js';
import { BenchGpt, SHAPES } from './bench-gpt.js';
await selectRuntime({ force: 'cpu-native' });
const times = new Map<string, [number, number]>();
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
for (const k of tf.getKernelsForBackend('cpu')) {
  const f = k.kernelFunc;
  tf.unregisterKernel(k.kernelName, 'cpu');
  tf.registerKernel({ ...k, kernelFunc: (a) => { const t0 = cpu(); const r = f(a); const e = times.get(k.kernelName) ?? [0, 0]; e[0] += cpu() - t0; e[1]++; times.set(k.kernelName, e); return r; } });
}
const s = SHAPES[Number(process.env.SH ?? 1)];
const m = new BenchGpt(s);
const ids = tf.randomUniform([s.batch, s.seq + 1], 0, s.vocab, 'int32');
const opt = tf.train.adam(1e-3);
opt.minimize(() => m.loss(ids), true)!.dispose();
times.clear();
const N = 3;
const c0 = cpu();
for (let i = 0; i < N; i++) opt.minimize(() => m.loss(ids), true)!.dispose();
const total = (cpu() - c0) / N;
let ksum = 0; for (const [, [t]] of times) ksum += t / N;
console.log('step cpu ms', total.toFixed(0), 'in kernels', ksum.toFixed(0));
console.log([...times].sort((a, b) => b[1][0] - a[1][0]).slice(0, 22).map(([k, [t, n]]) => `${k} ${(t / N).toFixed(0)}ms x${n / N}`).join('\n'));
