// State of the Compare page: per selected run, its eval results (for accuracy vs. attempts) and the series of
// the overlaid metric, loaded once per run and cached; progress events append to cached series.
import type { EvalResultView } from '../../../backend/api/contract.js';
import type { StudioApi } from './api-client.js';
import { appendPoints, type MetricPoint } from './chart-data.js';

export class CompareStore {
  evals = $state.raw<Record<number, EvalResultView[]>>({});
  /** metric name → run id → series */
  series = $state.raw<Record<string, Record<number, MetricPoint[]>>>({});
  /** Metric names logged by any loaded run. */
  metricNames = $state.raw<string[]>([]);
  loading = $state(0);
  error = $state<string | null>(null);

  #api: StudioApi;
  #off: Array<() => void> = [];
  #names = new Map<number, string[]>();

  constructor(api: StudioApi) {
    this.#api = api;
  }

  start(): () => void {
    this.#off.push(
      this.#api.on('runs:progress', (e) => {
        const next = { ...this.series };
        let changed = false;
        for (const [name, byRun] of Object.entries(this.series)) {
          const v = e.metrics[name];
          if (v === undefined || !byRun[e.runId]) continue;
          next[name] = { ...byRun, [e.runId]: appendPoints(byRun[e.runId]!, [{ step: e.step, value: v, time: Date.now() }]) };
          changed = true;
        }
        if (changed) this.series = next;
      }),
      this.#api.on('runs:status', (e) => {
        // A finished run has new eval results (the final evaluation): reload them.
        if (e.status === 'completed' && this.evals[e.runId]) void this.loadEvals(e.runId);
      }),
    );
    return () => this.#off.splice(0).forEach((off) => off());
  }

  /** Loads what the selection needs and is not cached yet. */
  async ensure(runIds: readonly number[], metric: string): Promise<void> {
    const jobs: Promise<unknown>[] = [];
    for (const id of runIds) {
      if (!this.evals[id]) jobs.push(this.loadEvals(id));
      if (!this.series[metric]?.[id]) jobs.push(this.loadSeries(id, metric));
      if (!this.#names.has(id)) jobs.push(this.loadNames(id));
    }
    if (jobs.length === 0) return;
    this.loading++;
    try {
      await Promise.all(jobs);
      this.error = null;
    } catch (err) {
      this.error = (err as Error).message;
    } finally {
      this.loading--;
    }
  }

  async loadEvals(runId: number): Promise<void> {
    const rows = await this.#api.call('eval:results', { runId });
    this.evals = { ...this.evals, [runId]: rows };
  }

  async loadSeries(runId: number, metric: string): Promise<void> {
    const r = await this.#api.call('metrics:get', { runId, names: [metric] });
    this.series = { ...this.series, [metric]: { ...this.series[metric], [runId]: r.series[metric] ?? [] } };
  }

  async loadNames(runId: number): Promise<void> {
    const d = await this.#api.call('runs:get', { runId });
    this.#names.set(runId, d.metricNames);
    this.metricNames = [...new Set([...this.#names.values()].flat())].sort();
  }

  /** Eval rows of the given runs, flattened. */
  evalRows(runIds: readonly number[]): EvalResultView[] {
    return runIds.flatMap((id) => this.evals[id] ?? []);
  }
}
