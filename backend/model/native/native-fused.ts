// Fused ops with custom gradients (RMSNorm, SwiGLU) and a fused Adam optimizer: one native call each instead of
// the 6–15 small tfjs kernels their unfused graphs (and gradients) take. Without active native kernels (another
// backend, ATTEMPT_STUDIO_NATIVE=0) every function runs the plain tfjs composition, same maths.
import { tf, type Tensor } from '../core/tf.js';
import { loadNativeAddon, type NativeAddon } from './native-addon.js';
import { nativeKernelNames } from './native-kernels.js';
import { bufferPool } from './native-buffer-pool.js';

/** The addon when the cpu backend runs with native kernels installed, else undefined. */
export function activeAddon(): NativeAddon | undefined {
  if (tf.getBackend() !== 'cpu' || nativeKernelNames().length === 0) return undefined;
  return loadNativeAddon().addon;
}

/** The cpu backend's array of t, read without dataSync() (which would pin it out of the buffer pool). */
export function floats(t: Tensor): Float32Array | undefined {
  if (t.dtype !== 'float32') return undefined;
  const v = (tf.backend() as unknown as { data: { get(id: object): { values?: unknown } } }).data.get(t.dataId).values;
  return v instanceof Float32Array ? v : undefined;
}

/** An output array of n floats from the native buffer pool (stale contents: the native call overwrites all of it). */
export function outArray(n: number): Float32Array {
  return bufferPool.take(n);
}

/** A tensor over an outArray() array; the pool recycles the array once the tensor's data is freed (never if read out). */
export function outTensor(values: Float32Array, shape: number[]): Tensor {
  const t = tf.tensor(values, shape);
  bufferPool.adopt(values, t as unknown as Parameters<typeof bufferPool.adopt>[1]);
  return t;
}

/** Plain tfjs RMSNorm (the reference the fused one must match). x [..., C], weight [C] → [..., C]. */
export function rmsNormReference(x: Tensor, weight: Tensor, eps: number): Tensor {
  return tf.tidy(() => tf.mul(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), eps))), weight)); // [..., C]
}

/** Plain tfjs SwiGLU: silu(gate) · up. [..., F] → [..., F]. */
export function swigluReference(gate: Tensor, up: Tensor): Tensor {
  return tf.tidy(() => tf.mul(tf.mul(gate, tf.sigmoid(gate)), up)); // [..., F]
}

