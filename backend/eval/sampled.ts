// Sampled evaluation: n independent single-attempt samples per question at temperature > 0, summarised as
// mean accuracy and unbiased pass@k (pass-at-k.ts). A different quantity from k-attempt accuracy: the
// samples never see feedback. The prompt is the multi-attempt one with N = 1 or the single-turn one.
import { runQuestions, type EvalModel, type GenerationOptions } from './run-questions.js';
import type { DatasetQuestions } from './k-attempt.js';
import type { EpisodeResult } from '../rl/episode.js';
import { summarizeSamples, type SampledSummary } from './pass-at-k.js';

export interface SampledOptions extends Omit<GenerationOptions, 'onProgress'> {
  /** n: samples per question. */
  samples: number;
  prompt?: 'multi-attempt' | 'single-turn';
  onProgress?: (done: number, total: number, dataset: string) => void;
}

export interface SampledDatasetResult extends SampledSummary {
  dataset: string;
  /** Ids of questions that did not fit the model's context. */
  skipped: string[];
  /** Every sample, question by question (sample s of question q at q × samples + s). */
  episodes: EpisodeResult[];
}

export interface SampledResult {
  decoding: string;
  datasets: SampledDatasetResult[];
}

/** The `decoding` label stored with sampled results. */
export const sampledDecodingLabel = (temperature: number, topP = 1) => `sampled(t=${temperature},p=${topP})`;

export async function evaluateSampled(
  m: EvalModel,
  datasets: readonly DatasetQuestions[],
  opts: SampledOptions,
): Promise<SampledResult> {
  if (!(opts.temperature > 0))
    throw new Error(`sampled evaluation needs temperature > 0, got ${opts.temperature}`);
  if (!Number.isInteger(opts.samples) || opts.samples < 1)
    throw new Error(`sampled evaluation: samples must be a positive integer, got ${opts.samples}`);
  const n = opts.samples;
  const total = datasets.reduce((s, d) => s + d.questions.length * n, 0);
  let doneBefore = 0;
  const out: SampledDatasetResult[] = [];
  for (const d of datasets) {
    const repeated = d.questions.flatMap((q) =>
      Array.from({ length: n }, (_, s) => ({ ...q, id: `${q.id}#${s}` })),
    );
    const plan =
      opts.prompt === 'single-turn'
        ? { promptAttempts: null, attempts: 1 }
        : { promptAttempts: 1, attempts: 1 };
    const r = await runQuestions(m, repeated, plan, {
      ...opts,
      onProgress: (done) => opts.onProgress?.(doneBefore + done, total, d.name),
    });
    doneBefore += repeated.length;
    // A question's samples share its prompt, so they fit or are skipped together.
    const counts = new Map<string, { n: number; correct: number }>();
    for (const e of r.episodes) {
      const qid = e.task.questionId.slice(0, e.task.questionId.lastIndexOf('#'));
      const c = counts.get(qid) ?? { n: 0, correct: 0 };
      c.n++;
      if (e.solvedAt !== null) c.correct++;
      counts.set(qid, c);
    }
    const skipped = [...new Set(r.skipped.map((id) => id.slice(0, id.lastIndexOf('#'))))];
    out.push({ dataset: d.name, skipped, episodes: r.episodes, ...summarizeSamples([...counts.values()]) });
  }
  return { decoding: sampledDecodingLabel(opts.temperature, opts.topP ?? 1), datasets: out };
}
