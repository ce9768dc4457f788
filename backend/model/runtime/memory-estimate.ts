// How much memory a training run needs before it starts: weights and Adam moments of the policy (and the
// critic), the frozen reference model, the KV cache of a rollout batch, and the gradients and activations of an
// update (with or without activation checkpointing) — all float32 as TensorFlow.js stores them — and the
// device memory to compare with; on WebGPU also the adapter's largest buffer binding, which every single
// tensor must fit.
import { execFileSync } from 'node:child_process';
import { totalmem } from 'node:os';
import { headDimOf, type ModelConfig } from '../core/config.js';
import { parameterShapes } from '../core/transformer.js';
import { formatBytes } from './format-bytes.js';

export interface MemoryEstimateInput {
  model: ModelConfig;
  /** PPO critic: a second backbone with a value head, trained with its own Adam. */
  critic: boolean;
  /** Frozen reference model for the KL term. */
  reference: boolean;
  /** Sequences decoded together during rollout, and their longest length (prompt + all attempts). */
  generationBatch: number;
  maxSequence: number;
  /** Sequences in one optimizer update (forward + backward together), and their longest length. */
  updateBatch: number;
  updateSequence: number;
  /** Gradient accumulation over micro-batches: one more gradient-sized buffer during an update. */
  accumulate?: boolean;
  /** Activation checkpointing (checkpointed-layer.ts): layers keep only their input for the backward pass. */
  checkpoint?: boolean;
}

export interface MemoryPart {
  name: string;
  bytes: number;
}

export interface MemoryEstimate {
  parameters: number;
  /** Held for the whole run. */
  resident: MemoryPart[];
  /**
   * Rollout (KV cache) and update (gradients, activations) do not overlap: the larger one counts. The actor's
   * and the critic's updates run one after the other, so one model's gradients count (the larger, the critic's).
   */
  rollout: MemoryPart[];
  update: MemoryPart[];
  /** The optimizer step after the backward passes: gradient sum, its clipped copy, Adam's temporaries. */
  step: MemoryPart[];
  /** Whether the update's activations were counted with activation checkpointing. */
  checkpoint: boolean;
  /** resident + max(rollout, update, step). */
  peakBytes: number;
}

const F32 = 4;
/** Tensors of a variable's size alive during its Adam update on stock tfjs (measured: tests/backend/model/native-fused.test.ts). */
const ADAM_TEMPORARIES = 14;

export function parameterCount(c: ModelConfig): number {
  let n = 0;
  for (const shape of parameterShapes({ ...c, valueHead: false })) n += shape[1].reduce((a, b) => a * b, 1);
  return n;
}

const sum = (parts: MemoryPart[]) => parts.reduce((a, p) => a + p.bytes, 0);

/**
 * An estimate (not a measurement): weights, gradients and Adam's m and v are 4 bytes per parameter each;
 * gradients exist only during an update (one model's at a time, plus the accumulator across micro-batches);
 * the KV cache is 2·L·Hkv·D floats per token; activations kept for the backward pass are taken as
 * ~(16·C + 4·F + 2·H·T) floats per token per layer (norms, projections, SwiGLU, attention scores and
 * probabilities) — with checkpointing, C per token per layer (each layer's input) plus one layer's full set,
 * rebuilt while that layer's backward runs — plus 3·V per token for the logits, their log-softmax and its gradient.
 * The optimizer step holds the gradient sum, its clipped copy and one variable's Adam temporaries at a time.
 */
export function estimateRunMemory(i: MemoryEstimateInput): MemoryEstimate {
  const c = i.model;
  const P = parameterCount(c);
  const weights = P * F32;
  const criticWeights = (P + c.hiddenSize + 1) * F32;
  const resident: MemoryPart[] = [
    { name: 'policy weights', bytes: weights },
    { name: 'policy Adam moments (m, v)', bytes: 2 * weights },
  ];
  if (i.critic) resident.push({ name: 'critic weights', bytes: criticWeights }, { name: 'critic Adam moments (m, v)', bytes: 2 * criticWeights });
  if (i.reference) resident.push({ name: 'reference model weights', bytes: weights });
  const D = headDimOf(c);
  const kvPerToken = 2 * c.numLayers * c.numKvHeads * D * F32;
  const rollout: MemoryPart[] = [
    { name: `KV cache (${i.generationBatch} sequences × ${i.maxSequence} tokens)`, bytes: kvPerToken * i.generationBatch * i.maxSequence },
    { name: 'decoding logits', bytes: i.generationBatch * c.vocabSize * F32 * 2 },
  ];
  const tokens = i.updateBatch * i.updateSequence;
  const perLayer = 16 * c.hiddenSize + 4 * c.intermediateSize + 2 * c.numHeads * i.updateSequence;
  const gradBytes = i.critic ? criticWeights : weights;
  const shape = `${i.updateBatch} sequences × ${i.updateSequence} tokens`;
  const update: MemoryPart[] = [{ name: `gradients (${i.critic ? 'critic, the larger model' : 'policy'})`, bytes: gradBytes }];
  if (i.accumulate) update.push({ name: 'gradient accumulator (micro-batches)', bytes: gradBytes });
  if (i.checkpoint)
    update.push(
      { name: `checkpointed layer inputs (${shape})`, bytes: tokens * c.hiddenSize * c.numLayers * F32 },
      { name: 'one layer\'s activations, recomputed in the backward pass', bytes: tokens * perLayer * F32 },
    );
  else update.push({ name: `activations (${shape})`, bytes: tokens * perLayer * c.numLayers * F32 });
  update.push({ name: 'logits, log-softmax and their gradient', bytes: tokens * c.vocabSize * 3 * F32 });
  let largest = 0;
  for (const [, s] of parameterShapes(c)) largest = Math.max(largest, s.reduce((a, b) => a * b, 1));
  const step: MemoryPart[] = [
    { name: 'gradient sum and its clipped copy', bytes: 2 * gradBytes },
    { name: `Adam temporaries of the largest tensor (${ADAM_TEMPORARIES} of its size)`, bytes: ADAM_TEMPORARIES * largest * F32 },
  ];
  return { parameters: P, resident, rollout, update, step, checkpoint: i.checkpoint ?? false, peakBytes: sum(resident) + Math.max(sum(rollout), sum(update), sum(step)) };
}

