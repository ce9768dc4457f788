// The run status state machine: the ONLY code that changes runs.status (a run is born `queued` by
// db/run-store.ts createRun). Every move is checked against TRANSITIONS inside its UPDATE, so a run that
// another process already moved is never overwritten: a refused move throws a DomainError ('conflict', or
// 'not-found' for a missing run) naming the run and both statuses, which callers answer as 409 / 404.
import type { Db } from '../db/open-db.js';
import { DomainError } from '../domain/errors.js';
import { pidExists, processStartToken, sameProcessAlive } from '../db/process-identity.js';
import { RUN_STATUSES, type RunStatus } from '../domain/vocabulary.js';

/** The statuses each status may move to (terminal → queued: resumed through the run manager; → running: the CLI resumes in-process). */
export const TRANSITIONS: Readonly<Record<RunStatus, readonly RunStatus[]>> = {
  queued: ['running', 'stopped', 'failed', 'interrupted'],
  running: ['completed', 'stopped', 'failed', 'interrupted'],
  completed: ['queued', 'running'],
  stopped: ['queued', 'running'],
  failed: ['queued', 'running'],
  interrupted: ['queued', 'running'],
};

/** The statuses a run may be in to move to `to`. */
export function allowedFrom(to: RunStatus): RunStatus[] {
  return RUN_STATUSES.filter((from) => TRANSITIONS[from].includes(to));
}

const now = () => Date.now();
const inList = (xs: readonly string[]) => xs.map((x) => `'${x}'`).join(', ');

/** Runs `UPDATE runs SET status = <to>, <set> WHERE id = ? AND status IN (<allowed>)`; false when no row moved. */
function tryMove(db: Db, runId: number, to: RunStatus, set: string, params: unknown[], from = allowedFrom(to)): boolean {
  const sql = `UPDATE runs SET status = '${to}'${set ? `, ${set}` : ''} WHERE id = ? AND status IN (${inList(from)})`;
  return db.prepare(sql).run(...params, runId).changes === 1;
}

function move(db: Db, runId: number, to: RunStatus, set: string, params: unknown[]): void {
  if (tryMove(db, runId, to, set, params)) return;
  const row = db.prepare('SELECT status FROM runs WHERE id = ?').get(runId) as { status: RunStatus } | undefined;
  if (!row) throw new DomainError('not-found', `run ${runId} does not exist`, 'runId');
  throw new DomainError('conflict', `run ${runId} is ${row.status}; it cannot become ${to} (allowed from: ${allowedFrom(to).join(', ')})`, 'runId');
}

/** The worker took the run: status running, its pid/backend/device, started now (kept on resume), error cleared. */
export function markRunning(
  db: Db,
  runId: number,
  worker: { pid: number; backend?: string; device?: string; /** Default: read from the OS for `pid`. */ pidStart?: string | null },
): void {
  const t = now();
  move(db, runId, 'running', 'pid = ?, pid_start = ?, backend = ?, device = ?, started_at = COALESCE(started_at, ?), heartbeat_at = ?, ended_at = NULL, error = NULL', [
    worker.pid,
    worker.pidStart !== undefined ? worker.pidStart : processStartToken(worker.pid),
    worker.backend ?? null,
    worker.device ?? null,
    t,
    t,
  ]);
}

/** Ends a run normally (`completed`, or `stopped` when the user stopped it). */
export function finishRun(db: Db, runId: number, status: 'completed' | 'stopped' = 'completed'): void {
  move(db, runId, status, 'ended_at = ?, pid = NULL', [now()]);
}

export function failRun(db: Db, runId: number, error: string): void {
  move(db, runId, 'failed', 'error = ?, ended_at = ?, pid = NULL', [error, now()]);
}

/** Puts a finished run back in the queue (resume): error and end time cleared. */
export function requeueRun(db: Db, runId: number): void {
  move(db, runId, 'queued', 'error = NULL, ended_at = NULL', []);
}

/**
 * Marks a queued or running run interrupted with the reason in `error` (its committed steps stay; resume
 * continues). Returns false, changing nothing, when the run has already moved on — another process won.
 */
export function interruptRun(db: Db, runId: number, reason: string, endedAt: number = now()): boolean {
  return tryMove(db, runId, 'interrupted', 'error = ?, ended_at = ?, pid = NULL', [reason, endedAt]);
}

export interface Reconciled {
  runId: number;
  reason: string;
}

/**
 * Every run marked `running` whose worker process is gone becomes `interrupted`, with the reason stored in
 * `error`; its committed steps stay. Called by every command that opens the database. Returns what changed.
 */
export function reconcile(db: Db, isAlive: (pid: number, pidStart: string | null) => boolean = sameProcessAlive): Reconciled[] {
  const running = db
    .prepare("SELECT id, pid, pid_start, heartbeat_at FROM runs WHERE status = 'running'")
    .all() as Array<{ id: number; pid: number | null; pid_start: string | null; heartbeat_at: number | null }>;
  const changed: Reconciled[] = [];
  db.transaction(() => {
    for (const r of running) {
      if (r.pid !== null && isAlive(r.pid, r.pid_start)) continue;
      const last =
        r.heartbeat_at !== null ? `; last heartbeat ${new Date(r.heartbeat_at).toISOString()}` : '';
      const reused = r.pid !== null && pidExists(r.pid) ? ' (its pid now belongs to another process)' : '';
      const reason =
        r.pid === null ? `no worker process was recorded${last}` : `worker process ${r.pid} is gone${reused}${last}`;
      // Only a run still running moves; it ends at its last heartbeat (when it last showed life).
      if (tryMove(db, r.id, 'interrupted', 'error = ?, ended_at = COALESCE(heartbeat_at, ?), pid = NULL', [reason, now()], ['running']))
        changed.push({ runId: r.id, reason });
    }
  }).immediate();
  return changed;
}
