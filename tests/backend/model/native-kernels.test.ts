// Native cpu kernels against the stock tfjs kernels: many shapes (0, 1, odd), transposes, broadcasts, NaN/Inf,
// no aliasing, no leaks. Error measure: max |native − stock| / max |stock| per tensor, ≤ 1e-5; NaN/±Inf must match.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../backend/model/core/tf.js';
import { installNativeKernels, uninstallNativeKernels, nativeKernelNames } from '../../../backend/model/native/native-kernels.js';
import { loadNativeAddon } from '../../../backend/model/native/native-addon.js';
import { bufferPool } from '../../../backend/model/native/native-buffer-pool.js';

const { reason } = loadNativeAddon();
const skip = reason ? `native addon unavailable: ${reason}` : false;

let seed = 12345;
function rand(): number {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
}
function randn(shape: number[], lo = -2, hi = 2): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => lo + (hi - lo) * rand()), shape);
}
const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 1e-30, -3.5, 88, -88];
function withSpecials(shape: number[]): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? SPECIAL[(i / 3) % SPECIAL.length] : -2 + 4 * rand())), shape);
}

/** Runs `fn` with native kernels and with the stock ones; returns both results (as plain arrays). */
function both(fn: () => tf.Tensor): { native: tf.TypedArray; stock: tf.TypedArray; shapeN: number[]; shapeS: number[] } {
  const start = seed; // both runs draw the same random inputs
  const nt = tf.tidy(fn);
  const native = nt.dataSync().slice();
  const shapeN = nt.shape;
  nt.dispose();
  uninstallNativeKernels();
  seed = start;
  try {
    const st = tf.tidy(fn);
    const stock = st.dataSync().slice();
    const shapeS = st.shape;
    st.dispose();
    return { native, stock, shapeN, shapeS };
  } finally {
    installNativeKernels();
  }
}

function assertClose(native: ArrayLike<number>, stock: ArrayLike<number>, what: string, tol = 1e-5): void {
  assert.equal(native.length, stock.length, `${what}: length`);
  let scale = 0;
  for (let i = 0; i < stock.length; i++) if (Number.isFinite(stock[i])) scale = Math.max(scale, Math.abs(stock[i]));
  for (let i = 0; i < stock.length; i++) {
    const a = native[i];
    const b = stock[i];
    if (Number.isNaN(b) || !Number.isFinite(b)) {
      assert.ok(Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b)), `${what}[${i}]: native ${a}, stock ${b}`);
      continue;
    }
    assert.ok(Math.abs(a - b) <= tol * Math.max(scale, 1e-30), `${what}[${i}]: native ${a}, stock ${b} (scale ${scale})`);
  }
}

function check(what: string, fn: () => tf.Tensor, tol = 1e-5): void {
  const r = both(fn);
  assert.deepEqual(r.shapeN, r.shapeS, `${what}: shape`);
  assertClose(r.native, r.stock, what, tol);
}

before(async () => {
  if (skip) return;
  await tf.setBackend('cpu');
  installNativeKernels();
});
after(() => uninstallNativeKernels());

test('installs the native kernels over the stock cpu ones', { skip }, () => {
  const names = nativeKernelNames();
  for (const k of ['BatchMatMul', '_FusedMatMul', 'Add', 'Multiply', 'Transpose', 'Sum', 'Max', 'Softmax', 'Exp']) assert.ok(names.includes(k), k);
  assert.notEqual(tf.getKernel('BatchMatMul', 'cpu').kernelFunc, undefined);
});

