// What a Ray job is told ($ATTEMPT_STUDIO_RAY_JOB) and the shared-folder check both ends make: the studio before
// it submits anything, the job on its node before it writes a checkpoint.
import { accessSync, constants, statSync } from 'node:fs';
import type { JobKind } from '../../workers/protocol.js';

export interface RayJobSpec {
  /** The studio's ingest server, as the nodes reach it. */
  server: string;
  token: string;
  jobId: string;
  runId: number;
  kind: JobKind;
  resume: boolean;
  /** The folder the studio and every node share (checkpoints, base models). */
  sharedDir: string;
  heartbeatSeconds?: number;
}

/** Undefined when `dir` is a folder this process can write; else the one-line reason. */
export function checkSharedDir(dir: string): string | undefined {
  try {
    if (!statSync(dir).isDirectory()) return `the shared folder ${dir} is not a folder`;
    accessSync(dir, constants.W_OK);
    return undefined;
  } catch (err) {
    return `the shared folder ${dir} is not reachable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): it must exist, be writable and be mounted at the same path on the studio's machine and every node`;
  }
}
