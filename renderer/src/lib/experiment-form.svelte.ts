// State of the Experiments page: the schema, presets and datasets; the config being edited (starting from a
// preset); per-field messages (local parse errors, then the server's config:validate problems); launching.
import type { FieldDoc } from '../../../backend/api/contract.js';
import type { StudioApi } from './api-client.js';
import { baselineOf, configInput, getPath, parseValue, plainProblem, setPath, type Json } from './config-form.js';

/** The config fields that name files or folders (checked for existence before launch). */
const PATH_FIELDS = ['model.source', 'model.checkpoint', 'dataset.source'] as const;

type Preset = { name: string; config: Json };
type Dataset = { name: string; title: string; count: number | null; benchmark: boolean };

export class ExperimentForm {
  fields = $state.raw<FieldDoc[]>([]);
  presets = $state.raw<Preset[]>([]);
  datasets = $state.raw<Dataset[]>([]);
  loading = $state(true);
  loadError = $state<string | null>(null);

  preset = $state<string | null>(null);
  name = $state('');
  values = $state.raw<Json>({});
  /** Text of inputs that do not parse yet (shown as typed, with `localErrors`). */
  drafts = $state.raw<Record<string, string>>({});
  localErrors = $state.raw<Record<string, string>>({});
  /** The server's problems by field path ('' for the whole config). */
  problems = $state.raw<Record<string, string>>({});
  /** Existence checks of the path fields (paths:check), by field path. */
  pathProblems = $state.raw<Record<string, string>>({});
  /** Whether the built-in base model is cached (null: unknown); a run on it pre-trains it first when not. */
  baseCached = $state<boolean | null>(null);
  validating = $state(false);
  launching = $state(false);
  launchError = $state<string | null>(null);

  #api: StudioApi;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #seq = 0;

  constructor(api: StudioApi) {
    this.#api = api;
  }

  get valid(): boolean {
    return Object.keys(this.localErrors).length === 0 && Object.keys(this.problems).length === 0 && Object.keys(this.pathProblems).length === 0;
  }

  get mode(): string {
    return String(getPath(this.values, 'task.mode') ?? 'multi-attempt');
  }

  async load(): Promise<void> {
    this.loading = true;
    try {
      const [fields, presets, datasets, base] = await Promise.all([
        this.#api.call('config:schema'),
        this.#api.call('config:presets'),
        this.#api.call('datasets:list'),
        this.#api.call('models:base').catch(() => null),
      ]);
      this.baseCached = base?.cached ?? null;
      this.fields = fields;
      this.presets = presets as unknown as Preset[];
      this.datasets = datasets;
      if (presets.length > 0) this.choosePreset(presets[0]!.name);
      this.loadError = null;
    } catch (err) {
      this.loadError = (err as Error).message;
    } finally {
      this.loading = false;
    }
  }

  choosePreset(name: string): void {
    const p = this.presets.find((x) => x.name === name);
    if (!p) return;
    this.preset = name;
    this.values = structuredClone(p.config);
    this.drafts = {};
    this.localErrors = {};
    this.problems = {};
  }

  field(path: string): FieldDoc | undefined {
    return this.fields.find((f) => f.path === path);
  }

  value(path: string): unknown {
    return getPath(this.values, path);
  }

  /** Sets a field from its input's text; parse errors stay local, valid values are validated by the server. */
  setText(path: string, text: string): void {
    const f = this.field(path);
    if (!f) return;
    const r = parseValue(f, text);
    if ('error' in r) {
      this.drafts = { ...this.drafts, [path]: text };
      this.localErrors = { ...this.localErrors, [path]: r.error };
      return;
    }
    this.setValue(path, r.value);
  }

  setValue(path: string, value: unknown): void {
    const { [path]: _d, ...drafts } = this.drafts;
    const { [path]: _e, ...errors } = this.localErrors;
    this.drafts = drafts;
    this.localErrors = errors;
    this.values = setPath(this.values, path, value);
    this.scheduleValidate();
  }

  scheduleValidate(delayMs = 200): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.validate(), delayMs);
  }

  async validate(): Promise<boolean> {
    const seq = ++this.#seq;
    this.validating = true;
    try {
      const [r, paths] = await Promise.all([this.#api.call('config:validate', { config: configInput(this.preset, this.values) }), this.checkPaths()]);
      if (seq !== this.#seq) return false;
      this.problems = r.ok ? {} : Object.fromEntries(r.problems.map((p) => [p.path, plainProblem(p.message)]));
      this.pathProblems = paths;
      return r.ok && Object.keys(paths).length === 0;
    } catch (err) {
      if (seq === this.#seq) this.problems = { '': (err as Error).message };
      return false;
    } finally {
      if (seq === this.#seq) this.validating = false;
    }
  }

  /** Asks the backend whether the model folder, checkpoint and dataset file named in the config exist. */
  async checkPaths(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    await Promise.all(
      PATH_FIELDS.map(async (field) => {
        const v = this.value(field);
        if (typeof v !== 'string' || v === '' || (field === 'model.source' && v === 'builtin')) return;
        if (field === 'dataset.source' && this.datasets.some((d) => d.name === v)) return;
        const r = await this.#api.call('paths:check', { field, path: v });
        if (!r.ok && r.message) out[field] = r.message;
      }),
    );
    return out;
  }

  /** Starts one run, or the baseline + multi-attempt pair; returns the new run ids (empty on error). */
  async launch(both: boolean): Promise<number[]> {
    clearTimeout(this.#timer);
    this.launchError = null;
    if (Object.keys(this.localErrors).length > 0 || !(await this.validate())) {
      this.launchError = 'Fix the fields marked in red first.';
      return [];
    }
    this.launching = true;
    try {
      const name = this.name.trim();
      const configs: Array<{ config: Json; name?: string }> = [];
      if (!both) configs.push({ config: configInput(this.preset, this.values), ...(name ? { name } : {}) });
      else {
        const multi = this.mode === 'multi-attempt' ? this.values : setPath(setPath(setPath(this.values, 'task.mode', 'multi-attempt'), 'task.minAttempts', 1), 'task.maxAttempts', 5);
        const twin = (suffix: string) => (name ? `${name} (${suffix})` : undefined);
        const presetFor = (kind: 'baseline' | 'multi-attempt') => {
          const p = this.preset?.replace(/(baseline|multi-attempt)$/, kind) ?? null;
          return p && this.presets.some((x) => x.name === p) ? p : this.preset;
        };
        const b = twin('baseline');
        const m = twin('multi-attempt');
        configs.push({ config: configInput(presetFor('baseline'), baselineOf(multi)), ...(b ? { name: b } : {}) });
        configs.push({ config: configInput(presetFor('multi-attempt'), multi), ...(m ? { name: m } : {}) });
      }
      const ids: number[] = [];
      for (const c of configs) ids.push((await this.#api.call('runs:start', c)).runId);
      return ids;
    } catch (err) {
      this.launchError = (err as Error).message;
      return [];
    } finally {
      this.launching = false;
    }
  }
}
