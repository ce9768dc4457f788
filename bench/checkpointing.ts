// `npm run bench:checkpointing`: the memory and time effect of activation checkpointing on CPU. One training
// step (forward, backward, Adam) of the built-in d128 × 4 model on long sequences, with and without
// checkpointing, on stock tfjs cpu kernels and on cpu-native. Each configuration runs in a fresh process and
// reports: the array-buffer bytes alive at the end of the forward pass after a full GC, less the native buffer
// pool's free arrays (everything kept for the backward pass: tensor data, and the native layer's plain arrays,
// which tfjs does not count), the first
// step's process RSS high-water mark above the RSS before it (includes garbage not yet collected), and the
// median time of the following steps. Writes bench/results/checkpointing.json.
// Options: --stock-lengths 256 --native-lengths 1024,2048 --batch 1 --steps 3 (stock tfjs kernels are ~50× slower).
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tf } from '../backend/model/core/tf.js';
import { selectRuntime } from '../backend/model/runtime/runtime.js';
import { Transformer } from '../backend/model/core/transformer.js';
import { BUILTIN_MODEL_CONFIG } from '../backend/model/core/config.js';
import { createAdam } from '../backend/model/formats/checkpoint.js';
import { actionLogProbs } from '../backend/rl/ppo-update.js';
import { bufferPool } from '../backend/model/native/native-buffer-pool.js';

const arg = (n: string, d: string) => (process.argv.includes(`--${n}`) ? process.argv[process.argv.indexOf(`--${n}`) + 1]! : d);

interface Sample {
  runtime: string;
  checkpoint: boolean;
  batch: number;
  length: number;
  rssBeforeMiB: number;
  /** Array buffers alive (after GC) at the end of the forward pass, above those before the step. */
  keptForBackwardMiB: number;
  /** Process RSS high-water mark during the first step, above the RSS before it. */
  stepRssPeakMiB: number;
  secondsPerStep: number[];
  medianSeconds: number;
  loss: number;
}

async function child(): Promise<void> {
  const runtime = await selectRuntime({ force: arg('runtime', 'cpu') as 'cpu' });
  const checkpoint = arg('checkpoint', 'false') === 'true';
  const B = Number(arg('batch', '1'));
  const T = Number(arg('length', '1024'));
  const steps = Number(arg('steps', '3'));
  const model = Transformer.create({ ...BUILTIN_MODEL_CONFIG, maxPositions: Math.max(T, 512) }, 1);
  const opt = createAdam({ learningRate: 1e-4 });
  const ids = tf.tensor2d(Int32Array.from({ length: B * T }, (_, i) => (i * 31 + 7) % BUILTIN_MODEL_CONFIG.vocabSize), [B, T], 'int32');
  const vars = model.trainableVariables();
  let loss = NaN;
  const gc = global.gc!;
  // Live array buffers, less the native buffer pool's free arrays (held for reuse, not by the step).
  const live = () => process.memoryUsage().arrayBuffers - (bufferPool as unknown as { bytes: number }).bytes;
  let kept = 0;
  let buffersBefore = 0;
  const step = () => {
    const { value, grads } = tf.variableGrads(() => {
      const l = tf.neg(tf.mean(actionLogProbs(model, ids, checkpoint).logp)) as tf.Scalar;
      gc();
      kept = live() - buffersBefore;
      return l;
    }, vars);
    loss = value.dataSync()[0]!;
    opt.applyGradients(grads as tf.NamedTensorMap as Parameters<typeof opt.applyGradients>[0]);
    tf.dispose([value, ...Object.values(grads)]);
  };
  gc();
  const rssBefore = process.memoryUsage().rss;
  buffersBefore = live();
  const t0 = performance.now();
  step();
  const first = (performance.now() - t0) / 1000;
  const keptFirst = kept;
  const peakRss = process.resourceUsage().maxRSS * 1024; // KiB → bytes
  const times: number[] = [];
  for (let s = 0; s < steps; s++) {
    const t = performance.now();
    step();
    times.push((performance.now() - t) / 1000);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const mib = (b: number) => Math.round((b / 1024 ** 2) * 10) / 10;
  const sample: Sample = {
    runtime: runtime.name,
    checkpoint,
    batch: B,
    length: T,
    rssBeforeMiB: mib(rssBefore),
    keptForBackwardMiB: mib(keptFirst),
    stepRssPeakMiB: mib(peakRss - rssBefore),
    secondsPerStep: [first, ...times].map((x) => Math.round(x * 1000) / 1000),
    medianSeconds: Math.round(sorted[sorted.length >> 1]! * 1000) / 1000,
    loss,
  };
  process.stdout.write(JSON.stringify(sample) + '\n');
}

function parent(): void {
  const lengths = { cpu: arg('stock-lengths', '256').split(',').map(Number), 'cpu-native': arg('native-lengths', '1024,2048').split(',').map(Number) };
  const batch = arg('batch', '1');
  const steps = arg('steps', '3');
  const samples: Sample[] = [];
  let pair = 0;
  for (const runtime of ['cpu', 'cpu-native'] as const) {
    for (const length of lengths[runtime]) {
      // Alternate which of the pair runs first (timing noise from other work on the machine).
      for (const checkpoint of pair++ % 2 === 0 ? [false, true] : [true, false]) {
        const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', import.meta.filename, '--child', '--runtime', runtime, '--checkpoint', String(checkpoint), '--length', String(length), '--batch', batch, '--steps', steps], { encoding: 'utf8', env: { ...process.env, ATTEMPT_STUDIO_BLAS_THREADS: '1' } });
        if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
        const s = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Sample;
        samples.push(s);
        process.stdout.write(`${runtime} T=${length} checkpoint=${checkpoint}: kept for backward ${s.keptForBackwardMiB} MiB, step RSS peak +${s.stepRssPeakMiB} MiB, median ${s.medianSeconds} s, loss ${s.loss}\n`);
      }
    }
  }
  const out = {
    time: new Date().toISOString(),
    machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10, node: process.version, loadavg1: os.loadavg()[0] },
    model: 'builtin d128 × 4 layers (4 heads, 2 KV heads, F 384), char vocabulary',
    step: 'variableGrads of the mean action log-prob (actionLogProbs) + one Adam step',
    samples,
  };
  const file = path.join(import.meta.dirname, 'results', 'checkpointing.json');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
  process.stdout.write(`wrote ${file}\n`);
}

if (process.argv.includes('--child')) await child();
else parent();
