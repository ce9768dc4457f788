// The memory-estimate input of a run config: what the trainer holds (policy + Adam, the PPO critic, the KL
// reference) and the shapes it uses (one generation chunk × longest episode for the KV cache, one micro-batch
// for the activations of an update, plus the gradient accumulator when a mini-batch is split; activation
// checkpointing per model.gradientCheckpointing).
import type { ModelConfig } from '../model/config.js';
import type { MemoryEstimateInput } from '../model/memory-estimate.js';
import type { RunConfig } from './config.js';

/** The longest sequence the trainer decodes (trainer.ts: prompt room + total budget + feedback turns). */
export function maxEpisodeLength(config: RunConfig, model: ModelConfig): number {
  return Math.min(model.maxPositions, 256 + config.generation.maxTotalTokens + 64 * config.task.maxAttempts);
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
