// CPU time and call count per tfjs kernel (and per native addon call made outside a kernel, as "fused:NAME"),
// optionally split by a caller-set phase label: the per-op profile of bench/kernel-profile.ts and of the
// real-shape training micro-batch (bench/real-shape-ours.ts with `profile`). Install after selectRuntime().
import { tf } from '../backend/model/core/tf.js';
import { loadNativeAddon } from '../backend/model/native/native-addon.js';

export interface KernelTimer {
  /**
   * `${phase}/${kernel}` (or just the kernel name with no phase set) → [CPU ms, calls, wall ms]. CPU ms is the whole
   * process's (every thread, BLAS threads still spinning after a GEMM included); wall ms is the call's own time.
   */
  times: Map<string, [number, number, number]>;
  /** Labels the calls that follow (e.g. 'forward', 'backward'); '' = no label. */
  setPhase(phase: string): void;
}

/** Process CPU time (user + system, all threads) in ms. */
export const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Wraps every registered cpu kernel and every addon function; one install per process. */
export function installKernelTimers(): KernelTimer {
  const times = new Map<string, [number, number, number]>();
  let phase = '';
  let inKernel = false;
  const add = (name: string, ms: number, wall: number) => {
    const key = phase ? `${phase}/${name}` : name;
    const e = times.get(key) ?? [0, 0, 0];
    e[0] += ms;
    e[1]++;
    e[2] += wall;
    times.set(key, e);
  };
  for (const k of tf.getKernelsForBackend('cpu')) {
    const f = k.kernelFunc;
    tf.unregisterKernel(k.kernelName, 'cpu');
    tf.registerKernel({
      ...k,
      kernelFunc: (a) => {
        const t0 = cpuMs();
        const w0 = performance.now();
        inKernel = true;
        const r = f(a);
        inKernel = false;
        add(k.kernelName, cpuMs() - t0, performance.now() - w0);
        return r;
      },
    });
  }
  const addon = loadNativeAddon().addon as unknown as Record<string, unknown> | undefined;
  for (const name of Object.keys(addon ?? {})) {
    const fn = addon![name];
    if (typeof fn !== 'function' || name === 'info' || name === 'setThreads') continue;
    addon![name] = (...a: unknown[]) => {
      if (inKernel) return (fn as (...x: unknown[]) => unknown)(...a);
      const t0 = cpuMs();
      const w0 = performance.now();
      const r = (fn as (...x: unknown[]) => unknown)(...a);
      add(`fused:${name}`, cpuMs() - t0, performance.now() - w0);
      return r;
    };
  }
  return { times, setPhase: (p) => (phase = p) };
}
