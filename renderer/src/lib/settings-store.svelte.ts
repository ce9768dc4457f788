// The Settings page's state: which backend the server runs new work on (cluster:get), the Ray form (settings.json's
// "ray"), and the outcome of "Test connection" (cluster:test) and "Save" (cluster:save) — a field-named error
// goes beside its field; a save's message says whether it is in use now or at the next start. Why a cluster cannot
// be used is shown once (cluster-reasons.ts): `reasons` says which place shows it and which points to it.
import type { ClusterTestResult, ClusterView } from '../../../backend/api/contract.js';
import { ApiCallError, type StudioApi } from './api-client.js';
import { reasonDisplay, type ReasonPlace, type ReasonShown } from './cluster-reasons.js';

export interface RayForm {
  address: string;
  sharedDir: string;
  ingestHost: string;
  /** Text of the input ('' = default). */
  cpusPerJob: string;
}

/** `reason`: why the cluster cannot be used (the API's), null when it can or was not tried; `seq`: which outcome is newer. */
export type Outcome = { state: 'idle' } | { state: 'busy' } | { state: 'done'; ok: boolean; message: string; reason: string | null; seq: number } | { state: 'error'; message: string; field: string | null };

/** An API error as the page shows it: without the method's "invalid input" prefix (the field is named). */
const plain = (err: unknown): Outcome => ({
  state: 'error',
  message: (err as Error).message.replace(/^cluster:\w+: invalid input: /, ''),
  field: err instanceof ApiCallError ? (err.field ?? null) : null,
});

const emptyForm = (): RayForm => ({ address: '', sharedDir: '', ingestHost: '', cpusPerJob: '' });

export class SettingsStore {
  view = $state.raw<ClusterView | null>(null);
  loadError = $state<string | null>(null);
  form = $state<RayForm>(emptyForm());
  test = $state.raw<Outcome>({ state: 'idle' });
  save = $state.raw<Outcome>({ state: 'idle' });
  /** Which place shows why a cluster cannot be used in full, and which only point to it. */
  reasons = $derived.by((): Record<ReasonPlace, ReasonShown> => {
    const of = (o: Outcome) => (o.state === 'done' ? { reason: o.reason, seq: o.seq } : { reason: null, seq: 0 });
    return reasonDisplay({ problem: { reason: this.view?.problem?.reason ?? null, seq: 0 }, test: of(this.test), save: of(this.save) });
  });

  #api: StudioApi;
  #seq = 0;

  constructor(api: StudioApi) {
    this.#api = api;
  }

  /** Loads the view and fills the form from the saved settings. */
  async load(): Promise<void> {
    try {
      const v = await this.#api.call('cluster:get');
      this.view = v;
      this.loadError = null;
      const s = v.saved;
      this.form = s ? { address: s.address, sharedDir: s.sharedDir ?? '', ingestHost: s.ingestHost ?? '', cpusPerJob: s.cpusPerJob !== null ? String(s.cpusPerJob) : '' } : emptyForm();
    } catch (err) {
      this.loadError = (err as Error).message;
    }
  }

  /** The error of the last save (or test) when it blames `field` (e.g. 'ray.address'). */
  fieldError(field: string): string | null {
    for (const o of [this.save, this.test]) if (o.state === 'error' && (o.field === field || (field === 'ray.address' && o.field === 'address'))) return o.message;
    return null;
  }

  /** Re-reads what is in use (after a run starts or ends), leaving the form as the user typed it. */
  async refreshView(): Promise<void> {
    try {
      this.view = await this.#api.call('cluster:get');
    } catch {
      /* the next load says why */
    }
  }

  async testConnection(): Promise<void> {
    this.test = { state: 'busy' };
    try {
      const r: ClusterTestResult = await this.#api.call('cluster:test', { address: this.form.address });
      this.test = { state: 'done', ok: r.ok, message: r.message, reason: r.reason, seq: ++this.#seq };
    } catch (err) {
      this.test = plain(err);
    }
  }

  /** Saves the form as settings.json's "ray"; `local`: removes it (this machine runs the work). */
  async saveSettings(local = false): Promise<void> {
    this.save = { state: 'busy' };
    const f = this.form;
    const cpus = f.cpusPerJob.trim();
    if (!local && cpus !== '' && !(Number(cpus) > 0)) {
      this.save = { state: 'error', message: `ray.cpusPerJob: '${cpus}' is not a positive number`, field: 'ray.cpusPerJob' };
      return;
    }
    try {
      const ray = local ? null : { address: f.address.trim(), sharedDir: f.sharedDir.trim() || null, ingestHost: f.ingestHost.trim() || null, cpusPerJob: cpus === '' ? null : Number(cpus) };
      const r = await this.#api.call('cluster:save', { ray });
      this.view = r.view;
      if (local) {
        this.form = emptyForm();
        this.test = { state: 'idle' }; // it was about the address just cleared
      }
      this.save = { state: 'done', ok: r.applied, message: r.message, reason: r.reason, seq: ++this.#seq };
    } catch (err) {
      this.save = plain(err);
    }
  }
}
