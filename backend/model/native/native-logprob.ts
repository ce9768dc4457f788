// Fused log-probability of target tokens (log-softmax + pick) with its gradient as one native call each way,
// replacing tfjs's one-hot product, logSumExp (max/sub/exp/sum/log) and their gradients. Inactive without
// native kernels: callers (logprobs.ts) keep the stock composition then.
import { tf, type Tensor } from '../core/tf.js';
import { activeAddon, floats, outArray, outTensor } from './native-fused.js';

/** The int32 array of t on the cpu backend (copied, so later kernels cannot recycle it), or undefined. */
function ints(t: Tensor): Int32Array | undefined {
  const v = (tf.backend() as unknown as { data: { get(id: object): { values?: unknown } } }).data.get(t.dataId).values;
  return v instanceof Int32Array ? v.slice() : undefined;
}

/** True when logProbPick runs natively (cpu backend with native kernels). */
export function logProbPickActive(): boolean {
  return activeAddon() !== undefined;
}

/**
 * log p(target) = x[target] − logsumexp(x) per row. logits float32 [..., V], targets int32 [...] → [...].
 * Differentiable in logits only. Requires logProbPickActive().
 */
export function logProbPick(logits: Tensor, targets: Tensor): Tensor {
  const addon = activeAddon();
  if (!addon) throw new Error('logProbPick: native kernels are not active');
  const V = logits.shape[logits.rank - 1];
  const rows = logits.size / V;
  const tgt = targets.dtype === 'int32' ? ints(targets) : undefined;
  if (!tgt || tgt.length !== rows || logits.dtype !== 'float32') throw new Error('logProbPick: needs float32 logits [..., V] and int32 targets [...]');
  const f = tf.customGrad(((x: Tensor, save: (t: Tensor[]) => void) => {
    const out = new Float32Array(rows);
    const lse = new Float32Array(rows); // kept in this closure for the backward pass
    addon.logProbPick(floats(x)!, tgt, out, lse, rows, V);
    save([x]);
    return {
      value: tf.tensor(out, targets.shape), // [...]
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const dx = outArray(saved[0].size);
        addon.logProbPickBackward(floats(saved[0])!, tgt, lse, floats(dy)!, dx, rows, V);
        return [outTensor(dx, saved[0].shape)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(logits);
}
