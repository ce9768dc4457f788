// System metrics logged with every training step, so a slow run can be explained from its own record: the
// process's CPU time over the step (user + system, all threads), its resident memory, and the GPU memory the
// tensor runtime reports when it has one (WebGL/WebGPU); tokens/s is the trainer's own metric.

export interface SystemSample {
  /** CPU seconds this process used since the previous sample. */
  cpuSeconds: number;
  /** Resident set size, MiB. */
  rssMiB: number;
  /** GPU memory held by tensors, MiB (only when the runtime reports it). */
  gpuMemoryMiB?: number;
}

/** A sampler: each call returns the metrics since the previous call (the first: since the sampler was made). */
export function systemSampler(
  gpuBytes: () => number | undefined = () => undefined,
  cpuUsage: (prev?: NodeJS.CpuUsage) => NodeJS.CpuUsage = (p) => process.cpuUsage(p),
  rss: () => number = () => process.memoryUsage.rss(),
): () => SystemSample {
  let last = cpuUsage();
  return () => {
    const d = cpuUsage(last);
    last = cpuUsage();
    const gpu = gpuBytes();
    return { cpuSeconds: (d.user + d.system) / 1e6, rssMiB: rss() / 2 ** 20, ...(gpu !== undefined ? { gpuMemoryMiB: gpu / 2 ** 20 } : {}) };
  };
}

/** GPU bytes from a tfjs memory report (WebGL: numBytesInGPU; absent on CPU backends). */
export function gpuBytesOf(memory: unknown): number | undefined {
  const m = memory as { numBytesInGPU?: unknown; numBytesInGPUAllocated?: unknown };
  const v = typeof m.numBytesInGPU === 'number' ? m.numBytesInGPU : typeof m.numBytesInGPUAllocated === 'number' ? m.numBytesInGPUAllocated : undefined;
  return v;
}
