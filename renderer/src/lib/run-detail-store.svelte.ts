// State of one run's detail page: its detail (config, checkpoints), every metric series (loaded with
// metrics:get, then appended from runs:progress), and the log tail (runs:logs, then runs:log events).
import type { RunDetail } from '../../../backend/api/contract.js';
import type { StudioApi } from './api-client.js';
import { appendPoints, type MetricPoint } from './chart-data.js';

export interface LogLine {
  time: number;
  level: 'info' | 'error';
  line: string;
}

export class RunDetailStore {
  readonly runId: number;
  detail = $state.raw<RunDetail | null>(null);
  /** Metric series by name; each replaced (never mutated) when points arrive. */
  series = $state.raw<Record<string, MetricPoint[]>>({});
  log = $state.raw<LogLine[]>([]);
  loading = $state(true);
  error = $state<string | null>(null);

  #api: StudioApi;
  #off: Array<() => void> = [];
  #now: () => number;
  #reload: ReturnType<typeof setTimeout> | undefined;

  constructor(api: StudioApi, runId: number, now: () => number = Date.now) {
    this.#api = api;
    this.runId = runId;
    this.#now = now;
  }

  /** Loads everything and follows this run's events; returns the function that stops following. */
  start(): () => void {
    this.#off.push(
      this.#api.on('runs:progress', (e) => {
        if (e.runId !== this.runId) return;
        const time = this.#now();
        this.addPoints(Object.fromEntries(Object.entries(e.metrics).map(([k, v]) => [k, [{ step: e.step, value: v, time }]])));
        if (this.detail) this.detail = { ...this.detail, stepsDone: e.step, status: 'running' };
      }),
      this.#api.on('runs:status', (e) => {
        if (e.runId !== this.runId) return;
        clearTimeout(this.#reload);
        this.#reload = setTimeout(() => void this.loadDetail(), 100);
      }),
      this.#api.on('runs:log', (e) => {
        if (e.runId === this.runId) this.log = [...this.log, { time: this.#now(), level: e.level, line: e.line }].slice(-500);
      }),
    );
    void this.load();
    return () => {
      for (const off of this.#off.splice(0)) off();
      clearTimeout(this.#reload);
    };
  }

  async load(): Promise<void> {
    this.loading = true;
    try {
      const [detail, metrics, log] = await Promise.all([
        this.#api.call('runs:get', { runId: this.runId }),
        this.#api.call('metrics:get', { runId: this.runId }),
        this.#api.call('runs:logs', { runId: this.runId }),
      ]);
      this.detail = detail;
      // Points that arrived by event while loading stay (appendPoints de-duplicates by step).
      const merged: Record<string, MetricPoint[]> = { ...metrics.series };
      for (const [k, pts] of Object.entries(this.series)) merged[k] = appendPoints(merged[k] ?? [], pts);
      this.series = merged;
      this.log = [...log, ...this.log.filter((l) => l.time > (log.at(-1)?.time ?? 0))];
      this.error = null;
    } catch (err) {
      this.error = (err as Error).message;
    } finally {
      this.loading = false;
    }
  }

  /** Reloads the detail and the log tail (a status change: new checkpoints, error, status lines). */
  async loadDetail(): Promise<void> {
    try {
      const [detail, log] = await Promise.all([this.#api.call('runs:get', { runId: this.runId }), this.#api.call('runs:logs', { runId: this.runId })]);
      this.detail = detail;
      this.log = log;
    } catch (err) {
      this.error = (err as Error).message;
    }
  }

  addPoints(points: Record<string, MetricPoint[]>): void {
    const next = { ...this.series };
    for (const [k, pts] of Object.entries(points)) next[k] = appendPoints(next[k] ?? [], pts);
    this.series = next;
  }

  get metricNames(): string[] {
    return Object.keys(this.series).sort();
  }
}
