// The Evaluate form's checks, in plain language, as a pure function: which fields are wrong and why. The bounds
// are the model's evaluation defaults (eval:defaults, from backend/eval/eval-defaults.ts), not numbers of its own.

/** What the form starts: k-attempt accuracy at k = 1..K (greedy), or sampled pass@1..N at a temperature and seed. */
export type EvalOptions = { datasets: string[]; limit: number | undefined } & (
  | { mode: 'k-attempt'; attempts: number }
  | { mode: 'sampled'; samples: number; temperature: number; seed: number }
);

export type EvalMode = EvalOptions['mode'];

/** The form's fields as bound (an empty number input binds to null). */
export interface EvalFormValues {
  mode: EvalMode;
  datasets: readonly string[];
  attempts: number | null | undefined;
  samples: number | null | undefined;
  temperature: number | null | undefined;
  seed: number | null | undefined;
  limit: number | null | undefined;
}

const given = (v: number | null | undefined): v is number => v !== null && v !== undefined && Number.isFinite(v);

/** Messages by field (datasets, attempts; samples, temperature, seed when sampled; limit); empty when the form can start. */
export function evalFormProblems(v: EvalFormValues, limits: { maxK: number }): Record<string, string> {
  const out: Record<string, string> = {};
  const max = limits.maxK;
  if (v.datasets.length === 0) out.datasets = 'Choose at least one dataset.';
  if (v.mode === 'k-attempt') {
    const k = v.attempts;
    if (!given(k)) out.attempts = `K is required: a whole number from 1 to ${max}.`;
    else if (!Number.isInteger(k) || k < 1 || k > max) out.attempts = `K must be a whole number from 1 to ${max} (accuracy is reported for k = 1..K); got ${k}.`;
  } else {
    const n = v.samples;
    if (!given(n)) out.samples = `N is required: a whole number from 1 to ${max}.`;
    else if (!Number.isInteger(n) || n < 1 || n > max) out.samples = `N must be a whole number from 1 to ${max} (pass@k is reported for k = 1..N); got ${n}.`;
    const t = v.temperature;
    if (!given(t)) out.temperature = 'The temperature is required: a number above 0.';
    else if (!(t > 0)) out.temperature = `The temperature must be above 0 (sampling; k-attempt accuracy is the greedy one); got ${t}.`;
    const s = v.seed;
    if (!given(s)) out.seed = 'The seed is required: a whole number of 0 or more.';
    else if (!Number.isInteger(s) || s < 0) out.seed = `The seed must be a whole number of 0 or more; got ${s}.`;
  }
  const n = v.limit;
  if (n !== null && n !== undefined && (!Number.isInteger(n) || n < 1)) out.limit = `Questions per dataset must be a whole number of at least 1 (or empty for all); got ${n}.`;
  return out;
}

/** The options the form's values describe, once they have no problems. */
export function evalOptionsOf(v: EvalFormValues): EvalOptions {
  const base = { datasets: [...v.datasets], limit: v.limit ?? undefined };
  return v.mode === 'k-attempt' ? { ...base, mode: 'k-attempt', attempts: v.attempts! } : { ...base, mode: 'sampled', samples: v.samples!, temperature: v.temperature!, seed: v.seed! };
}

/** eval:start's fields for the options (the rest take the model's defaults). */
export function evalStartFields(o: EvalOptions): { datasets: string[]; limit?: number; attempts?: number; samples?: number; temperature?: number; seed?: number } {
  const base = { datasets: o.datasets, ...(o.limit ? { limit: o.limit } : {}) };
  return o.mode === 'k-attempt' ? { ...base, attempts: o.attempts } : { ...base, samples: o.samples, temperature: o.temperature, seed: o.seed };
}
