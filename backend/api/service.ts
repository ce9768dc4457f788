// The API's implementation: one handler per contract method, over the SQLite database (reads) and the run
// manager (everything that starts or stops work). No transport here: HTTP and Electron IPC both call these.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Db } from '../db/open-db.js';
import { getRun, lastMetricValues, latestCheckpoint, listRuns, metricsOf, updateRunMeta, type RunRow } from '../db/run-store.js';
import { ConfigError, describeRunConfigFields, parseRunConfig, presetRunConfig } from '../rl/config.js';
import { PRESET_NAMES } from '../rl/presets.js';
import { BENCHMARK_NAMES, BUILTIN_DATASETS, DATASET_NAMES } from '../data/registry.js';
import type { RunManager } from '../runs/run-manager.js';
import { episodeFacets, getEpisode, listEpisodes } from '../db/episode-query.js';
import type { LogTail } from './log-tail.js';
import { checkRunConfigPaths, checkUserPath } from './safe-path.js';
import { ApiError, toApiError, type ApiHandlers, type EvalResultView, type RunSummary, type RuntimeInfo, type SystemInfo } from './contract.js';
import { exportCsv, exportRunCheckpoint } from './export-service.js';

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
}

const BIN = fileURLToPath(new URL('../../bin/attempt-studio.js', import.meta.url));
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

function summary(r: RunRow, lastReward: number | null = null): RunSummary {
  const steps = (r.config as { steps?: unknown } | null)?.steps;
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    name: r.name,
    preset: r.preset,
    backend: r.backend,
    device: r.device,
    pid: r.pid,
    error: r.error,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    heartbeatAt: r.heartbeatAt,
    stepsDone: r.stepsDone,
    totalSteps: typeof steps === 'number' ? steps : null,
    tags: r.tags,
    resumable: r.kind === 'train' && r.status !== 'running' && r.status !== 'queued',
    lastReward,
  };
}

