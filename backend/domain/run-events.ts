// What the run manager tells its listeners while runs change (tfjs-free, types and names only): status
// changes, committed training steps and worker log lines. The API carries them as its events (SSE, IPC).
import type { RunStatus } from './vocabulary.js';

/** The compute runtime a worker runs on (backend/model/runtime/runtime.ts reports it). */
export interface RuntimeInfo {
  name: string;
  device: string;
  reason: string;
  tfBackend?: string;
}

/** A live run's current phase, reported by its worker. */
export interface RunPhase {
  name: 'setup' | 'pretraining' | 'training';
  /** What it is doing, in words ("pre-training the built-in base model"). */
  label: string;
  /** Progress within the phase (steps), when it has one. */
  done: number | null;
  total: number | null;
  /** The worker's estimate of the phase's time left. */
  etaSeconds: number | null;
}

export interface RunEvents {
  /** A run changed status (queued → running → completed/stopped/failed/interrupted). */
  'runs:status': { runId: number; status: RunStatus; error: string | null; runtime?: RuntimeInfo; startStep?: number };
  /** One training step finished: its committed metrics (the batch the charts append). */
  'runs:progress': { runId: number; step: number; totalSteps: number | null; metrics: Record<string, number> };
  /** A run entered a phase or moved within one (pre-training progress). */
  'runs:phase': { runId: number; phase: RunPhase };
  /** A status line of a worker (model loading, checkpoints, errors). */
  'runs:log': { runId: number; level: 'info' | 'error'; line: string };
}
export type EventName = keyof RunEvents;
/** An event as it travels (SSE `data:`, IPC payload): a per-launch sequence number keeps them ordered. */
export type EventEnvelope<E extends EventName = EventName> = { [K in E]: { seq: number; name: K; data: RunEvents[K] } }[E];
