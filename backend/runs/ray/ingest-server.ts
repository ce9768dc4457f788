// The studio's end of a Ray job: a small HTTP listener the job's worker talks to. It hands the worker its run
// (a snapshot for the node's scratch database), receives batches — worker messages (started, step progress,
// logs, done) and step records — and applies the records to the studio's database, which stays the only
// writer of it. Each job has its own token; batches carry a sequence number (a retried batch is applied once)
// and records replace their step whole (never a duplicate row). The answer tells the worker whether to stop.
// A batch is applied whole or not at all; one the studio refuses (its run has moved on: a status change the
// state machine forbids) is answered 409 with the reason, bad input 400 — the worker gives up, never retries.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Db } from '../../db/open-db.js';
import { getRun, heartbeat, latestCheckpoint, truncateRunAfter } from '../../db/run-store.js';
import { failRun, finishRun, markRunning } from '../../jobs/run-status.js';
import type { FromWorker } from '../../workers/protocol.js';
import { DomainError } from '../../domain/errors.js';
import { applyStepRecord, type StepRecord } from './step-record.js';

/** What the studio side knows of one submitted job. */
export interface IngestJob {
  runId: number;
  token: string;
  resume: boolean;
  /** Worker messages, in order, each once. */
  onMessage(msg: FromWorker): void;
  /** Whether the user asked this run to stop (the worker finishes its step, checkpoints and exits). */
  stopRequested(): boolean;
  /** Highest batch sequence number applied. */
  lastSeq: number;
}

/** A batch from a worker: messages and step records since the last one; `final` ends the run's record. */
export interface IngestBatch {
  seq: number;
  messages: FromWorker[];
  records: StepRecord[];
  final?: { status: 'completed' | 'stopped' | 'failed'; error: string | null };
}

/** Rows a node's scratch database needs to run the job: the run, its checkpoints, and what its config points at. */
export interface RunSnapshot {
  runs: Array<Record<string, unknown>>;
  checkpoints: Array<Record<string, unknown>>;
}

const TRAINING_CHECKPOINT_FORMAT = 'training';
const MAX_BODY = 64 * 1024 * 1024;

export class RayIngestServer {
  private server?: Server;
  private readonly jobs = new Map<string, IngestJob>();
  url = '';

