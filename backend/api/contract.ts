// The one API contract of the app: every method (`domain:verb`, zod-validated input → typed output) and every
// event. The service, the HTTP server, the Electron main/preload and the renderer's client are typed from it.
import { z } from 'zod';
import { EVAL_METRICS, RUN_STATUSES, VERDICTS, type RunKind, type RunStatus, type Verdict } from '../domain/vocabulary.js';
import type { RunConfig, FieldDoc, ConfigProblem } from '../rl/config.js';
import type { RunPhase, RuntimeInfo } from '../domain/run-events.js';
import { ApiError } from './api-error.js';
import { clusterMethods } from './contract-cluster.js';
import { evalMethods } from './contract-eval.js';
import { method, type MethodSpec } from './method-spec.js';

/** The config form's field documentation, re-exported so the renderer needs only this contract from rl/. */
export type { FieldDoc } from '../rl/config.js';
export type { ActiveBackendView, ClusterSaveResult, ClusterTestResult, ClusterView, RaySettingsView } from './contract-cluster.js';
export type { EvalDefaultsView, EvalResultView } from './contract-eval.js';

// ---- shared value types ------------------------------------------------------------------------------------

export interface RunSummary {
  id: number;
  kind: RunKind;
  status: RunStatus;
  name: string;
  preset: string | null;
  backend: string | null;
  device: string | null;
  pid: number | null;
  error: string | null;
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
  heartbeatAt: number | null;
  stepsDone: number;
  /** The config's number of steps (training runs), for progress bars. */
  totalSteps: number | null;
  tags: string[];
  /** Whether runs:resume can continue it (not running or queued). */
  resumable: boolean;
  /** The last logged training reward (null before the first step, and for eval runs). */
  lastReward: number | null;
  /** What a live run is doing now (setup, pre-training the base model, training); null when not running. */
  phase: RunPhase | null;
  /** Seconds the run spent setting up (model load, base-model pre-training, data) over all its sessions; null before it trained. */
  setupSeconds: number | null;
  /** Seconds spent in training steps (the sum of their durations; idle time between sessions does not count). */
  trainingSeconds: number | null;
  /** The resolved config (a training run's RunConfig, an eval run's settings): hyperparameter columns, groups, diffs. */
  config: unknown;
  /**
   * An eval run's k-attempt accuracy by dataset (k = 1..K), or a sampled evaluation's pass@k (k = 1..N; n counts
   * samples, questions × N); empty for training runs and before it finishes.
   */
  evalAccuracy: Array<{ dataset: string; metric: 'k_attempt' | 'k_attempt_separate' | 'pass_at_k'; n: number; byK: Array<number | null> }>;
}

export interface RunDetail extends RunSummary {
  notes: string;
  checkpoints: Array<{ id: number; step: number; path: string; format: string; createdAt: number }>;
  /** Names of the metrics this run has logged. */
  metricNames: string[];
}

export interface EpisodeSummary {
  id: number;
  runId: number;
  step: number;
  split: string;
  dataset: string;
  questionId: string;
  question: string;
  gold: string;
  sampleIndex: number;
  attemptsAllowed: number;
  attemptsUsed: number;
  /** 0-based index of the correct attempt; null if unsolved. */
  solvedAt: number | null;
  reward: number;
  verdict: Verdict;
  tokens: number;
  /** Retries whose answer equals an earlier wrong answer of the episode. */
  repeats: number;
}

export interface AttemptView {
  idx: number;
  response: string;
  extracted: string | null;
  verdict: Verdict;
  tokens: number;
  /** A retry whose answer equals (normalised) an earlier wrong answer of the episode. */
  repeatsEarlierWrong: boolean;
}

/** What the explorer's pickers offer for one run. */
export interface EpisodeFacetsView {
  datasets: string[];
  splits: string[];
  stepMin: number | null;
  stepMax: number | null;
}

export interface CsvExportResult {
  /** The file written (on the machine that runs the backend). */
  path: string;
  fileName: string;
  /** Data rows, without the header. */
  rows: number;
  bytes: number;
  /** In browser mode, where the page downloads it (relative to the app's URL): set when the file went to the export folder. */
  downloadUrl: string | null;
}

export interface CheckpointExportView {
  destination: string;
  runId: number;
  step: number;
  files: Array<{ name: string; bytes: number }>;
}


export interface SystemInfo {
  version: string;
  node: string;
  electron: string | null;
  platform: string;
  arch: string;
  cpus: number;
  totalMemoryBytes: number;
  db: string;
  dataDir: string;
  concurrency: number;
  /** The compute runtime a worker would use here (probed in a child process, never in this one). */
  runtime: RuntimeInfo | null;
  runtimeError: string | null;
}

// ---- input schemas -----------------------------------------------------------------------------------------

const runId = z.number().int().positive();
const empty = z.strictObject({}).optional();


