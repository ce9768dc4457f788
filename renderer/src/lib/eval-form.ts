// The Evaluate form's checks, in plain language, as a pure function: which fields are wrong and why.

export interface EvalOptions {
  datasets: string[];
  attempts: number;
  limit: number | undefined;
}

/** K is accuracy for k = 1..K; the API accepts 1–64. */
export const MAX_EVAL_ATTEMPTS = 64;

/** Messages by field (datasets, attempts, limit); empty when the form can start. Empty inputs bind to null. */
export function evalFormProblems(v: { datasets: readonly string[]; attempts: number | null | undefined; limit: number | null | undefined }): Record<string, string> {
  const out: Record<string, string> = {};
  if (v.datasets.length === 0) out.datasets = 'Choose at least one dataset.';
  const k = v.attempts;
  if (k === null || k === undefined || !Number.isFinite(k)) out.attempts = `K is required: a whole number from 1 to ${MAX_EVAL_ATTEMPTS}.`;
  else if (!Number.isInteger(k) || k < 1 || k > MAX_EVAL_ATTEMPTS) out.attempts = `K must be a whole number from 1 to ${MAX_EVAL_ATTEMPTS} (accuracy is reported for k = 1..K); got ${k}.`;
  const n = v.limit;
  if (n !== null && n !== undefined && (!Number.isInteger(n) || n < 1)) out.limit = `Questions per dataset must be a whole number of at least 1 (or empty for all); got ${n}.`;
  return out;
}
