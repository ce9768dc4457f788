// The Ray backend of the run manager: a SpawnWorker whose "worker processes" are Ray jobs. The run manager
// keeps its queue, stop, resume and crash handling; each launched run becomes a job submitted through the
// Ray Jobs REST API with resource requests (Ray places and queues it), whose entrypoint runs the studio's own
// worker on the node (ray-entry.ts, the studio installed at the same path there). Messages and stored steps
// come back through the ingest server; the job's end maps onto a process exit: SUCCEEDED → code 0, STOPPED →
// SIGTERM, FAILED with a killed driver or a dead node → SIGKILL (run interrupted, resumable), else its code.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Db } from '../../db/open-db.js';
import { WORKER_ENTRIES, type FromWorker, type JobKind, type ToWorker } from '../../workers/protocol.js';
import type { SpawnWorker, WorkerHandle } from '../spawn-worker.js';
import { formatBytes } from '../../model/runtime/format-bytes.js';
import { RayIngestServer } from './ingest-server.js';
import { RAY_TERMINAL, RayClusterError, RayJobsClient, type RayJobInfo } from './ray-jobs-client.js';
import { checkSharedDir, type RayJobSpec } from './ray-entry-spec.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const ENTRY = fileURLToPath(new URL('./ray-entry.ts', import.meta.url));

export interface RayBackendOptions {
  /** The Ray dashboard address, e.g. http://127.0.0.1:8265. */
  address: string;
  /** A folder the studio and every node see at this same path: checkpoints and base models go there. */
  sharedDir: string;
  db: Db;
  /** Address the nodes reach the studio at (default 127.0.0.1: a cluster on this machine). */
  ingestHost?: string;
  /** CPUs each job asks for (default 1); GPUs: 1 when the run's runtime asks for a GPU, else 0. */
  cpusPerJob?: number;
  /** Custom resources each job asks for (nodes started with `ray start --resources`): places jobs on those nodes only. */
  resourcesPerJob?: Record<string, number>;
  pollMs?: number;
  heartbeatSeconds?: number;
  /** The studio's database file: jobs carry it, and a new launch stops jobs an earlier launch left running on it. */
  dbPath?: string;
  /**
   * A training run's peak-memory estimate in bytes from its stored config (the API's `train --dry-run`, which
   * loads tfjs in a child process, so it is passed in), or null when it has none; a job then asks Ray for that
   * much memory (`entrypoint_memory`) and Ray places it on a node that has it.
   */
  memoryEstimate?: (config: unknown) => Promise<number | null>;
}

/** How a job's end reads as a process exit for the run manager. */
export function exitOfJob(info: Pick<RayJobInfo, 'status' | 'driver_exit_code' | 'message'>, killedWith?: NodeJS.Signals): { code: number | null; signal: NodeJS.Signals | null } {
  if (info.status === 'SUCCEEDED') return { code: 0, signal: null };
  if (info.status === 'STOPPED') return { code: null, signal: killedWith ?? 'SIGTERM' };
  const c = info.driver_exit_code;
  if (c === -9 || c === 137) return { code: null, signal: 'SIGKILL' };
  if (c === -15 || c === 143) return { code: null, signal: 'SIGTERM' };
  // No exit code: the driver's node died or Ray lost the job — not the run's fault.
  if (c === null || c === undefined) return { code: null, signal: 'SIGKILL' };
  return { code: c, signal: null };
}

/** Resources a run asks Ray for: CPUs, a GPU when its runtime is a GPU one, and its peak-memory estimate when it has one. */
export function jobResources(config: unknown, cpus: number, memoryBytes: number | null = null): { numCpus: number; numGpus: number; memoryBytes?: number } {
  const c = (config ?? {}) as { runtime?: string };
  const gpu = typeof c.runtime === 'string' && /gpu|webgpu|cuda/i.test(c.runtime);
  return { numCpus: cpus, numGpus: gpu ? 1 : 0, ...(memoryBytes !== null && Number.isFinite(memoryBytes) && memoryBytes > 0 ? { memoryBytes } : {}) };
}

