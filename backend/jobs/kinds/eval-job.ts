// The eval job kind: its one spec (the zod schema of an eval run's stored config) and the one way a request
// becomes that spec. `attempt-studio eval` (flags) and the API's eval:start (JSON) both call resolveEvalJob
// with the model's target, so they store the same config for the same request; the executor (jobs/run-eval.ts)
// reads only the validated spec, in the CLI's process or in an eval worker. Defaults come from
// eval/eval-defaults.ts (by model kind) and, for a training run of the built-in model, from that run's own task
// (its held-out split and per-attempt budget). tfjs-free: the API process resolves specs too.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Db } from '../../db/open-db.js';
import { createRun, getRun, latestCheckpoint, type RunRow } from '../../db/run-store.js';
import { DATASET_NAMES } from '../../data/registry.js';
import { DomainError } from '../../domain/errors.js';
import { EVAL_BATCH_SIZE, EVAL_MAX_K, EVAL_SAMPLED_TEMPERATURE, EVAL_SEED, evalDefaultsFor, evalModelKind, K_ATTEMPT_PROTOCOLS, totalTokensOf, type EvalDefaults, type EvalModelKind } from '../../eval/eval-defaults.js';
import { HELD_OUT } from '../../eval/held-out.js';
import { CONFIG_RUNTIME_NAMES } from '../../rl/config.js';

const count = z.number().int().min(1);
const id = z.number().int().min(1).nullable();

/** An eval run's stored config: everything the executor needs, every default already applied. */
export const evalJobSpecSchema = z
  .strictObject({
    /** The model folder evaluated (absolute). */
    checkpoint: z.string().min(1),
    /** The registered checkpoint, its training step and run, when a run's checkpoint is evaluated. */
    checkpointId: id.default(null),
    step: z.number().int().min(0).nullable().default(null),
    sourceRun: id.default(null),
    /** Dataset names; 'held-out' is the source run's own held-out split. */
    datasets: z.array(z.string().min(1)).min(1),
    /** K: accuracy at k = 1..K (sampled: pass@1..N with K = samples). */
    maxAttempts: count.max(EVAL_MAX_K),
    /** How accuracy at k is measured (k-attempt.ts); null for a sampled evaluation. */
    protocol: z.enum(K_ATTEMPT_PROTOCOLS).nullable(),
    prompt: z.enum(['multi-attempt', 'single-turn']),
    /** Chat template by name; null: the model's own. */
    template: z.string().min(1).nullable().default(null),
    /** At most this many questions per dataset; null: all. */
    limit: count.nullable(),
    batchSize: count,
    maxTokensPerAttempt: count,
    maxTotalTokens: count,
    /** Sampled evaluation: this many samples per question (pass@k); null: greedy k-attempt accuracy. */
    samples: count.max(EVAL_MAX_K).nullable().default(null),
    /** 0 (greedy) for k-attempt accuracy; > 0 for a sampled evaluation. */
    temperature: z.number().min(0).default(0),
    seed: z.number().int().min(0),
    runtime: z.enum(['auto', ...CONFIG_RUNTIME_NAMES]).default('auto'),
  })
  .superRefine((s, ctx) => {
    if ((s.samples === null) !== (s.protocol !== null))
      ctx.addIssue({ code: 'custom', path: ['protocol'], message: 'a k-attempt evaluation names its protocol; a sampled one (samples set) has none' });
    if (s.samples !== null && !(s.temperature > 0)) ctx.addIssue({ code: 'custom', path: ['temperature'], message: `a sampled evaluation needs temperature > 0, got ${s.temperature}` });
    if (s.samples === null && s.temperature !== 0) ctx.addIssue({ code: 'custom', path: ['temperature'], message: 'k-attempt accuracy is greedy: temperature must be 0' });
    if (s.samples === null && s.prompt === 'single-turn' && s.maxAttempts !== 1)
      ctx.addIssue({ code: 'custom', path: ['maxAttempts'], message: `the single-turn prompt is evaluated at k = 1 only, got ${s.maxAttempts}` });
    if (s.datasets.includes(HELD_OUT) && s.sourceRun === null)
      ctx.addIssue({ code: 'custom', path: ['datasets'], message: `'${HELD_OUT}' is the held-out split of a training run's task: it needs sourceRun` });
  });

