// Loads the compiled OpenBLAS kernel addon (native/build/Release/attempt_native.node) and types its functions.
// A missing or broken build is reported as a reason string, never thrown at import time.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Binary op codes, in the order of `BinaryOp` in native/src/kernels.h. */
export const BINARY_OPS = { Add: 0, Sub: 1, Multiply: 2, RealDiv: 3, Maximum: 4, Minimum: 5, SquaredDifference: 6, Pow: 7 } as const;
/** Unary op codes, in the order of `UnaryOp` in native/src/kernels.h. */
export const UNARY_OPS = {
  Exp: 0, Log: 1, Sqrt: 2, Rsqrt: 3, Neg: 4, Abs: 5, Square: 6, Tanh: 7, Sigmoid: 8, Relu: 9, Reciprocal: 10,
  Sin: 11, Cos: 12, Log1p: 13, Expm1: 14, Elu: 15, Step: 16,
} as const;
/** Reduction op codes, in the order of `ReduceOp` in native/src/kernels.h. */
export const REDUCE_OPS = { Sum: 0, Mean: 1, Max: 2, Min: 3, Prod: 4 } as const;

type F32 = Float32Array;
type Word = Float32Array | Int32Array | Uint32Array;

export interface NativeAddon {
  /** out[i] = A_i · B_i for [m,k]×[k,n] blocks at the given element offsets; out is [count, m, n]. */
  matmul(a: F32, b: F32, out: F32, aOffsets: Float64Array, bOffsets: Float64Array, m: number, n: number, k: number, transA: boolean, transB: boolean): void;
  /** Broadcasting binary op over `shape`, element strides per input (0 = broadcast). */
  binary(op: number, a: F32, b: F32, out: F32, shape: Float64Array, aStrides: Float64Array, bStrides: Float64Array): void;
  unary(op: number, x: F32, out: F32, alpha?: number): void;
  transpose(x: Word, out: Word, shape: Float64Array, perm: Int32Array): void;
  /** Reduces the middle axis of x viewed as [outer, mid, inner] into out [outer, inner]. */
  reduce(op: number, x: F32, out: F32, outer: number, mid: number, inner: number): void;
  softmax(x: F32, out: F32, rows: number, cols: number, log: boolean): void;
  select(cond: Uint8Array, t: F32, e: F32, out: F32, inner: number): void;
  /** dst[dstOffset + Σ i·dstStrides] = src[srcOffset + Σ i·srcStrides] over shape (4-byte elements). */
  copy(src: Word, srcOffset: number, srcStrides: Float64Array, dst: Word, dstOffset: number, dstStrides: Float64Array, shape: Float64Array): void;
  /** out[seg[i]] += x[i] for rows of `inner` floats (out zeroed by the caller). */
  segmentSum(x: F32, segmentIds: Int32Array, out: F32, inner: number, numSegments: number): void;
  /** out = x[:, indices, :] for x viewed as [outer, axisDim, inner]. */
  gather(x: Word, indices: Int32Array, out: Word, outer: number, axisDim: number, inner: number): void;
  rmsNormForward(x: F32, w: F32, out: F32, rstd: F32, rows: number, cols: number, eps: number): void;
  rmsNormBackward(x: F32, w: F32, rstd: F32, dy: F32, dx: F32, dw: F32, rows: number, cols: number): void;
  swigluForward(gate: F32, up: F32, out: F32): void;
  swigluBackward(gate: F32, up: F32, dy: F32, dGate: F32, dUp: F32): void;
  /** Rotary embedding (rotate-half); sign −1 = inverse rotation. x/out [B,H,T,D], cos/sin [1 or B, 1, T, D/2]. */
  rope(x: F32, cos: F32, sin: F32, out: F32, B: number, H: number, T: number, D: number, perBatch: boolean, sign: number): void;
  /** Masked GQA attention on rows: q/out [B,T,H,D], k/v [B,Hkv,cap ≥ S,D] (first S columns used; cap defaults to S), mask at Σ (b,hkv,g,t)·maskStrides + s; probs [B,H,T,S] out. */
  attention(q: F32, k: F32, v: F32, mask: F32, maskStrides: Float64Array, out: F32, probs: F32, B: number, T: number, H: number, Hkv: number, S: number, D: number, scale: number, cap?: number): void;
  /** Gradients of attention from its saved probs: dq [B,T,H,D], dk/dv [B,Hkv,S,D] (overwritten). */
  attentionBackward(q: F32, k: F32, v: F32, probs: F32, dout: F32, dq: F32, dk: F32, dv: F32, B: number, T: number, H: number, Hkv: number, S: number, D: number, scale: number): void;
  /** Rotary embedding on rows: x/out [B,T,H,D], cos/sin [1 or B, T, D/2]; sign −1 = inverse rotation. */
  ropeRows(x: F32, cos: F32, sin: F32, out: F32, B: number, T: number, H: number, D: number, perBatch: boolean, sign: number): void;
  /** out[r] = x[r, target[r]] − logsumexp(x[r]); lse[r] saved. x [rows, V]. */
  logProbPick(x: F32, target: Int32Array, out: F32, lse: F32, rows: number, V: number): void;
  logProbPickBackward(x: F32, target: Int32Array, lse: F32, dy: F32, dx: F32, rows: number, V: number): void;
  /** tfjs Adam step; scalars = [β1, 1−β1, β2, 1−β2, 1−β1ᵗ, 1−β2ᵗ, ε, −lr]. */
  adam(value: F32, grad: F32, m: F32, v: F32, outValue: F32, outM: F32, outV: F32, scalars: Float64Array): void;
  setThreads(n: number): void;
  info(): { blas: string; threads: number };
}

export const ADDON_PATH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../native/build/Release/attempt_native.node');

let cached: { addon?: NativeAddon; reason?: string } | undefined;

/** The addon, or the reason it cannot be used (not built, fails to load). */
export function loadNativeAddon(): { addon?: NativeAddon; reason?: string } {
  if (cached) return cached;
  if (!existsSync(ADDON_PATH)) {
    cached = { reason: `the native addon is not built (${path.relative(process.cwd(), ADDON_PATH)} is missing; run \`npm run build:native\`, which needs g++, make and libopenblas-dev)` };
    return cached;
  }
  try {
    const addon = createRequire(import.meta.url)(ADDON_PATH) as NativeAddon;
    cached = { addon };
  } catch (err) {
    cached = { reason: `the native addon failed to load: ${(err as Error).message.split('\n')[0]} (rebuild with \`npm run build:native\`)` };
  }
  return cached;
}
