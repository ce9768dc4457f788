// The contract's part for evaluation (its methods spread into contract.ts's, its types re-exported): stored
// results, the multi-attempt comparisons, the model-aware defaults the Evaluate form starts from, and starting
// an evaluation (k-attempt accuracy or sampled pass@k) of a checkpoint or a run.
import { z } from 'zod';
import { EVAL_METRICS, type EvalMetric, type RunStatus } from '../domain/vocabulary.js';
import { EVAL_MAX_K } from '../eval/eval-defaults.js';
import type { AttemptComparisonsView } from './attempt-comparisons-service.js';
import { method } from './method-spec.js';

const runId = z.number().int().positive();

/** Evaluation defaults of a model kind (backend/eval/eval-defaults.ts). */
export interface EvalDefaultsView {
  kind: 'builtin' | 'hf';
  datasets: readonly string[];
  maxAttempts: number;
  protocol: 'one-episode' | 'truncated' | 'separate';
  maxTokensPerAttempt: number;
  /** null = maxAttempts × maxTokensPerAttempt. */
  maxTotalTokens: number | null;
  source: string;
  /** The largest K (attempts) or N (samples) an evaluation may ask for. */
  maxK: number;
  /** A sampled evaluation's temperature when none is given. */
  sampledTemperature: number;
  /** The seed (sampling, synthetic questions) when none is given. */
  seed: number;
}

export interface EvalResultView {
  id: number;
  runId: number;
  checkpointId: number | null;
  checkpointPath: string | null;
  metric: EvalMetric;
  /** Questions that did not fit the model's context (not in n). */
  skipped: number;
  step: number | null;
  dataset: string;
  k: number;
  n: number;
  correct: number;
  accuracy: number;
  decoding: string;
  createdAt: number;
}

export const evalMethods = {
  'eval:results': method<EvalResultView[]>()(
    z.strictObject({
      runId: runId.optional(),
      dataset: z.string().min(1).optional(),
      k: z.number().int().min(1).optional(),
      metric: z.enum(EVAL_METRICS).optional(),
    }),
  ),
  /**
   * Succ@k, the unique-answer ratio and SCoRe's deltas of a run's latest k-attempt evaluation per dataset, and
   * beside Succ@k the sampled pass@k of `baselineRunId` at the same k when that run stored one.
   */
  'eval:comparisons': method<AttemptComparisonsView[]>()(z.strictObject({ runId, baselineRunId: runId.optional() })),
  /** The evaluation defaults for a checkpoint or a run's model (eval-defaults.ts): the seed's for a Hugging Face model. */
  'eval:defaults': method<EvalDefaultsView>()(
    z
      .strictObject({ checkpoint: z.string().min(1).optional(), runId: runId.optional() })
      .refine((v) => (v.checkpoint === undefined) !== (v.runId === undefined), { message: 'give exactly one of checkpoint or runId', path: ['checkpoint'] }),
  ),
  'eval:start': method<{ runId: number; status: RunStatus }>()(
    z
      .strictObject({
        /** A checkpoint folder … */
        checkpoint: z.string().min(1).optional(),
        /** … or a run whose latest checkpoint is evaluated. */
        runId: runId.optional(),
        /**
         * Dataset names; 'held-out' is the held-out split of the evaluated run's own task (runId only). Unset fields
         * take the model's defaults (eval:defaults).
         */
        datasets: z.array(z.string().min(1)).min(1).optional(),
        /** K: accuracy is reported for k = 1..K. */
        attempts: z.number().int().min(1).max(EVAL_MAX_K).optional(),
        protocol: z.enum(['one-episode', 'truncated', 'separate']).optional(),
        /** At most this many questions per dataset. */
        limit: z.number().int().min(1).optional(),
        /** Questions decoded together; default 8 (EVAL_BATCH_SIZE, backend/eval/eval-defaults.ts; `eval --batch` too). */
        batchSize: z.number().int().min(1).optional(),
        /** Default: eval:defaults (a built-in run's own generation.maxTokensPerAttempt). */
        maxTokensPerAttempt: z.number().int().min(1).optional(),
        maxTotalTokens: z.number().int().min(1).optional(),
        /** 'single-turn' (the baseline's prompt) only at k = 1 (attempts 1 or left out). Default 'multi-attempt'. */
        prompt: z.enum(['multi-attempt', 'single-turn']).optional(),
        /** Sampled pass@k instead of k-attempt accuracy: this many independent samples per question (no protocol). */
        samples: z.number().int().min(1).max(EVAL_MAX_K).optional(),
        /** Sampling temperature, with samples only (default EVAL_SAMPLED_TEMPERATURE, eval-defaults.ts). */
        temperature: z.number().positive().optional(),
        /** Chat template by name (compact, chatml); default: the model's own. */
        template: z.string().min(1).optional(),
        /** Compute runtime ('auto' or a name, as a run config's runtime); default 'auto'. */
        runtime: z.string().min(1).optional(),
        /** Seed (sampling, synthetic questions); default 0. */
        seed: z.number().int().min(0).optional(),
        name: z.string().min(1).optional(),
      })
      .refine((v) => (v.checkpoint === undefined) !== (v.runId === undefined), { message: 'give exactly one of checkpoint or runId', path: ['checkpoint'] }),
  ),
};