test('BatchMatMul matches stock on explicitly broadcast inputs (all transposes, edge sizes)', { skip }, () => {
  const cases: [number[], number[]][] = [
    [[1, 1], [1, 1]], [[3, 5], [5, 7]], [[0, 4], [4, 3]], [[4, 0], [0, 3]], [[2, 3, 4], [2, 4, 5]],
    [[2, 3, 4], [4, 5]], [[3, 4], [2, 4, 5]], [[2, 1, 3, 4], [1, 5, 4, 6]], [[7, 1, 9], [7, 9, 1]], [[1, 17, 33], [3, 33, 65]],
    // A few rows against a large matrix (decoding a real-size model): BLAS's matrix-vector product per row.
    [[2, 300], [300, 400]], [[4, 256], [256, 300]], [[2, 1, 300], [2, 300, 260]],
  ];
  for (const [as, bs] of cases) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        const sa = ta ? [...as.slice(0, -2), as.at(-1)!, as.at(-2)!] : as;
        const sb = tb ? [...bs.slice(0, -2), bs.at(-1)!, bs.at(-2)!] : bs;
        const a = randn(sa);
        const b = randn(sb);
        const nat = tf.tidy(() => tf.matMul(a, b, ta, tb).dataSync().slice());
        // Reference: stock kernel on inputs broadcast to the full batch shape (stock broadcasting is unreliable).
        uninstallNativeKernels();
        const ab = as.slice(0, -2);
        const bb = bs.slice(0, -2);
        const r = Math.max(ab.length, bb.length);
        const fullBatch = Array.from({ length: r }, (_, i) => Math.max(ab[ab.length - r + i] ?? 1, bb[bb.length - r + i] ?? 1));
        const ref = tf.tidy(() => {
          const ea = fullBatch.length ? tf.broadcastTo(a, [...fullBatch, ...sa.slice(-2)]) : a;
          const eb = fullBatch.length ? tf.broadcastTo(b, [...fullBatch, ...sb.slice(-2)]) : b;
          return tf.matMul(ea, eb, ta, tb).dataSync().slice();
        });
        installNativeKernels();
        assertClose(nat, ref, `matMul ${sa}×${sb} tA=${ta} tB=${tb}`);
        a.dispose();
        b.dispose();
      }
    }
  }
});

test('x·Wᵀ with 2..16 rows (the weight-streaming path, threaded for large W) matches stock; no leaks', { skip }, () => {
  const before = tf.memory().numTensors;
  // rows cover every row-group size (1..4 left over) and the sgemm boundary (16 streams, 17 does not); k not a
  // multiple of the 16 lanes; 1,100 × 1,030 is over the threading threshold (1M floats); rank 3 = several products.
  const cases: [number[], number[]][] = [
    [[2, 40], [24, 40]], [[3, 100], [70, 100]], [[5, 1030], [1100, 1030]], [[8, 1030], [1100, 1030]],
    [[13, 33], [300, 33]], [[16, 1030], [1100, 1030]], [[17, 200], [150, 200]], [[3, 7, 65], [3, 90, 65]],
  ];
  for (const [as, bs] of cases) check(`matMul ${as}×${bs}ᵀ`, () => tf.matMul(randn(as), randn(bs), false, true));
  check('matMul NaN/Inf rows × Wᵀ', () => tf.matMul(withSpecials([4, 50]), randn([60, 50]), false, true));
  check('matMul rows × Wᵀ with NaN/Inf', () => tf.matMul(randn([6, 50]), withSpecials([60, 50]), false, true));
  assert.equal(tf.memory().numTensors, before, 'tensor leak');
});

test('_FusedMatMul with bias and relu matches stock', { skip }, () => {
  for (const act of ['linear', 'relu'] as const) {
    check(`fused ${act}`, () => tf.fused.matMul({ a: randn([6, 5]), b: randn([5, 3]), bias: randn([3]), activation: act }));
    check(`fused ${act} tB`, () => tf.fused.matMul({ a: randn([2, 6, 5]), b: randn([3, 5]), transposeB: true, bias: randn([6, 1]), activation: act }));
  }
  check('fused elu falls back', () => tf.fused.matMul({ a: randn([4, 5]), b: randn([5, 3]), activation: 'elu' }));
});

test('binary ops broadcast like stock, with NaN/Inf', { skip }, () => {
  const pairs: [number[], number[]][] = [
    [[], [3]], [[2, 3], [3]], [[2, 1, 4], [3, 1]], [[0, 3], [3]], [[1], [1]], [[5, 7], [5, 7]],
    [[2, 3, 4, 5], [1, 3, 1, 5]], [[4, 1], [1, 6]], [[3, 1, 1, 2], [1, 4, 5, 1]], [[9], []],
  ];
  const ops: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
    ['add', tf.add], ['sub', tf.sub], ['mul', tf.mul], ['div', tf.div], ['maximum', tf.maximum],
    ['minimum', tf.minimum], ['squaredDifference', tf.squaredDifference], ['pow', (a, b) => tf.pow(tf.abs(a), b)],
  ];
  for (const [name, op] of ops) {
    for (const [sa, sb] of pairs) {
      check(`${name} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`, () => op(withSpecials(sa), randn(sb)));
      check(`${name} ${JSON.stringify(sb)} ${JSON.stringify(sa)} (specials right)`, () => op(randn(sb), withSpecials(sa)));
    }
  }
  check('int32 add falls back', () => tf.add(tf.tensor([1, 2, 3], [3], 'int32'), tf.tensor([4], [1], 'int32')));
});

