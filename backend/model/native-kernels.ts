// Native (OpenBLAS/C++) replacements for hot kernels of tfjs's `cpu` backend, registered over the stock ones.
// Each keeps the stock kernel as fallback for dtypes/cases it does not handle. Provider for runtime.ts.
import { tf } from './tf.js';
import { BINARY_OPS, REDUCE_OPS, UNARY_OPS, loadNativeAddon, type NativeAddon } from './native-addon.js';
import type { NativeKernelProvider } from './runtime.js';

type TensorInfo = tf.TensorInfo;
type KernelFunc = tf.KernelFunc;
/** What tfjs passes a kernel, with the inputs each kernel below reads (absent ones are checked). */
interface KernelArgs {
  inputs: Record<string, TensorInfo>;
  attrs?: Record<string, unknown>;
  backend: unknown;
}
interface CpuBackend {
  data: { get(id: object): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array | Int32Array): TensorInfo;
}
type Impl = (args: KernelArgs, addon: NativeAddon, backend: CpuBackend) => TensorInfo | undefined;

const size = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

function f32(backend: CpuBackend, t: TensorInfo | undefined): Float32Array | undefined {
  if (!t || t.dtype !== 'float32') return undefined;
  const v = backend.data.get(t.dataId).values;
  return v instanceof Float32Array ? v : undefined;
}

