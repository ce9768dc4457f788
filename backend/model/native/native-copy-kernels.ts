// Native data-movement kernels for tfjs's cpu backend: transpose, slice, split, concat, gather and the
// unsorted segment sum (gather's gradient). 4-byte dtypes (float32, int32); others go to the stock kernel.
import { type Impl, type TensorInfo, size, stridesOf, words, normAxis, takeF32, takeZeroedF32, output } from './native-kernel-util.js';

export const transpose: Impl = ({ inputs, attrs }, addon, backend) => {
  const x = inputs.x;
  if (x.dtype !== 'float32' && x.dtype !== 'int32') return undefined;
  const v = backend.data.get(x.dataId).values;
  if (!(v instanceof Float32Array || v instanceof Int32Array)) return undefined;
  const perm = (attrs as { perm: number[] }).perm;
  if (x.shape.length > 8 || perm.length !== x.shape.length) return undefined;
  const outShape = perm.map((p) => x.shape[p]);
  // A permutation that keeps every axis longer than 1 in order leaves the memory layout as it is: share the data
  // (as Reshape does) instead of copying it. Gather's gradient transposes by the identity twice, one of them the
  // whole [vocabulary, hidden] table gradient (≈ 0.9 s a Qwen2.5-0.5B training micro-batch; bench/real-shape-ours.ts).
  const moved = perm.filter((p) => x.shape[p] !== 1);
  if (moved.every((p, i) => i === 0 || moved[i - 1]! < p)) {
    backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: outShape, dtype: x.dtype };
  }
  const out = v instanceof Float32Array ? takeF32(v.length) : new Int32Array(v.length);
  addon.transpose(v, out, new Float64Array(x.shape), new Int32Array(perm));
  return output(backend, outShape, x.dtype, out);
};


/** Copies the box [begin, begin+size) of x (shape xShape) into dst at dstOffset with dstStrides. */
function copyBox(addon: Parameters<Impl>[1], x: Float32Array | Int32Array, xShape: number[], begin: number[], box: number[], dst: Float32Array | Int32Array, dstOffset: number, dstStrides: number[]): void {
  const xs = stridesOf(xShape);
  const srcOffset = begin.reduce((acc, b, i) => acc + b * xs[i], 0);
  // Merge dims contiguous on both sides to keep rank ≤ 8 and long inner runs.
  const shape: number[] = [];
  const ss: number[] = [];
  const ds: number[] = [];
  for (let d = 0; d < box.length; d++) {
    if (box[d] === 1) continue;
    const r = shape.length;
    if (r > 0 && ss[r - 1] === xs[d] * box[d] && ds[r - 1] === dstStrides[d] * box[d]) {
      shape[r - 1] *= box[d];
      ss[r - 1] = xs[d];
      ds[r - 1] = dstStrides[d];
    } else {
      shape.push(box[d]);
      ss.push(xs[d]);
      ds.push(dstStrides[d]);
    }
  }
  if (shape.length > 8) throw new Error('native copy: rank too high after merging');
  addon.copy(x, srcOffset, new Float64Array(ss), dst, dstOffset, new Float64Array(ds), new Float64Array(shape));
}

function alloc(like: Float32Array | Int32Array, n: number): Float32Array | Int32Array {
  return like instanceof Float32Array ? takeF32(n) : new Int32Array(n);
}

export const slice: Impl = ({ inputs, attrs }, addon, backend) => {
  const x = inputs.x;
  const v = words(backend, x);
  if (!v || x.shape.length > 8) return undefined;
  const { begin, size: sz } = attrs as { begin: number | number[]; size?: number | number[] };
  const r = x.shape.length;
  const b = Array.isArray(begin) ? begin : [begin];
  const s = sz === undefined ? [] : Array.isArray(sz) ? sz : [sz];
  const beg = x.shape.map((_, i) => b[i] ?? 0);
  const box = x.shape.map((d, i) => (s[i] === undefined || s[i] === -1 ? d - beg[i] : s[i]));
  if (beg.length !== r || box.some((d, i) => d < 0 || beg[i] < 0 || beg[i] + d > x.shape[i])) return undefined;
  const out = alloc(v, size(box));
  if (out.length > 0) copyBox(addon, v, x.shape, beg, box, out, 0, stridesOf(box));
  return output(backend, box, x.dtype, out);
};

export const splitV: Impl = ({ inputs, attrs }, addon, backend) => {
  const x = inputs.x;
  const v = words(backend, x);
  if (!v || x.shape.length > 8) return undefined;
  const { numOrSizeSplits, axis } = attrs as { numOrSizeSplits: number | number[]; axis: number };
  const ax = normAxis(Array.isArray(axis) ? axis[0] : axis, x.shape.length);
  if (ax === undefined) return undefined;
  const dim = x.shape[ax];
  let sizes: number[];
  if (typeof numOrSizeSplits === 'number') {
    if (numOrSizeSplits <= 0 || dim % numOrSizeSplits !== 0) return undefined;
    sizes = new Array<number>(numOrSizeSplits).fill(dim / numOrSizeSplits);
  } else {
    sizes = [...numOrSizeSplits];
    const neg = sizes.indexOf(-1);
    if (neg >= 0) sizes[neg] = dim - sizes.reduce((a, c, i) => (i === neg ? a : a + c), 0);
    if (sizes.reduce((a, c) => a + c, 0) !== dim || sizes.some((c) => c < 0)) return undefined;
  }
  const outs: TensorInfo[] = [];
  let start = 0;
  for (const len of sizes) {
    const box = x.shape.map((d, i) => (i === ax ? len : d));
    const beg = x.shape.map((_, i) => (i === ax ? start : 0));
    const out = alloc(v, size(box));
    if (out.length > 0) copyBox(addon, v, x.shape, beg, box, out, 0, stridesOf(box));
    outs.push(output(backend, box, x.dtype, out));
    start += len;
  }
  return outs as unknown as TensorInfo;
};

