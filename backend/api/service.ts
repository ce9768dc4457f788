// The API's implementation: one handler per contract method, over the SQLite database (reads) and the run
// manager (everything that starts or stops work). No transport here: HTTP and Electron IPC both call these.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import type { Db } from '../db/open-db.js';
import { evalResults, getRun, lastMetricValues, latestCheckpoint, listRuns, metricsOf, updateRunMeta, type RunRow } from '../db/run-store.js';
import { ConfigError, describeRunConfigFields, parseRunConfig, presetRunConfig, type RunConfig } from '../rl/config.js';
import { seedList, sweepRuns } from '../runs/sweep.js';
import { PRESET_NAMES } from '../rl/presets.js';
import { evalModelKind } from '../eval/eval-defaults.js';
import { evalDefaultsForRun, resolveEvalJob, resolveEvalTarget } from '../jobs/kinds/eval-job.js';
import { BENCHMARK_NAMES, BUILTIN_DATASETS, DATASET_NAMES } from '../data/registry.js';
import type { RunManager } from '../runs/run-manager.js';
import { episodeFacets, getEpisode, listEpisodes } from '../db/episode-query.js';
import type { LogTail } from './log-tail.js';
import { checkRunConfigPaths, checkUserPath, DATASET_EXTENSIONS, MAX_DATASET_BYTES } from './safe-path.js';
import { ApiError, toApiError, type ApiHandlers, type EvalResultView, type RuntimeInfo, type SystemInfo } from './contract.js';
import { exportCsv, exportRunCheckpoint } from './export-service.js';
import { evalAccuracy, summary, timeSplit, type SummaryExtras } from './run-summary.js';
import { estimateMemory, probeRuntime } from './cli-probes.js';
import { evalComparisons } from './attempt-comparisons-service.js';
import { checkRunDataset, DatasetCheckError } from '../data/check-dataset.js';
import { apiExportPlaces } from '../export/export-places.js';
import { shippedBaseModelsDir } from '../pretrain/shipped-base-models.js';
import { clusterHandlers, type ClusterServiceOptions } from './cluster-service.js';

export interface ServiceOptions {
  db: Db;
  dbPath: string;
  dataDir: string;
  manager: RunManager;
  /** Where export:csv writes files given no path (default: dataDir/exports); the HTTP server serves it. */
  exportDir?: string;
  /** Recent log lines per run (runs:logs answers [] without it). */
  logs?: LogTail;
  /** Native dialogs (Electron only); absent, the dialog methods answer 501. */
  dialogs?: Pick<ApiHandlers, 'dialog:openFile' | 'dialog:openFolder' | 'dialog:saveFile'>;
  /** Where runs execute and the settings.json the Settings page writes. */
  cluster: ClusterServiceOptions;
}

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** A run config from the API, parsed; its first problem becomes a 400 naming the field. */
function parseForLaunch(config: unknown, label: string): RunConfig {
  try {
    return parseRunConfig(config, label);
  } catch (err) {
    if (err instanceof ConfigError) {
      const p = err.problems[0]!;
      throw new ApiError(400, err.message, `config${p.path ? `.${p.path}` : ''}`);
    }
    throw err;
  }
}

/** The handlers with domain errors (backend/domain/errors.ts) turned into the API's errors (HTTP status codes). */
function withApiErrors(handlers: ApiHandlers): ApiHandlers {
  const wrapped = Object.entries(handlers).map(([name, handler]) => [
    name,
    async (input: unknown) => {
      try {
        return await (handler as (i: unknown) => Promise<unknown>)(input);
      } catch (err) {
        throw toApiError(err);
      }
    },
  ]);
  return Object.fromEntries(wrapped) as ApiHandlers;
}