export class RayLauncher {
  readonly client: RayJobsClient;
  private constructor(
    private readonly o: RayBackendOptions,
    readonly ingest: RayIngestServer,
    readonly rayVersion: string,
  ) {
    this.client = new RayJobsClient(o.address);
  }

  /** Checks the cluster answers and the shared folder is usable, then starts the ingest server. Refuses with one line otherwise. */
  static async create(o: RayBackendOptions): Promise<RayLauncher> {
    const client = new RayJobsClient(o.address);
    const unreachable = checkSharedDir(path.resolve(o.sharedDir));
    if (unreachable) throw new RayClusterError(`Ray backend: ${unreachable}`);
    const { ray_version } = await client.version();
    // Jobs of an earlier launch on this database can no longer report (their ingest server is gone) and their
    // runs were just marked interrupted: stop them before a resume starts a second job on the same run.
    const orphans = o.dbPath ? (await client.list()).filter((j) => j.metadata?.app === 'attempt-studio' && j.metadata?.db === path.resolve(o.dbPath!) && !RAY_TERMINAL.includes(j.status)) : [];
    await Promise.all(orphans.map((j) => client.stop(j.submission_id).catch(() => false)));
    const ingest = new RayIngestServer(o.db, o.ingestHost ?? '127.0.0.1');
    await ingest.start();
    const launcher = new RayLauncher({ ...o, sharedDir: path.resolve(o.sharedDir) }, ingest, ray_version);
    launcher.stoppedOrphans = orphans.map((j) => j.submission_id);
    return launcher;
  }

  /** Jobs of an earlier launch on the same database that create() stopped. */
  stoppedOrphans: string[] = [];

  /** The shared folder (absolute). */
  get sharedDir(): string {
    return this.o.sharedDir;
  }

  /** For the run manager's `spawn` option. */
  readonly spawn: SpawnWorker = (entry) => {
    const kind = (Object.keys(WORKER_ENTRIES) as JobKind[]).find((k) => WORKER_ENTRIES[k] === entry);
    if (!kind) throw new Error(`no Ray job kind for worker ${entry}`);
    return new RayWorkerHandle(this, this.o, kind);
  };

  private readonly estimates = new Map<string, Promise<number | null>>();
  /** A training run's memory estimate for its stored config (JSON text), worked out once per config: a resume or a second job of the same config asks again. */
  memoryFor(configText: string): Promise<number | null> {
    const estimate = this.o.memoryEstimate;
    if (!estimate) return Promise.resolve(null);
    let p = this.estimates.get(configText);
    if (!p) {
      p = estimate(JSON.parse(configText)).catch(() => null);
      this.estimates.set(configText, p);
    }
    return p;
  }

  async close(): Promise<void> {
    await this.ingest.close();
  }
}

class RayWorkerHandle implements WorkerHandle {
  readonly pid = undefined;
  get label(): string {
    return this.jobId ? `Ray job ${this.jobId}` : 'a Ray job not yet submitted';
  }
  private readonly messageCbs: Array<(m: FromWorker) => void> = [];
  private readonly exitCbs: Array<(code: number | null, signal: NodeJS.Signals | null) => void> = [];
  private readonly stderrCbs: Array<(t: string) => void> = [];
  private jobId?: string;
  private stopRequested = false;
  private killedWith?: NodeJS.Signals;
  private ended = false;

  constructor(
    private readonly launcher: RayLauncher,
    private readonly o: RayBackendOptions,
    private readonly kind: JobKind,
  ) {
    setImmediate(() => this.deliver({ type: 'ready' }));
  }

  private deliver(m: FromWorker): void {
    for (const cb of this.messageCbs) cb(m);
  }

  private stderr(text: string): void {
    for (const cb of this.stderrCbs) cb(text);
  }

  send(msg: ToWorker): void {
    if (msg.type === 'stop') this.stopRequested = true; // answered to the worker's next batch
    else if (msg.type === 'start') void this.submit(msg.job.runId, msg.job.kind === 'train' ? msg.job.resume : false);
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    this.killedWith = signal;
    if (this.jobId) void this.launcher.client.stop(this.jobId).catch((err: Error) => this.stderr(`${err.message}\n`));
  }

  onMessage(cb: (m: FromWorker) => void): void {
    this.messageCbs.push(cb);
  }

