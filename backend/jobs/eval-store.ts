// Stores evaluation results in SQLite: one eval_results row per dataset × k (k-attempt) or per dataset × k
// (pass@k) plus mean accuracy (sampled), the eval episodes with every attempt, and retry metrics, so the UI
// can chart accuracy vs. attempts and browse what the model wrote. All of one evaluation in one transaction.
import type { Db } from '../db/open-db.js';
import { addEvalResult, logStep } from '../db/run-store.js';
import type { EpisodeRecord } from '../domain/vocabulary.js';
import { episodeOutcome } from '../rl/rewards.js';
import type { EpisodeResult } from '../rl/episode.js';
import type { KAttemptResult } from '../eval/k-attempt.js';
import type { SampledResult } from '../eval/sampled.js';

/** Which model the results belong to: a registered checkpoint, a folder, and/or a training step. */
export interface EvalTarget {
  checkpointId?: number;
  checkpointPath?: string;
  /** Training step (also the step the episodes and metrics are logged at; 0 when absent). */
  step?: number;
}

function episodeRecord(dataset: string, e: EpisodeResult, sampleIndex = 0): EpisodeRecord {
  return {
    split: 'eval',
    dataset,
    questionId: e.task.questionId,
    question: e.task.question,
    gold: e.task.gold,
    sampleIndex,
    attemptsAllowed: e.task.attemptsAllowed,
    reward: episodeOutcome(e.attempts.map((a) => a.verdict)).reward,
    attempts: e.attempts,
  };
}

export function storeKAttempt(db: Db, runId: number, r: KAttemptResult, target: EvalTarget = {}): void {
  const metric = r.protocol === 'separate' ? 'k_attempt_separate' : 'k_attempt';
  const step = target.step ?? 0;
  db.transaction(() => {
    const metrics: Record<string, number> = {};
    const episodes: EpisodeRecord[] = [];
    for (const d of r.datasets) {
      d.correctByK.forEach((correct, i) => {
        addEvalResult(db, runId, {
          ...target,
          dataset: d.dataset,
          k: i + 1,
          n: d.n,
          correct,
          decoding: 'greedy',
          metric,
          skipped: d.skipped.length,
        });
        metrics[`eval/${d.dataset}/accuracy@${i + 1}`] = d.accuracyByK[i]!;
      });
      metrics[`eval/${d.dataset}/repeat_rate`] = d.retry.repeatRate;
      metrics[`eval/${d.dataset}/switch_to_correct_rate`] = d.retry.switchToCorrectRate;
      episodes.push(...d.episodes.map((e) => episodeRecord(d.dataset, e)));
    }
    r.meanAccuracyByK.forEach((a, i) => (metrics[`eval/mean/accuracy@${i + 1}`] = a));
    logStep(db, runId, step, { metrics, episodes });
  })();
}

export function storeSampled(db: Db, runId: number, r: SampledResult, target: EvalTarget = {}): void {
  const step = target.step ?? 0;
  db.transaction(() => {
    const metrics: Record<string, number> = {};
    const episodes: EpisodeRecord[] = [];
    for (const d of r.datasets) {
      const n = d.questions * d.samplesPerQuestion;
      const base = {
        ...target,
        dataset: d.dataset,
        n,
        correct: d.correctSamples,
        decoding: r.decoding,
        skipped: d.skipped.length,
      };
      addEvalResult(db, runId, { ...base, k: 1, metric: 'mean_accuracy' });
      for (let k = 1; k <= d.samplesPerQuestion; k++) {
        addEvalResult(db, runId, { ...base, k, metric: 'pass_at_k', accuracy: d.passAtK[k]! });
        metrics[`eval/${d.dataset}/pass@${k}`] = d.passAtK[k]!;
      }
      metrics[`eval/${d.dataset}/mean_accuracy`] = d.meanAccuracy;
      for (const e of d.episodes) {
        // sampled.ts names sample s of question q `q#s`.
        const cut = e.task.questionId.lastIndexOf('#');
        const rec = episodeRecord(d.dataset, e, Number(e.task.questionId.slice(cut + 1)));
        episodes.push({ ...rec, questionId: e.task.questionId.slice(0, cut) });
      }
    }
    logStep(db, runId, step, { metrics, episodes });
  })();
}