export type EvalJobSpec = z.output<typeof evalJobSpecSchema>;

/** Validates a stored (or resolved) eval config; the first problem becomes one line naming its field. */
export function parseEvalJobSpec(raw: unknown, label: string): EvalJobSpec {
  const r = evalJobSpecSchema.safeParse(raw);
  if (r.success) return r.data;
  const p = r.error.issues[0]!;
  const field = p.path.join('.');
  throw new DomainError('invalid', `${label}: invalid eval config: ${field || '(root)'}: ${p.message}`, field || undefined);
}

/** What is evaluated: a model folder, or a run's latest checkpoint (with the run's row). */
export interface EvalTarget {
  dir: string;
  checkpointId: number | null;
  step: number | null;
  sourceRun: RunRow | null;
}

/** The target of `--checkpoint DIR` / `checkpoint` or `--run ID` / `runId` (exactly one); a checked folder. */
export function resolveEvalTarget(db: Db, q: { checkpoint?: string; runId?: number }): EvalTarget {
  if ((q.checkpoint === undefined) === (q.runId === undefined)) throw new DomainError('invalid', 'give exactly one of checkpoint or runId', 'checkpoint');
  let target: EvalTarget;
  if (q.runId !== undefined) {
    const run = getRun(db, q.runId);
    if (!run) throw new DomainError('not-found', `no run with id ${q.runId}`, 'runId');
    const ck = latestCheckpoint(db, q.runId);
    if (!ck) throw new DomainError('conflict', `run ${q.runId} has no checkpoint yet`, 'runId');
    target = { dir: path.resolve(ck.path), checkpointId: ck.id, step: ck.step, sourceRun: run };
  } else target = { dir: path.resolve(q.checkpoint!), checkpointId: null, step: null, sourceRun: null };
  if (!existsSync(target.dir) || !statSync(target.dir).isDirectory())
    throw new DomainError('invalid', `checkpoint folder ${target.dir} does not exist`, q.runId !== undefined ? 'runId' : 'checkpoint');
  return target;
}

/**
 * The evaluation defaults of a model kind (eval-defaults.ts); a built-in model's training run is evaluated by
 * default on its own task's held-out split with its own per-attempt budget.
 */
export function evalDefaultsForRun(kind: EvalModelKind, run: RunRow | null): EvalDefaults {
  const d = evalDefaultsFor(kind);
  if (kind !== 'builtin' || run === null || run.kind !== 'train') return d;
  const per = (run.config as { generation?: { maxTokensPerAttempt?: number } } | null)?.generation?.maxTokensPerAttempt;
  return { ...d, datasets: [HELD_OUT], ...(per !== undefined ? { maxTokensPerAttempt: per } : {}) };
}

/** An evaluation request: any field left out takes its default. */
export interface EvalRequest {
  datasets?: readonly string[];
  /** K (k-attempt accuracy at k = 1..K). */
  attempts?: number;
  protocol?: EvalDefaults['protocol'];
  prompt?: 'multi-attempt' | 'single-turn';
  limit?: number;
  batchSize?: number;
  maxTokensPerAttempt?: number;
  maxTotalTokens?: number;
  /** Sampled pass@k instead: N samples per question. */
  samples?: number;
  /** Sampling temperature (samples only; default EVAL_SAMPLED_TEMPERATURE). */
  temperature?: number;
  seed?: number;
  template?: string;
  /** 'auto' or a runtime name (backend/model/runtime/runtime.ts). */
  runtime?: string;
}