export function createService(o: ServiceOptions): ApiHandlers {
  const { db, manager } = o;
  const exportDir = path.resolve(o.exportDir ?? path.join(o.dataDir, 'exports'));
  let runtime: Promise<RuntimeInfo> | undefined;
  const mustRun = (runId: number): RunRow => {
    const r = getRun(db, runId);
    if (!r) throw new ApiError(404, `no run with id ${runId}`, 'runId');
    return r;
  };
  const extras = (r: RunRow, lastReward: number | null): SummaryExtras => ({
    lastReward,
    phase: manager.phaseOf(r.id),
    ...timeSplit(db, r.id),
    evalAccuracy: r.kind === 'eval' ? evalAccuracy(db, r.id) : [],
  });
  const summaryOf = (r: RunRow) => summary(r, extras(r, lastMetricValues(db, 'reward').get(r.id) ?? null));
  const noDialog = async (): Promise<never> => {
    throw new ApiError(501, 'native dialogs exist only in the desktop app; type the path instead');
  };
  // Relative dataset files are resolved against the data folder (never the server's working folder).
  const datasetBase = { baseDir: o.dataDir, baseName: `the data folder ${o.dataDir}` };
  const checkedDataset = async (d: Parameters<typeof checkRunDataset>[0]): Promise<string> => {
    try {
      return (await checkRunDataset(d, datasetBase)).source;
    } catch (err) {
      if (err instanceof DatasetCheckError) throw new ApiError(400, `config.${err.field}: ${err.message}`, `config.${err.field}`);
      throw err;
    }
  };
  // What the user picked in a native dialog may be written even outside the usual export places.
  const picked = new Set<string>();
  const places = apiExportPlaces({ dataDir: o.dataDir, exportDir, picked });
  const remember = <I,>(h: ((i: I) => Promise<{ path: string | null }>) | undefined) =>
    h
      ? async (i: I) => {
          const r = await h(i);
          if (r.path) picked.add(path.resolve(r.path));
          return r;
        }
      : noDialog;

  return withApiErrors({
    'runs:list': async (input) => {
      const rewards = lastMetricValues(db, 'reward');
      return listRuns(db, { kind: input?.kind, status: input?.status }).map((r) => summary(r, extras(r, rewards.get(r.id) ?? null)));
    },
    'runs:get': async ({ runId }) => {
      const r = mustRun(runId);
      const checkpoints = db
        .prepare('SELECT id, step, path, format, created_at AS createdAt FROM checkpoints WHERE run_id = ? ORDER BY step')
        .all(runId) as RunDetailCheckpoint[];
      const metricNames = (db.prepare('SELECT DISTINCT name FROM metrics WHERE run_id = ? ORDER BY name').all(runId) as Array<{ name: string }>).map((m) => m.name);
      return { ...summaryOf(r), notes: r.notes, checkpoints, metricNames };
    },
    'runs:update': async ({ runId, name, tags, notes }) => {
      mustRun(runId);
      updateRunMeta(db, runId, { name, tags: tags ? [...new Set(tags)] : undefined, notes });
      const r = mustRun(runId);
      return { ...summaryOf(r), notes: r.notes };
    },
    'runs:start': async ({ config, name }) => {
      const parsed = parseForLaunch(config, 'config');
      parsed.dataset.source = await checkedDataset(parsed.dataset);
      checkRunConfigPaths(parsed);
      return manager.start(parsed, name);
    },
    'sweeps:start': async ({ config, seeds, name }) => {
      if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new ApiError(400, 'config: expected an object', 'config');
      // Every run's config is checked before any is queued: a sweep starts whole or not at all.
      const planned = sweepRuns(config as Record<string, unknown>, seedList(seeds), name).map((r) => ({ ...r, parsed: parseForLaunch(r.config, 'config') }));
      for (const r of planned) {
        r.parsed.dataset.source = await checkedDataset(r.parsed.dataset);
        checkRunConfigPaths(r.parsed);
      }
      const runIds: number[] = [];
      for (const r of planned) {
        const { runId } = manager.start(r.parsed, r.name);
        updateRunMeta(db, runId, { tags: r.tags });
        runIds.push(runId);
      }
      return { runIds, name };
    },
    'runs:stop': async ({ runId }) => manager.stop(runId),
    'runs:resume': async ({ runId, steps }) => manager.resume(runId, { steps }),
    'runs:logs': async ({ runId, limit }) => {
      mustRun(runId);
      return o.logs?.tail(runId, limit) ?? [];
    },
    'runs:delete': async ({ runId, deleteFiles }) => {
      const r = manager.delete(runId, deleteFiles);
      o.logs?.forget(runId);
      return r;
    },
    'metrics:get': async ({ runId, names, sinceStep }) => {
      mustRun(runId);
      const series = metricsOf(db, runId, names);
      if (sinceStep !== undefined) for (const k of Object.keys(series)) series[k] = series[k]!.filter((p) => p.step > sinceStep);
      return { runId, series };
    },
    'episodes:list': async ({ cursor, limit, ...filter }) => {
      mustRun(filter.runId);
      return listEpisodes(db, filter, { cursor, limit });
    },
    'episodes:facets': async ({ runId }) => {
      mustRun(runId);
      return episodeFacets(db, runId);
    },
    'episodes:get': async ({ episodeId }) => {
      const e = getEpisode(db, episodeId);
      if (!e) throw new ApiError(404, `no episode with id ${episodeId}`, 'episodeId');
      return e;
    },
    'export:csv': async (q) => {
      for (const id of [...(q.runIds ?? []), ...(q.episodes ? [q.episodes.runId] : [])]) mustRun(id);
      return exportCsv({ dbPath: o.dbPath, exportDir, places }, q);
    },
    'export:checkpoint': async (q) => {
      mustRun(q.runId);
      return exportRunCheckpoint(db, q, places);
    },
    'eval:results': async (q) => evalResults(db, q) as EvalResultView[],
    'eval:comparisons': async (q) => evalComparisons(db, q),
    'eval:defaults': async (q) => {
      if (q.checkpoint !== undefined) return evalDefaultsForRun(evalModelKind(checkUserPath(q.checkpoint, { field: 'checkpoint', mustBe: 'dir' })), null);
      const run = mustRun(q.runId!);
      const ck = latestCheckpoint(db, run.id);
      // No checkpoint yet: the run's model source decides.
      const source = (run.config as { model?: { source?: unknown } } | null)?.model?.source;
      return evalDefaultsForRun(ck ? evalModelKind(ck.path) : source === undefined || source === 'builtin' ? 'builtin' : 'hf', run);
    },
    // The same resolve as `attempt-studio eval` (jobs/kinds/eval-job.ts): unset fields take the model's defaults,
    // a built-in training run's own held-out split and per-attempt budget; the worker runs jobs/run-eval.ts.
    'eval:start': async (q) => {
      const { name, checkpoint, runId, ...request } = q;
      const target = resolveEvalTarget(db, { runId, checkpoint: checkpoint === undefined ? undefined : checkUserPath(checkpoint, { field: 'checkpoint', mustBe: 'dir' }) });
      return manager.startEval(resolveEvalJob(target, request), name);
    },
    'config:presets': async () => PRESET_NAMES.map((name) => ({ name, config: presetRunConfig(name) })),
    'config:schema': async () => describeRunConfigFields(),
    'config:validate': async ({ config }) => {
      try {
        const parsed = parseRunConfig(config, 'config');
        parsed.dataset.source = (await checkRunDataset(parsed.dataset, datasetBase)).source;
        return { ok: true as const, config: parsed };
      } catch (err) {
        if (err instanceof ConfigError) return { ok: false as const, problems: err.problems };
        if (err instanceof DatasetCheckError) return { ok: false as const, problems: [{ path: err.field, message: err.message }] };
        throw err;
      }
    },
    'config:estimate': async ({ config }) => {
      const parsed = parseForLaunch(config, 'config');
      checkRunConfigPaths(parsed);
      return estimateMemory(parsed);
    },
    'datasets:list': async () => [
      ...BUILTIN_DATASETS.map((d) => ({ name: d.name, title: d.title, count: d.count, goldRule: d.goldRule, benchmark: (BENCHMARK_NAMES as readonly string[]).includes(d.name) })),
      { name: 'synthetic', title: 'Synthetic arithmetic (generated, seeded)', count: null, goldRule: 'generated', benchmark: false },
    ],
    'paths:check': async ({ field, path: p }) => {
      if (p.trim() === '') return { ok: false, message: 'give a path' };
      if (field === 'model.source' && p === 'builtin') return { ok: true, message: null };
      if (field === 'dataset.source' && DATASET_NAMES.includes(p)) return { ok: true, message: null };
      if (!path.isAbsolute(p)) return { ok: false, message: `'${p}' is a relative path: give the full path (starting with /) so it can be checked now` };
      try {
        const file = field === 'dataset.source';
        checkUserPath(p, { field, mustBe: file ? 'file' : 'dir', ...(file ? { maxBytes: MAX_DATASET_BYTES, extensions: DATASET_EXTENSIONS } : {}) });
        return { ok: true, message: null };
      } catch (err) {
        if (err instanceof ApiError) return { ok: false, message: err.message.replace(`${field}: `, '') };
        throw err;
      }
    },
    'models:base': async () => {
      // Any shipped or cached built-in base model (base-<spec hash>/base-model.json); the hash itself needs tfjs.
      const has = (dir: string) => existsSync(dir) && readdirSync(dir).some((n) => n.startsWith('base-') && existsSync(path.join(dir, n, 'base-model.json')));
      const shipped = shippedBaseModelsDir();
      return { cached: (shipped !== null && has(shipped)) || has(path.join(o.dataDir, 'models')) };
    },
    ...clusterHandlers(o.cluster, manager),
    'system:runtime': async (input) => {
      if (input?.refresh || !runtime) {
        runtime = probeRuntime();
        runtime.catch(() => (runtime = undefined));
      }
      let info: RuntimeInfo | null = null;
      let runtimeError: string | null = null;
      try {
        info = await runtime;
      } catch (err) {
        runtimeError = (err as Error).message;
      }
      const out: SystemInfo = {
        version: VERSION,
        node: process.versions.node,
        electron: process.versions.electron ?? null,
        platform: process.platform,
        arch: process.arch,
        cpus: os.cpus().length,
        totalMemoryBytes: os.totalmem(),
        db: o.dbPath,
        dataDir: o.dataDir,
        concurrency: manager.concurrency,
        runtime: info,
        runtimeError,
      };
      return out;
    },
    'dialog:openFile': o.dialogs?.['dialog:openFile'] ?? noDialog,
    'dialog:openFolder': remember(o.dialogs?.['dialog:openFolder']),
    'dialog:saveFile': remember(o.dialogs?.['dialog:saveFile']),
  });
}

type RunDetailCheckpoint = { id: number; step: number; path: string; format: string; createdAt: number };
