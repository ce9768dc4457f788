// A Qwen2.5-0.5B-shaped model (random weights, float32) on one runtime (default: webgpu, forced): prefill (a
// forward over a prompt batch), greedy KV-cache decoding (ms per new token) and one training micro-batch
// (forward + backward + Adam). Medians after a warm-up. Prints one JSON object: the runtime report (the WebGPU
// adapter: vendor, architecture, driver, limits) and the timings, or the reason the runtime did not start.
// Peer: bench/gpu/qwen05-torch.py (same shapes, PyTorch). Both run on the lent GPU machine from
// bench/gpu/webgpu-device.sh; `--shape tiny` is a smoke test for any machine.
// Usage: node --import tsx bench/gpu/webgpu-qwen05.ts [--runtime webgpu] [--shape qwen05|tiny] [--reps 3]
import { parseArgs } from 'node:util';
import { tf } from '../../backend/model/core/tf.js';
import { parseRuntimeName, selectRuntime, type RuntimeReport } from '../../backend/model/runtime/runtime.js';
import { parseModelConfig } from '../../backend/model/core/config.js';
import { Transformer } from '../../backend/model/core/transformer.js';
import { createAdam } from '../../backend/model/formats/checkpoint.js';
import { lmTrainStep } from '../../backend/model/core/lm-train.js';
import { createDecodeSession } from '../../backend/model/core/generate.js';
import { Rng } from '../../backend/model/core/rng.js';

const { values } = parseArgs({
  options: {
    runtime: { type: 'string', default: 'webgpu' },
    shape: { type: 'string', default: 'qwen05' },
    reps: { type: 'string', default: '3' },
    'prefill-batch': { type: 'string', default: '4' },
    'prefill-len': { type: 'string', default: '128' },
    'decode-batch': { type: 'string', default: '4' },
    'decode-tokens': { type: 'string', default: '32' },
    'train-batch': { type: 'string', default: '2' },
    'train-len': { type: 'string', default: '128' },
  },
});
const reps = Number(values.reps);
const n = (k: keyof typeof values) => Number(values[k]);

/** Qwen/Qwen2.5-0.5B's config.json (494M parameters, tied embeddings, q/k/v bias). */
const QWEN05 = { vocabSize: 151936, hiddenSize: 896, numLayers: 24, numHeads: 14, numKvHeads: 2, intermediateSize: 4864, rmsNormEps: 1e-6, ropeTheta: 1e6, qkvBias: true, tieEmbeddings: true, maxPositions: 4096 };
const TINY = { ...QWEN05, vocabSize: 1000, hiddenSize: 64, numLayers: 2, numHeads: 4, numKvHeads: 2, intermediateSize: 128, maxPositions: 512 };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const log = (s: string) => process.stderr.write(s + '\n');

async function main(): Promise<Record<string, unknown>> {
  let runtime: RuntimeReport;
  try {
    runtime = await selectRuntime({ force: parseRuntimeName(values.runtime!) });
  } catch (err) {
    return { ok: false, runtime: values.runtime, error: (err as Error).message };
  }
  log(`runtime ${runtime.name} on ${runtime.device}`);
  const config = parseModelConfig(values.shape === 'tiny' ? TINY : QWEN05);
  const t0 = performance.now();
  const model = Transformer.create({ ...config, initStd: 0.02 }, 0);
  const initSeconds = (performance.now() - t0) / 1000;
  log(`model: ${model.parameterCount()} parameters, created in ${initSeconds.toFixed(1)} s`);
  const rng = new Rng(1);
  const randomIds = (b: number, t: number) => Array.from({ length: b }, () => Array.from({ length: t }, () => rng.int(config.vocabSize)));

  // Prefill: one forward over [b, t] prompts; the logits are summed on the device and the scalar read back.
  const prefill: number[] = [];
  const pIds = tf.tensor2d(randomIds(n('prefill-batch'), n('prefill-len')), undefined, 'int32');
  for (let r = 0; r <= reps; r++) {
    const s = performance.now();
    const sum = tf.tidy(() => tf.sum(model.forward(pIds as tf.Tensor2D).logits));
    await sum.data();
    sum.dispose();
    if (r > 0) prefill.push(performance.now() - s);
    log(`prefill ${r === 0 ? '(warm-up)' : r}: ${(performance.now() - s).toFixed(0)} ms`);
  }
  pIds.dispose();

  // Decoding: greedy with the KV cache; ms per token = (time for N tokens − time for 1) / (N − 1).
  const N = n('decode-tokens');
  const decodeOnce = async (tokens: number) => {
    const session = createDecodeSession(model, { batchSize: n('decode-batch'), maxLength: n('prefill-len') + N + 1, temperature: 0, topP: 1, seed: 0 });
    try {
      randomIds(n('decode-batch'), n('prefill-len')).forEach((p, i) => session.append(i, p));
      const s = performance.now();
      await session.generate({ active: new Array(n('decode-batch')).fill(true), maxNewTokens: new Array(n('decode-batch')).fill(tokens) });
      return performance.now() - s;
    } finally {
      session.dispose();
    }
  };
  const decodeStep: number[] = [];
  for (let r = 0; r <= reps; r++) {
    const one = await decodeOnce(1);
    const all = await decodeOnce(N);
    if (r > 0) decodeStep.push((all - one) / (N - 1));
    log(`decode ${r === 0 ? '(warm-up)' : r}: ${all.toFixed(0)} ms for ${N} tokens, ${one.toFixed(0)} ms for 1`);
  }

  // Training micro-batch: forward + backward + Adam over [b, t].
  const ids = tf.tensor2d(randomIds(n('train-batch'), n('train-len')), undefined, 'int32');
  const mask = tf.onesLike(ids);
  const opt = createAdam({ learningRate: 1e-5 });
  const train: number[] = [];
  let loss = NaN;
  for (let r = 0; r <= reps; r++) {
    const s = performance.now();
    loss = await lmTrainStep(model, opt, ids, mask);
    if (r > 0) train.push(performance.now() - s);
    log(`train ${r === 0 ? '(warm-up)' : r}: ${(performance.now() - s).toFixed(0)} ms, loss ${loss.toFixed(3)}`);
  }
  tf.dispose([ids, mask]);
  opt.dispose();
  model.dispose();
  return {
    ok: true,
    runtime,
    shape: values.shape,
    parameters: model.parameterCount(),
    config,
    prefill: { batch: n('prefill-batch'), len: n('prefill-len'), medianMs: +median(prefill).toFixed(1), ms: prefill.map((x) => +x.toFixed(1)) },
    decode: { batch: n('decode-batch'), promptLen: n('prefill-len'), tokens: N, medianMsPerToken: +median(decodeStep).toFixed(2), msPerToken: decodeStep.map((x) => +x.toFixed(2)) },
    train: { batch: n('train-batch'), len: n('train-len'), medianMs: +median(train).toFixed(1), ms: train.map((x) => +x.toFixed(1)), loss },
    reps,
  };
}

process.stdout.write(JSON.stringify(await main()) + '\n');