/** RMSNorm over the last axis, fused natively when available. x [..., C], weight [C] → [..., C]. */
export function rmsNorm(x: Tensor, weight: Tensor, eps: number): Tensor {
  const addon = activeAddon();
  const C = x.shape[x.shape.length - 1];
  if (!addon || weight.shape.length !== 1 || weight.shape[0] !== C || x.dtype !== 'float32' || weight.dtype !== 'float32' || C === 0) {
    return rmsNormReference(x, weight, eps);
  }
  const f = tf.customGrad(((xx: Tensor, ww: Tensor, save: (t: Tensor[]) => void) => {
    const xv = floats(xx)!;
    const wv = floats(ww)!;
    const rows = xv.length / C;
    const out = outArray(xv.length);
    const rstd = new Float32Array(rows);
    addon.rmsNormForward(xv, wv, out, rstd, rows, C, eps);
    save([xx, ww]); // rstd stays a plain array in this closure: a saved intermediate tensor would outlive tidy

    return {
      value: outTensor(out, xx.shape), // [..., C]
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [sx, sw] = saved;
        const dx = outArray(xv.length);
        const dw = new Float32Array(C);
        addon.rmsNormBackward(floats(sx)!, floats(sw)!, rstd, floats(dy)!, dx, dw, rows, C);
        return [outTensor(dx, sx.shape), tf.tensor(dw, sw.shape)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x, weight);
}

/** SwiGLU activation silu(gate) · up, fused natively when available. gate/up [..., F] → [..., F]. */
export function swiglu(gate: Tensor, up: Tensor): Tensor {
  const addon = activeAddon();
  if (!addon || gate.dtype !== 'float32' || up.dtype !== 'float32' || gate.shape.join() !== up.shape.join()) return swigluReference(gate, up);
  const f = tf.customGrad(((g: Tensor, u: Tensor, save: (t: Tensor[]) => void) => {
    const out = outArray(g.size);
    addon.swigluForward(floats(g)!, floats(u)!, out);
    save([g, u]);
    return {
      value: outTensor(out, g.shape), // [..., F]
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [sg, su] = saved;
        const dg = outArray(sg.size);
        const du = outArray(sg.size);
        addon.swigluBackward(floats(sg)!, floats(su)!, floats(dy)!, dg, du);
        return [outTensor(dg, sg.shape), outTensor(du, su.shape)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(gate, up);
}

/** Plain tfjs rotary embedding ("rotate half", HF Llama). x [B, H, T, D], cos/sin [B or 1, 1, T, D/2]. */
export function applyRotaryReference(x: Tensor, cos: Tensor, sin: Tensor): Tensor {
  return tf.tidy(() => {
    const [x1, x2] = tf.split(x, 2, -1); // [B, H, T, D/2] each
    return tf.concat([tf.sub(tf.mul(x1, cos), tf.mul(x2, sin)), tf.add(tf.mul(x2, cos), tf.mul(x1, sin))], -1); // [B, H, T, D]
  });
}

/** Rotary embedding, fused natively when available (gradient: the inverse rotation; none for cos/sin). */
export function applyRotary(x: Tensor, cos: Tensor, sin: Tensor): Tensor {
  const addon = activeAddon();
  const [B, H, T, D] = x.shape as number[];
  const cb = cos.shape[0];
  const ok = addon && x.rank === 4 && D % 2 === 0 && cos.rank === 4 && (cb === 1 || cb === B) && cos.shape.join() === sin.shape.join() &&
    cos.shape[1] === 1 && cos.shape[2] === T && cos.shape[3] === D / 2 && [x, cos, sin].every((t) => t.dtype === 'float32');
  if (!ok) return applyRotaryReference(x, cos, sin);
  const run = (src: Float32Array, c: Tensor, s: Tensor, sign: number) => {
    const out = outArray(src.length);
    addon!.rope(src, floats(c)!, floats(s)!, out, B, H, T, D, cb === B && B > 1, sign);
    return out;
  };
  const f = tf.customGrad(((xx: Tensor, c: Tensor, s: Tensor, save: (t: Tensor[]) => void) => {
    save([c, s]); // the tables may be tidied away before the backward pass; saved clones keep their data
    return {
      value: outTensor(run(floats(xx)!, c, s, 1), xx.shape), // [B, H, T, D]
      gradFunc: (dy: Tensor, saved: Tensor[]) => [outTensor(run(floats(dy)!, saved[0], saved[1], -1), dy.shape), tf.zerosLike(saved[0]), tf.zerosLike(saved[1])],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x, cos, sin);
}

interface AdamInternals {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
  incrementIterations(): void;
}

/**
 * tfjs's Adam (same state, getWeights/setWeights and serialisation) whose update runs as one native call per
 * variable, with the same float operations in the same order. Without native kernels it runs tfjs's own update
 * (adam_optimizer.js, same ops in the same order) with each variable in its own tidy: tfjs's keeps ~11
 * temporaries of every variable until all are updated, ~11× the model's size at the step's peak.
 */
export class NativeAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    const self = this as unknown as AdamInternals;
    const list = Array.isArray(variableGradients)
      ? variableGradients.map((v) => ({ name: v.name, grad: v.tensor }))
      : Object.keys(variableGradients).map((name) => ({ name, grad: (variableGradients as tf.NamedTensorMap)[name] }));
    const all = tf.engine().registeredVariables;
    const floatsOnly = !list.some(({ name, grad }) => (grad && grad.dtype !== 'float32') || all[name]?.dtype !== 'float32');
    const addon = floatsOnly ? activeAddon() : undefined;
    const f = Math.fround;
    const oneMinusAcc1 = f(1 - self.accBeta1.dataSync()[0]);
    const oneMinusAcc2 = f(1 - self.accBeta2.dataSync()[0]);
    const scalars = new Float64Array([f(self.beta1), f(1 - self.beta1), f(self.beta2), f(1 - self.beta2), oneMinusAcc1, oneMinusAcc2, f(self.epsilon), f(-self.learningRate)]);
    const stockAcc = addon ? [] : [tf.sub(1, self.accBeta1), tf.sub(1, self.accBeta2)];
    list.forEach(({ name, grad }, i) => {
      const value = all[name];
      if (self.accumulatedFirstMoment[i] == null) {
        self.accumulatedFirstMoment[i] = { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      }
      if (self.accumulatedSecondMoment[i] == null) {
        self.accumulatedSecondMoment[i] = { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      }
      if (grad == null) return;
      const m = self.accumulatedFirstMoment[i].variable;
      const v = self.accumulatedSecondMoment[i].variable;
      if (!addon) {
        tf.tidy(() => {
          const newM = tf.add(tf.mul(m, self.beta1), tf.mul(grad, 1 - self.beta1));
          const newV = tf.add(tf.mul(v, self.beta2), tf.mul(tf.square(grad), 1 - self.beta2));
          const mHat = tf.div(newM, stockAcc[0]!);
          const vHat = tf.div(newV, stockAcc[1]!);
          m.assign(newM);
          v.assign(newV);
          value.assign(tf.add(tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), self.epsilon)), -self.learningRate), value));
        });
        return;
      }
      const n = value.size;
      const outValue = outArray(n);
      const outM = outArray(n);
      const outV = outArray(n);
      addon.adam(floats(value)!, floats(grad)!, floats(m)!, floats(v)!, outValue, outM, outV, scalars);
      for (const [target, data] of [[m, outM], [v, outV], [value, outValue]] as const) {
        const t = outTensor(data, target.shape);
        target.assign(t);
        t.dispose();
      }
    });
    tf.dispose(stockAcc);
    tf.tidy(() => {
      self.accBeta1.assign(tf.mul(self.accBeta1, self.beta1));
      self.accBeta2.assign(tf.mul(self.accBeta2, self.beta2));
    });
    self.incrementIterations();
  }
}

/** Adam with the fused native update when native kernels are active (drop-in for tf.train.adam). */
export function adam(learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon?: number): tf.AdamOptimizer {
  return new NativeAdamOptimizer(learningRate, beta1, beta2, epsilon);
}
