// The entry point of a Ray job: runs the studio's own worker (workers/train-worker.ts or eval-worker.ts,
// unchanged) on a Ray node. The worker writes a scratch SQLite database on the node, seeded with its run's rows
// from the studio; its IPC channel is carried over HTTP by the Forwarder, which also ships the stored steps to
// the studio (the only writer of the studio's database). Checkpoints go to the shared folder the user named.
// The job is described by $ATTEMPT_STUDIO_RAY_JOB (JSON, see RayJobSpec); run as `node --import tsx ray-entry.ts`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDb } from '../../db/open-db.js';
import { WORKER_ENTRIES, type ToWorker, type WorkerJob } from '../../workers/protocol.js';
import { Forwarder } from './forwarder.js';
import type { RunSnapshot } from './ingest-server.js';
import { checkSharedDir, type RayJobSpec } from './ray-entry-spec.js';

const say = (line: string) => process.stderr.write(`[attempt-studio ray job] ${line}\n`);

async function fetchSnapshot(spec: RayJobSpec): Promise<RunSnapshot> {
  const res = await fetch(`${spec.server}/ray/snapshot`, { headers: { authorization: `Bearer ${spec.token}`, 'x-attempt-studio-job': spec.jobId }, signal: AbortSignal.timeout(30_000) });
  if (!res.ok) throw new Error(`the studio at ${spec.server} refused the snapshot: ${res.status} ${await res.text()}`);
  return (await res.json()) as RunSnapshot;
}

/** Seeds the scratch database with the studio's rows (same ids), so the worker runs as it would locally. */
function seedScratch(dbPath: string, snap: RunSnapshot): void {
  const db = openDb(dbPath);
  try {
    const insert = (table: string, row: Record<string, unknown>) => {
      const cols = Object.keys(row);
      db.prepare(`INSERT OR REPLACE INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`).run(...cols.map((c) => row[c] as never));
    };
    db.transaction(() => {
      for (const r of snap.runs) insert('runs', { ...r, experiment_id: null, pid: null, pid_start: null });
      for (const c of snap.checkpoints) insert('checkpoints', c);
    })();
  } finally {
    db.close();
  }
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.env.ATTEMPT_STUDIO_RAY_JOB ?? 'null') as RayJobSpec | null;
  if (!spec) throw new Error('$ATTEMPT_STUDIO_RAY_JOB is not set: this entry point is started by the studio as a Ray job');
  const scratch = mkdtempSync(path.join(tmpdir(), `attempt-studio-ray-${spec.runId}-`));
  const dbPath = path.join(scratch, 'run.db');
  const forwarder = new Forwarder({
    server: spec.server,
    token: spec.token,
    jobId: spec.jobId,
    runId: spec.runId,
    dbPath,
    onStop: () => process.emit('message', { type: 'stop' } satisfies ToWorker, undefined),
    // The studio will not take this run's results any more (it moved the run on): working on is wasted.
    onRefused: (reason) => {
      say(`${reason}; ending the job`);
      void finish(3);
    },
  });
  const finish = async (code: number) => {
    await forwarder.close();
    rmSync(scratch, { recursive: true, force: true });
    realExit(code);
  };
  const realExit = process.exit.bind(process);
  // The worker ends with process.exit (or by running out of work): the last batch goes first.
  process.exit = ((code?: number) => void finish(code ?? (typeof process.exitCode === 'number' ? process.exitCode : 0))) as typeof process.exit;
  process.once('beforeExit', () => void finish(typeof process.exitCode === 'number' ? process.exitCode : 0));

  const unreachable = checkSharedDir(spec.sharedDir);
  if (unreachable) {
    say(unreachable);
    seedScratch(dbPath, { runs: [], checkpoints: [] });
    forwarder.message({ type: 'log', runId: spec.runId, level: 'error', line: unreachable });
    forwarder.message({ type: 'done', runId: spec.runId, status: 'failed', steps: 0, error: unreachable });
    return finish(2);
  }
  seedScratch(dbPath, await fetchSnapshot(spec));
  forwarder.markSeeded();
  say(`run ${spec.runId} (${spec.kind}${spec.resume ? ', resume' : ''}) on ${process.env.RAY_NODE_ID ?? 'this node'}; scratch ${scratch}; shared ${spec.sharedDir}`);

  // The worker's IPC, carried by the forwarder.
  Object.defineProperty(process, 'connected', { get: () => true, configurable: true });
  process.send = ((msg: unknown) => {
    forwarder.message(msg as never);
    return true;
  }) as typeof process.send;
  process.disconnect = () => undefined;
  await import(WORKER_ENTRIES[spec.kind]);
  const job: WorkerJob =
    spec.kind === 'train'
      ? { kind: 'train', runId: spec.runId, dbPath, dataDir: spec.sharedDir, resume: spec.resume, heartbeatSeconds: spec.heartbeatSeconds }
      : { kind: 'eval', runId: spec.runId, dbPath, dataDir: spec.sharedDir, heartbeatSeconds: spec.heartbeatSeconds };
  process.emit('message', { type: 'start', job } satisfies ToWorker, undefined);
}

main().catch((err: Error) => {
  say(err.message);
  process.exitCode = 1;
});