  onExit(cb: (code: number | null, signal: NodeJS.Signals | null) => void): void {
    this.exitCbs.push(cb);
  }

  onStderr(cb: (t: string) => void): void {
    this.stderrCbs.push(cb);
  }

  private end(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.ended) return;
    this.ended = true;
    if (this.jobId) this.launcher.ingest.unregister(this.jobId);
    for (const cb of this.exitCbs) cb(code, signal);
  }

  private async submit(runId: number, resume: boolean): Promise<void> {
    const jobId = `attempt-studio-run-${runId}-${randomBytes(4).toString('hex')}`;
    const token = randomBytes(24).toString('hex');
    this.launcher.ingest.register(jobId, { runId, token, resume, lastSeq: 0, onMessage: (m) => m.type !== 'ready' && this.deliver(m), stopRequested: () => this.stopRequested });
    const spec: RayJobSpec = { server: this.launcher.ingest.url, token, jobId, runId, kind: this.kind, resume, sharedDir: this.o.sharedDir, heartbeatSeconds: this.o.heartbeatSeconds };
    const row = this.o.db.prepare('SELECT config FROM runs WHERE id = ?').get(runId) as { config: string } | undefined;
    const memory = this.kind === 'train' && row ? await this.launcher.memoryFor(row.config) : null;
    const res = jobResources(row ? JSON.parse(row.config) : {}, this.o.cpusPerJob ?? 1, memory);
    // The studio's own install path on the node (same path everywhere), its Node (or Electron as Node).
    const node = JSON.stringify(process.execPath);
    const entrypoint = `cd ${JSON.stringify(ROOT)} && exec ${node} --import tsx ${JSON.stringify(path.relative(ROOT, ENTRY))}`;
    try {
      this.jobId = await this.launcher.client.submit({
        entrypoint,
        submissionId: jobId,
        runtimeEnv: { env_vars: { ATTEMPT_STUDIO_RAY_JOB: JSON.stringify(spec), ...(process.versions.electron ? { ELECTRON_RUN_AS_NODE: '1' } : {}) } },
        ...res,
        ...(this.o.resourcesPerJob ? { resources: this.o.resourcesPerJob } : {}),
        metadata: { app: 'attempt-studio', run: String(runId), kind: this.kind, ...(this.o.dbPath ? { db: path.resolve(this.o.dbPath) } : {}) },
      });
    } catch (err) {
      this.deliver({ type: 'log', runId, level: 'error', line: (err as Error).message });
      this.deliver({ type: 'done', runId, status: 'failed', steps: 0, error: (err as Error).message });
      this.end(1, null);
      return;
    }
    if (this.killedWith) void this.launcher.client.stop(jobId).catch(() => undefined);
    this.deliver({ type: 'log', runId, level: 'info', line: `submitted as Ray job ${jobId} (${res.numCpus} CPU, ${res.numGpus} GPU${res.memoryBytes ? `, ${formatBytes(res.memoryBytes)} memory by the run's estimate` : ''}) to ${this.launcher.client.address}` });
    void this.watch(runId, jobId);
  }

  private async watch(runId: number, jobId: string): Promise<void> {
    let failures = 0;
    for (;;) {
      await new Promise((r) => setTimeout(r, this.o.pollMs ?? 1000));
      let info: RayJobInfo;
      try {
        info = await this.launcher.client.status(jobId);
        failures = 0;
      } catch (err) {
        // The dashboard may be busy; after a minute without an answer the cluster counts as lost.
        if (++failures < 60) continue;
        this.stderr(`${(err as Error).message}\n`);
        return this.end(null, 'SIGKILL');
      }
      if (!RAY_TERMINAL.includes(info.status)) continue;
      try {
        const logs = await this.launcher.client.logs(jobId);
        if (logs) this.stderr(logs.slice(-4000));
      } catch {
        /* logs are a courtesy */
      }
      if (info.status === 'FAILED' && info.message) this.deliver({ type: 'log', runId, level: 'info', line: `Ray job ${jobId}: ${info.message.split('\n')[0]}` });
      const exit = exitOfJob(info, this.killedWith);
      return this.end(exit.code, exit.signal);
    }
  }
}
