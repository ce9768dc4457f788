// Fused RMSNorm/SwiGLU (custom gradients) and the fused Adam against their plain tfjs references:
// values and gradients within 1e-5 (max-abs relative to the tensor's scale), Adam state identical, no leaks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tf, type Tensor } from '../../../backend/model/core/tf.js';
import { installNativeKernels, uninstallNativeKernels } from '../../../backend/model/native/native-kernels.js';
import { loadNativeAddon } from '../../../backend/model/native/native-addon.js';
import { rmsNorm, rmsNormReference, swiglu, swigluReference, applyRotary, applyRotaryReference, adam } from '../../../backend/model/native/native-fused.js';

const skip = loadNativeAddon().reason ? `native addon unavailable: ${loadNativeAddon().reason}` : false;

function close(a: ArrayLike<number>, b: ArrayLike<number>, what: string, tol = 1e-5): void {
  assert.equal(a.length, b.length);
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol * scale, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

const rnd = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);

before(async () => {
  await tf.setBackend('cpu');
  if (!skip) installNativeKernels();
});
after(() => uninstallNativeKernels());

test('fused RMSNorm: value and gradients equal the tfjs composition', { skip }, () => {
  for (const shape of [[1, 3], [5, 8], [2, 3, 16], [7, 129]]) {
    const before = tf.memory().numTensors;
    const C = shape.at(-1)!;
    const x = rnd(shape, 1);
    const w = tf.tidy(() => tf.add(rnd([C], 2), 1));
    const r = rnd(shape, 3);
    const loss = (f: typeof rmsNorm) => (xx: Tensor, ww: Tensor) => tf.sum(tf.mul(f(xx, ww, 1e-6), r));
    const fused = tf.tidy(() => [rmsNorm(x, w, 1e-6), ...tf.grads(loss(rmsNorm))([x, w])].map((t) => t.dataSync().slice()));
    const ref = tf.tidy(() => [rmsNormReference(x, w, 1e-6), ...tf.grads(loss(rmsNormReference))([x, w])].map((t) => t.dataSync().slice()));
    fused.forEach((a, i) => close(a, ref[i], `rmsNorm ${shape} output ${i}`));
    tf.dispose([x, w, r]);
    assert.equal(tf.memory().numTensors, before);
  }
});

test('fused SwiGLU: value and gradients equal the tfjs composition, NaN/Inf included', { skip }, () => {
  const before = tf.memory().numTensors;
  const g = tf.tidy(() => tf.concat([rnd([3, 10], 4), tf.tensor2d([[NaN, Infinity, -Infinity, 0, 30, -30, 1e-20, -1, 2, 3]])]));
  const u = rnd([4, 10], 5);
  const r = rnd([4, 10], 6);
  const loss = (f: typeof swiglu) => (a: Tensor, b: Tensor) => tf.sum(tf.mul(f(a, b), r));
  const fused = tf.tidy(() => [swiglu(g, u), ...tf.grads(loss(swiglu))([g, u])].map((t) => t.dataSync().slice()));
  const ref = tf.tidy(() => [swigluReference(g, u), ...tf.grads(loss(swigluReference))([g, u])].map((t) => t.dataSync().slice()));
  fused.forEach((a, i) => {
    const fa = Array.from(a);
    const fr = Array.from(ref[i]);
    // Non-finite positions must agree exactly; finite ones within tolerance.
    fr.forEach((v, j) => { if (!Number.isFinite(v)) assert.ok(Object.is(fa[j], v) || (Number.isNaN(fa[j]) && Number.isNaN(v)), `swiglu out ${i}[${j}]: ${fa[j]} vs ${v}`); });
    const keep = fr.map((v, j) => Number.isFinite(v) && Number.isFinite(fa[j]));
    close(fa.filter((_, j) => keep[j]), fr.filter((_, j) => keep[j]), `swiglu output ${i}`);
  });
  tf.dispose([g, u, r]);
  assert.equal(tf.memory().numTensors, before);
});

test('fused rotary embedding: value and gradient equal the tfjs composition (shared and per-batch tables)', { skip }, () => {
  const before = tf.memory().numTensors;
  for (const cb of [1, 2]) {
    const x = rnd([2, 3, 5, 8], 11);
    const ang = rnd([cb, 1, 5, 4], 12);
    const cos = tf.cos(ang);
    const sin = tf.sin(ang);
    const r = rnd([2, 3, 5, 8], 13);
    const loss = (f: typeof applyRotary) => (xx: Tensor) => tf.sum(tf.mul(f(xx, cos, sin), r));
    const fused = tf.tidy(() => [applyRotary(x, cos, sin), tf.grad(loss(applyRotary))(x)].map((t) => t.dataSync().slice()));
    const ref = tf.tidy(() => [applyRotaryReference(x, cos, sin), tf.grad(loss(applyRotaryReference))(x)].map((t) => t.dataSync().slice()));
    fused.forEach((a, i) => close(a, ref[i], `rope cb=${cb} output ${i}`));
    tf.dispose([x, ang, cos, sin, r]);
  }
  assert.equal(tf.memory().numTensors, before);
});