/** The attempts explorer's filter (episodes:list, export:csv). */
const episodeFilter = {
  runId,
  stepMin: z.number().int().min(0).optional(),
  stepMax: z.number().int().min(0).optional(),
  split: z.enum(['train', 'eval']).optional(),
  dataset: z.string().min(1).optional(),
  verdict: z.enum(VERDICTS).optional(),
  /** true: solved, but not on the first attempt; false: unsolved or solved on the first. */
  solvedOnLaterAttempt: z.boolean().optional(),
  /** true: some retry repeated an earlier wrong answer of the episode; false: none did. */
  repeatedWrongAnswer: z.boolean().optional(),
};

const dialogFilters = z.array(z.strictObject({ name: z.string(), extensions: z.array(z.string().min(1)) })).optional();

export const methods = {
  'runs:list': method<RunSummary[]>()(
    z.strictObject({ kind: z.enum(['train', 'eval']).optional(), status: z.enum(RUN_STATUSES).optional() }).optional(),
  ),
  'runs:get': method<RunDetail>()(z.strictObject({ runId })),
  'runs:start': method<{ runId: number; status: RunStatus }>()(
    z.strictObject({ config: z.unknown(), name: z.string().min(1).optional() }),
  ),
  /**
   * "Reproduce the finding": queues the single-turn baseline and multi-attempt training for each seed with one
   * budget (the config's), each evaluated at the end on its held-out split at k = 1..K (K ≥ 5); the runs start
   * as the concurrency limit allows. They form two seed groups (Compare, group by seeds).
   */
  'sweeps:start': method<{ runIds: number[]; name: string }>()(
    z.strictObject({
      config: z.unknown(),
      seeds: z.number().int().min(1, { error: 'at least 1 seed' }).max(10, { error: 'at most 10 seeds' }).default(3),
      name: z.string().trim().min(1).max(100).default('finding'),
    }),
  ),
  'runs:stop': method<{ runId: number; status: RunStatus }>()(z.strictObject({ runId })),
  'runs:resume': method<{ runId: number; status: RunStatus }>()(
    z.strictObject({ runId, steps: z.number().int().positive().optional() }),
  ),
  /** Edits what the researcher owns on a run: its name, tags and notes. */
  'runs:update': method<RunSummary & { notes: string }>()(
    z.strictObject({
      runId,
      name: z.string().trim().min(1, { error: 'must not be empty' }).max(200).optional(),
      tags: z.array(z.string().trim().min(1, { error: 'tags must not be empty' }).max(64)).max(50).optional(),
      notes: z.string().max(100_000).optional(),
    }),
  ),
  /** The run's recent log lines (worker messages and status changes since this backend started), oldest first. */
  'runs:logs': method<Array<{ time: number; level: 'info' | 'error'; line: string }>>()(
    z.strictObject({ runId, limit: z.number().int().min(1).max(500).default(200) }),
  ),
  'runs:delete': method<{ runId: number; deletedFiles: string[] }>()(
    z.strictObject({
      runId,
      confirm: z.literal(true, { error: 'must be true: deleting a run and its files cannot be undone' }),
      deleteFiles: z.boolean().default(true),
    }),
  ),
  'metrics:get': method<{ runId: number; series: Record<string, Array<{ step: number; value: number | null; time: number }>> }>()(
    z.strictObject({ runId, names: z.array(z.string().min(1)).optional(), sinceStep: z.number().int().min(0).optional() }),
  ),
  'episodes:list': method<{ items: EpisodeSummary[]; nextCursor: string | null; partial: boolean }>()(
    z.strictObject({
      ...episodeFilter,
      /** Keyset cursor: the `nextCursor` of the previous page (episodes come in (step, id) order). */
      cursor: z.string().regex(/^\d{1,15}:\d{1,15}$/, 'not a cursor this API returned').optional(),
      limit: z.number().int().min(1).max(500).default(50),
    }),
  ),
  'episodes:facets': method<EpisodeFacetsView>()(z.strictObject({ runId })),
  'episodes:get': method<EpisodeSummary & { attempts: AttemptView[] }>()(z.strictObject({ episodeId: z.number().int().positive() })),
  /**
   * Writes a CSV (RFC 4180, UTF-8 with BOM, header row), streamed. Without `path` it goes to the export
   * folder and `downloadUrl` lets a browser fetch it; with `path` (absolute, ending .csv; e.g. from
   * dialog:saveFile) it is written there. An existing file is replaced only with overwrite: true.
   */
  'export:csv': method<CsvExportResult>()(
    z
      .strictObject({
        table: z.enum(['metrics', 'eval', 'episodes', 'attempts']),
        /** metrics / eval: these runs (all when omitted). */
        runIds: z.array(runId).optional(),
        /** metrics: these names (all when omitted). */
        names: z.array(z.string().min(1)).optional(),
        /** eval: one dataset / one metric. */
        dataset: z.string().min(1).optional(),
        metric: z.enum(EVAL_METRICS).optional(),
        /** episodes / attempts: the attempts explorer's filter. */
        episodes: z.strictObject(episodeFilter).optional(),
        path: z.string().min(1).optional(),
        overwrite: z.boolean().default(false),
      })
      .refine((v) => (v.table === 'episodes' || v.table === 'attempts') === (v.episodes !== undefined), {
        message: 'give episodes (a filter with runId) for the episodes and attempts tables, and only for them',
        path: ['episodes'],
      }),
  ),
  /**
   * Copies a run's checkpoint (latest, or the one at `step`) into `destination`: safetensors weights,
   * config.json, tokenizer files (the built-in model's vocabulary as char_tokenizer.json), run.json. The
   * destination is an absolute path whose parent exists; it must be new or empty unless overwrite: true.
   */
  'export:checkpoint': method<CheckpointExportView>()(
    z.strictObject({ runId, step: z.number().int().min(0).optional(), destination: z.string().min(1), overwrite: z.boolean().default(false) }),
  ),
  'config:presets': method<Array<{ name: string; config: RunConfig }>>()(empty),
  'config:schema': method<FieldDoc[]>()(empty),
  'config:validate': method<{ ok: true; config: RunConfig } | { ok: false; problems: ConfigProblem[] }>()(
    z.strictObject({ config: z.unknown() }),
  ),
  /** The memory a run of this config would need at its peak, against the device's (train --dry-run in a child process). */
  'config:estimate': method<{ fits: boolean; peakBytes: number | null; availableBytes: number | null; available: string | null; device: string | null; message: string | null }>()(
    z.strictObject({ config: z.unknown() }),
  ),
  'datasets:list': method<Array<{ name: string; title: string; count: number | null; goldRule: string; benchmark: boolean }>>()(empty),
  /** Checks one path field of the run config before launch (exists, right kind, size), for a message beside the field. */
  'paths:check': method<{ ok: boolean; message: string | null }>()(
    z.strictObject({ field: z.enum(['model.source', 'model.checkpoint', 'dataset.source']), path: z.string() }),
  ),
  /** Whether the built-in base model is already in this studio's model cache (else the first run pre-trains it). */
  'models:base': method<{ cached: boolean }>()(empty),
  ...evalMethods,
  ...clusterMethods,
  'system:runtime': method<SystemInfo>()(z.strictObject({ refresh: z.boolean().optional() }).optional()),
  'dialog:openFile': method<{ path: string | null }>()(
    z.strictObject({ title: z.string().optional(), filters: dialogFilters }).optional(),
    true,
  ),
  'dialog:openFolder': method<{ path: string | null }>()(z.strictObject({ title: z.string().optional() }).optional(), true),
  'dialog:saveFile': method<{ path: string | null }>()(
    z.strictObject({ title: z.string().optional(), defaultPath: z.string().optional(), filters: dialogFilters }).optional(),
    true,
  ),
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export const METHOD_NAMES = Object.keys(methods) as MethodName[];

/** What a caller passes (before defaults). */
export type MethodInput<M extends MethodName> = z.input<Methods[M]['input']>;
/** What a handler receives (validated, defaults filled in). */
export type MethodParsed<M extends MethodName> = z.output<Methods[M]['input']>;
export type MethodOutput<M extends MethodName> = NonNullable<Methods[M]['_output']>;

/** The implementation side: one async handler per method. */
export type ApiHandlers = { [M in MethodName]: (input: MethodParsed<M>) => Promise<MethodOutput<M>> };

// ---- events ------------------------------------------------------------------------------------------------
// The run events are the run manager's (backend/domain/run-events.ts); the API carries them as they are.
export { type RunEvents as ApiEvents, type EventName, type EventEnvelope, type RuntimeInfo, type RunPhase } from '../domain/run-events.js';
// ---- errors ------------------------------------------------------------------------------------------------

export { ApiError, toApiError } from './api-error.js';
export type { AttemptComparisonsView } from './attempt-comparisons-service.js';

/** Validates a method's raw input; throws a 400 {@link ApiError} naming the first bad field. */
export function parseInput<M extends MethodName>(name: M, raw: unknown): MethodParsed<M> {
  const spec = methods[name] as MethodSpec<z.ZodType, unknown>;
  const r = spec.input.safeParse(raw === null ? undefined : raw);
  if (r.success) return r.data as MethodParsed<M>;
  const issues = r.error.issues.map((i) => {
    const at = [...i.path, ...(i.code === 'unrecognized_keys' ? [i.keys[0]!] : [])].join('.');
    return { at, message: i.code === 'unrecognized_keys' ? `unknown key (${i.keys.join(', ')})` : i.message };
  });
  const first = issues[0]!;
  throw new ApiError(400, `${name}: invalid input: ${issues.map((i) => `${i.at || '(input)'}: ${i.message}`).join('; ')}`, first.at || undefined);
}

export function isMethodName(name: string): name is MethodName {
  return Object.hasOwn(methods, name);
}
