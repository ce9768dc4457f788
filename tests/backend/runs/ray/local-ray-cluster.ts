// Test fixture: a REAL Ray cluster on loopback — a head (`ray start --head --block`, its dashboard serving the
// Jobs API) and a second worker node process, which has the custom resource WORKER_NODE_RESOURCE (so a job can
// be placed on it) and whose raylet a test can kill (a node dying) — each with few CPUs, in a temp folder,
// stopped (and only what it started) when done. Ray comes from $ATTEMPT_STUDIO_RAY_BIN, the checkout's .venv-ray (made by .ci/run), or
// PATH. Without it: under CI=true the caller must fail; locally it skips with a message.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../../..', import.meta.url));

/** The `ray` executable, or undefined. */
export function findRay(): string | undefined {
  const candidates = [process.env.ATTEMPT_STUDIO_RAY_BIN, path.join(REPO, '.venv-ray/bin/ray')].filter((p): p is string => !!p);
  const hit = candidates.find((p) => existsSync(p));
  if (hit) return hit;
  const r = spawnSync('sh', ['-c', 'command -v ray'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A custom resource only the worker node has: a job asking for it runs there. */
export const WORKER_NODE_RESOURCE = 'as-worker-node';

export interface LocalRayCluster {
  /** The dashboard (Jobs API) address. */
  address: string;
  /** Worker nodes besides the head. */
  nodes: number;
  /** SIGKILLs the worker node's raylet (the node dies as a crashed machine's would); returns its pid. */
  killWorkerRaylet(): number;
  /** Nodes the head reports ALIVE now. */
  aliveNodes(): Promise<number>;
  stop(): Promise<void>;
}

/** Pids of the processes in process group `pgid` whose command line matches `re`. */
function groupMembers(pgid: number, re: RegExp): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // state ppid pgrp ...
      if (Number(fields[2]) !== pgid) continue;
      if (re.test(readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' '))) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** Starts the cluster and waits until the Jobs API answers and every node has joined. */
export async function startLocalRayCluster(ray: string, opts: { headCpus?: number; workerCpus?: number; timeoutMs?: number } = {}): Promise<LocalRayCluster> {
  const temp = mkdtempSync(path.join(tmpdir(), 'as-ray-'));
  const [gcsPort, dashPort] = [await freePort(), await freePort()];
  const env = { ...process.env, RAY_USAGE_STATS_ENABLED: '0', RAY_DEDUP_LOGS: '0' };
  const procs: ChildProcess[] = [];
  const log: string[] = [];
  const start = async (args: string[]) => {
    // Each node's agents on free ports: Ray's fixed defaults (dashboard agent 52365, …) clash with any other
    // cluster on this machine (a developer's own, another test run), whose head then has "No available agent".
    const agentPorts = [
      `--dashboard-agent-listen-port=${await freePort()}`,
      `--dashboard-agent-grpc-port=${await freePort()}`,
      `--runtime-env-agent-port=${await freePort()}`,
      `--metrics-export-port=${await freePort()}`,
    ];
    // --block keeps `ray start` in the foreground: ending it ends the Ray processes it started, and no others.
    const p = spawn(ray, ['start', '--block', '--disable-usage-stats', ...agentPorts, ...args], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    p.stdout!.on('data', (d) => log.push(String(d)));
    p.stderr!.on('data', (d) => log.push(String(d)));
    procs.push(p);
    return p;
  };
  const stop = async () => {
    for (const p of [...procs].reverse()) {
      if (p.exitCode !== null || p.signalCode !== null) continue; // a node that already ended (restarted, or killed by a test)
      const exited = new Promise((r) => p.once('exit', r));
      try {
        process.kill(-p.pid!, 'SIGTERM');
      } catch {
        /* gone */
      }
      const t = setTimeout(() => {
        try {
          process.kill(-p.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, 20_000);
      await exited;
      clearTimeout(t);
    }
    rmSync(temp, { recursive: true, force: true });
  };
  const address = `http://127.0.0.1:${dashPort}`;
  const deadline = Date.now() + (opts.timeoutMs ?? 180_000);
  try {
    await start(['--head', '--node-ip-address=127.0.0.1', `--port=${gcsPort}`, '--dashboard-host=127.0.0.1', `--dashboard-port=${dashPort}`, `--num-cpus=${opts.headCpus ?? 2}`, '--num-gpus=0', '--include-dashboard=true', `--temp-dir=${temp}`]);
    await waitFor(async () => (await fetch(`${address}/api/version`)).ok, deadline, () => log.join(''));
    // One job before the worker node exists. The head's job manager becomes a Ray driver at its first job and
    // attaches to "the raylet at this node's IP"; two nodes on one machine share that IP (Ray records one IP per
    // session folder, which they share), so after the worker joined it could attach to the worker's raylet.
    // The worker node dying would then end the job manager's driver, and with it the JobSupervisor class Ray
    // exported: every later job fails at once ("Expected str or bytes, got NoneType"), which is Ray on one
    // machine, not the studio. Seen in CI as the node-death test's resume never starting.
    let warm: string | undefined;
    await waitFor(
      async () => {
        if (!warm) {
          // Until the head's job agent registers, a submission is refused ("No available agent …"): try again.
          const res = await fetch(`${address}/api/jobs/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ entrypoint: 'true' }) });
          const text = await res.text();
          if (!res.ok) throw new Error(`warm-up job refused: ${text.slice(-200)}`);
          warm = (JSON.parse(text) as { submission_id: string }).submission_id;
        }
        const st = ((await (await fetch(`${address}/api/jobs/${warm}`)).json()) as { status: string }).status;
        if (st === 'FAILED' || st === 'STOPPED') throw new Error(`the warm-up job ended ${st}`);
        return st === 'SUCCEEDED';
      },
      deadline,
      () => log.join(''),
    );
    const aliveNodes = async () => {
      const res = await fetch(`${address}/nodes?view=summary`);
      const body = (await res.json()) as { data?: { summary?: Array<{ raylet?: { state?: string } }> } };
      return (body.data?.summary ?? []).filter((n) => n.raylet?.state === 'ALIVE').length;
    };
    let nodes = 0;
    let worker: ChildProcess | undefined;
    if ((opts.workerCpus ?? 1) > 0) {
      let joined = false;
      let tries = 0;
      const startWorker = async () => {
        tries++;
        const w = await start([`--address=127.0.0.1:${gcsPort}`, '--node-ip-address=127.0.0.1', `--num-cpus=${opts.workerCpus ?? 1}`, '--num-gpus=0', `--resources=${JSON.stringify({ [WORKER_NODE_RESOURCE]: 1 })}`]);
        worker = w;
        // Under load a node's `ray start` can time out waiting for its own object store and exit: start it again.
        w.once('exit', () => {
          if (!joined && tries < 3) void startWorker();
        });
      };
      await startWorker();
      nodes = 1;
      await waitFor(
        async () => (await aliveNodes()) >= 2,
        deadline,
        () => log.join(''),
      );
      joined = true;
    }
    const killWorkerRaylet = () => {
      // `ray start` runs in its own process group (detached): the raylet it started is in it.
      const [pid] = worker?.pid ? groupMembers(worker.pid, /\/raylet(\s|$)/) : [];
      if (!pid) throw new Error('no raylet of the worker node is running');
      process.kill(pid, 'SIGKILL');
      return pid;
    };
    return { address, nodes, killWorkerRaylet, aliveNodes, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function waitFor(ok: () => Promise<boolean>, deadline: number, log: () => string): Promise<void> {
  let last = '';
  for (;;) {
    try {
      if (await ok()) return;
    } catch (err) {
      last = (err as Error).message; // not up yet
    }
    if (Date.now() > deadline) throw new Error(`the local Ray cluster did not come up in time${last ? ` (last: ${last})` : ''}:\n${log().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