test('unary math matches stock, with NaN/Inf', { skip }, () => {
  const ops: [string, (x: tf.Tensor) => tf.Tensor][] = [
    ['exp', tf.exp], ['log', tf.log], ['sqrt', tf.sqrt], ['rsqrt', tf.rsqrt], ['neg', tf.neg], ['abs', tf.abs],
    ['square', tf.square], ['tanh', tf.tanh], ['sigmoid', tf.sigmoid], ['relu', tf.relu], ['reciprocal', tf.reciprocal],
    ['sin', tf.sin], ['cos', tf.cos], ['log1p', tf.log1p], ['expm1', tf.expm1], ['elu', tf.elu], ['step', (x) => tf.step(x, 0.3)],
  ];
  for (const [name, op] of ops) for (const shape of [[0], [1], [7], [3, 33]]) check(`${name} ${shape}`, () => op(withSpecials(shape)));
});

test('transpose matches stock for float32 and int32, ranks 1..5', { skip }, () => {
  const cases: [number[], number[]][] = [
    [[5], [0]], [[3, 4], [1, 0]], [[2, 3, 4], [0, 2, 1]], [[2, 3, 4], [2, 0, 1]], [[2, 5, 3, 4], [0, 2, 1, 3]],
    [[2, 1, 3, 1, 4], [4, 3, 2, 1, 0]], [[0, 3], [1, 0]], [[1, 1], [1, 0]], [[33, 17], [1, 0]], [[2, 3, 4, 5], [3, 1, 0, 2]],
  ];
  for (const [shape, perm] of cases) {
    check(`transpose f32 ${shape} ${perm}`, () => tf.transpose(withSpecials(shape), perm));
    check(`transpose i32 ${shape} ${perm}`, () => tf.transpose(tf.cast(tf.mul(randn(shape), 1000), 'int32'), perm), 0);
  }
});

test('layout-keeping transposes (identity, moves of size-1 axes) share the data: right values, independent lifetimes, no leaks', { skip }, () => {
  const before = tf.memory().numTensors;
  const cases: [number[], number[]][] = [[[5], [0]], [[3, 4], [0, 1]], [[2, 1, 3], [1, 0, 2]], [[1, 4, 1, 5], [2, 1, 3, 0]], [[0, 3], [0, 1]], [[1, 1], [1, 0]]];
  for (const [shape, perm] of cases) {
    check(`transpose f32 ${shape} ${perm}`, () => tf.transpose(withSpecials(shape), perm));
    check(`transpose i32 ${shape} ${perm}`, () => tf.transpose(tf.cast(tf.mul(randn(shape), 1000), 'int32'), perm), 0);
  }
  // The shared result outlives its input, and the input outlives the result; recycled buffers never touch either.
  const a = tf.tidy(() => tf.mul(randn([6, 7]), 2));
  const aCopy = a.dataSync().slice();
  const t = tf.transpose(a, [0, 1]);
  assert.equal(t.dataSync().buffer, a.dataSync().buffer, 'an identity transpose should share its input data, not copy it');
  a.dispose();
  for (let i = 0; i < 4; i++) tf.tidy(() => tf.mul(tf.add(randn([6, 7]), 1), 3).sum()).dispose();
  assert.deepEqual(t.dataSync(), aCopy, 'the shared transpose changed after its input was disposed');
  assert.deepEqual(t.shape, [6, 7]);
  const b = tf.tidy(() => tf.add(randn([2, 1, 3]), 1));
  const bCopy = b.dataSync().slice();
  tf.transpose(b, [1, 0, 2]).dispose();
  for (let i = 0; i < 4; i++) tf.tidy(() => tf.mul(tf.add(randn([2, 1, 3]), 1), 3).sum()).dispose();
  assert.deepEqual(b.dataSync(), bCopy, 'the input changed after its shared transpose was disposed');
  tf.dispose([t, b]);
  assert.equal(tf.memory().numTensors, before);
});

