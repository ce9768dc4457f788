// The memory-estimate input of a run config: what the trainer holds (policy + Adam, the PPO critic, the KL
// reference) and the shapes it uses (one generation chunk × longest episode for the KV cache, one micro-batch
// for the activations of an update, plus the gradient accumulator when a mini-batch is split; activation
// checkpointing per model.gradientCheckpointing) — and the check against the device, from config.json alone.
import path from 'node:path';
import type { ModelConfig } from '../model/core/config.js';
import { readModelConfig } from '../model/formats/hf-import.js';
import { assertFits, assertTensorsFit, deviceMemoryBytes, estimateRunMemory, largeTensors, type MemoryEstimate, type MemoryEstimateInput } from '../model/runtime/memory-estimate.js';
import { activeAdapter, adapterLabel } from '../model/runtime/webgpu-device.js';
import { BASE_MODEL_CONFIG } from '../pretrain/base-model.js';
import type { RunConfig } from './config.js';

/**
 * The longest sequence the trainer may decode: its context fitting (context-fit.ts) lets an episode grow up to
 * the model's context when its prompt is long, so the bound is the context itself (each decode chunk is sized
 * to its own episodes, usually less).
 */
export function maxEpisodeLength(_config: RunConfig, model: ModelConfig): number {
  return model.maxPositions;
}

export function runMemoryInput(config: RunConfig, model: ModelConfig): MemoryEstimateInput {
  const T = maxEpisodeLength(config, model);
  return {
    model,
    critic: config.algorithm.name === 'ppo',
    reference: config.algorithm.kl.coef > 0,
    generationBatch: config.generation.batchSize ?? config.rolloutBatch,
    maxSequence: T,
    updateBatch: config.microBatch ?? config.miniBatch,
    updateSequence: T,
    accumulate: (config.microBatch ?? config.miniBatch) < config.miniBatch,
    checkpoint: config.model.gradientCheckpointing,
  };
}

/** The folder a run loads its initial policy from, or undefined for the built-in base model. */
export function policyFolder(config: RunConfig): string | undefined {
  return config.model.checkpoint ?? (config.model.source !== 'builtin' ? config.model.source : undefined);
}

export interface MemoryCheck {
  estimate: MemoryEstimate;
  available: { bytes: number; what: string };
  /** Where the model's shape came from: a config.json, or the built-in base model. */
  modelFrom: string;
  /** The refusal (with the breakdown) when it does not fit, else undefined. */
  refusal?: string;
}

/**
 * A run's estimate against the memory of the device `runtimeName` computes on. Reads the policy folder's
 * config.json only (no weights); the built-in model's shape without a folder.
 */
export async function checkRunMemory(config: RunConfig, runtimeName: string): Promise<MemoryCheck> {
  const dir = policyFolder(config);
  const model = dir === undefined ? BASE_MODEL_CONFIG : await readModelConfig(dir);
  const input = runMemoryInput(config, model);
  const estimate = estimateRunMemory(input);
  const adapter = runtimeName === 'webgpu' ? activeAdapter() : undefined;
  const available = deviceMemoryBytes(runtimeName, adapter?.vendor);
  let refusal: string | undefined;
  try {
    if (adapter) assertTensorsFit(largeTensors(model, input), adapter.limits, adapterLabel(adapter));
    assertFits(estimate, available);
  } catch (err) {
    refusal = (err as Error).message;
  }
  return { estimate, available, modelFrom: dir === undefined ? 'the built-in base model' : path.join(dir, 'config.json'), refusal };
}
