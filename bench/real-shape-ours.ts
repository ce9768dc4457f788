// This project's side of `npm run bench:vs-torch -- --real-shapes`: one real-size model (random weights in the
// exact shape, float32, cpu-native runtime) in its own process, the same measurements as
// bench/peers/real_shape_torch.py, one JSON line out. Argument: the same JSON spec plus `config` (a ModelConfig).
// Prefill = a decode session's first generate call of 1 token (the prompt's forward, last-position logits), the
// median of `repeat` fresh sessions; decode = the last session's next calls' per-step times; train = forward, next-token loss, gradients of every weight (no
// optimizer step) on 1 × trainSeq tokens; peak RSS from process.resourceUsage().
import os from 'node:os';
import { tf } from '../backend/model/core/tf.js';
import { selectRuntime } from '../backend/model/runtime/runtime.js';
import { loadNativeAddon } from '../backend/model/native/native-addon.js';
import { Transformer, parameterShapes } from '../backend/model/core/transformer.js';
import { parseModelConfig } from '../backend/model/core/config.js';
import { createDecodeSession } from '../backend/model/core/generate.js';
import { nextTokenLoss } from '../backend/model/core/logprobs.js';
import { Rng } from '../backend/model/core/rng.js';
import { installKernelTimers, cpuMs } from './kernel-timer.js';

const spec = JSON.parse(process.argv[2]!) as {
  config: unknown;
  prompt: number;
  newTokens: number;
  batches: number[];
  trainSeq: number;
  threads: number;
  skipTrain?: boolean;
  /** Prefill runs per batch size (median reported; decode follows the last); 0 = training only. */
  repeat?: number;
  /** Train with activation checkpointing per decoder layer (the Qwen presets' setting; checkpointed-layer.ts). */
  checkpoint?: boolean;
  /** Timed training micro-batches (median reported, all listed); default 1. */
  trainRepeat?: number;
  /** Also report per-kernel CPU time split into forward / loss / backward (kernel-timer.ts; adds a little overhead). */
  profile?: boolean;
};
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const round = (x: number, d: number) => +x.toFixed(d);

const runtime = await selectRuntime({ force: 'cpu-native' });
loadNativeAddon().addon!.setThreads(spec.threads);
const timer = spec.profile ? installKernelTimers() : null;
const config = parseModelConfig(spec.config, 'real shape');
/**
 * Random weights in the model's shapes, uniform with standard deviation 0.02 (norm weights 1), from a xorshift
 * stream: Transformer.create's seeded normal initialiser takes minutes at these sizes on this machine. The arrays
 * become the weights without a copy.
 */
function randomWeights(c: typeof config): Map<string, { data: Float32Array; shape: number[] }> {
  const weights = new Map<string, { data: Float32Array; shape: number[] }>();
  let s = 0x2545f491;
  const a = 0.02 * Math.sqrt(3);
  for (const [name, shape] of parameterShapes(c)) {
    const data = new Float32Array(shape.reduce((x, y) => x * y, 1));
    if (name.endsWith('norm.weight')) data.fill(1);
    else
      for (let i = 0; i < data.length; i++) {
        s ^= s << 13;
        s ^= s >>> 17;
        s ^= s << 5;
        data[i] = ((s >>> 0) / 4294967296 - 0.5) * 2 * a;
      }
    weights.set(name, { data, shape });
  }
  return weights;
}
const t0 = performance.now();
const model = Transformer.fromWeights(config, randomWeights(config), 'random weights');
const out: Record<string, unknown> = {
  runtime: runtime.name,
  threads: spec.threads,
  buildSeconds: round((performance.now() - t0) / 1000, 1),
  loadAvgStart: os.loadavg().map((x) => round(x, 2)),
};
const rng = new Rng(7);
const ids = (B: number, P: number) => Array.from({ length: B }, () => Array.from({ length: P }, () => rng.int(config.vocabSize)));