test('gather gradient (embedding table, repeated and out-of-order ids) matches stock, no leaks', { skip }, () => {
  const before = tf.memory().numTensors;
  for (const [V, C, ids] of [[50, 8, [3, 7, 3, 49, 0, 7]], [9, 1, [8, 8, 8]], [300, 33, Array.from({ length: 40 }, (_, i) => (i * 37) % 300)]] as [number, number, number[]][]) {
    const up = randn([ids.length, C]);
    check(`gather grad V=${V} C=${C}`, () => {
      const table = randn([V, C]);
      const idx = tf.tensor1d(ids, 'int32');
      // the tied-embedding pattern: the table used by gather and by a matmul, gradients summed
      return tf.grad((w: tf.Tensor) => tf.add(tf.sum(tf.mul(tf.gather(w, idx), up)), tf.sum(tf.matMul(up, w, false, true))))(table);
    });
    up.dispose();
  }
  assert.equal(tf.memory().numTensors, before);
});

test('unsortedSegmentSum starts from zero in a recycled (stale) array and in a fresh one; matches stock, no leaks', { skip }, () => {
  const before = tf.memory().numTensors;
  const reused = bufferPool.reused;
  // a native Add output of the same size, disposed unread, is recycled into the segment sum's output
  check('segment sum into a recycled array', () => {
    tf.add(randn([6, 4]), 5).dispose();
    return tf.unsortedSegmentSum(randn([3, 4]), tf.tensor1d([1, 3, 1], 'int32'), 6);
  });
  assert.ok(bufferPool.reused > reused, 'the recycled path was not exercised');
  check('segment sum into a fresh array', () => tf.unsortedSegmentSum(randn([3, 5]), tf.tensor1d([0, 4, 0], 'int32'), 7777));
  assert.equal(tf.memory().numTensors, before);
});

test('reductions (sum, mean, max, min, prod) match stock over axis sets, keepDims, NaN', { skip }, () => {
  const shapes: [number[], (number | number[] | undefined)[]][] = [
    [[7], [0, undefined, -1]], [[3, 5], [0, 1, [0, 1], -1]], [[2, 3, 4], [0, 1, 2, [0, 2], [1, 2], [0, 1]]],
    [[2, 3, 4, 5], [[1, 3], [0, 2, 3], 3]], [[0, 4], [1]], [[1, 1], [0]],
  ];
  const ops: [string, (x: tf.Tensor, a: number | number[] | undefined, k: boolean) => tf.Tensor][] = [
    ['sum', (x, a, k) => tf.sum(x, a, k)], ['mean', (x, a, k) => tf.mean(x, a, k)], ['max', (x, a, k) => tf.max(x, a, k)],
    ['min', (x, a, k) => tf.min(x, a, k)], ['prod', (x, a, k) => tf.prod(tf.add(tf.mul(x, 0.1), 1), a, k)],
  ];
  for (const [name, op] of ops) {
    for (const [shape, axesList] of shapes) {
      for (const axes of axesList) {
        for (const keep of [false, true]) {
          check(`${name} ${shape} axis=${JSON.stringify(axes)} keep=${keep}`, () => op(randn(shape), axes, keep));
          check(`${name} specials ${shape} axis=${JSON.stringify(axes)}`, () => op(withSpecials(shape), axes, keep));
        }
      }
    }
  }
});

test('softmax matches stock, including -Inf masks and NaN rows', { skip }, () => {
  for (const shape of [[1, 1], [3, 7], [2, 3, 5], [4, 64]]) check(`softmax ${shape}`, () => tf.softmax(tf.mul(randn(shape), 10)));
  check('softmax masked', () => tf.softmax(tf.tensor2d([0, -Infinity, 1, -1e9, 2, 3, -Infinity, 0], [2, 4])));
  check('softmax NaN', () => tf.softmax(tf.tensor2d([0, NaN, 1, 2, 5, 6], [2, 3])));
  check('logSoftmax', () => tf.logSoftmax(tf.mul(randn([5, 9]), 5)));
});

test('select (where) matches stock', { skip }, () => {
  for (const shape of [[0], [1], [4, 5], [2, 3, 4]]) {
    check(`where ${shape}`, () => tf.where(tf.greater(randn(shape), 0), withSpecials(shape), randn(shape)));
  }
});

