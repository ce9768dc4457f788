// The worker's end of a Ray job: every second, the worker's messages and every step whose stored rows changed
// in the node's scratch database go to the studio's ingest server in one batch (sequence-numbered, retried with
// backoff; steps are resent whole, so a retry never duplicates a row). The answer may ask the run to stop.
// Only an unreachable studio or a 5xx is retried: a 4xx (the studio refused the batch, e.g. its run was
// stopped or interrupted meanwhile) ends the forwarding at once and tells the worker through onRefused.
import { openDb, type Db } from '../../db/open-db.js';
import type { FromWorker } from '../../workers/protocol.js';
import type { IngestBatch } from './ingest-server.js';
import { readStepRecord, stepFingerprints } from './step-record.js';

export interface ForwarderOptions {
  server: string;
  token: string;
  jobId: string;
  runId: number;
  /** The node's scratch database the worker writes. */
  dbPath: string;
  /** Called once when the studio asks the run to stop. */
  onStop: () => void;
  /** Called once when the studio refuses a batch (4xx, with its reason): nothing more is sent; the job should end. */
  onRefused?: (reason: string) => void;
  intervalMs?: number;
  /** How long one batch is retried before the forwarder gives up on the studio (default 120 s). */
  retryForMs?: number;
}

export class Forwarder {
  private readonly queue: FromWorker[] = [];
  private readonly sent = new Map<number, string>();
  private seq = 0;
  private db?: Db;
  private final?: IngestBatch['final'];
  private finalSent = false;
  private stopAsked = false;
  /** Why the studio refused this job's batches; once set nothing more is sent. */
  refused?: string;
  private chain: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly o: ForwarderOptions) {
    this.timer = setInterval(() => void this.flush(), o.intervalMs ?? 1000);
    this.timer.unref();
  }

  /**
   * The scratch database now holds only what the studio sent (the run, its checkpoints): those steps are the
   * studio's already and must not go back as records (a step record replaces the step whole).
   */
  markSeeded(): void {
    const db = openDb(this.o.dbPath, { readonly: true });
    try {
      for (const [step, fp] of stepFingerprints(db, this.o.runId)) this.sent.set(step, fp);
    } finally {
      db.close();
    }
  }

  /** A worker message (what it would send over IPC); `done` makes the next batch the final one. */
  message(msg: FromWorker): void {
    this.queue.push(msg);
    if (msg.type === 'done') this.final = { status: msg.status, error: msg.error };
  }

  /** Sends what is new (one batch at a time, in order). */
  flush(): Promise<void> {
    this.chain = this.chain.then(() => this.flushOnce()).catch((err: Error) => {
      process.stderr.write(`[ray forwarder] ${err.message}\n`);
    });
    return this.chain;
  }

  /** The last flush (with the final status when the worker reported one); then the scratch database is closed. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    this.db?.close();
    this.db = undefined;
  }

  private async flushOnce(): Promise<void> {
    if (this.finalSent || this.refused !== undefined) return;
    this.db ??= openDb(this.o.dbPath, { readonly: true });
    const fps = stepFingerprints(this.db, this.o.runId);
    const changed = [...fps].filter(([step, fp]) => this.sent.get(step) !== fp);
    const records = changed.map(([step]) => readStepRecord(this.db!, this.o.runId, step));
    const messages = this.queue.splice(0);
    const final = this.final;
    const batch: IngestBatch = { seq: this.seq + 1, messages, records, ...(final ? { final } : {}) };
    try {
      const answer = await this.post(batch);
      this.seq = batch.seq;
      for (const [step, fp] of changed) this.sent.set(step, fp);
      if (final) this.finalSent = true;
      if (answer.stop && !this.stopAsked) {
        this.stopAsked = true;
        this.o.onStop();
      }
    } catch (err) {
      if ((err as { permanent?: boolean }).permanent) {
        this.refused = (err as Error).message;
        this.o.onRefused?.(this.refused);
      } else this.queue.unshift(...messages); // resent (with the same steps) in the next batch
      throw err;
    }
  }

  private async post(batch: IngestBatch): Promise<{ stop: boolean }> {
    const deadline = Date.now() + (this.o.retryForMs ?? 120_000);
    let wait = 250;
    for (;;) {
      try {
        const res = await fetch(`${this.o.server}/ray/batch`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${this.o.token}`, 'x-attempt-studio-job': this.o.jobId },
          body: JSON.stringify(batch),
          signal: AbortSignal.timeout(30_000),
        });
        if (res.ok) return (await res.json()) as { stop: boolean };
        const text = await res.text();
        if (res.status < 500) throw Object.assign(new Error(`the studio refused batch ${batch.seq}: ${res.status} ${text}`), { permanent: true });
        throw new Error(`the studio answered ${res.status}: ${text}`);
      } catch (err) {
        if ((err as { permanent?: boolean }).permanent || Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, wait));
        wait = Math.min(wait * 2, 5000);
      }
    }
  }
}
