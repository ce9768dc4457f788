// Learning-rate schedules as small pure functions of the step: cosine decay with linear warm-up and a floor,
// and constant (with the same warm-up).

export interface ScheduleSpec {
  kind: 'cosine' | 'constant';
  /** Peak learning rate. */
  baseLr: number;
  /** Total optimizer steps of the run (the cosine reaches its floor at the last step). */
  totalSteps: number;
  /** Share of totalSteps spent warming up linearly (reference: 0.03). */
  warmupFraction: number;
  /** Floor as a fraction of baseLr (reference: 0.1). */
  minLrRatio: number;
}

/**
 * Cosine schedule with warm-up and floor, for a 0-based step s, W = round(warmupFraction · totalSteps):
 *   s < W:  lr = baseLr · (s + 1) / W
 *   else:   lr = baseLr · (m + (1 − m) · ½ (1 + cos(π · p))),  p = (s − W) / max(1, totalSteps − 1 − W) ∈ [0, 1]
 * so the first post-warm-up step runs at baseLr and the last step at m · baseLr. Steps past the end stay at the floor.
 */
export function cosineWithWarmup(step: number, spec: Omit<ScheduleSpec, 'kind'>): number {
  const { baseLr, totalSteps, warmupFraction, minLrRatio: m } = spec;
  if (!Number.isInteger(step) || step < 0)
    throw new Error(`schedule: step must be a non-negative integer, got ${step}`);
  const warmup = Math.round(warmupFraction * totalSteps);
  if (step < warmup) return (baseLr * (step + 1)) / warmup;
  const p = Math.min(1, (step - warmup) / Math.max(1, totalSteps - 1 - warmup));
  return baseLr * (m + (1 - m) * 0.5 * (1 + Math.cos(Math.PI * p)));
}

/** The learning rate at a 0-based optimizer step under any schedule kind. */
export function learningRateAt(step: number, spec: ScheduleSpec): number {
  if (spec.kind === 'constant') {
    const warmup = Math.round(spec.warmupFraction * spec.totalSteps);
    return step < warmup ? (spec.baseLr * (step + 1)) / warmup : spec.baseLr;
  }
  return cosineWithWarmup(step, spec);
}
