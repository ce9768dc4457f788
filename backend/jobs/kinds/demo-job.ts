// The demo job kind: its spec (zod), which is what `attempt-studio demo` is asked for, and its one set of
// defaults (DEMO_BUDGETS: the full demo and --quick, each budget field overridable). jobs/demo.ts runs it; the
// demo trains its two policies as train jobs through the run manager's workers (jobs/train-in-workers.ts).
import { z } from 'zod';
import { DomainError } from '../../domain/errors.js';
import { DEFAULT_BASE_MODEL_SPEC } from '../../pretrain/base-model.js';

export interface DemoBudget {
  baseSteps: number;
  rlSteps: number;
  rolloutBatch: number;
  testQuestions: number;
  attempts: number;
}

/** Budgets of the full demo and of --quick. */
export const DEMO_BUDGETS: Record<'full' | 'quick', DemoBudget> = {
  // 150 RL steps: with the base model shipped, the multi-attempt worker's RL is the demo's cost (~1.3–1.6 CPU s a
  // step with the near-miss base model); the full demo measured 4.2 min wall near idle on this 2-core machine
  // from a fresh data folder (docs/RESULTS.md, session 5).
  full: { baseSteps: DEFAULT_BASE_MODEL_SPEC.steps, rlSteps: 150, rolloutBatch: 64, testQuestions: 300, attempts: 5 },
  quick: { baseSteps: 150, rlSteps: 6, rolloutBatch: 32, testQuestions: 60, attempts: 5 },
};

const count = z.number().int().min(1, { error: (i) => `must be at least 1, got ${String(i.input)}` });

export const demoJobSpecSchema = z.strictObject({
  seed: z.number().int().min(0, { error: (i) => `must be 0 or more, got ${String(i.input)}` }).default(0),
  /** A smoke test: DEMO_BUDGETS.quick instead of .full. */
  quick: z.boolean().default(false),
  /** Train the base model anew even when a shipped or cached one has its spec. */
  trainBase: z.boolean().default(false),
  /** How accuracy at k is measured: one episode allowing K attempts, or the reference's N = k prompt per k. */
  protocol: z.enum(['one-episode', 'separate'], { error: (i) => `must be one-episode or separate, got '${String(i.input)}'` }).default('one-episode'),
  /** Overrides of the chosen budget. */
  budget: z.strictObject({ baseSteps: count.optional(), rlSteps: count.optional(), rolloutBatch: count.optional(), testQuestions: count.optional() }).default({}),
});

export type DemoJobSpec = z.output<typeof demoJobSpecSchema>;

/** Validates a demo request; the first problem becomes one DomainError naming its field (e.g. budget.rlSteps). */
export function parseDemoJobSpec(raw: unknown): DemoJobSpec {
  const r = demoJobSpecSchema.safeParse(raw);
  if (r.success) return r.data;
  const p = r.error.issues[0]!;
  const field = p.path.join('.');
  throw new DomainError('invalid', `invalid demo request: ${field || '(root)'}: ${p.message}`, field || undefined);
}

/** The budget a demo runs with: the full or quick one, with the given overrides. */
export function demoBudgetOf(quick: boolean, overrides: Partial<DemoBudget> = {}): DemoBudget {
  return { ...(quick ? DEMO_BUDGETS.quick : DEMO_BUDGETS.full), ...overrides };
}
