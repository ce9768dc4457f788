// Native (OpenBLAS/C++) replacements for hot kernels of tfjs's `cpu` backend, registered over the stock ones.
// Each keeps the stock kernel as fallback for dtypes/cases it does not handle. Provider for runtime.ts.
import { tf } from './tf.js';
import { BINARY_OPS, REDUCE_OPS, UNARY_OPS, loadNativeAddon } from './native-addon.js';
import type { NativeKernelProvider } from './runtime.js';
import type { CpuBackend, Impl, KernelArgs } from './native-kernel-util.js';
import { batchMatMul, binaryImpl, fusedMatMul, reduceImpl, select, softmaxImpl, unaryImpl } from './native-math-kernels.js';
import { concat, gatherV2, slice, splitV, transpose, unsortedSegmentSum } from './native-copy-kernels.js';

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