export const concat: Impl = ({ inputs, attrs }, addon, backend) => {
  const list = Object.values(inputs) as TensorInfo[];
  if (list.length === 0) return undefined;
  const dtype = list[0].dtype;
  const rank = list[0].shape.length;
  if (rank === 0 || rank > 8 || list.some((t) => t.dtype !== dtype || t.shape.length !== rank)) return undefined;
  const ax = normAxis((attrs as { axis: number | number[] }).axis as number, rank);
  if (ax === undefined) return undefined;
  if (list.some((t) => t.shape.some((d, i) => i !== ax && d !== list[0].shape[i]))) return undefined;
  const vals = list.map((t) => words(backend, t));
  if (vals.some((x) => !x)) return undefined;
  const outShape = list[0].shape.map((d, i) => (i === ax ? list.reduce((a, t) => a + t.shape[ax], 0) : d));
  const out = alloc(vals[0]!, size(outShape));
  const os = stridesOf(outShape);
  let start = 0;
  list.forEach((t, j) => {
    if (size(t.shape) > 0) copyBox(addon, vals[j]!, t.shape, t.shape.map(() => 0), t.shape, out, start * os[ax], os);
    start += t.shape[ax];
  });
  return output(backend, outShape, dtype, out);
};

export const gatherV2: Impl = ({ inputs, attrs }, addon, backend) => {
  const { x, indices } = inputs;
  const v = words(backend, x);
  const iv = indices.dtype === 'int32' ? backend.data.get(indices.dataId).values : undefined;
  if (!v || !(iv instanceof Int32Array)) return undefined;
  const { axis, batchDims } = attrs as { axis: number; batchDims?: number };
  if (batchDims) return undefined;
  const ax = normAxis(axis, x.shape.length);
  if (ax === undefined) return undefined;
  const dim = x.shape[ax];
  for (let i = 0; i < iv.length; i++) if (iv[i] < 0 || iv[i] >= dim) return undefined; // stock reports the error
  const outShape = [...x.shape.slice(0, ax), ...indices.shape, ...x.shape.slice(ax + 1)];
  const out = alloc(v, size(outShape));
  if (out.length > 0) addon.gather(v, iv, out, size(x.shape.slice(0, ax)), dim, size(x.shape.slice(ax + 1)));
  return output(backend, outShape, x.dtype, out);
};

export const unsortedSegmentSum: Impl = ({ inputs, attrs }, addon, backend) => {
  const { x, segmentIds } = inputs;
  const xv = x.dtype === 'float32' ? backend.data.get(x.dataId).values : undefined;
  const sv = segmentIds.dtype === 'int32' ? backend.data.get(segmentIds.dataId).values : undefined;
  if (!(xv instanceof Float32Array) || !(sv instanceof Int32Array)) return undefined;
  const r = segmentIds.shape.length;
  if (r > x.shape.length || segmentIds.shape.some((d, i) => d !== x.shape[i])) return undefined;
  const numSegments = (attrs as { numSegments: number }).numSegments;
  const rest = x.shape.slice(r);
  // Accumulates, so it must start at zero; a fresh array is zero without being written, which spares the page faults
  // of clearing the whole [vocabulary, hidden] table gradient for the few rows gather's gradient touches.
  const out = takeZeroedF32(numSegments * size(rest));
  addon.segmentSum(xv, sv, out, size(rest), numSegments);
  return output(backend, [numSegments, ...rest], 'float32', out);
};

/** Tile: one strided block copy of x per repetition index (few copies: reps are small in practice). */
export const tile: Impl = ({ inputs, attrs }, addon, backend) => {
  const x = inputs.x;
  const v = words(backend, x);
  const reps = (attrs as { reps: number[] }).reps;
  if (!v || x.shape.length > 8 || reps.length !== x.shape.length || reps.some((r) => !Number.isInteger(r) || r < 0)) return undefined;
  const outShape = x.shape.map((d, i) => d * reps[i]);
  const out = alloc(v, size(outShape));
  const copies = size(reps);
  if (out.length === 0 || copies > 65536) return copies > 65536 ? undefined : output(backend, outShape, x.dtype, out);
  const os = stridesOf(outShape);
  const zero = x.shape.map(() => 0);
  const idx = reps.map(() => 0);
  for (let c = 0; c < copies; c++) {
    const offset = idx.reduce((acc, r, i) => acc + r * x.shape[i] * os[i], 0);
    copyBox(addon, v, x.shape, zero, x.shape, out, offset, os);
    for (let d = reps.length - 1; d >= 0; d--) {
      if (++idx[d] < reps[d]) break;
      idx[d] = 0;
    }
  }
  return output(backend, outShape, x.dtype, out);
};
