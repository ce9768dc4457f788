// "Reproduce the finding" as data: the paper's comparison — the single-turn baseline and multi-attempt training
// with one budget, over N seeds, each evaluated at the end on its held-out split at k = 1..K — as the list of
// run configs to queue. Pure: the API (sweeps:start) and the CLI (`attempt-studio sweep`) both start these.

export interface SweepRun {
  /** A run config input (parsed by the caller): the multi-attempt config or its baseline twin, with the seed. */
  config: Record<string, unknown>;
  name: string;
  tags: string[];
  arm: 'baseline' | 'multi-attempt';
  seed: number;
}

/** At least this K is evaluated at the end (accuracy vs attempts needs k = 1..K). */
export const SWEEP_MIN_EVAL_ATTEMPTS = 5;

const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The runs of a sweep over `seeds`: per seed the baseline (single-turn, one attempt) and the multi-attempt run
 * (the config's own task when it is multi-attempt, else 1–5 attempts), same steps and batch, both evaluated at
 * the end with K ≥ 5. Named "<name> · <arm> · seed <s>", tagged 'sweep' and the sweep's name.
 */
export function sweepRuns(config: Record<string, unknown>, seeds: readonly number[], name: string): SweepRun[] {
  const task = isPlain(config.task) ? config.task : {};
  const evalCfg = isPlain(config.eval) ? config.eval : {};
  const K = Math.max(SWEEP_MIN_EVAL_ATTEMPTS, typeof evalCfg.attempts === 'number' ? evalCfg.attempts : 0);
  const multiTask = task.mode === 'multi-attempt' ? task : { ...task, mode: 'multi-attempt', minAttempts: 1, maxAttempts: 5 };
  const presetFor = (arm: 'baseline' | 'multi-attempt') =>
    typeof config.preset === 'string' && /(baseline|multi-attempt)$/.test(config.preset) ? config.preset.replace(/(baseline|multi-attempt)$/, arm) : config.preset;
  const out: SweepRun[] = [];
  for (const seed of seeds) {
    for (const arm of ['baseline', 'multi-attempt'] as const) {
      const t = arm === 'baseline' ? { ...task, mode: 'single-turn', minAttempts: 1, maxAttempts: 1 } : multiTask;
      const c: Record<string, unknown> = { ...config, task: t, seed, eval: { ...evalCfg, attempts: K } };
      const preset = presetFor(arm);
      if (preset === undefined) delete c.preset;
      else c.preset = preset;
      delete c.name;
      out.push({ config: c, name: `${name} · ${arm} · seed ${seed}`, tags: ['sweep', name], arm, seed });
    }
  }
  return out;
}

/** Seeds 1..n (the paper's tables use three). */
export const seedList = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
