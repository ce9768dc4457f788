// Progress maths for the runs table: steps per second from recent step timestamps, and the ETA it implies.

export interface StepSample {
  step: number;
  /** Milliseconds since the epoch. */
  time: number;
}

/**
 * Seconds left until `totalSteps`, from the rate over the samples (last `window` of them), or null when it
 * cannot be known yet (fewer than two distinct steps, no total, or time not advancing).
 */
export function etaSeconds(samples: readonly StepSample[], totalSteps: number | null, window = 20): number | null {
  if (totalSteps === null || samples.length < 2) return null;
  const recent = samples.slice(-window);
  const a = recent[0]!;
  const b = recent.at(-1)!;
  const steps = b.step - a.step;
  const ms = b.time - a.time;
  if (steps <= 0 || ms <= 0) return null;
  const left = Math.max(0, totalSteps - b.step);
  return (left * ms) / steps / 1000;
}

/** "45 s", "3 min 20 s", "2 h 5 min". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ''}`;
}

/** Fraction 0..1 of the run done (null without a known total). */
export function progressFraction(stepsDone: number, totalSteps: number | null): number | null {
  if (totalSteps === null || totalSteps <= 0) return null;
  return Math.min(1, Math.max(0, stepsDone / totalSteps));
}
