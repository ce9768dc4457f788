// How a worker process is started, behind one small interface: `child_process.fork` through the tsx loader
// (inside Electron with ELECTRON_RUN_AS_NODE=1); Electron's utilityProcess can implement the same interface.
import { fork } from 'node:child_process';
import type { FromWorker, ToWorker } from '../workers/protocol.js';
import { workerLaunch } from '../platform/packaged-paths.js';

export interface WorkerHandle {
  readonly pid: number | undefined;
  /** What runs the job, as a reason names it: "worker process 1234", "Ray job attempt-studio-run-3-…". */
  readonly label: string;
  send(msg: ToWorker): void;
  kill(signal?: NodeJS.Signals): void;
  onMessage(cb: (msg: FromWorker) => void): void;
  /** Called once when the process has ended: its exit code, or the signal that ended it. */
  onExit(cb: (code: number | null, signal: NodeJS.Signals | null) => void): void;
  /** Lines the worker wrote to stderr (the last ones explain a crash). */
  onStderr(cb: (text: string) => void): void;
}

export type SpawnWorker = (entry: string) => WorkerHandle;

/** Forks `entry` (a .ts module) with the tsx loader, its own process group, stderr piped. */
export const forkWorker: SpawnWorker = (entry) => {
  const launch = workerLaunch(entry, { ...process.env, ...(process.versions.electron ? { ELECTRON_RUN_AS_NODE: '1' } : {}) });
  const child = fork(launch.modulePath, [], {
    execArgv: launch.execArgv,
    env: launch.env,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    // Own process group: a Ctrl-C in the terminal of `serve` reaches the manager, which stops workers cleanly.
    detached: true,
    serialization: 'json',
  });
  child.stderr?.setEncoding('utf8');
  return {
    get pid() {
      return child.pid;
    },
    get label() {
      return `worker process ${child.pid ?? '?'}`;
    },
    send: (msg) => {
      if (child.connected) child.send(msg);
    },
    kill: (signal = 'SIGTERM') => {
      child.kill(signal);
    },
    onMessage: (cb) => child.on('message', (m) => cb(m as FromWorker)),
    onExit: (cb) => child.once('close', (code, signal) => cb(code, signal)),
    onStderr: (cb) => child.stderr?.on('data', (d: string) => cb(d)),
  };
};
