// Assembles the backend one process runs (serve or Electron main): the database, the event bus, the run
// manager (reconciled at start) and the API handlers over them.
import path from 'node:path';
import { openDb, type Db } from '../db/open-db.js';
import type { Reconciled } from '../jobs/run-status.js';
import { RunManager, type RunManagerOptions } from '../runs/run-manager.js';
import type { ApiHandlers } from './contract.js';
import { EventBus } from '../runs/event-bus.js';
import { LogTail } from './log-tail.js';
import { createService, type ServiceOptions } from './service.js';

export interface BackendOptions {
  dbPath: string;
  /** Checkpoints and run files (default: the database's folder). */
  dataDir?: string;
  concurrency?: number;
  dialogs?: ServiceOptions['dialogs'];
  manager?: Partial<Pick<RunManagerOptions, 'spawn' | 'stopTimeoutMs' | 'heartbeatSeconds' | 'pollMs'>>;
}

export interface Backend {
  db: Db;
  dbPath: string;
  dataDir: string;
  /** Where export:csv writes (and the HTTP server serves) CSV files. */
  exportDir: string;
  events: EventBus;
  manager: RunManager;
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
  const manager = new RunManager({ db, dbPath, dataDir, events, concurrency: o.concurrency, ...o.manager });
  const logs = new LogTail(events);
  const reconciled = manager.init();
  const exportDir = path.join(dataDir, 'exports');
  const handlers = createService({ db, dbPath, dataDir, exportDir, manager, logs, dialogs: o.dialogs });
  return {
    db,
    dbPath,
    dataDir,
    exportDir,
    events,
    manager,
    handlers,
    reconciled,
    close: async () => {
      await manager.close();
      logs.close();
      db.close();
    },
  };
}
