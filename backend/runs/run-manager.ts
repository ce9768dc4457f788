// The run manager: a queue of runs with a concurrency limit, one worker process per running run, graceful
// stop (then kill after a timeout), resume, delete, crash handling, and start-up reconciliation of runs
// whose worker is gone. It owns no training code: workers write their runs' rows, it only watches.
import { rmSync, existsSync } from 'node:fs';
import type { Db } from '../db/open-db.js';
import { createRun, getRun, latestCheckpoint, truncateRunAfter, workerAlive } from '../db/run-store.js';
import { failRun, finishRun, interruptRun, reconcile, requeueRun, type Reconciled } from '../jobs/run-status.js';
import { isTerminal, type RunStatus } from '../domain/vocabulary.js';
import type { RunConfig } from '../rl/config.js';
import { DomainError } from '../domain/errors.js';
import type { RunPhase } from '../domain/run-events.js';
import type { EventBus } from './event-bus.js';
import { WORKER_ENTRIES, type JobKind, type WorkerJob } from '../workers/protocol.js';
import { createEvalRun, type EvalJobSpec } from '../jobs/kinds/eval-job.js';
import { forkWorker, type SpawnWorker, type WorkerHandle } from './spawn-worker.js';
import { runFoldersOf } from '../db/run-folder.js';

export interface RunManagerOptions {
  db: Db;
  dbPath: string;
  dataDir: string;
  events: EventBus;
  /** Runs that may train at once (default 1: one GPU job at a time). */
  concurrency?: number;
  spawn?: SpawnWorker;
  /** How long a stopping worker may take to finish its step before it is killed (default 120 s). */
  stopTimeoutMs?: number;
  heartbeatSeconds?: number;
  /** How often runs adopted from an earlier launch are checked for liveness (default 2 s). */
  pollMs?: number;
}

interface Active {
  runId: number;
  handle: WorkerHandle;
  stopping: boolean;
  killedAfterTimeout: boolean;
  stopTimer?: NodeJS.Timeout;
  lastError: string | null;
  stderrTail: string;
  exited: Promise<void>;
}

/** jobs/train-run.ts's TRAINING_CHECKPOINT_FORMAT, repeated: importing that module would load tfjs here. */
const TRAINING_CHECKPOINT_FORMAT = 'training';

/** Signals that end a worker from outside (a user's kill, the OOM killer, a logout): the run is interrupted, not failed. */
const EXTERNAL_SIGNALS: NodeJS.Signals[] = ['SIGKILL', 'SIGTERM', 'SIGINT', 'SIGHUP'];

export class RunManager {
  #concurrency: number;
  private readonly queue: Array<{ runId: number; kind: JobKind; resume: boolean }> = [];
  private readonly active = new Map<number, Active>();
  /** Runs still running under a worker from an earlier launch (no IPC to them; signals only). */
  private readonly adopted = new Map<number, number>();
  private poll?: NodeJS.Timeout;
  private closed = false;
  /** The phase each running worker last reported. */
  private readonly phases = new Map<number, RunPhase>();

