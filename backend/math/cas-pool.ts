// A small pool of worker threads for the CAS path, with a hard time budget per comparison: a comparison
// still running when its budget ends is answered "not equal, timed out" and its worker is terminated and
// replaced. Callers therefore never wait longer than the budget (plus a worker start after a timeout).
import { Worker } from 'node:worker_threads';
import type { CasRequest } from './cas-worker.js';
import type { Equivalence, EquivalenceOptions } from './options.js';

interface Job {
  req: CasRequest;
  timeoutMs: number;
  resolve: (r: Equivalence) => void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  job: Job | null;
  timer: NodeJS.Timeout | null;
}

/** How long a fresh worker may take to load and warm the CAS before its jobs are failed. */
const START_TIMEOUT_MS = 60_000;

export class CasPool {
  private slots: Slot[] = [];
  private queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  /** Counts since creation, for diagnostics and benchmarks. */
  readonly stats = { jobs: 0, timeouts: 0, restarts: 0, errors: 0 };

  constructor(readonly size = 1) {
    if (!Number.isInteger(size) || size < 1)
      throw new Error(`CAS pool size must be a positive integer, got ${size}`);
  }

  /** Compares in a worker; resolves (never rejects) within the budget once a worker is running. */
  compare(
    pred: string,
    gold: string,
    opts: EquivalenceOptions & { timeoutMs: number },
  ): Promise<Equivalence> {
    if (this.closed) return Promise.resolve({ equal: false, method: 'cas_error', timedOut: false });
    return new Promise((resolve) => {
      this.stats.jobs++;
      this.queue.push({ req: { id: this.nextId++, pred, gold, opts }, timeoutMs: opts.timeoutMs, resolve });
      this.pump();
    });
  }

  /** Terminates every worker; queued comparisons resolve as `cas_error`. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0))
      job.resolve({ equal: false, method: 'cas_error', timedOut: false });
    const slots = this.slots.splice(0);
    for (const s of slots) {
      if (s.timer) clearTimeout(s.timer);
      s.job?.resolve({ equal: false, method: 'cas_error', timedOut: false });
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private pump(): void {
    while (
      this.slots.length < this.size &&
      this.queue.length > this.slots.filter((s) => s.job === null).length
    ) {
      this.slots.push(this.spawn());
    }
    for (const slot of this.slots) {
      if (this.queue.length === 0) break;
      if (!slot.ready || slot.job !== null) continue;
      const job = this.queue.shift()!;
      slot.job = job;
      slot.worker.ref();
      slot.worker.postMessage(job.req);
      slot.timer = setTimeout(() => this.timeout(slot), job.timeoutMs);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(new URL('./cas-worker-entry.mjs', import.meta.url));
    const slot: Slot = { worker, ready: false, job: null, timer: null };
    const startTimer = setTimeout(() => this.fail(slot, 'CAS worker did not start'), START_TIMEOUT_MS);
    startTimer.unref();
    worker.on('message', (m: { type: 'ready' } | { type: 'result'; id: number; result: Equivalence }) => {
      if (m.type === 'ready') {
        clearTimeout(startTimer);
        slot.ready = true;
        worker.unref();
      } else if (slot.job && slot.job.req.id === m.id) {
        if (slot.timer) clearTimeout(slot.timer);
        const job = slot.job;
        slot.job = null;
        slot.timer = null;
        worker.unref();
        job.resolve(m.result);
      }
      this.pump();
    });
    worker.on('error', () => this.fail(slot, 'CAS worker failed'));
    worker.on('exit', () => this.fail(slot, 'CAS worker exited'));
    return slot;
  }

  private timeout(slot: Slot): void {
    this.stats.timeouts++;
    const job = slot.job;
    this.replace(slot);
    job?.resolve({ equal: false, method: 'timeout', timedOut: true });
  }

  private fail(slot: Slot, _why: string): void {
    if (!this.slots.includes(slot)) return;
    this.stats.errors++;
    const job = slot.job;
    // A worker that cannot even start fails the whole queue instead of respawning forever.
    const dropped = slot.ready ? [] : this.queue.splice(0);
    this.replace(slot);
    for (const j of job ? [job, ...dropped] : dropped)
      j.resolve({ equal: false, method: 'cas_error', timedOut: false });
  }

  /** Drops a slot (terminating its worker); a new worker starts on demand. */
  private replace(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.job = null;
    this.slots = this.slots.filter((s) => s !== slot);
    slot.worker.removeAllListeners('exit');
    void slot.worker.terminate();
    this.stats.restarts++;
    if (!this.closed) this.pump();
  }
}

let shared: CasPool | null = null;

/** The process-wide pool used by `isEquivalent` / `grade` (created on first use, 1 worker by default). */
export function sharedCasPool(size = 1): CasPool {
  if (!shared) shared = new CasPool(size);
  return shared;
}

/** Closes the shared pool (tests, CLI commands at exit). A later call creates a new one. */
export async function closeSharedCasPool(): Promise<void> {
  const p = shared;
  shared = null;
  await p?.close();
}
