// Assembles the backend one process runs (serve or Electron main): the database, the event bus, the run
// manager (reconciled at start), where its workers run (this machine or a Ray cluster: cluster.use) and the
// API handlers over them.
import path from 'node:path';
import { openDb, type Db } from '../db/open-db.js';
import type { Reconciled } from '../jobs/run-status.js';
import { RunManager, type RunManagerOptions } from '../runs/run-manager.js';
import { forkWorker } from '../runs/spawn-worker.js';
import { ClusterTarget } from '../runs/ray/cluster-target.js';
import { defaultSettingsFile } from '../runs/ray/ray-config.js';
import type { ApiHandlers } from './contract.js';
import { EventBus } from '../runs/event-bus.js';
import { LogTail } from './log-tail.js';
import { createService, type ServiceOptions } from './service.js';
import { estimateMemory } from './cli-probes.js';
import type { RunConfig } from '../rl/config.js';

export interface BackendOptions {
  dbPath: string;
  /** Checkpoints and run files (default: the database's folder). */
  dataDir?: string;
  /** Runs at once; default 1 on this machine, 64 on a Ray cluster (its resources decide), following switches. */
  concurrency?: number;
  dialogs?: ServiceOptions['dialogs'];
  /** `spawn`: how a local worker starts (default forkWorker); a Ray cluster's jobs replace it while one is in use. */
  manager?: Partial<Pick<RunManagerOptions, 'spawn' | 'stopTimeoutMs' | 'heartbeatSeconds' | 'pollMs'>>;
  /** The settings.json the Settings page reads and writes "ray" in (default: the default data folder's). */
  settingsFile?: string;
  /** What chose the cluster at start when not settings.json: a `serve --ray` flag or $ATTEMPT_STUDIO_RAY. */
  rayOverride?: 'flag' | 'env' | null;
  /** Ray launcher options for tests. */
  rayLauncher?: { pollMs?: number; heartbeatSeconds?: number };
}

/** Runs at once on each backend unless the user fixed it. */
const DEFAULT_CONCURRENCY = { local: 1, ray: 64 } as const;

export interface Backend {
  db: Db;
  dbPath: string;
  dataDir: string;
  /** Where export:csv writes (and the HTTP server serves) CSV files. */
  exportDir: string;
  events: EventBus;
  manager: RunManager;
  /** This machine or a Ray cluster: `await backend.cluster.use(config)` points the studio at one. */
  cluster: ClusterTarget;
  handlers: ApiHandlers;
  /** Runs found orphaned at start and marked interrupted. */
  reconciled: Reconciled[];
  /** Stops queued and running work (workers checkpoint), then closes the database. */
  close(): Promise<void>;
}

export function createBackend(o: BackendOptions): Backend {
  const dbPath = path.resolve(o.dbPath);
  const dataDir = path.resolve(o.dataDir ?? path.dirname(dbPath));
  const db = openDb(dbPath);
  const events = new EventBus();
  const cluster = new ClusterTarget({
    db,
    dbPath,
    dataDir,
    local: o.manager?.spawn ?? forkWorker,
    // Called only by cluster.use(), after the manager below exists.
    onSwitch: (backend) => manager.setConcurrency(o.concurrency ?? DEFAULT_CONCURRENCY[backend]),
    launcher: o.rayLauncher,
    // A job asks Ray for its run's peak memory: the same estimate the New-experiment form shows (config:estimate).
    memoryEstimate: async (config) => (await estimateMemory(config as RunConfig)).peakBytes,
  });
  const manager = new RunManager({ db, dbPath, dataDir, events, concurrency: o.concurrency ?? DEFAULT_CONCURRENCY.local, ...o.manager, spawn: cluster.spawn });
  const logs = new LogTail(events);
  const reconciled = manager.init();
  const exportDir = path.join(dataDir, 'exports');
  const cl = { target: cluster, settingsFile: o.settingsFile ?? defaultSettingsFile(), override: o.rayOverride ?? null };
  const handlers = createService({ db, dbPath, dataDir, exportDir, manager, logs, dialogs: o.dialogs, cluster: cl });
  return {
    db,
    dbPath,
    dataDir,
    exportDir,
    events,
    manager,
    cluster,
    handlers,
    reconciled,
    close: async () => {
      await manager.close();
      await cluster.close();
      logs.close();
      db.close();
    },
  };
}