/** Request + target → the spec stored with the run. Throws DomainError('invalid') naming the request field. */
export function resolveEvalJob(target: EvalTarget, q: EvalRequest): EvalJobSpec {
  const kind = evalModelKind(target.dir);
  const base = evalDefaultsForRun(kind, target.sourceRun);
  const datasets = [...new Set(q.datasets ?? base.datasets)];
  if (datasets.includes(HELD_OUT) && target.sourceRun === null)
    throw new DomainError('invalid', `'${HELD_OUT}' is the held-out split of a training run's task: give runId (eval --run), not a checkpoint folder`, 'datasets');
  const unknown = datasets.filter((d) => d !== HELD_OUT && !DATASET_NAMES.includes(d));
  if (unknown.length > 0)
    throw new DomainError('invalid', `unknown dataset${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `'${n}'`).join(', ')} (known: ${DATASET_NAMES.join(', ')}${target.sourceRun ? `, ${HELD_OUT}` : ''})`, 'datasets');
  const prompt = q.prompt ?? 'multi-attempt';
  const samples = q.samples ?? null;
  let K: number;
  if (samples !== null) {
    if (q.attempts !== undefined && q.attempts !== samples)
      throw new DomainError('invalid', `a sampled evaluation reports pass@1..N for N = samples (${samples}); leave attempts out`, 'attempts');
    if (q.protocol !== undefined) throw new DomainError('invalid', 'protocol is for k-attempt accuracy; a sampled evaluation has none', 'protocol');
    K = samples;
  } else if (prompt === 'single-turn') {
    if (q.attempts !== undefined && q.attempts !== 1)
      throw new DomainError('invalid', `the single-turn prompt is evaluated at k = 1 only; got attempts ${q.attempts}`, 'attempts');
    K = 1;
  } else K = q.attempts ?? evalDefaultsFor(kind, datasets).maxAttempts;
  const temperature = samples === null ? 0 : (q.temperature ?? EVAL_SAMPLED_TEMPERATURE);
  if (samples === null && q.temperature !== undefined && q.temperature !== 0)
    throw new DomainError('invalid', 'temperature goes with samples (k-attempt accuracy is greedy)', 'temperature');
  if (samples !== null && !(temperature > 0)) throw new DomainError('invalid', `temperature must be > 0 for samples, got ${temperature}`, 'temperature');
  const runtimes: readonly string[] = ['auto', ...CONFIG_RUNTIME_NAMES];
  if (q.runtime !== undefined && !runtimes.includes(q.runtime))
    throw new DomainError('invalid', `unknown runtime '${q.runtime}' (known: ${runtimes.join(', ')})`, 'runtime');
  const perAttempt = q.maxTokensPerAttempt ?? base.maxTokensPerAttempt;
  const spec = {
    checkpoint: target.dir,
    checkpointId: target.checkpointId,
    step: target.step,
    sourceRun: target.sourceRun?.id ?? null,
    datasets,
    maxAttempts: K,
    protocol: samples === null ? (q.protocol ?? base.protocol) : null,
    prompt,
    template: q.template ?? null,
    limit: q.limit ?? null,
    batchSize: q.batchSize ?? EVAL_BATCH_SIZE,
    maxTokensPerAttempt: perAttempt,
    maxTotalTokens: q.maxTotalTokens ?? (q.maxTokensPerAttempt !== undefined ? K * perAttempt : totalTokensOf(base, K, perAttempt)),
    samples,
    temperature,
    seed: q.seed ?? EVAL_SEED,
    runtime: q.runtime ?? 'auto',
  };
  return parseEvalJobSpec(spec, 'eval request');
}

/** Creates the queued eval run that stores `spec` as its config (the CLI runs it here, the run manager in a worker). */
export function createEvalRun(db: Db, spec: EvalJobSpec, name?: string): number {
  return createRun(db, { kind: 'eval', config: spec, name: name ?? `eval ${path.basename(spec.checkpoint)}` });
}
