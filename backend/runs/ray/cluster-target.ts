// Where the run manager's workers run: this machine's worker processes (the local backend) or jobs on a Ray
// cluster (a RayLauncher). The manager's `spawn` goes through it, so the studio can be pointed at a cluster —
// or back at this machine — while it runs; the caller switches only when no run is queued or running (a run
// keeps the backend it was launched on). A switch that cannot reach the cluster changes nothing.
import type { Db } from '../../db/open-db.js';
import type { SpawnWorker } from '../spawn-worker.js';
import type { RayConfig } from './ray-config.js';
import { RayLauncher } from './ray-launcher.js';

/** The backend in use: local, or a cluster with where its settings came from. */
export type ClusterState =
  | { backend: 'local' }
  | { backend: 'ray'; address: string; sharedDir: string; ingestHost: string; cpusPerJob: number; rayVersion: string; ingestUrl: string; source: RayConfig['source'] };

export interface ClusterTargetOptions {
  db: Db;
  dbPath: string;
  /** The shared folder when the config names none. */
  dataDir: string;
  /** How a local worker starts (forkWorker, or a test's). */
  local: SpawnWorker;
  /** Told after every switch (the manager's concurrency follows the backend). */
  onSwitch?: (backend: 'local' | 'ray') => void;
  /** Launcher options for tests (poll interval, heartbeat). */
  launcher?: { pollMs?: number; heartbeatSeconds?: number };
  /** A training run's peak-memory estimate, asked of Ray for each job (RayBackendOptions.memoryEstimate). */
  memoryEstimate?: (config: unknown) => Promise<number | null>;
}

export class ClusterTarget {
  private current?: { launcher: RayLauncher; config: RayConfig & { sharedDir: string } };
  /** Why the last switch to a cluster failed (cleared by the next that works): the cluster, what chose it, the error. */
  problem: { address: string; source: RayConfig['source']; reason: string } | null = null;

  constructor(private readonly o: ClusterTargetOptions) {}

  /** The manager's spawn: a Ray job when a cluster is in use, else a local worker process. */
  readonly spawn: SpawnWorker = (entry) => (this.current ? this.current.launcher.spawn(entry) : this.o.local(entry));

  /** The Ray launcher in use, if any (its client, ingest server, orphans stopped at start). */
  get launcher(): RayLauncher | undefined {
    return this.current?.launcher;
  }

  state(): ClusterState {
    if (!this.current) return { backend: 'local' };
    const { launcher, config } = this.current;
    return {
      backend: 'ray',
      address: launcher.client.address,
      sharedDir: config.sharedDir,
      ingestHost: config.ingestHost ?? '127.0.0.1',
      cpusPerJob: config.cpusPerJob ?? 1,
      rayVersion: launcher.rayVersion,
      ingestUrl: launcher.ingest.url,
      source: config.source,
    };
  }

  /**
   * Uses the cluster `config` names (undefined: this machine). The new launcher is made first — it checks the
   * shared folder and that the cluster answers, and throws a RayClusterError naming what is wrong, leaving the
   * current backend in place — then the old one (its ingest server) is closed.
   */
  async use(config: RayConfig | undefined): Promise<void> {
    const sharedDir = config ? (config.sharedDir ?? this.o.dataDir) : '';
    let launcher: RayLauncher | undefined;
    try {
      launcher = config ? await RayLauncher.create({ ...config, sharedDir, db: this.o.db, dbPath: this.o.dbPath, memoryEstimate: this.o.memoryEstimate, ...this.o.launcher }) : undefined;
    } catch (err) {
      this.problem = { address: config!.address, source: config!.source, reason: (err as Error).message };
      throw err;
    }
    this.problem = null;
    const old = this.current;
    this.current = launcher && config ? { launcher, config: { ...config, sharedDir: launcher.sharedDir } } : undefined;
    await old?.launcher.close();
    this.o.onSwitch?.(launcher ? 'ray' : 'local');
  }

  async close(): Promise<void> {
    const old = this.current;
    this.current = undefined;
    await old?.launcher.close();
  }
}