/** The compute runtime a worker would pick, asked of a child process (tfjs never loads in the API process). */
function probeRuntime(): Promise<RuntimeInfo> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [BIN, 'runtime', '--json'],
      { timeout: 120_000, env: { ...process.env, ...(process.versions.electron ? { ELECTRON_RUN_AS_NODE: '1' } : {}) } },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`runtime probe failed: ${stderr.trim() || err.message}`));
        try {
          const r = JSON.parse(stdout.trim().split('\n').at(-1)!) as RuntimeInfo;
          resolve({ name: r.name, device: r.device, reason: r.reason, tfBackend: r.tfBackend });
        } catch (e) {
          reject(new Error(`runtime probe printed no JSON: ${(e as Error).message}`));
        }
      },
    );
  });
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
  const noDialog = async (): Promise<never> => {
    throw new ApiError(501, 'native dialogs exist only in the desktop app; type the path instead');
  };

  return withApiErrors({
    'runs:list': async (input) => {
      const rewards = lastMetricValues(db, 'reward');
      return listRuns(db, { kind: input?.kind, status: input?.status }).map((r) => summary(r, rewards.get(r.id) ?? null));
    },
    'runs:get': async ({ runId }) => {
      const r = mustRun(runId);
      const checkpoints = db
        .prepare('SELECT id, step, path, format, created_at AS createdAt FROM checkpoints WHERE run_id = ? ORDER BY step')
        .all(runId) as RunDetailCheckpoint[];
      const metricNames = (db.prepare('SELECT DISTINCT name FROM metrics WHERE run_id = ? ORDER BY name').all(runId) as Array<{ name: string }>).map((m) => m.name);
      return { ...summary(r, lastMetricValues(db, 'reward').get(runId) ?? null), config: r.config, notes: r.notes, checkpoints, metricNames };
    },
    'runs:update': async ({ runId, name, tags, notes }) => {
      mustRun(runId);
      updateRunMeta(db, runId, { name, tags: tags ? [...new Set(tags)] : undefined, notes });
      const r = mustRun(runId);
      return { ...summary(r, lastMetricValues(db, 'reward').get(runId) ?? null), notes: r.notes };
    },
    'runs:start': async ({ config, name }) => {
      let parsed;
      try {
        parsed = parseRunConfig(config, 'config');
      } catch (err) {
        if (err instanceof ConfigError) {
          const p = err.problems[0]!;
          throw new ApiError(400, err.message, `config${p.path ? `.${p.path}` : ''}`);
        }
        throw err;
      }
      checkRunConfigPaths(parsed);
      return manager.start(parsed, name);
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
      return exportCsv({ dbPath: o.dbPath, exportDir }, q);
    },
    'export:checkpoint': async (q) => {
      mustRun(q.runId);
      return exportRunCheckpoint(db, q);
    },
    'eval:results': async (q) =>
      db
        .prepare(
          `SELECT id, run_id AS runId, checkpoint_id AS checkpointId, checkpoint_path AS checkpointPath, metric, skipped, step, dataset, k, n,
                  correct, accuracy, decoding, created_at AS createdAt
           FROM eval_results WHERE (@runId IS NULL OR run_id = @runId) AND (@dataset IS NULL OR dataset = @dataset) AND (@k IS NULL OR k = @k)
             AND (@metric IS NULL OR metric = @metric)
           ORDER BY run_id, metric, dataset, k, step`,
        )
        .all({ runId: q.runId ?? null, dataset: q.dataset ?? null, k: q.k ?? null, metric: q.metric ?? null }) as EvalResultView[],
    'eval:start': async (q) => {
      let target: { dir: string; checkpointId: number | null; step: number | null; sourceRun: number | null };
      if (q.runId !== undefined) {
        mustRun(q.runId);
        const ck = latestCheckpoint(db, q.runId);
        if (!ck) throw new ApiError(409, `run ${q.runId} has no checkpoint yet`, 'runId');
        target = { dir: path.resolve(ck.path), checkpointId: ck.id, step: ck.step, sourceRun: q.runId };
      } else target = { dir: checkUserPath(q.checkpoint, { field: 'checkpoint', mustBe: 'dir' }), checkpointId: null, step: null, sourceRun: null };
      if (!existsSync(target.dir) || !statSync(target.dir).isDirectory())
        throw new ApiError(400, `checkpoint folder ${target.dir} does not exist`, q.runId !== undefined ? 'runId' : 'checkpoint');
      const datasets = q.datasets ?? ['synthetic'];
      const unknown = datasets.filter((d) => !DATASET_NAMES.includes(d));
      if (unknown.length > 0) throw new ApiError(400, `unknown dataset(s) ${unknown.join(', ')} (known: ${DATASET_NAMES.join(', ')})`, 'datasets');
      return manager.startEval(
        {
          checkpoint: target.dir,
          checkpointId: target.checkpointId,
          step: target.step,
          sourceRun: target.sourceRun,
          datasets: [...new Set(datasets)],
          maxAttempts: q.attempts,
          protocol: q.protocol,
          prompt: 'multi-attempt',
          limit: q.limit ?? null,
          batchSize: q.batchSize,
          maxTokensPerAttempt: q.maxTokensPerAttempt,
          maxTotalTokens: q.attempts * q.maxTokensPerAttempt,
          seed: q.seed,
        },
        q.name,
      );
    },
    'config:presets': async () => PRESET_NAMES.map((name) => ({ name, config: presetRunConfig(name) })),
    'config:schema': async () => describeRunConfigFields(),
    'config:validate': async ({ config }) => {
      try {
        return { ok: true as const, config: parseRunConfig(config, 'config') };
      } catch (err) {
        if (err instanceof ConfigError) return { ok: false as const, problems: err.problems };
        throw err;
      }
    },
    'datasets:list': async () => [
      ...BUILTIN_DATASETS.map((d) => ({ name: d.name, title: d.title, count: d.count, goldRule: d.goldRule, benchmark: (BENCHMARK_NAMES as readonly string[]).includes(d.name) })),
      { name: 'synthetic', title: 'Synthetic arithmetic (generated, seeded)', count: null, goldRule: 'generated', benchmark: false },
    ],
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
    'dialog:openFolder': o.dialogs?.['dialog:openFolder'] ?? noDialog,
    'dialog:saveFile': o.dialogs?.['dialog:saveFile'] ?? noDialog,
  });
}

type RunDetailCheckpoint = { id: number; step: number; path: string; format: string; createdAt: number };
