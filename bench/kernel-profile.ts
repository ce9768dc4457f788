// Per-kernel CPU time and kernel-call counts of the project's Transformer on cpu-native: one train step
// (lmTrainStep: forward, next-token loss, backward, createAdam) and one greedy decode step (KV cache), the
// measure of tfjs engine overhead that fused ops cut. Shapes from bench/vs-torch-shapes.ts.
// Usage: node --import tsx bench/kernel-profile.ts [--shape NAME] [--stock] [--steps N] [--top K]
import { tf } from '../backend/model/core/tf.js';
import { selectRuntime } from '../backend/model/runtime/runtime.js';
import { Transformer } from '../backend/model/core/transformer.js';
import { createAdam } from '../backend/model/formats/checkpoint.js';
import { lmTrainStep } from '../backend/model/core/lm-train.js';
import { createDecodeSession } from '../backend/model/core/generate.js';
import { Rng } from '../backend/model/core/rng.js';
import { SHAPES } from './vs-torch-shapes.js';
import { installKernelTimers, cpuMs } from './kernel-timer.js';

const arg = (n: string, d: string) => (process.argv.includes(`--${n}`) ? process.argv[process.argv.indexOf(`--${n}`) + 1] : d);
await selectRuntime({ force: process.argv.includes('--stock') ? 'cpu' : 'cpu-native' });
const { times } = installKernelTimers();
const cpu = cpuMs;
const s = SHAPES.find((x) => x.name === arg('shape', 'd128-l4-s64-b32'))!;
const N = Number(arg('steps', '3'));
const TOP = Number(arg('top', '15'));

function report(what: string, n: number, c0: number, w0: number): void {
  const total = (cpu() - c0) / n;
  let ksum = 0;
  let fsum = 0;
  let calls = 0;
  let fcalls = 0;
  for (const [name, [t, k]] of times) {
    if (name.startsWith('fused:')) {
      fsum += t / n;
      fcalls += k / n;
    } else {
      ksum += t / n;
      calls += k / n;
    }
  }
  console.log(`${s.name} ${what}: ${total.toFixed(1)} ms CPU (${((performance.now() - w0) / n).toFixed(1)} ms wall), ${ksum.toFixed(1)} ms in ${calls.toFixed(0)} kernel calls, ${fsum.toFixed(1)} ms in ${fcalls.toFixed(0)} fused native calls, ${(total - ksum - fsum).toFixed(1)} ms elsewhere (engine, GC, JS)`);
  console.log([...times].sort((a, b) => b[1][0] - a[1][0]).slice(0, TOP).map(([k, [t, c]]) => `  ${k} ${(t / n).toFixed(1)} ms ×${c / n}`).join('\n'));
}

const model = Transformer.create(s.config, 1);
const rng = new Rng(7);
const ids = tf.tensor2d(Array.from({ length: s.batch }, () => Array.from({ length: s.seq }, () => rng.int(s.config.vocabSize))), undefined, 'int32'); // [B, T]
const mask = tf.ones([s.batch, s.seq]); // [B, T]
const opt = createAdam({ learningRate: 1e-3 });
await lmTrainStep(model, opt, ids, mask);
times.clear();
let c0 = cpu();
let w0 = performance.now();
for (let i = 0; i < N; i++) await lmTrainStep(model, opt, ids, mask);
report('train step', N, c0, w0);

// Decode: prefill the prompts, then time N·4 single-token steps.
const session = createDecodeSession(model, { batchSize: s.genBatch, maxLength: s.config.maxPositions, temperature: 0, topP: 1, seed: 0 });
for (let i = 0; i < s.genBatch; i++) session.append(i, Array.from({ length: s.genPrompt }, () => rng.int(s.config.vocabSize)));
const one = { active: new Array<boolean>(s.genBatch).fill(true), maxNewTokens: new Array<number>(s.genBatch).fill(1) };
await session.generate(one);
await session.generate(one);
times.clear();
c0 = cpu();
w0 = performance.now();
const D = N * 4;
for (let i = 0; i < D; i++) await session.generate(one);
report(`decode step (batch ${s.genBatch}, ~${session.cacheColumns} cached columns)`, D, c0, w0);
session.dispose();
model.dispose();
opt.dispose();
tf.dispose([ids, mask]);
