// Per-token log-probabilities and entropy from logits: the quantities RL losses are built from.
import { tf, type Tensor } from './tf.js';

/** log p(target) per position. logits [B, T, V], targetIds int32 [B, T] → [B, T]. Differentiable in logits. */
export function tokenLogProbs(logits: Tensor, targetIds: Tensor): Tensor {
  return tf.tidy(() => {
    const [B, T, V] = logits.shape as [number, number, number];
    const logp = tf.logSoftmax(tf.reshape(logits, [B * T, V]), -1); // [B·T, V]
    const flatIdx = tf.add(
      tf.mul(tf.range(0, B * T, 1, 'int32'), tf.scalar(V, 'int32')),
      tf.reshape(tf.cast(targetIds, 'int32'), [B * T]),
    ); // [B·T]
    return tf.reshape(tf.gather(tf.reshape(logp, [B * T * V]), flatIdx), [B, T]); // [B, T]
  });
}

/** Entropy of the softmax distribution per position. logits [B, T, V] → [B, T]. */
export function entropyFromLogits(logits: Tensor): Tensor {
  return tf.tidy(() => {
    const logp = tf.logSoftmax(logits, -1); // [B, T, V]
    return tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), -1)); // [B, T]
  });
}

/**
 * Next-token cross-entropy for language-model training, averaged over positions with mask 1.
 * logits [B, T, V] predict ids shifted by one: logits[:, t] scores ids[:, t+1]; mask [B, T] marks the target
 * positions (1 = train on ids[:, t]); the first column of mask is ignored. Returns a scalar.
 */
export function nextTokenLoss(logits: Tensor, ids: Tensor, mask: Tensor): Tensor {
  return tf.tidy(() => {
    const [B, T, V] = logits.shape as [number, number, number];
    const lp = tokenLogProbs(tf.slice(logits, [0, 0, 0], [B, T - 1, V]), tf.slice(ids, [0, 1], [B, T - 1])); // [B, T-1]
    const m = tf.cast(tf.slice(mask, [0, 1], [B, T - 1]), 'float32'); // [B, T-1]
    return tf.div(tf.neg(tf.sum(tf.mul(lp, m))), tf.maximum(tf.sum(m), 1)); // []
  });
}