/** A multi-line breakdown for logs and refusals. */
export function formatEstimate(e: MemoryEstimate): string {
  const line = (p: MemoryPart) => `  ${p.name}: ${formatBytes(p.bytes)}`;
  return [
    `estimated peak ${formatBytes(e.peakBytes)} for ${e.parameters >= 1e6 ? `${(e.parameters / 1e6).toFixed(1)}M` : `${(e.parameters / 1e3).toFixed(1)}k`} parameters (float32):`,
    ...e.resident.map(line),
    ` rollout: ${formatBytes(sum(e.rollout))}`,
    ...e.rollout.map(line),
    ` update: ${formatBytes(sum(e.update))}`,
    ...e.update.map(line),
    ` optimizer step: ${formatBytes(sum(e.step))}`,
    ...e.step.map(line),
  ].join('\n');
}

/**
 * Memory of the device a runtime computes on: the GPU's (nvidia-smi) for tfjs-node-gpu and for webgpu on an
 * NVIDIA adapter (WebGPU does not tell a device's memory), else system RAM (CPU runtimes, software adapters,
 * and integrated GPUs, which share it).
 */
export function deviceMemoryBytes(runtimeName: string, adapterVendor?: string): { bytes: number; what: string } {
  if (runtimeName === 'tfjs-node-gpu' || (runtimeName === 'webgpu' && adapterVendor === 'nvidia')) {
    try {
      const out = execFileSync('nvidia-smi', ['--query-gpu=memory.total', '--format=csv,noheader,nounits'], {
        encoding: 'utf8',
        timeout: 5000,
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      const mib = Number(out.trim().split('\n')[0]);
      if (Number.isFinite(mib) && mib > 0) return { bytes: mib * 1024 ** 2, what: 'GPU memory (nvidia-smi)' };
    } catch {
      /* fall through to RAM */
    }
  }
  return { bytes: totalmem(), what: 'system memory' };
}

/** A WebGPU adapter's buffer limits (webgpu-device.ts: DeviceLimits). */
export interface TensorLimits {
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
}

export interface NamedTensor {
  name: string;
  shape: number[];
}

/**
 * The largest tensors a model creates: its parameters, plus (given the shapes of a run) the logits of an update
 * micro-batch [b, T, V] and one layer's KV cache [B, Hkv, S, D] during rollout.
 */
export function largeTensors(c: ModelConfig, run?: Pick<MemoryEstimateInput, 'generationBatch' | 'maxSequence' | 'updateBatch' | 'updateSequence'>): NamedTensor[] {
  const out: NamedTensor[] = [...parameterShapes(c)].map(([name, shape]) => ({ name, shape }));
  if (run) {
    out.push({ name: `logits of an update micro-batch`, shape: [run.updateBatch, run.updateSequence, c.vocabSize] });
    out.push({ name: `one layer's KV cache (keys)`, shape: [run.generationBatch, c.numKvHeads, run.maxSequence, headDimOf(c)] });
  }
  return out;
}

/**
 * Throws, naming the first tensor too large, when a float32 tensor would exceed the device's largest buffer
 * binding (a compute shader binds each tensor whole): min(maxBufferSize, maxStorageBufferBindingSize).
 */
export function assertTensorsFit(tensors: NamedTensor[], limits: TensorLimits, device: string): void {
  const cap = Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize);
  const which = limits.maxStorageBufferBindingSize <= limits.maxBufferSize ? 'maxStorageBufferBindingSize' : 'maxBufferSize';
  for (const t of tensors) {
    const bytes = t.shape.reduce((a, b) => a * b, 1) * F32;
    if (bytes > cap)
      throw new Error(
        `tensor '${t.name}' [${t.shape.join(', ')}] is ${formatBytes(bytes)} as float32, more than the ${formatBytes(cap)} ` +
          `one buffer may hold on ${device} (${which}); use another runtime (--runtime cpu-native) or a smaller model or batch`,
      );
  }
}

/** Throws a refusal naming the estimate, the device's memory and what to reduce, when the run cannot fit. */
export function assertFits(e: MemoryEstimate, available: { bytes: number; what: string }): void {
  if (e.peakBytes <= available.bytes) return;
  throw new Error(
    `this run does not fit: it needs about ${formatBytes(e.peakBytes)}, the ${available.what} is ${formatBytes(available.bytes)}. ` +
      (e.checkpoint ? '' : 'Set model.gradientCheckpointing to true (activation checkpointing), or r') +
      `${e.checkpoint ? 'R' : ''}educe generation.batchSize (or rolloutBatch), microBatch (or miniBatch) or generation.maxTotalTokens, use an algorithm without a critic, ` +
      'set algorithm.kl.coef to 0 (no reference model), or use a smaller model.\n' +
      formatEstimate(e),
  );
}