async function run(B: number, P: number, n: number) {
  const session = createDecodeSession(model, { batchSize: B, maxLength: P + n + 2, temperature: 0, topP: 1, seed: 0 });
  try {
    ids(B, P).forEach((p, i) => session.append(i, p));
    const all = new Array<boolean>(B).fill(true);
    let t = performance.now();
    await session.generate({ active: all, maxNewTokens: new Array<number>(B).fill(1) });
    const prefill = (performance.now() - t) / 1000;
    const steps: number[] = [];
    for (let k = 0; k < n; k++) {
      t = performance.now();
      await session.generate({ active: all, maxNewTokens: new Array<number>(B).fill(1) });
      steps.push((performance.now() - t) / 1000);
    }
    return { prefill, steps };
  } finally {
    session.dispose();
  }
}

const repeat = spec.repeat ?? 1;
if (repeat > 0) await run(1, 4, 1); // warm-up
for (const B of repeat > 0 ? spec.batches : []) {
  const prefills: number[] = [];
  for (let i = 0; i < repeat - 1; i++) prefills.push((await run(B, spec.prompt, 0)).prefill);
  const r = await run(B, spec.prompt, spec.newTokens);
  prefills.push(r.prefill);
  const prefill = median(prefills);
  out[`b${B}`] = {
    prefillSeconds: round(prefill, 3),
    prefillSecondsAll: prefills.map((x) => round(x, 3)),
    prefillTokensPerS: round((B * spec.prompt) / prefill, 1),
    decodeStepSeconds: r.steps.map((x) => round(x, 4)),
    decodeTokensPerS: round(B / median(r.steps), 2),
  };
}

/** One micro-batch; wall seconds of its phases: forward (to logits), loss (logits → scalar), backward (with checkpointing: + recompute). */
function trainOnce(T: number): { seconds: number; loss: number; phases: Record<string, number> } {
  const vars = model.trainableVariables();
  const t = performance.now();
  let loss = NaN;
  let tForward = 0;
  let tLoss = 0;
  tf.tidy(() => {
    const x = tf.tensor2d(ids(1, T), [1, T], 'int32'); // [1, T]
    const mask = tf.ones([1, T]); // [1, T]
    const { value, grads } = tf.variableGrads(() => {
      timer?.setPhase('forward');
      const logits = model.forward(x, { checkpoint: spec.checkpoint === true }).logits; // [1, T, V]
      tForward = performance.now();
      timer?.setPhase('loss');
      const l = nextTokenLoss(logits, x, mask) as tf.Scalar;
      tLoss = performance.now();
      timer?.setPhase('backward');
      return l;
    }, vars);
    if (Object.keys(grads).length !== vars.length) throw new Error('a weight has no gradient');
    loss = value.dataSync()[0]!;
  });
  const end = performance.now();
  timer?.setPhase('');
  return { seconds: (end - t) / 1000, loss, phases: { forward: round((tForward - t) / 1000, 2), loss: round((tLoss - tForward) / 1000, 2), backward: round((end - tLoss) / 1000, 2) } };
}
if (!spec.skipTrain) {
  trainOnce(16); // warm-up
  timer?.times.clear();
  const c0 = cpuMs();
  const runs = Array.from({ length: spec.trainRepeat ?? 1 }, () => trainOnce(spec.trainSeq));
  const n = runs.length;
  const cpuSeconds = (cpuMs() - c0) / 1000 / n;
  const r = runs.find((x) => x.seconds === median(runs.map((y) => y.seconds))) ?? runs[0]!;
  out.train = {
    seconds: round(median(runs.map((x) => x.seconds)), 2),
    secondsAll: runs.map((x) => round(x.seconds, 2)),
    tokensPerS: round(spec.trainSeq / median(runs.map((x) => x.seconds)), 1),
    loss: r.loss,
    checkpoint: spec.checkpoint === true,
    phases: r.phases,
    ...(timer
      ? {
          cpuSecondsPerRun: round(cpuSeconds, 2),
          // phase/kernel → [wall ms, process CPU ms, calls] per run, by wall time
          ops: Object.fromEntries([...timer.times].sort((a, b) => b[1][2] - a[1][2]).map(([k, [ms, c, wall]]) => [k, [round(wall / n, 1), round(ms / n, 1), c / n]])),
        }
      : {}),
  };
}
model.dispose();
out.peakRssBytes = process.resourceUsage().maxRSS * 1024;
out.loadAvgEnd = os.loadavg().map((x) => round(x, 2));
process.stdout.write(JSON.stringify(out) + '\n');