test('slice, split, concat, gather and unsortedSegmentSum match stock (float32 and int32)', { skip }, () => {
  const int = (shape: number[]) => tf.cast(tf.mul(randn(shape), 1000), 'int32');
  for (const make of [withSpecials, int]) {
    check('slice 2d', () => tf.slice(make([5, 7]), [1, 2], [3, -1]), 0);
    check('slice 4d', () => tf.slice(make([2, 3, 4, 5]), [1, 0, 1, 2], [1, 3, 2, 3]), 0);
    check('slice empty', () => tf.slice(make([3, 4]), [1, 1], [0, 2]), 0);
    check('slice scalar-ish', () => tf.slice(make([1]), [0], [1]), 0);
    for (const [shape, n, ax] of [[[4, 6], 2, -1], [[2, 3, 8], [3, -1, 4], 2], [[6, 5], [1, 5], 0], [[2, 4, 3, 6], 3, 3]] as [number[], number | number[], number][]) {
      for (let i = 0; i < (Array.isArray(n) ? n.length : n); i++) check(`split ${shape} ${n} ${ax} #${i}`, () => tf.split(make(shape), n, ax)[i], 0);
    }
    check('concat last', () => tf.concat([make([2, 3, 4]), make([2, 3, 1]), make([2, 3, 0])], -1), 0);
    check('concat first', () => tf.concat([make([1, 5]), make([3, 5])], 0), 0);
    check('concat middle', () => tf.concat([make([2, 1, 3]), make([2, 4, 3])], 1), 0);
    check('tile 1-d', () => tf.tile(make([3]), [4]), 0);
    check('tile 4-d', () => tf.tile(make([1, 1, 5, 4]), [2, 3, 1, 1]), 0);
    check('tile 5-d mask-like', () => tf.tile(make([1, 1, 1, 3, 3]), [2, 2, 2, 1, 1]), 0);
    check('tile middle + zero reps', () => tf.tile(make([2, 3, 2]), [1, 0, 2]), 0);
    check('gather rows', () => tf.gather(make([7, 5]), tf.tensor1d([6, 0, 3, 3], 'int32')), 0);
    check('gather axis 1, 2-d indices', () => tf.gather(make([3, 7, 2]), tf.tensor2d([[1, 2], [6, 0]], [2, 2], 'int32'), 1), 0);
  }
  check('unsortedSegmentSum 1-d ids', () => tf.unsortedSegmentSum(randn([6, 4]), tf.tensor1d([0, 2, 2, 5, -1, 0], 'int32'), 4));
  // Stock tfjs fails on 2-d ids (its broadcasting is wrong), so compare with stock on the flattened equivalent.
  const x = randn([2, 3, 4]);
  const nat2d = tf.tidy(() => tf.unsortedSegmentSum(x, tf.tensor2d([[1, 0, 1], [2, 2, 0]], [2, 3], 'int32') as unknown as tf.Tensor1D, 3).dataSync().slice());
  check('unsortedSegmentSum flattened', () => tf.unsortedSegmentSum(tf.reshape(x, [6, 4]), tf.tensor1d([1, 0, 1, 2, 2, 0], 'int32'), 3));
  const flat = tf.tidy(() => tf.unsortedSegmentSum(tf.reshape(x, [6, 4]), tf.tensor1d([1, 0, 1, 2, 2, 0], 'int32'), 3).dataSync().slice());
  assert.deepEqual(nat2d, flat);
  x.dispose();
  check('embedding gradient', () => tf.grad((w: tf.Tensor) => tf.sum(tf.square(tf.gather(w, tf.tensor1d([1, 1, 4, 0], 'int32')))))(randn([5, 3])));
});

test('gradients through native kernels equal stock gradients', { skip }, () => {
  const x = randn([4, 6, 8]);
  const w = randn([8, 8], -0.5, 0.5);
  const b = randn([8]);
  const f = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor): tf.Scalar => {
    const h = tf.relu(tf.add(tf.matMul(xx, tf.broadcastTo(ww, [4, 8, 8])), bb)); // [4, 6, 8]
    const att = tf.softmax(tf.div(tf.matMul(h, h, false, true), Math.sqrt(8))); // [4, 6, 6]
    const y = tf.matMul(att, tf.transpose(tf.transpose(h, [0, 2, 1]), [0, 2, 1])); // [4, 6, 8]
    const n = tf.mul(y, tf.rsqrt(tf.add(tf.mean(tf.square(y), -1, true), 1e-5))); // RMS-normalised
    return tf.mean(tf.square(tf.sub(tf.sigmoid(n), tf.tanh(xx))));
  };
  const grads = tf.grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => f(xx, ww, bb));
  for (let i = 0; i < 3; i++) {
    check(`grad ${i}`, () => grads([x, w, b])[i]);
  }
  tf.dispose([x, w, b]);
});

