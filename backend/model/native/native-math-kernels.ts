// Native arithmetic kernels for tfjs's cpu backend: matrix products (OpenBLAS), broadcasting binary ops,
// unary math, reductions, softmax, select. Each returns undefined for cases left to the stock kernel.
import { BINARY_OPS, UNARY_OPS, type NativeAddon } from './native-addon.js';
import { type Impl, size, f32, broadcastShapes, broadcastStrides, collapse, takeF32, output } from './native-kernel-util.js';

export function binaryImpl(op: number): Impl {
  return ({ inputs }, addon, backend) => {
    const a = f32(backend, inputs.a);
    const b = f32(backend, inputs.b);
    if (!a || !b) return undefined;
    const outShape = broadcastShapes(inputs.a.shape, inputs.b.shape);
    if (!outShape) return undefined;
    const c = collapse(outShape, [broadcastStrides(inputs.a.shape, outShape), broadcastStrides(inputs.b.shape, outShape)]);
    if (c.shape.length > 8) return undefined;
    const out = takeF32(size(outShape));
    addon.binary(op, a, b, out, new Float64Array(c.shape), new Float64Array(c.strides[0]), new Float64Array(c.strides[1]));
    return output(backend, outShape, 'float32', out);
  };
}

export function unaryImpl(op: number, alphaAttr?: string): Impl {
  return ({ inputs, attrs }, addon, backend) => {
    const x = f32(backend, inputs.x);
    if (!x) return undefined;
    const out = takeF32(x.length);
    const alpha = alphaAttr ? Number((attrs as Record<string, unknown>)[alphaAttr] ?? 0) : 0;
    addon.unary(op, x, out, alpha);
    return output(backend, inputs.x.shape, 'float32', out);
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
  const out = takeF32(count * m * n);
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

export const batchMatMul: Impl = ({ inputs, attrs }, addon, backend) => {
  const a = f32(backend, inputs.a);
  const b = f32(backend, inputs.b);
  if (!a || !b) return undefined;
  const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
  const r = matmulInto(addon, a, inputs.a.shape, b, inputs.b.shape, !!transposeA, !!transposeB);
  return r && output(backend, r.shape, 'float32', r.out);
};

export const fusedMatMul: Impl = ({ inputs, attrs }, addon, backend) => {
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
    const sum = outShape.length === shape.length && size(outShape) === out.length ? out : takeF32(size(outShape));
    addon.binary(BINARY_OPS.Add, out, bias, sum, new Float64Array(c.shape), new Float64Array(c.strides[0]), new Float64Array(c.strides[1]));
    out = sum;
    shape = outShape;
  }
  if (activation === 'relu') addon.unary(UNARY_OPS.Relu, out, out);
  return output(backend, shape, 'float32', out);
};

function normAxes(axis: unknown, rank: number): number[] | undefined {
  const list = axis == null ? [...Array(rank).keys()] : Array.isArray(axis) ? (axis as number[]) : [axis as number];
  const norm = list.map((a) => (a < 0 ? a + rank : a));
  if (norm.some((a) => !Number.isInteger(a) || a < 0 || a >= rank)) return undefined;
  return [...new Set(norm)].sort((p, q) => p - q);
}

export function reduceImpl(op: number, axisAttr: string): Impl {
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
    const out = takeF32(size(outShape));
    if (axes.length === 0) {
      out.set(x);
    } else if (axes[axes.length - 1] - axes[0] === axes.length - 1) {
      const outer = size(shape.slice(0, axes[0]));
      const inner = size(shape.slice(axes[axes.length - 1] + 1));
      addon.reduce(op, x, out, outer, mid, inner);
    } else {
      const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
      const moved = new Float32Array(x.length); // scratch, left to the GC
      addon.transpose(x, moved, new Float64Array(shape), new Int32Array([...kept, ...axes]));
      addon.reduce(op, moved, out, size(kept.map((i) => shape[i])), mid, 1);
    }
    return output(backend, outShape, 'float32', out);
  };
}

export function softmaxImpl(log: boolean): Impl {
  return ({ inputs, attrs }, addon, backend) => {
    const x = f32(backend, inputs.logits);
    if (!x) return undefined;
    const shape = inputs.logits.shape;
    const dim = (attrs as { dim?: number; axis?: number }).dim ?? (attrs as { axis?: number }).axis ?? -1;
    if (shape.length === 0 || (dim !== -1 && dim !== shape.length - 1)) return undefined;
    const cols = shape[shape.length - 1];
    if (cols === 0) return undefined;
    const out = takeF32(x.length);
    addon.softmax(x, out, x.length / cols, cols, log);
    return output(backend, shape, 'float32', out);
  };
}

export const select: Impl = ({ inputs }, addon, backend) => {
  const { condition, t, e } = inputs;
  const tv = f32(backend, t);
  const ev = f32(backend, e);
  const cv = condition.dtype === 'bool' ? backend.data.get(condition.dataId).values : undefined;
  if (!tv || !ev || !(cv instanceof Uint8Array)) return undefined;
  // Same-shape condition only; stock tfjs handles (and defines) the rank-1 condition case.
  if (condition.shape.length !== t.shape.length || condition.shape.some((d, i) => d !== t.shape[i] || d !== e.shape[i])) return undefined;
  const out = takeF32(tv.length);
  addon.select(cv, tv, ev, out, 1);
  return output(backend, t.shape, 'float32', out);
};

