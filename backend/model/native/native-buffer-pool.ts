// Recycles the output arrays of native kernels (fewer multi-MB allocations, page faults and GC pauses).
// Safety: on the cpu backend dataSync() returns the backing array, so an array is reused only if (a) a native
// kernel allocated it for exactly one dataId, (b) that dataId was freed, (c) it was never read out (readSync/read),
// and (d) no other kernel returned a tensor sharing its buffer. Anything else is left to the garbage collector.
import type { CpuBackend, TensorInfo } from './native-kernel-types.js';

const MAX_POOL_BYTES = 256 * 1024 * 1024;
const MAX_PER_SIZE = 16;

interface HookableBackend extends CpuBackend {
  data: CpuBackend['data'] & { has(id: object): boolean };
  readSync(dataId: object): unknown;
  read(dataId: object): Promise<unknown>;
  disposeData(dataId: object, force?: boolean): boolean;
}

export class BufferPool {
  private free = new Map<number, Float32Array[]>();
  private bytes = 0;
  /** buffer → the one dataId allowed to return it to the pool */
  private owner = new WeakMap<ArrayBufferLike, object>();
  private escaped = new WeakSet<ArrayBufferLike>();
  private restore: (() => void) | undefined;
  reused = 0;

  /** A float array of length n: recycled (stale contents: callers overwrite every element) or new. */
  take(n: number): Float32Array {
    const list = this.free.get(n);
    const a = list?.pop();
    if (a) {
      this.bytes -= a.byteLength;
      this.reused++;
      return a;
    }
    return new Float32Array(n);
  }

  /**
   * A float array of length n, all zeros: recycled and cleared, or new — a new one is zero already and is not written
   * here, so an accumulator that touches few rows (the embedding table's gradient) never faults in the rest.
   */
  takeZeroed(n: number): Float32Array {
    const list = this.free.get(n);
    const a = list?.pop();
    if (!a) return new Float32Array(n);
    this.bytes -= a.byteLength;
    this.reused++;
    return a.fill(0);
  }

  /** Gives back an array from take() that never became tensor data and that no caller still holds. */
  recycle(values: Float32Array): void {
    const buf = values.buffer;
    if (values.byteOffset !== 0 || values.byteLength !== buf.byteLength || this.owner.has(buf) || this.escaped.has(buf)) return;
    const list = this.free.get(values.length) ?? [];
    if (list.length >= MAX_PER_SIZE || this.bytes + values.byteLength > MAX_POOL_BYTES || list.includes(values)) return;
    list.push(values);
    this.free.set(values.length, list);
    this.bytes += values.byteLength;
  }

  /** Registers the kernel output `info` as the sole owner of `values`. */
  adopt(values: Float32Array | Int32Array, info: TensorInfo): void {
    if (values instanceof Float32Array && values.byteOffset === 0 && values.byteLength === values.buffer.byteLength) this.owner.set(values.buffer, info.dataId);
  }

  /** Never recycle this array again (someone outside may hold it). */
  escape(values: unknown): void {
    if (ArrayBuffer.isView(values)) this.escaped.add(values.buffer);
  }

  /** Checks kernel outputs: one whose array belongs to another dataId's pooled buffer pins that buffer. */
  checkOutputs(backend: CpuBackend, out: TensorInfo | TensorInfo[]): void {
    for (const t of Array.isArray(out) ? out : [out]) {
      const v = backend.data.get(t.dataId)?.values;
      if (!ArrayBuffer.isView(v)) continue;
      const o = this.owner.get(v.buffer);
      if (o !== undefined && o !== t.dataId) this.escaped.add(v.buffer);
    }
  }

  private release(dataId: object, values: unknown): void {
    if (!(values instanceof Float32Array)) return;
    const buf = values.buffer;
    if (this.owner.get(buf) !== dataId || this.escaped.has(buf)) return;
    this.owner.delete(buf);
    const list = this.free.get(values.length) ?? [];
    if (list.length >= MAX_PER_SIZE || this.bytes + values.byteLength > MAX_POOL_BYTES) return;
    list.push(values);
    this.free.set(values.length, list);
    this.bytes += values.byteLength;
  }

  /** Hooks the cpu backend instance: reads pin arrays, frees feed the pool. Idempotent. */
  attach(backendIn: CpuBackend): void {
    if (this.restore) return;
    const backend = backendIn as HookableBackend;
    const { readSync, read, disposeData } = backend;
    backend.readSync = (dataId) => {
      const v = readSync.call(backend, dataId);
      this.escape(v);
      return v;
    };
    backend.read = async (dataId) => {
      const v = await read.call(backend, dataId);
      this.escape(v);
      return v;
    };
    backend.disposeData = (dataId, force) => {
      const values = backend.data.has(dataId) ? backend.data.get(dataId).values : undefined;
      const done = disposeData.call(backend, dataId, force);
      if (done && values !== undefined && !backend.data.has(dataId)) this.release(dataId, values);
      return done;
    };
    this.restore = () => {
      backend.readSync = readSync;
      backend.read = read;
      backend.disposeData = disposeData;
    };
  }

  detach(): void {
    this.restore?.();
    this.restore = undefined;
    this.free.clear();
    this.bytes = 0;
  }
}

export const bufferPool = new BufferPool();