  constructor(
    private readonly db: Db,
    private readonly host = '127.0.0.1',
  ) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, this.host, () => resolve());
    });
    const a = this.server.address() as AddressInfo;
    this.url = `http://${this.host.includes(':') ? `[${this.host}]` : this.host}:${a.port}`;
  }

  register(jobId: string, job: IngestJob): void {
    this.jobs.set(jobId, job);
  }

  unregister(jobId: string): void {
    this.jobs.delete(jobId);
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server!.close(() => r()));
  }

  private auth(req: IncomingMessage): { jobId: string; job: IngestJob } | undefined {
    const jobId = String(req.headers['x-attempt-studio-job'] ?? '');
    const job = this.jobs.get(jobId);
    const given = Buffer.from(String(req.headers.authorization ?? '').replace(/^Bearer /, ''));
    if (!job) return undefined;
    const want = Buffer.from(job.token);
    return given.length === want.length && timingSafeEqual(given, want) ? { jobId, job } : undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    try {
      const who = this.auth(req);
      if (!who) return send(401, { error: 'unknown job or bad token' });
      if (req.method === 'GET' && req.url === '/ray/snapshot') return send(200, this.snapshot(who.job));
      if (req.method === 'POST' && req.url === '/ray/batch') {
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const c of req) {
          size += (c as Buffer).length;
          if (size > MAX_BODY) return send(413, { error: 'batch too large' });
          chunks.push(c as Buffer);
        }
        let batch: IngestBatch;
        try {
          batch = JSON.parse(Buffer.concat(chunks).toString('utf8')) as IngestBatch;
        } catch (err) {
          return send(400, { error: `batch is not JSON: ${(err as Error).message}` });
        }
        if (typeof batch !== 'object' || batch === null || !Array.isArray(batch.messages) || !Array.isArray(batch.records))
          return send(400, { error: 'batch must be {seq, messages: [], records: []}' });
        this.apply(who.job, batch);
        return send(200, { stop: who.job.stopRequested(), seq: who.job.lastSeq });
      }
      send(404, { error: 'no such route' });
    } catch (err) {
      // A refused status change (the run was stopped, interrupted or finished meanwhile) is final for this job.
      if (err instanceof DomainError) return send(err.kind === 'not-found' ? 404 : 409, { error: err.message });
      send(500, { error: (err as Error).message });
    }
  }

  /** The run's rows for the node's scratch database; on resume the studio's rows after the checkpoint go (as runTraining does locally). */
  private snapshot(job: IngestJob): RunSnapshot {
    const db = this.db;
    if (job.resume) {
      const ck = latestCheckpoint(db, job.runId, TRAINING_CHECKPOINT_FORMAT);
      truncateRunAfter(db, job.runId, ck?.step ?? 0);
    }
    const run = db.prepare('SELECT * FROM runs WHERE id = ?').get(job.runId) as Record<string, unknown> | undefined;
    if (!run) throw new DomainError('not-found', `no run with id ${job.runId}`);
    const checkpoints = db.prepare('SELECT * FROM checkpoints WHERE run_id = ?').all(job.runId) as Array<Record<string, unknown>>;
    const runs = [run];
    // An evaluation names a checkpoint of another run: its row (and that run's) must exist for the foreign keys.
    const cfg = JSON.parse(String(run.config)) as { checkpointId?: number | null };
    if (typeof cfg.checkpointId === 'number') {
      const ck = db.prepare('SELECT * FROM checkpoints WHERE id = ?').get(cfg.checkpointId) as Record<string, unknown> | undefined;
      if (ck && ck.run_id !== job.runId) {
        runs.push(db.prepare('SELECT * FROM runs WHERE id = ?').get(ck.run_id) as Record<string, unknown>);
        checkpoints.push(ck);
      }
    }
    return { runs, checkpoints };
  }

  private apply(job: IngestJob, batch: IngestBatch): void {
    if (!Number.isInteger(batch.seq) || batch.seq <= job.lastSeq) return; // a retry of a batch already applied
    // One transaction: a refused status change leaves none of the batch behind.
    this.db.transaction(() => this.applyRows(job, batch))();
    job.lastSeq = batch.seq;
    for (const msg of batch.messages) job.onMessage(msg);
  }

  private applyRows(job: IngestJob, batch: IngestBatch): void {
    const db = this.db;
    for (const msg of batch.messages) {
      if (msg.type === 'started') {
        // Only the run this job was launched for, still queued: the state machine also lets a finished run
        // become running (the CLI's in-process resume), but a job whose run was stopped, interrupted or taken
        // by another job meanwhile must not bring it back.
        const status = getRun(db, job.runId)?.status;
        if (status !== 'queued') throw new DomainError('conflict', `run ${job.runId} is ${status ?? 'gone'}; a Ray job starts only a queued run (it was stopped, interrupted or started by another job meanwhile)`, 'runId');
        // The worker took the run on a Ray node: no local pid (liveness is the Ray job's status).
        markRunning(db, job.runId, { pid: 0, pidStart: null, backend: msg.runtime.name, device: msg.runtime.device });
        db.prepare('UPDATE runs SET pid = NULL WHERE id = ?').run(job.runId);
      }
    }
    for (const rec of batch.records) applyStepRecord(db, job.runId, rec);
    if (batch.final) {
      const run = getRun(db, job.runId);
      if (run && (run.status === 'running' || run.status === 'queued')) {
        if (batch.final.status === 'failed') failRun(db, job.runId, batch.final.error ?? 'the worker failed');
        else finishRun(db, job.runId, batch.final.status);
      }
    } else if (getRun(db, job.runId)?.status === 'running') heartbeat(db, job.runId);
  }
}
