// One supervised language-model training step (next-token cross-entropy, Adam): used to pretrain the built-in
// model, by the benchmark, and by the tests as the reference train loop. RL losses live in backend/rl.
import { tf, type Tensor } from './tf.js';
import type { Transformer } from './transformer.js';
import { nextTokenLoss } from './logprobs.js';

/**
 * ids int32 [B, T] right-padded; mask [B, T] (1 = train on predicting this token). Applies the gradients in
 * model.trainableVariables() order (what checkpoint.loadOptimizer expects). Returns the loss before the step.
 */
export async function lmTrainStep(
  model: Transformer,
  optimizer: tf.Optimizer,
  ids: Tensor,
  mask: Tensor,
): Promise<number> {
  const vars = model.trainableVariables();
  const loss = optimizer.minimize(
    () => nextTokenLoss(model.forward(ids as tf.Tensor2D).logits, ids, mask) as tf.Scalar,
    true,
    vars,
  );
  try {
    return (await loss!.data())[0];
  } finally {
    loss!.dispose();
  }
}