  constructor(private readonly o: RunManagerOptions) {
    this.#concurrency = o.concurrency ?? 1;
    this.setConcurrency(this.#concurrency);
  }

  /** Runs that may run at once. */
  get concurrency(): number {
    return this.#concurrency;
  }

  /** Changes the limit (the backend changed: a cluster's resources decide); a higher one starts waiting runs. */
  setConcurrency(n: number): void {
    if (!Number.isInteger(n) || n < 1) throw new Error(`concurrency must be a positive integer, got ${n}`);
    this.#concurrency = n;
    this.pump();
  }

  private get db(): Db {
    return this.o.db;
  }

  /**
   * Start-up reconciliation: runs marked running whose process is gone become `interrupted` (with the reason),
   * runs left `queued` by an earlier launch become `interrupted` too (resumable), and runs whose worker is
   * still alive are adopted (watched, stoppable by signal). Returns what was marked interrupted.
   */
  init(): Reconciled[] {
    const changed = reconcile(this.db);
    const stale = this.db.prepare("SELECT id FROM runs WHERE status = 'queued'").all() as Array<{ id: number }>;
    for (const { id } of stale) {
      const reason = 'it was queued when the app closed; resume it to run';
      this.setInterrupted(id, reason);
      changed.push({ runId: id, reason });
    }
    const running = this.db.prepare("SELECT id, pid FROM runs WHERE status = 'running' AND pid IS NOT NULL").all() as Array<{ id: number; pid: number }>;
    for (const r of running) this.adopted.set(r.id, r.pid);
    if (this.adopted.size > 0) this.watchAdopted();
    return changed;
  }

  private setInterrupted(runId: number, reason: string): void {
    interruptRun(this.db, runId, reason);
  }

  private watchAdopted(): void {
    this.poll ??= setInterval(() => {
      for (const runId of this.adopted.keys()) {
        if (workerAlive(this.db, runId)) continue; // the same process (pid + start time), not a reused pid
        this.adopted.delete(runId);
        reconcile(this.db);
        this.emitStatus(runId);
      }
      if (this.adopted.size === 0) {
        clearInterval(this.poll);
        this.poll = undefined;
        this.pump();
      }
    }, this.o.pollMs ?? 2000);
    this.poll.unref();
  }

  private emitStatus(runId: number, extra: { runtime?: { name: string; device: string; reason: string; tfBackend?: string }; startStep?: number } = {}): void {
    const run = getRun(this.db, runId);
    if (!run) return;
    this.o.events.emit('runs:status', { runId, status: run.status, error: run.error, ...extra });
  }

  /** Queues a new training run with a validated config; it starts when a slot is free. */
  start(config: RunConfig, name?: string): { runId: number; status: RunStatus } {
    this.assertOpen();
    const runId = createRun(this.db, { kind: 'train', config, name: name ?? config.name, preset: config.preset });
    return this.enqueue(runId, 'train', false);
  }

  /** Queues an evaluation run (its resolved spec, jobs/kinds/eval-job.ts); it shares the queue and its limit. */
  startEval(config: EvalJobSpec, name?: string): { runId: number; status: RunStatus } {
    this.assertOpen();
    const runId = createEvalRun(this.db, config, name);
    return this.enqueue(runId, 'eval', false);
  }

  /** Queues a stopped/interrupted/failed/completed run to continue from its latest checkpoint (optionally to more steps). */
  resume(runId: number, opts: { steps?: number } = {}): { runId: number; status: RunStatus } {
    this.assertOpen();
    const run = getRun(this.db, runId);
    if (!run) throw new DomainError('not-found', `no run with id ${runId}`, 'runId');
    if (run.kind !== 'train') throw new DomainError('conflict', `run ${runId} is a ${run.kind} run; only training runs resume`, 'runId');
    if (run.status === 'running' || run.status === 'queued') throw new DomainError('conflict', `run ${runId} is already ${run.status}`, 'runId');
    if (opts.steps !== undefined) {
      if (opts.steps <= run.stepsDone) throw new DomainError('invalid', `steps must exceed the ${run.stepsDone} steps already done, got ${opts.steps}`, 'steps');
      this.db.prepare('UPDATE runs SET config = json_set(config, \'$.steps\', ?) WHERE id = ?').run(opts.steps, runId);
    }
    const resume = latestCheckpoint(this.db, runId, TRAINING_CHECKPOINT_FORMAT) !== undefined;
    // Without a checkpoint the run starts over: its old rows would duplicate the new curve.
    if (!resume) truncateRunAfter(this.db, runId, 0);
    requeueRun(this.db, runId);
    return this.enqueue(runId, 'train', resume);
  }

  private enqueue(runId: number, kind: JobKind, resume: boolean): { runId: number; status: RunStatus } {
    this.queue.push({ runId, kind, resume });
    this.emitStatus(runId);
    this.pump();
    return { runId, status: getRun(this.db, runId)!.status };
  }

  /** Stops a run: a queued one leaves the queue; a running one finishes its step, checkpoints and exits. */
  async stop(runId: number): Promise<{ runId: number; status: RunStatus }> {
    const run = getRun(this.db, runId);
    if (!run) throw new DomainError('not-found', `no run with id ${runId}`, 'runId');
    const qi = this.queue.findIndex((q) => q.runId === runId);
    if (qi >= 0) {
      this.queue.splice(qi, 1);
      finishRun(this.db, runId, 'stopped');
      this.emitStatus(runId);
      return { runId, status: 'stopped' };
    }
    const a = this.active.get(runId);
    const timeout = this.o.stopTimeoutMs ?? 120_000;
    if (a) {
      if (!a.stopping) {
        a.stopping = true;
        a.handle.send({ type: 'stop' });
        a.stopTimer = setTimeout(() => {
          a.killedAfterTimeout = true;
          a.handle.kill('SIGKILL');
        }, timeout);
        this.o.events.emit('runs:log', { runId, level: 'info', line: 'stopping: the worker ends its current phase and keeps the last completed step…' });
      }
      return { runId, status: run.status };
    }
    const pid = this.adopted.get(runId);
    if (pid !== undefined) {
      // Signals go only to the run's own worker: never to a process that has since been given its pid.
      if (!workerAlive(this.db, runId)) {
        reconcile(this.db);
        this.emitStatus(runId);
        return { runId, status: getRun(this.db, runId)!.status };
      }
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* gone already: the liveness poll reconciles it */
      }
      setTimeout(() => {
        if (workerAlive(this.db, runId)) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* it exited meanwhile */
          }
        }
      }, timeout).unref();
      return { runId, status: run.status };
    }
    throw new DomainError('conflict', `run ${runId} is not running or queued (status ${run.status})`, 'runId');
  }

  /** Deletes a finished run's rows and (with deleteFiles) its folder under the data directory. */
  delete(runId: number, deleteFiles: boolean): { runId: number; deletedFiles: string[] } {
    const run = getRun(this.db, runId);
    if (!run) throw new DomainError('not-found', `no run with id ${runId}`, 'runId');
    if (!isTerminal(run.status) || this.active.has(runId) || this.adopted.has(runId))
      throw new DomainError('conflict', `run ${runId} is ${run.status}; stop it before deleting it`, 'runId');
    const deletedFiles: string[] = [];
    if (deleteFiles) {
      for (const dir of runFoldersOf(this.db, this.o.dataDir, runId)) {
        if (!existsSync(dir)) continue;
        rmSync(dir, { recursive: true, force: true });
        deletedFiles.push(dir);
      }
    }
    this.db.prepare('DELETE FROM runs WHERE id = ?').run(runId);
    return { runId, deletedFiles };
  }

  /** Runs waiting for a slot, in order. */
  get queued(): number[] {
    return this.queue.map((q) => q.runId);
  }

  /** Runs with a live worker (this launch's and adopted ones). */
  get running(): number[] {
    return [...this.active.keys(), ...this.adopted.keys()];
  }

  /** What a running run's worker last said it is doing (null for runs without a live worker). */
  phaseOf(runId: number): RunPhase | null {
    return this.phases.get(runId) ?? null;
  }

  /** Resolves when the run's worker has exited (immediately if it has none). */
  async settled(runId: number): Promise<void> {
    await this.active.get(runId)?.exited;
  }

  private pump(): void {
    while (!this.closed && this.queue.length > 0 && this.active.size + this.adopted.size < this.#concurrency) {
      const next = this.queue.shift()!;
      this.launch(next.runId, next.kind, next.resume);
    }
  }

  private launch(runId: number, kind: JobKind, resume: boolean): void {
    const common = { runId, dbPath: this.o.dbPath, dataDir: this.o.dataDir, heartbeatSeconds: this.o.heartbeatSeconds };
    const job: WorkerJob = kind === 'train' ? { kind, resume, ...common } : { kind, ...common };
    const handle = (this.o.spawn ?? forkWorker)(WORKER_ENTRIES[job.kind]);
    let resolveExit!: () => void;
    const a: Active = { runId, handle, stopping: false, killedAfterTimeout: false, lastError: null, stderrTail: '', exited: new Promise((r) => (resolveExit = r)) };
    this.active.set(runId, a);
    handle.onStderr((text) => (a.stderrTail = (a.stderrTail + text).slice(-4000)));
    handle.onMessage((msg) => {
      switch (msg.type) {
        case 'ready':
          handle.send({ type: 'start', job });
          if (a.stopping) handle.send({ type: 'stop' });
          break;
        case 'started':
          this.emitStatus(runId, { runtime: msg.runtime, startStep: msg.startStep });
          break;
        case 'step': {
          const total = msg.total ?? (getRun(this.db, runId)?.config as { steps?: number } | undefined)?.steps ?? null;
          this.o.events.emit('runs:progress', { runId, step: msg.step, totalSteps: total, metrics: msg.metrics });
          break;
        }
        case 'phase':
          this.phases.set(runId, msg.phase);
          this.o.events.emit('runs:phase', { runId, phase: msg.phase });
          break;
        case 'log':
          if (msg.level === 'error') a.lastError = msg.line.split('\n')[0]!;
          this.o.events.emit('runs:log', { runId, level: msg.level, line: msg.line });
          break;
        case 'done':
          if (msg.error) a.lastError = msg.error;
          break;
      }
    });
    handle.onExit((code, signal) => {
      if (a.stopTimer) clearTimeout(a.stopTimer);
      this.active.delete(runId);
      this.phases.delete(runId);
      try {
        this.afterExit(a, code, signal);
      } finally {
        resolveExit();
        this.pump();
      }
    });
  }

  /** A worker ended: a run it left unfinished is marked interrupted (killed from outside or while stopping) or failed (crash). */
  private afterExit(a: Active, code: number | null, signal: NodeJS.Signals | null): void {
    const run = getRun(this.db, a.runId);
    if (!run) return;
    if (run.status === 'running' || run.status === 'queued') {
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      const who = a.handle.label;
      if (a.stopping && a.killedAfterTimeout) {
        this.setInterrupted(a.runId, `stopped by the user: ${who} did not stop in time and was killed; ${this.resumeNote(a.runId)}`);
      } else if (signal && EXTERNAL_SIGNALS.includes(signal)) {
        // Killed from outside (kill -9, the OOM killer, a shutdown): not a bug in the run; its committed steps stand.
        this.setInterrupted(a.runId, `${who} ${how}; its committed steps are kept and ${this.resumeNote(a.runId)}`);
      } else {
        const last = a.lastError ?? a.stderrTail.trim().split('\n').filter(Boolean).at(-1) ?? null;
        failRun(this.db, a.runId, `${who} ${how}${last ? `: ${last}` : ''}`);
      }
    }
    this.emitStatus(a.runId);
  }

  /** What resume would do for a training run, truthfully: continue from its checkpoint, or start over. */
  private resumeNote(runId: number): string {
    if (getRun(this.db, runId)?.kind !== 'train') return 'an evaluation is started again to resume it';
    const ck = latestCheckpoint(this.db, runId, TRAINING_CHECKPOINT_FORMAT);
    return ck ? `resume continues from the checkpoint at step ${ck.step}` : 'it has no checkpoint yet, so resume starts it over from step 0';
  }

  private assertOpen(): void {
    if (this.closed) throw new DomainError('unavailable', 'the run manager is shutting down');
  }

  /** Shuts down: queued runs are stopped, running workers are asked to stop (and killed after the timeout). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.poll) clearInterval(this.poll);
    for (const q of this.queue.splice(0)) {
      finishRun(this.db, q.runId, 'stopped');
      this.emitStatus(q.runId);
    }
    const waits = [...this.active.values()].map((a) => a.exited);
    for (const runId of [...this.active.keys()]) await this.stop(runId);
    await Promise.all(waits);
  }
}
