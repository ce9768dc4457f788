// The Export page's state: one job per export (metrics, eval, episodes/attempts CSV; checkpoint) with its
// status, result or error. CSVs: in the desktop app a native save dialog picks the file (the dialog asked about
// replacing it); in a browser the server writes to its export folder and the page downloads the file from there.
import type { CheckpointExportView, CsvExportResult, MethodInput, RunDetail } from '../../../backend/api/contract.js';
import { ApiCallError, type StudioApi } from './api-client.js';

export type ExportKey = 'metrics' | 'eval' | 'episodes' | 'checkpoint';

export type ExportJob =
  | { state: 'idle' }
  | { state: 'running' }
  | { state: 'cancelled' }
  | { state: 'done'; csv?: CsvExportResult; checkpoint?: CheckpointExportView }
  | { state: 'error'; message: string; field?: string; conflict: boolean };

export type CsvInput = Omit<MethodInput<'export:csv'>, 'path' | 'overwrite'>;

const idle = (): Record<ExportKey, ExportJob> => ({ metrics: { state: 'idle' }, eval: { state: 'idle' }, episodes: { state: 'idle' }, checkpoint: { state: 'idle' } });

export class ExportStore {
  jobs = $state.raw<Record<ExportKey, ExportJob>>(idle());
  checkpoints = $state.raw<RunDetail['checkpoints']>([]);
  checkpointsLoading = $state(false);
  checkpointsError = $state<string | null>(null);

  #api: StudioApi;
  #desktop: boolean;
  #download: (url: string, fileName: string) => void;

  /** `download` starts a browser download of a URL relative to the app (an <a download> click in the page). */
  constructor(api: StudioApi, o: { desktop: boolean; download: (url: string, fileName: string) => void }) {
    this.#api = api;
    this.#desktop = o.desktop;
    this.#download = o.download;
  }

  #set(key: ExportKey, job: ExportJob): void {
    this.jobs = { ...this.jobs, [key]: job };
  }

  #fail(key: ExportKey, err: unknown): void {
    const e = err as Error;
    const status = err instanceof ApiCallError ? err.status : 0;
    this.#set(key, { state: 'error', message: e.message, field: err instanceof ApiCallError ? err.field : undefined, conflict: status === 409 });
  }

  /** Exports one CSV: through the save dialog (desktop) or to the server's export folder + download (browser). */
  async csv(key: Exclude<ExportKey, 'checkpoint'>, input: CsvInput, suggestedName: string): Promise<void> {
    this.#set(key, { state: 'running' });
    try {
      let target: { path?: string; overwrite?: boolean } = {};
      if (this.#desktop) {
        const chosen = await this.#api.call('dialog:saveFile', { title: 'Export CSV', defaultPath: suggestedName, filters: [{ name: 'CSV', extensions: ['csv'] }] });
        if (!chosen.path) return this.#set(key, { state: 'cancelled' });
        target = { path: chosen.path.toLowerCase().endsWith('.csv') ? chosen.path : `${chosen.path}.csv`, overwrite: true };
      }
      const r = await this.#api.call('export:csv', { ...input, ...target } as MethodInput<'export:csv'>);
      this.#set(key, { state: 'done', csv: r });
      if (r.downloadUrl) this.#download(r.downloadUrl, r.fileName);
    } catch (err) {
      this.#fail(key, err);
    }
  }

  /** The checkpoints a run saved (newest last), for the step picker. */
  async loadCheckpoints(runId: number | null): Promise<void> {
    this.checkpoints = [];
    this.checkpointsError = null;
    if (runId === null) return;
    this.checkpointsLoading = true;
    try {
      const d = await this.#api.call('runs:get', { runId });
      this.checkpoints = d.checkpoints;
    } catch (err) {
      this.checkpointsError = (err as Error).message;
    } finally {
      this.checkpointsLoading = false;
    }
  }

  /** Desktop only: a native folder picker; null when cancelled or unavailable. */
  async pickFolder(): Promise<string | null> {
    try {
      return (await this.#api.call('dialog:openFolder', { title: 'Export the checkpoint into…' })).path;
    } catch {
      return null;
    }
  }

  async checkpoint(input: MethodInput<'export:checkpoint'>): Promise<void> {
    this.#set('checkpoint', { state: 'running' });
    try {
      this.#set('checkpoint', { state: 'done', checkpoint: await this.#api.call('export:checkpoint', input) });
    } catch (err) {
      this.#fail('checkpoint', err);
    }
  }
}
