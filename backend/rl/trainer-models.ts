// The models and optimizers a training run starts from: the trainable policy copy, the PPO critic (the
// policy's backbone plus a zero-initialised value head) and Adam with the run's settings.
import { Transformer, parameterShapes } from '../model/core/transformer.js';
import { createAdam } from '../model/formats/checkpoint.js';
import type { RunConfig } from './config.js';

/** The critic for PPO: the policy's backbone and weights plus a zero-initialised scalar value head. */
export async function createCritic(policy: Transformer): Promise<Transformer> {
  const config = { ...policy.config, valueHead: true };
  const weights = new Map(await policy.exportWeights());
  for (const [name, shape] of parameterShapes(config)) {
    if (!weights.has(name)) weights.set(name, { data: new Float32Array(shape.reduce((a, b) => a * b, 1)), shape });
  }
  return Transformer.fromWeights(config, weights, 'critic');
}

/** A trainable copy of a model (the reference stays frozen and untouched). */
export async function cloneModel(model: Transformer): Promise<Transformer> {
  return Transformer.fromWeights(model.config, await model.exportWeights(), 'policy copy');
}

/** Fresh optimizers for a new run, with the run's Adam settings. */
export function createOptimizers(config: RunConfig, critic: boolean) {
  const o = config.optimizer;
  const make = (lr: number) => createAdam({ learningRate: lr, beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon });
  return { actorOptimizer: make(o.actorLr), criticOptimizer: critic ? make(o.criticLr) : undefined };
}
