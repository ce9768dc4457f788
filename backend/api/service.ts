// The API's implementation: one handler per contract method, over the SQLite database (reads) and the run
// manager (everything that starts or stops work). No transport here: HTTP and Electron IPC both call these.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Db } from '../db/open-db.js';
import { getRun, latestCheckpoint, listRuns, metricsOf, type RunRow } from '../db/run-store.js';
import { ConfigError, describeRunConfigFields, parseRunConfig, presetRunConfig } from '../rl/config.js';
import { PRESET_NAMES } from '../rl/presets.js';
import { BENCHMARK_NAMES, BUILTIN_DATASETS, DATASET_NAMES } from '../data/registry.js';
import type { RunManager } from '../runs/run-manager.js';
import { checkRunConfigPaths, checkUserPath } from './safe-path.js';
import { ApiError, type ApiHandlers, type EpisodeSummary, type EvalResultView, type RunSummary, type RuntimeInfo, type SystemInfo } from './contract.js';

export interface ServiceOptions {
  db: Db;
  dbPath: string;
  dataDir: string;
  manager: RunManager;
  /** Native dialogs (Electron only); absent, the dialog methods answer 501. */
  dialogs?: Pick<ApiHandlers, 'dialog:openFile' | 'dialog:openFolder' | 'dialog:saveFile'>;
}

const BIN = fileURLToPath(new URL('../../bin/attempt-studio.js', import.meta.url));
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

function summary(r: RunRow): RunSummary {
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
  };
}

const EPISODE_COLUMNS = `id, run_id AS runId, step, split, dataset, question_id AS questionId, question, gold, sample_index AS sampleIndex,
  attempts_allowed AS attemptsAllowed, attempts_used AS attemptsUsed, solved_at AS solvedAt, reward, verdict, tokens`;

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

export function createService(o: ServiceOptions): ApiHandlers {
  const { db, manager } = o;
  let runtime: Promise<RuntimeInfo> | undefined;
  const mustRun = (runId: number): RunRow => {
    const r = getRun(db, runId);
    if (!r) throw new ApiError(404, `no run with id ${runId}`, 'runId');
    return r;
  };
  const noDialog = async (): Promise<never> => {
    throw new ApiError(501, 'native dialogs exist only in the desktop app; type the path instead');
  };

  return {
    'runs:list': async (input) => listRuns(db, { kind: input?.kind, status: input?.status }).map(summary),
    'runs:get': async ({ runId }) => {
      const r = mustRun(runId);
      const checkpoints = db
        .prepare('SELECT id, step, path, format, created_at AS createdAt FROM checkpoints WHERE run_id = ? ORDER BY step')
        .all(runId) as RunDetailCheckpoint[];
      const metricNames = (db.prepare('SELECT DISTINCT name FROM metrics WHERE run_id = ? ORDER BY name').all(runId) as Array<{ name: string }>).map((m) => m.name);
      return { ...summary(r), config: r.config, notes: r.notes, checkpoints, metricNames };
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
    'runs:delete': async ({ runId, deleteFiles }) => manager.delete(runId, deleteFiles),
    'metrics:get': async ({ runId, names, sinceStep }) => {
      mustRun(runId);
      const series = metricsOf(db, runId, names);
      if (sinceStep !== undefined) for (const k of Object.keys(series)) series[k] = series[k]!.filter((p) => p.step > sinceStep);
      return { runId, series };
    },
    'episodes:list': async (q) => {
      mustRun(q.runId);
      const rows = db
        .prepare(
          `SELECT ${EPISODE_COLUMNS} FROM episodes WHERE run_id = @runId AND id > @cursor
            AND (@stepMin IS NULL OR step >= @stepMin) AND (@stepMax IS NULL OR step <= @stepMax)
            AND (@split IS NULL OR split = @split) AND (@verdict IS NULL OR verdict = @verdict)
            AND (@later IS NULL OR (@later = 1 AND solved_at > 0) OR (@later = 0 AND (solved_at IS NULL OR solved_at = 0)))
            ORDER BY id LIMIT @limit`,
        )
        .all({
          runId: q.runId,
          cursor: q.cursor ?? 0,
          stepMin: q.stepMin ?? null,
          stepMax: q.stepMax ?? null,
          split: q.split ?? null,
          verdict: q.verdict ?? null,
          later: q.solvedOnLaterAttempt === undefined ? null : q.solvedOnLaterAttempt ? 1 : 0,
          limit: q.limit + 1,
        }) as EpisodeSummary[];
      const more = rows.length > q.limit;
      const items = more ? rows.slice(0, q.limit) : rows;
      return { items, nextCursor: more ? items.at(-1)!.id : null };
    },
    'episodes:get': async ({ episodeId }) => {
      const e = db.prepare(`SELECT ${EPISODE_COLUMNS} FROM episodes WHERE id = ?`).get(episodeId) as EpisodeSummary | undefined;
      if (!e) throw new ApiError(404, `no episode with id ${episodeId}`, 'episodeId');
      const attempts = db.prepare('SELECT idx, response, extracted, verdict, tokens FROM attempts WHERE episode_id = ? ORDER BY idx').all(episodeId) as Array<
        Awaited<ReturnType<ApiHandlers['episodes:get']>>['attempts'][number]
      >;
      return { ...e, attempts };
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
  };
}

type RunDetailCheckpoint = { id: number; step: number; path: string; format: string; createdAt: number };
