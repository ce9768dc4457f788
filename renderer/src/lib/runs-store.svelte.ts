// The runs list as live state: loaded with runs:list, patched by runs:progress (steps, last reward, ETA
// samples) and reloaded on runs:status. One instance per app, shared by the pages.
import type { RunPhase, RunSummary } from '../../../backend/api/contract.js';
import type { StudioApi } from './api-client.js';
import { etaSeconds, type StepSample } from './eta.js';

export class RunsStore {
  /** Newest first, as runs:list returns them. */
  runs = $state.raw<RunSummary[]>([]);
  loading = $state(true);
  error = $state<string | null>(null);
  /** Last logged reward per run id (from the list, then from progress events). */
  lastReward = $state.raw<Record<number, number | null>>({});
  /** Recent (step, time) samples per run id, for the ETA. */
  samples = $state.raw<Record<number, StepSample[]>>({});

  #api: StudioApi;
  #off: Array<() => void> = [];
  #reloadTimer: ReturnType<typeof setTimeout> | undefined;
  #now: () => number;

  constructor(api: StudioApi, now: () => number = Date.now) {
    this.#api = api;
    this.#now = now;
  }

  /** Loads the list and follows events; returns the function that stops following. */
  start(): () => void {
    void this.reload();
    this.#off.push(
      this.#api.on('runs:status', () => this.scheduleReload()),
      this.#api.on('runs:progress', (e) => this.applyProgress(e.runId, e.step, e.totalSteps, e.metrics)),
      this.#api.on('runs:phase', (e) => this.applyPhase(e.runId, e.phase)),
    );
    return () => this.stop();
  }

  stop(): void {
    for (const off of this.#off.splice(0)) off();
    clearTimeout(this.#reloadTimer);
  }

  async reload(): Promise<void> {
    try {
      const runs = await this.#api.call('runs:list', {});
      this.runs = runs;
      const last: Record<number, number | null> = { ...this.lastReward };
      for (const r of runs) if (last[r.id] === undefined || r.lastReward !== null) last[r.id] = r.lastReward;
      this.lastReward = last;
      this.error = null;
    } catch (err) {
      this.error = (err as Error).message;
    } finally {
      this.loading = false;
    }
  }

  /** Coalesces bursts of status events into one reload. */
  scheduleReload(delayMs = 150): void {
    clearTimeout(this.#reloadTimer);
    this.#reloadTimer = setTimeout(() => void this.reload(), delayMs);
  }

  applyProgress(runId: number, step: number, totalSteps: number | null, metrics: Record<string, number>): void {
    const i = this.runs.findIndex((r) => r.id === runId);
    if (i < 0) return this.scheduleReload();
    const next = this.runs.slice();
    next[i] = { ...next[i]!, stepsDone: step, totalSteps: totalSteps ?? next[i]!.totalSteps, status: 'running' };
    this.runs = next;
    if (metrics.reward !== undefined) this.lastReward = { ...this.lastReward, [runId]: metrics.reward };
    const s = [...(this.samples[runId] ?? []), { step, time: this.#now() }].slice(-50);
    this.samples = { ...this.samples, [runId]: s };
  }

  applyPhase(runId: number, phase: RunPhase): void {
    const i = this.runs.findIndex((r) => r.id === runId);
    if (i < 0) return this.scheduleReload();
    const next = this.runs.slice();
    // A phase comes from a live worker: the run is running even before its first step (pre-training).
    next[i] = { ...next[i]!, phase, status: 'running' };
    this.runs = next;
  }

  /** Seconds left for a running run, or null. */
  eta(run: RunSummary): number | null {
    if (run.status !== 'running') return null;
    return etaSeconds(this.samples[run.id] ?? [], run.totalSteps);
  }

  byId(id: number): RunSummary | undefined {
    return this.runs.find((r) => r.id === id);
  }
}