test('outputs never alias inputs and stay unchanged after later ops; no tensor leaks', { skip }, () => {
  const before = tf.memory().numTensors;
  const a = randn([3, 4]);
  const aData = a.dataSync();
  const aCopy = aData.slice();
  const outs = tf.tidy(() => [tf.transpose(a), tf.add(a, 0), tf.mul(a, 1), tf.exp(a), tf.sum(a, 1), tf.matMul(a, a, false, true), tf.softmax(a), tf.max(a, [0, 1])]);
  const copies = outs.map((o) => o.dataSync().slice());
  for (const o of outs) assert.notEqual(o.dataSync().buffer, aData.buffer, 'output shares the input buffer');
  // Run more work (and discard it) so any reused buffer would be overwritten.
  for (let i = 0; i < 5; i++) tf.tidy(() => tf.matMul(tf.add(randn([3, 4]), 1), randn([4, 3])).sum()).dispose();
  outs.forEach((o, i) => assert.deepEqual(o.dataSync(), copies[i], `output ${i} changed`));
  assert.deepEqual(a.dataSync(), aCopy, 'input changed');
  tf.dispose([a, ...outs]);
  assert.equal(tf.memory().numTensors, before);
});

test('buffer pool: arrays read out, or shared by a stock kernel, are never recycled', { skip }, () => {
  const before = tf.memory().numTensors;
  // 1. An array obtained with dataSync() survives its tensor's disposal and later kernels.
  const t = tf.tidy(() => tf.add(randn([64, 33]), 1));
  const held = t.dataSync();
  const copy = held.slice();
  t.dispose();
  for (let i = 0; i < 4; i++) tf.tidy(() => tf.mul(tf.add(randn([64, 33]), 2), 3).sum()).dispose();
  assert.deepEqual(held, copy, 'a read-out array was recycled');
  // 2. A stock kernel output sharing a pooled buffer (stridedSlice returns a view) keeps its data.
  const src = tf.tidy(() => tf.mul(randn([8, 16]), 2));
  const view = tf.stridedSlice(src, [2, 0], [4, 16], [1, 1]);
  const vCopy = tf.tidy(() => tf.add(view, 0).arraySync());
  src.dispose();
  for (let i = 0; i < 4; i++) tf.tidy(() => tf.mul(randn([8, 16]), 5).sum()).dispose();
  assert.deepEqual(tf.tidy(() => tf.add(view, 0).arraySync()), vCopy, 'a shared buffer was recycled');
  view.dispose();
  // 3. Recycled arrays are fully overwritten: repeated runs give identical results.
  const x = randn([5, 7]);
  const r1 = tf.tidy(() => tf.unsortedSegmentSum(tf.matMul(x, x, false, true), tf.tensor1d([0, 1, 1, 0, 2], 'int32'), 3).dataSync().slice());
  for (let i = 0; i < 3; i++) tf.tidy(() => tf.fill([3, 5], 7).add(tf.fill([5, 5], NaN).sum()).sum()).dispose();
  const r2 = tf.tidy(() => tf.unsortedSegmentSum(tf.matMul(x, x, false, true), tf.tensor1d([0, 1, 1, 0, 2], 'int32'), 3).dataSync().slice());
  assert.deepEqual(r2, r1);
  x.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('stock kernels come back after uninstall', { skip }, () => {
  const native = tf.getKernel('Add', 'cpu').kernelFunc;
  uninstallNativeKernels();
  assert.equal(nativeKernelNames().length, 0);
  assert.notEqual(tf.getKernel('Add', 'cpu').kernelFunc, native);
  installNativeKernels();
  assert.equal(tf.getKernel('Add', 'cpu').kernelFunc !== native, true, 'reinstall wraps afresh');
});