/** NumPy broadcast of two shapes, or undefined if incompatible (the stock kernel then reports the error). */
function broadcastShapes(a: number[], b: number[]): number[] | undefined {
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
function broadcastStrides(shape: number[], outShape: number[]): number[] {
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
function collapse(shape: number[], strides: number[][]): { shape: number[]; strides: number[][] } {
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

function binaryImpl(op: number): Impl {
  return ({ inputs }, addon, backend) => {
    const a = f32(backend, inputs.a);
    const b = f32(backend, inputs.b);
    if (!a || !b) return undefined;
    const outShape = broadcastShapes(inputs.a.shape, inputs.b.shape);
    if (!outShape) return undefined;
    const c = collapse(outShape, [broadcastStrides(inputs.a.shape, outShape), broadcastStrides(inputs.b.shape, outShape)]);
    if (c.shape.length > 8) return undefined;
    const out = new Float32Array(size(outShape));
    addon.binary(op, a, b, out, new Float64Array(c.shape), new Float64Array(c.strides[0]), new Float64Array(c.strides[1]));
    return backend.makeTensorInfo(outShape, 'float32', out);
  };
}

function unaryImpl(op: number, alphaAttr?: string): Impl {
  return ({ inputs, attrs }, addon, backend) => {
    const x = f32(backend, inputs.x);
    if (!x) return undefined;
    const out = new Float32Array(x.length);
    const alpha = alphaAttr ? Number((attrs as Record<string, unknown>)[alphaAttr] ?? 0) : 0;
    addon.unary(op, x, out, alpha);
    return backend.makeTensorInfo(inputs.x.shape, 'float32', out);
  };
}

/** Batched A·B with NumPy batch broadcasting (correct where stock tfjs's modulo indexing is not). */
function matmulInto(addon: NativeAddon, a: Float32Array, aShape: number[], b: Float32Array, bShape: number[], transA: boolean, transB: boolean): { out: Float32Array; shape: number[] } | undefined {
  const ra = aShape.length;
  const rb = bShape.length;
  if (ra < 2 || rb < 2) return undefined;
  const m = transA ? aShape[ra - 1] : aShape[ra - 2];
  const k = transA ? aShape[ra - 2] : aShape[ra - 1];
  const kb = transB ? bShape[rb - 1] : bShape[rb - 2];
  const n = transB ? bShape[rb - 2] : bShape[rb - 1];
  if (k !== kb) return undefined;
  const aBatch = aShape.slice(0, -2);
  const bBatch = bShape.slice(0, -2);
  const batch = broadcastShapes(aBatch, bBatch);
  if (!batch) return undefined;
  const count = size(batch);
  const shape = [...batch, m, n];
  const out = new Float32Array(count * m * n);
  if (out.length === 0) return { out, shape };
  const aStr = broadcastStrides(aBatch, batch);
  const bStr = broadcastStrides(bBatch, batch);
  const aOff = new Float64Array(count);
  const bOff = new Float64Array(count);
  const idx = new Array<number>(batch.length).fill(0);
  for (let i = 0; i < count; i++) {
    let ao = 0;
    let bo = 0;
    for (let d = 0; d < batch.length; d++) {
      ao += idx[d] * aStr[d];
      bo += idx[d] * bStr[d];
    }
    aOff[i] = ao * m * k;
    bOff[i] = bo * k * n;
    for (let d = batch.length - 1; d >= 0; d--) {
      if (++idx[d] < batch[d]) break;
      idx[d] = 0;
    }
  }
  // One tall product when every A block is consecutive and B is shared: [count·m, k] × [k, n].
  const shared = bOff.every((o) => o === bOff[0]);
  const consecutive = aOff.every((o, i) => o === i * m * k);
  if (!transA && shared && consecutive && count > 1) {
    addon.matmul(a, b, out, new Float64Array([0]), new Float64Array([bOff[0]]), count * m, n, k, false, transB);
  } else {
    addon.matmul(a, b, out, aOff, bOff, m, n, k, transA, transB);
  }
  return { out, shape };
}

const batchMatMul: Impl = ({ inputs, attrs }, addon, backend) => {
  const a = f32(backend, inputs.a);
  const b = f32(backend, inputs.b);
  if (!a || !b) return undefined;
  const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
  const r = matmulInto(addon, a, inputs.a.shape, b, inputs.b.shape, !!transposeA, !!transposeB);
  return r && backend.makeTensorInfo(r.shape, 'float32', r.out);
};

const fusedMatMul: Impl = ({ inputs, attrs }, addon, backend) => {
  const { transposeA, transposeB, activation } = attrs as { transposeA: boolean; transposeB: boolean; activation?: string };
  if (activation && activation !== 'linear' && activation !== 'relu') return undefined;
  const a = f32(backend, inputs.a);
  const b = f32(backend, inputs.b);
  if (!a || !b) return undefined;
  const bias = inputs.bias ? f32(backend, inputs.bias) : undefined;
  if (inputs.bias && !bias) return undefined;
  const r = matmulInto(addon, a, inputs.a.shape, b, inputs.b.shape, !!transposeA, !!transposeB);
  if (!r) return undefined;
  let { out, shape } = r;
  if (bias) {
    const outShape = broadcastShapes(shape, inputs.bias.shape);
    if (!outShape) return undefined;
    const c = collapse(outShape, [broadcastStrides(shape, outShape), broadcastStrides(inputs.bias.shape, outShape)]);
    if (c.shape.length > 8) return undefined;
    const sum = outShape.length === shape.length && size(outShape) === out.length ? out : new Float32Array(size(outShape));
    addon.binary(BINARY_OPS.Add, out, bias, sum, new Float64Array(c.shape), new Float64Array(c.strides[0]), new Float64Array(c.strides[1]));
    out = sum;
    shape = outShape;
  }
  if (activation === 'relu') addon.unary(UNARY_OPS.Relu, out, out);
  return backend.makeTensorInfo(shape, 'float32', out);
};

const transpose: Impl = ({ inputs, attrs }, addon, backend) => {
  const x = inputs.x;
  if (x.dtype !== 'float32' && x.dtype !== 'int32') return undefined;
  const v = backend.data.get(x.dataId).values;
  if (!(v instanceof Float32Array || v instanceof Int32Array)) return undefined;
  const perm = (attrs as { perm: number[] }).perm;
  if (x.shape.length > 8 || perm.length !== x.shape.length) return undefined;
  const outShape = perm.map((p) => x.shape[p]);
  const out = v instanceof Float32Array ? new Float32Array(v.length) : new Int32Array(v.length);
  addon.transpose(v, out, new Float64Array(x.shape), new Int32Array(perm));
  return backend.makeTensorInfo(outShape, x.dtype, out);
};

function normAxes(axis: unknown, rank: number): number[] | undefined {
  const list = axis == null ? [...Array(rank).keys()] : Array.isArray(axis) ? (axis as number[]) : [axis as number];
  const norm = list.map((a) => (a < 0 ? a + rank : a));
  if (norm.some((a) => !Number.isInteger(a) || a < 0 || a >= rank)) return undefined;
  return [...new Set(norm)].sort((p, q) => p - q);
}

function reduceImpl(op: number, axisAttr: string): Impl {
  return ({ inputs, attrs }, addon, backend) => {
    const x = f32(backend, inputs.x);
    if (!x) return undefined;
    const shape = inputs.x.shape;
    const at = attrs as Record<string, unknown>;
    const axes = normAxes(at[axisAttr], shape.length);
    if (!axes) return undefined;
    const keepDims = !!at.keepDims;
    const outShape = keepDims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
    const mid = size(axes.map((a) => shape[a]));
    if (mid === 0) return undefined; // empty reductions: leave tfjs's own conventions to the stock kernel
    const out = new Float32Array(size(outShape));
    if (axes.length === 0) {
      out.set(x);
    } else if (axes[axes.length - 1] - axes[0] === axes.length - 1) {
      const outer = size(shape.slice(0, axes[0]));
      const inner = size(shape.slice(axes[axes.length - 1] + 1));
      addon.reduce(op, x, out, outer, mid, inner);
    } else {
      const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
      const moved = new Float32Array(x.length);
      addon.transpose(x, moved, new Float64Array(shape), new Int32Array([...kept, ...axes]));
      addon.reduce(op, moved, out, size(kept.map((i) => shape[i])), mid, 1);
    }
    return backend.makeTensorInfo(outShape, 'float32', out);
  };
}

function softmaxImpl(log: boolean): Impl {
  return ({ inputs, attrs }, addon, backend) => {
    const x = f32(backend, inputs.logits);
    if (!x) return undefined;
    const shape = inputs.logits.shape;
    const dim = (attrs as { dim?: number; axis?: number }).dim ?? (attrs as { axis?: number }).axis ?? -1;
    if (shape.length === 0 || (dim !== -1 && dim !== shape.length - 1)) return undefined;
    const cols = shape[shape.length - 1];
    if (cols === 0) return undefined;
    const out = new Float32Array(x.length);
    addon.softmax(x, out, x.length / cols, cols, log);
    return backend.makeTensorInfo(shape, 'float32', out);
  };
}

const select: Impl = ({ inputs }, addon, backend) => {
  const { condition, t, e } = inputs;
  const tv = f32(backend, t);
  const ev = f32(backend, e);
  const cv = condition.dtype === 'bool' ? backend.data.get(condition.dataId).values : undefined;
  if (!tv || !ev || !(cv instanceof Uint8Array)) return undefined;
  // Same-shape condition only; stock tfjs handles (and defines) the rank-1 condition case.
  if (condition.shape.length !== t.shape.length || condition.shape.some((d, i) => d !== t.shape[i] || d !== e.shape[i])) return undefined;
  const out = new Float32Array(tv.length);
  addon.select(cv, tv, ev, out, 1);
  return backend.makeTensorInfo(t.shape, 'float32', out);
};

/** Kernel name → native implementation. */
const IMPLS: Record<string, Impl> = {
  BatchMatMul: batchMatMul,
  _FusedMatMul: fusedMatMul,
  ...Object.fromEntries(Object.entries(BINARY_OPS).map(([name, op]) => [name, binaryImpl(op)])),
  ...Object.fromEntries(Object.entries(UNARY_OPS).map(([name, op]) => [name, unaryImpl(op, name === 'Step' ? 'alpha' : undefined)])),
  Transpose: transpose,
  Sum: reduceImpl(REDUCE_OPS.Sum, 'axis'),
  Mean: reduceImpl(REDUCE_OPS.Mean, 'axis'),
  Max: reduceImpl(REDUCE_OPS.Max, 'reductionIndices'),
  Min: reduceImpl(REDUCE_OPS.Min, 'axis'),
  Prod: reduceImpl(REDUCE_OPS.Prod, 'axis'),
  Softmax: softmaxImpl(false),
  Select: select,
};

const originals = new Map<string, tf.KernelConfig>();

/** Registers the native kernels on the cpu backend (idempotent); returns the kernel names now native. */
export function installNativeKernels(): string[] {
  const { addon, reason } = loadNativeAddon();
  if (!addon) throw new Error(reason);
  const threads = Number(process.env.ATTEMPT_STUDIO_BLAS_THREADS ?? DEFAULT_BLAS_THREADS);
  if (Number.isInteger(threads) && threads > 0) addon.setThreads(threads);
  for (const [name, impl] of Object.entries(IMPLS)) {
    if (originals.has(name)) continue;
    const original = tf.getKernel(name, 'cpu');
    if (!original) continue;
    const fallback = original.kernelFunc;
    const kernelFunc: KernelFunc = (args) => impl(args as unknown as KernelArgs, addon, args.backend as unknown as CpuBackend) ?? fallback(args);
    tf.unregisterKernel(name, 'cpu');
    tf.registerKernel({ ...original, kernelFunc });
    originals.set(name, original);
  }
  return [...originals.keys()];
}

/** Restores the stock cpu kernels (tests compare against them). */
export function uninstallNativeKernels(): void {
  for (const [name, original] of originals) {
    tf.unregisterKernel(name, 'cpu');
    tf.registerKernel(original);
  }
  originals.clear();
}

/** Names of the kernels currently replaced. */
export function nativeKernelNames(): string[] {
  return [...originals.keys()];
}

/** OpenBLAS threads used unless ATTEMPT_STUDIO_BLAS_THREADS says otherwise (see docs/PERFORMANCE.md). */
export const DEFAULT_BLAS_THREADS = 1;

export const nativeKernelProvider: NativeKernelProvider = { install: installNativeKernels, uninstall: uninstallNativeKernels };