test('fused Adam follows tf.train.adam exactly over several steps (values and optimizer state)', { skip }, () => {
  const run = (makeOpt: () => tf.Optimizer) => {
    const w0 = rnd([6, 5], 7);
    const b0 = tf.zeros([5]);
    const w = tf.variable(w0, true, `adamtest${Math.random()}`);
    const b = tf.variable(b0, true, `adamtestb${Math.random()}`);
    tf.dispose([w0, b0]);
    const x = rnd([4, 6], 8);
    const opt = makeOpt();
    for (let s = 0; s < 4; s++) opt.minimize(() => tf.mean(tf.square(tf.add(tf.matMul(x, w), b))) as tf.Scalar)!;
    const out = [w, b].map((v) => v.dataSync().slice());
    const state = opt.getWeights();
    tf.dispose([w, b, x]);
    return { out, state, opt };
  };
  const before = tf.memory().numTensors;
  const fused = run(() => adam(0.01, 0.9, 0.95, 1e-8));
  const stock = run(() => tf.train.adam(0.01, 0.9, 0.95, 1e-8));
  return Promise.all([fused.state, stock.state]).then(([fs, ss]) => {
    fused.out.forEach((a, i) => close(a, stock.out[i], `adam var ${i}`, 1e-6));
    assert.equal(fs.length, ss.length);
    fs.forEach((nt, i) => close(nt.tensor.dataSync(), ss[i].tensor.dataSync(), `adam state ${nt.name}`, 1e-6));
    fused.opt.dispose();
    stock.opt.dispose();
    tf.dispose([fs[0].tensor, ss[0].tensor]); // the iteration counters getWeights() creates
    assert.equal(tf.memory().numTensors, before);
  });
});

test('without native kernels the fused functions are the plain tfjs ones', async () => {
  uninstallNativeKernels();
  try {
    const x = rnd([3, 4], 9);
    const w = tf.ones([4]);
    const a = tf.tidy(() => rmsNorm(x, w, 1e-6).dataSync().slice());
    const b = tf.tidy(() => rmsNormReference(x, w, 1e-6).dataSync().slice());
    assert.deepEqual(a, b);
    tf.dispose([x, w]);
  } finally {
    if (!skip) installNativeKernels();
  }
});

test('fused SwiGLU keeps NaN/±Inf and extreme gates as the composition does (vectorised exp)', { skip }, () => {
  const gate = tf.tensor1d([NaN, Infinity, -Infinity, 100, -100, 88.9, -88.9, -87, 87, 0, 1e-3, -20]);
  const up = tf.tensor1d([1, 2, 3, -1, 0.5, 1, 1, 2, 2, 1, 1, 3]);
  const got = swiglu(gate, up).dataSync();
  const want = swigluReference(gate, up).dataSync();
  for (let i = 0; i < want.length; i++) {
    if (Number.isNaN(want[i])) assert.ok(Number.isNaN(got[i]), `[${i}] NaN expected, got ${got[i]}`);
    else assert.ok(got[i] === want[i] || Math.abs(got[i] - want[i]) <= 1e-6 * Math.max(1, Math.abs(want[i])), `[${i}]: ${got[i]} vs ${want[i]}`);
  }
  tf.dispose([gate, up]);
});

test('without native kernels adam() is tf.train.adam bit for bit, with one variable\'s temporaries at a time', async () => {
  uninstallNativeKernels();
  try {
    const before = tf.memory().numTensors;
    const run = async (makeOpt: () => tf.Optimizer) => {
      const vars = [0, 1, 2, 3].map((k) => {
        const init = rnd([64, 64], 20 + k);
        const v = tf.variable(init, true, `adamstock${k}_${Math.random()}`);
        init.dispose();
        return v;
      });
      const x = rnd([8, 64], 30);
      const opt = makeOpt();
      let extra = 0; // most bytes one optimizer step holds beyond what it started with
      for (let s = 0; s < 3; s++) {
        const { grads, value } = tf.variableGrads(() => tf.mean(tf.square(vars.reduce((h, w) => tf.tanh(tf.matMul(h, w)), x as Tensor))) as tf.Scalar, vars);
        const start = tf.memory().numBytes;
        const info = await tf.profile(() => opt.applyGradients(grads));
        if (s > 0) extra = Math.max(extra, info.peakBytes - start); // step 1 also creates the moments
        tf.dispose([value, ...Object.values(grads)]);
      }
      const out = vars.map((v) => v.dataSync().slice());
      tf.dispose([...vars, x]);
      opt.dispose();
      return { out, extra };
    };
    const ours = await run(() => adam(0.01, 0.9, 0.95, 1e-8));
    const stock = await run(() => tf.train.adam(0.01, 0.9, 0.95, 1e-8));
    ours.out.forEach((a, i) => assert.deepEqual(a, stock.out[i], `variable ${i}`));
    const varBytes = 64 * 64 * 4;
    // tfjs's keeps 14 variable-sized temporaries of each of the 4 variables until the end; ours those of one at a time.
    assert.ok(stock.extra >= 40 * varBytes, `stock step peak +${stock.extra} bytes`);
    assert.ok(ours.extra <= 15 * varBytes, `our step peak +${ours.extra} bytes (stock +${stock.extra})`);
    assert.equal(tf.memory().numTensors, before);
  } finally {
    if (!skip) installNativeKernels();
  }
});
