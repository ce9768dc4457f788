// Shared pieces of the native cpu kernels: the kernel-argument types, typed-array access to the cpu backend's
// tensors, and NumPy broadcasting/stride helpers (pure functions).
import { tf } from '../core/tf.js';
import type { NativeAddon } from './native-addon.js';
import { bufferPool } from './native-buffer-pool.js';

import type { CpuBackend, TensorInfo } from './native-kernel-types.js';

export type { CpuBackend, TensorInfo };
/** What tfjs passes a kernel, with the inputs each kernel below reads (absent ones are checked). */
export interface KernelArgs {
  inputs: Record<string, TensorInfo>;
  attrs?: Record<string, unknown>;
  backend: unknown;
}
export type Impl = (args: KernelArgs, addon: NativeAddon, backend: CpuBackend) => TensorInfo | undefined;

export const size = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

export function f32(backend: CpuBackend, t: TensorInfo | undefined): Float32Array | undefined {
  if (!t || t.dtype !== 'float32') return undefined;
  const v = backend.data.get(t.dataId).values;
  return v instanceof Float32Array ? v : undefined;
}

/** NumPy broadcast of two shapes, or undefined if incompatible (the stock kernel then reports the error). */
export function broadcastShapes(a: number[], b: number[]): number[] | undefined {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1;
    const db = b[b.length - r + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return undefined;
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Element strides of `shape` aligned right against `outShape`, 0 where broadcast. */
export function broadcastStrides(shape: number[], outShape: number[]): number[] {
  const strides = new Array<number>(outShape.length).fill(0);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const o = outShape.length - shape.length + i;
    strides[o] = shape[i] === 1 ? 0 : s;
    s *= shape[i];
  }
  return strides;
}

/** Drops size-1 dims and merges dims that are contiguous in every operand; keeps rank ≤ 8 for the addon. */
export function collapse(shape: number[], strides: number[][]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStr: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const r = outShape.length;
    if (r > 0 && strides.every((s, i) => outStr[i][r - 1] === s[d] * shape[d])) {
      outShape[r - 1] *= shape[d];
      strides.forEach((s, i) => (outStr[i][r - 1] = s[d]));
    } else {
      outShape.push(shape[d]);
      strides.forEach((s, i) => outStr[i].push(s[d]));
    }
  }
  return { shape: outShape, strides: outStr };
}

/** Row-major element strides of a shape. */
export function stridesOf(shape: number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** The 4-byte backing array of a float32/int32 tensor, or undefined (bool, string, complex go to the stock kernel). */
export function words(backend: CpuBackend, t: TensorInfo | undefined): Float32Array | Int32Array | undefined {
  if (!t || (t.dtype !== 'float32' && t.dtype !== 'int32')) return undefined;
  const v = backend.data.get(t.dataId).values;
  return v instanceof Float32Array || v instanceof Int32Array ? v : undefined;
}

export function normAxis(axis: number, rank: number): number | undefined {
  const a = axis < 0 ? axis + rank : axis;
  return Number.isInteger(a) && a >= 0 && a < rank ? a : undefined;
}

let pooling = false;
/** Turns output-array recycling on or off (native-kernels.ts decides, ATTEMPT_STUDIO_NATIVE_POOL=0 disables). */
export function setPooling(on: boolean): void {
  pooling = on;
}

/** A float32 output array of length n; recycled ones hold stale data, so kernels must write every element. */
export function takeF32(n: number): Float32Array {
  return pooling ? bufferPool.take(n) : new Float32Array(n);
}

/** A zero-filled output array (pooled if pooling), for kernels that accumulate into their output. */
export function takeZeroedF32(n: number): Float32Array {
  return pooling ? bufferPool.takeZeroed(n) : new Float32Array(n);
}

/** Wraps a kernel's output array as a tensor of the backend, registering it with the pool. */
export function output(backend: CpuBackend, shape: number[], dtype: tf.DataType, values: Float32Array | Int32Array): TensorInfo {
  const info = backend.makeTensorInfo(shape, dtype, values);
  if (pooling) bufferPool.adopt(values, info);
  return info;
}
