// The Ray Jobs REST API (the dashboard's /api/jobs/): submit, status, logs, stop. The studio schedules on a
// Ray cluster through it only — no Ray client library, no Python in the studio's process.
export type RayJobStatus = 'PENDING' | 'RUNNING' | 'STOPPED' | 'SUCCEEDED' | 'FAILED';
export const RAY_TERMINAL: readonly RayJobStatus[] = ['STOPPED', 'SUCCEEDED', 'FAILED'];

export interface RayJobRequest {
  entrypoint: string;
  /** Our own id for the job (idempotent submit: Ray refuses a second job with the same id). */
  submissionId: string;
  runtimeEnv?: { env_vars?: Record<string, string>; working_dir?: string; [k: string]: unknown };
  /** Resources the entrypoint needs on its node: Ray places (and queues) the job by them. */
  numCpus?: number;
  numGpus?: number;
  memoryBytes?: number;
  /** Custom resources (`ray start --resources`), e.g. {"shared-fs": 1} to place jobs only on nodes that mount the shared folder. */
  resources?: Record<string, number>;
  metadata?: Record<string, string>;
}

export interface RayJobInfo {
  submission_id: string;
  status: RayJobStatus;
  message?: string | null;
  error_type?: string | null;
  driver_exit_code?: number | null;
  start_time?: number | null;
  end_time?: number | null;
  metadata?: Record<string, string>;
  driver_node_id?: string | null;
}

/** A failure talking to the cluster: names the address and what to check. */
export class RayClusterError extends Error {
  override name = 'RayClusterError';
}

export class RayJobsClient {
  readonly address: string;

  constructor(
    address: string,
    private readonly timeoutMs = 15_000,
    /** How long a submission is retried while Ray says its job agent is not ready ("try again later"). */
    private readonly submitRetryMs = 60_000,
  ) {
    let u: URL;
    try {
      u = new URL(address);
    } catch {
      throw new RayClusterError(`Ray dashboard address '${address}' is not a URL (expected e.g. http://127.0.0.1:8265)`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new RayClusterError(`Ray dashboard address '${address}' must be http(s)://host:port`);
    this.address = u.origin;
  }

  private async call<T>(method: string, p: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.address}${p}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const why = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      throw new RayClusterError(`cannot reach the Ray dashboard at ${this.address} (${why}): is the cluster up (ray start --head --dashboard-host ...)?`);
    }
    const text = await res.text();
    if (!res.ok) throw new RayClusterError(`Ray ${method} ${p} answered ${res.status}: ${text.slice(0, 300)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** The cluster's version and that its Jobs API answers. */
  async version(): Promise<{ ray_version: string }> {
    return this.call('GET', '/api/version');
  }

  async submit(r: RayJobRequest): Promise<string> {
    const body: Record<string, unknown> = { entrypoint: r.entrypoint, submission_id: r.submissionId, runtime_env: r.runtimeEnv ?? {}, metadata: r.metadata ?? {} };
    if (r.numCpus !== undefined) body.entrypoint_num_cpus = r.numCpus;
    if (r.numGpus !== undefined) body.entrypoint_num_gpus = r.numGpus;
    if (r.memoryBytes !== undefined) body.entrypoint_memory = Math.ceil(r.memoryBytes);
    if (r.resources && Object.keys(r.resources).length > 0) body.entrypoint_resources = r.resources;
    // Right after `ray start` (or a node's death) the head's job agent may not be registered yet: Ray answers
    // 5xx "No available agent to submit job, please try again later". Retried for up to submitRetryMs; a retry
    // that finds its own submission id already taken means the earlier attempt did get through.
    const deadline = Date.now() + this.submitRetryMs;
    for (let wait = 500; ; wait = Math.min(wait * 2, 5_000)) {
      try {
        return (await this.call<{ submission_id: string }>('POST', '/api/jobs/', body)).submission_id;
      } catch (err) {
        const msg = (err as Error).message;
        if (/already exists/i.test(msg) && wait > 500) return r.submissionId;
        if (!(err instanceof RayClusterError) || !/answered 50[03]: .*try again later/i.test(msg) || Date.now() + wait > deadline) throw err;
        await new Promise((res) => setTimeout(res, wait));
      }
    }
  }

  async status(id: string): Promise<RayJobInfo> {
    return this.call('GET', `/api/jobs/${encodeURIComponent(id)}`);
  }

  async logs(id: string): Promise<string> {
    return (await this.call<{ logs: string }>('GET', `/api/jobs/${encodeURIComponent(id)}/logs`)).logs;
  }

  /** Asks Ray to stop the job (SIGTERM to its entrypoint, SIGKILL after Ray's grace period). */
  async stop(id: string): Promise<boolean> {
    return (await this.call<{ stopped: boolean }>('POST', `/api/jobs/${encodeURIComponent(id)}/stop`)).stopped;
  }

  async list(): Promise<RayJobInfo[]> {
    return this.call('GET', '/api/jobs/');
  }
}
