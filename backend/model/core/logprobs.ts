// Per-token log-probabilities and entropy from logits: the quantities RL losses are built from.
import { tf, type Tensor } from './tf.js';
import { logProbPick, logProbPickActive } from '../native/native-logprob.js';

/** log p(target) per position. logits [B, T, V], targetIds int32 [B, T] → [B, T]. Differentiable in logits. */
export function tokenLogProbs(logits: Tensor, targetIds: Tensor): Tensor {
  return tf.tidy(() => {
    const [B, T, V] = logits.shape as [number, number, number];
    if (targetIds.shape.length !== 2 || targetIds.shape[0] !== B || targetIds.shape[1] !== T) {
      throw new Error(`tokenLogProbs: targets must be [${B}, ${T}] to match logits [${B}, ${T}, ${V}], got [${targetIds.shape.join(', ')}]`);
    }
    if (logProbPickActive() && logits.dtype === 'float32') return logProbPick(logits, tf.cast(targetIds, 'int32')); // [B, T] (one native op)
    const flat = tf.reshape(logits, [B * T, V]); // [B·T, V]
    // log p = x[target] − logsumexp(x); picking by one-hot product keeps the gradient dense and cheap
    // (a gather's gradient is UnsortedSegmentSum, very slow on the tfjs cpu backend).
    const onehot = tf.oneHot(tf.reshape(tf.cast(targetIds, 'int32'), [B * T]), V); // [B·T, V]
    const picked = tf.sum(tf.mul(flat, onehot), -1); // [B·T]
    return tf.reshape(tf.sub(picked, tf.logSumExp(flat, -1)), [B, T]); // [B, T]
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
    // Native path: pick on the full logits with targets shifted left (last column's target unused), so the
    // [B, T, V] slice and its [B, T, V] PadV2 gradient disappear.
    const lp = logProbPickActive()
      ? tf.slice(tokenLogProbs(logits, tf.concat([tf.slice(ids, [0, 1], [B, T - 1]), tf.zeros([B, 1], ids.dtype)], 1)), [0, 0], [B, T - 1]) // [B, T-1]
      : tokenLogProbs(tf.slice(logits, [0, 0, 0], [B, T - 1, V]), tf.slice(ids, [0, 1], [B, T - 1])); // [B, T-1]
    const m = tf.cast(tf.slice(mask, [0, 1], [B, T - 1]), 'float32'); // [B, T-1]
    return tf.div(tf.neg(tf.sum(tf.mul(lp, m))), tf.maximum(tf.sum(m), 1)); // []
  });
}
