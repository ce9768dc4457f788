// The built-in base model's pre-training as a run phase: steps done, an ETA from the rate so far (reported at
// most every `intervalMs`), and a log line at every tenth of the way, so a first run never waits in silence.
import type { RunPhase } from '../domain/run-events.js';
import type { PretrainProgress } from './base-model.js';
import { formatDuration } from '../domain/durations.js';

export const PRETRAIN_LABEL = 'pre-training the built-in base model (once; cached for later runs)';

/** Seconds left at the rate so far (null before the first step). */
export function pretrainEta(p: Pick<PretrainProgress, 'step' | 'steps' | 'elapsedSeconds'>): number | null {
  return p.step > 0 ? (p.elapsedSeconds / p.step) * (p.steps - p.step) : null;
}

/** A progress callback for ensureBaseModel that reports the phase and logs each tenth. */
export function pretrainReporter(report: (p: RunPhase) => void, log: (line: string) => void, intervalMs = 500, now: () => number = Date.now): (p: PretrainProgress) => void {
  let lastReport = -Infinity;
  let lastTenth = 0;
  return (p) => {
    const eta = pretrainEta(p);
    const t = now();
    if (t - lastReport >= intervalMs || p.step === p.steps) {
      lastReport = t;
      report({ name: 'pretraining', label: PRETRAIN_LABEL, done: p.step, total: p.steps, etaSeconds: eta });
    }
    const tenth = Math.floor((p.step * 10) / p.steps);
    if (tenth > lastTenth) {
      lastTenth = tenth;
      log(`pre-training the base model: ${p.step} / ${p.steps} steps (${tenth * 10}%), loss ${p.loss.toFixed(3)}${eta !== null && p.step < p.steps ? `, about ${formatDuration(eta)} left` : ''}`);
    }
  };
}
