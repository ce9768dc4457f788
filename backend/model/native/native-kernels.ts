// Native (OpenBLAS/C++) replacements for hot kernels of tfjs's `cpu` backend, registered over the stock ones.
// Each keeps the stock kernel as fallback for dtypes/cases it does not handle. Provider for runtime.ts.
import { tf } from '../core/tf.js';
import { BINARY_OPS, REDUCE_OPS, UNARY_OPS, loadNativeAddon } from './native-addon.js';
import { setPooling, type CpuBackend, type Impl, type KernelArgs, type TensorInfo } from './native-kernel-util.js';
import { bufferPool } from './native-buffer-pool.js';
import { batchMatMul, binaryImpl, fusedMatMul, reduceImpl, select, softmaxImpl, unaryImpl } from './native-math-kernels.js';
import { concat, gatherV2, slice, splitV, tile, transpose, unsortedSegmentSum } from './native-copy-kernels.js';

type KernelFunc = tf.KernelFunc;

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
  Slice: slice,
  SplitV: splitV,
  Concat: concat,
  GatherV2: gatherV2,
  UnsortedSegmentSum: unsortedSegmentSum,
  Tile: tile,
};

const originals = new Map<string, tf.KernelConfig>();
/** Stock kernels wrapped only to watch their outputs for pooled buffers (see native-buffer-pool.ts). */
const watched = new Map<string, tf.KernelConfig>();

/** Registers the native kernels on the cpu backend (idempotent); returns the kernel names now native. */
export function installNativeKernels(): string[] {
  const { addon, reason } = loadNativeAddon();
  if (!addon) throw new Error(reason);
  const threads = Number(process.env.ATTEMPT_STUDIO_BLAS_THREADS ?? DEFAULT_BLAS_THREADS);
  if (Number.isInteger(threads) && threads > 0) addon.setThreads(threads);
  if (originals.size > 0) return [...originals.keys()];
  const pool = process.env.ATTEMPT_STUDIO_NATIVE_POOL !== '0';
  const cpu = tf.findBackend('cpu') as unknown as CpuBackend | null;
  if (!cpu) throw new Error('the tfjs cpu backend is not available');
  if (pool) bufferPool.attach(cpu);
  setPooling(pool);
  for (const config of tf.getKernelsForBackend('cpu')) {
    const name = config.kernelName;
    const impl: Impl | undefined = IMPLS[name];
    const fallback = config.kernelFunc;
    const checked: KernelFunc = (args) => {
      const out = fallback(args);
      if (pool) bufferPool.checkOutputs(args.backend as unknown as CpuBackend, out as TensorInfo | TensorInfo[]);
      return out;
    };
    if (!impl && !pool) continue;
    const kernelFunc: KernelFunc = impl !== undefined ? (args) => impl(args as unknown as KernelArgs, addon, args.backend as unknown as CpuBackend) ?? checked(args) : checked;
    tf.unregisterKernel(name, 'cpu');
    tf.registerKernel({ ...config, kernelFunc });
    (impl !== undefined ? originals : watched).set(name, config);
  }
  return [...originals.keys()];
}

/** Restores the stock cpu kernels (tests compare against them) and unhooks the buffer pool. */
export function uninstallNativeKernels(): void {
  for (const map of [originals, watched]) {
    for (const [name, original] of map) {
      tf.unregisterKernel(name, 'cpu');
      tf.registerKernel(original);
    }
    map.clear();
  }
  setPooling(false);
  bufferPool.detach();
}

/** Names of the kernels currently replaced. */
export function nativeKernelNames(): string[] {
  return [...originals.keys()];
}

/** OpenBLAS threads used unless ATTEMPT_STUDIO_BLAS_THREADS says otherwise (see docs/PERFORMANCE.md). */
export const DEFAULT_BLAS_THREADS = 1;

/** Hooks the native-kernel addon gives runtime selection (runtime/runtime.ts); install throws if it is not built. */
export interface NativeKernelProvider {
  /** Registers native kernels on the cpu backend; returns their names. Throws with a reason if unavailable. */
  install(): string[];
  /** Restores the stock cpu kernels (the plain `cpu` runtime must not run native code). */
  uninstall?(): void;
}

export const nativeKernelProvider: NativeKernelProvider = { install: installNativeKernels, uninstall: uninstallNativeKernels };
