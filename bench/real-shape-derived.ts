// DERIVED, not measured: what a full k = 1..7 evaluation of the five benchmarks and one Qwen PPO step would take
// on this machine, computed from the rates bench/vs-torch-real.ts measured (prefill, decode at batch 8, one
// training micro-batch) and stated token counts. Pure arithmetic; every assumption is in the output.

/** Questions in the five benchmarks (aime24 30, amc23 40, math500 500, minerva_math 272, olympiadbench 675). */
const BENCHMARK_QUESTIONS = 30 + 40 + 500 + 272 + 675;
/** ASSUMED mean prompt length in tokens (system prompt + question), for every estimate below. */
const PROMPT_TOKENS = 150;
/** ASSUMED generated tokens of an attempt in the lower scenario (one attempt per episode). */
const LOWER_ATTEMPT_TOKENS = 600;

interface Rates {
  prefillTokensPerS: number;
  decodeTokensPerS: number;
  trainTokensPerS: number;
}

function ratesOf(r: unknown): Rates | null {
  const x = r as { b8?: { prefillTokensPerS?: number; decodeTokensPerS?: number }; train?: { tokensPerS?: number } } | undefined;
  if (!x?.b8?.prefillTokensPerS || !x.b8.decodeTokensPerS || !x.train?.tokensPerS) return null;
  return { prefillTokensPerS: x.b8.prefillTokensPerS, decodeTokensPerS: x.b8.decodeTokensPerS, trainTokensPerS: x.train.tokensPerS };
}

const hours = (s: number) => +(s / 3600).toFixed(1);

/** Seconds of the seed's k = 1..7 evaluation (separate runs) of all five benchmarks, given generated tokens per episode. */
export function evalSeconds(r: Rates, generatedPerEpisode: (k: number) => number): number {
  let s = 0;
  for (let k = 1; k <= 7; k++) {
    s += (BENCHMARK_QUESTIONS * PROMPT_TOKENS) / r.prefillTokensPerS;
    s += (BENCHMARK_QUESTIONS * generatedPerEpisode(k)) / r.decodeTokensPerS;
  }
  return s;
}

/** Seconds of one PPO step of the Qwen preset (1,024 episodes of `generated` tokens each). */
export function ppoStepSeconds(r: Rates, generated: number): number {
  const episodes = 1024;
  const seq = PROMPT_TOKENS + generated;
  const rollout = (episodes * PROMPT_TOKENS) / r.prefillTokensPerS + (episodes * generated) / r.decodeTokensPerS;
  const noGradForwards = (3 * episodes * seq) / r.prefillTokensPerS; // old log-probs, reference log-probs, values
  const updates = (2 * episodes * seq) / r.trainTokensPerS; // actor and critic, forward + backward
  return rollout + noGradForwards + updates;
}

/**
 * `parameters`: each model's parameter count. A model whose training micro-batch was not measured for an
 * implementation gets that implementation's training rate of another model, scaled by the parameter ratio
 * (training cost ∝ parameters × tokens), and says so.
 */
export function derivedTimes(results: Record<string, Record<string, unknown>>, parameters: Record<string, number> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {
    label: 'DERIVED from the measured rates (not measured): hours on this machine',
    assumptions: [
      `${BENCHMARK_QUESTIONS} benchmark questions; a ${PROMPT_TOKENS}-token prompt (ASSUMED mean); prefill at the measured batch-8 prefill rate`,
      'generation at the measured batch-8 decode rate, taken at the bench\'s short context (its prompt plus a few tokens): longer contexts decode slower (attention), so these are lower bounds for the stated token counts',
      `evaluation lower: every episode one ${LOWER_ATTEMPT_TOKENS}-token attempt (ASSUMED); upper: every episode spends its whole budget, 4,096 − ${PROMPT_TOKENS} prompt − 30 tokens per feedback turn (the seed's 8,000 cut to Qwen2.5-Math-1.5B's context)`,
      `PPO step: 1,024 episodes of ${LOWER_ATTEMPT_TOKENS} (lower) or 3,000 (upper, the preset's budget) generated tokens; 3 no-grad forwards (old and reference log-probs, values) at the prefill rate; actor and critic forward+backward at the measured 1 × 1,024 training rate; the Adam steps (8 per model) are not counted`,
    ],
  };
  for (const [model, row] of Object.entries(results)) {
    const perImpl: Record<string, unknown> = {};
    for (const [impl, r] of Object.entries(row)) {
      let rates = ratesOf(r);
      let scaledFrom: string | undefined;
      const x = r as { b8?: { prefillTokensPerS?: number; decodeTokensPerS?: number } } | undefined;
      if (!rates && x?.b8?.prefillTokensPerS && x.b8.decodeTokensPerS && parameters[model]) {
        for (const [other, otherRow] of Object.entries(results)) {
          const o = ratesOf(otherRow[impl]);
          if (other === model || !o || !parameters[other]) continue;
          rates = { prefillTokensPerS: x.b8.prefillTokensPerS, decodeTokensPerS: x.b8.decodeTokensPerS, trainTokensPerS: (o.trainTokensPerS * parameters[other]!) / parameters[model]! };
          scaledFrom = other;
          break;
        }
      }
      if (!rates && x?.b8?.prefillTokensPerS && x.b8.decodeTokensPerS) {
        // No training rate for this implementation at all: the evaluation needs none; the PPO step is not derived.
        const evalRates = { prefillTokensPerS: x.b8.prefillTokensPerS, decodeTokensPerS: x.b8.decodeTokensPerS, trainTokensPerS: NaN };
        perImpl[impl] = {
          trainRate: 'none measured for this implementation (its training micro-batch did not run or did not fit): no PPO-step figure',
          evalK1to7Hours: { lower: hours(evalSeconds(evalRates, () => LOWER_ATTEMPT_TOKENS)), upper: hours(evalSeconds(evalRates, (k) => 4096 - PROMPT_TOKENS - 30 * (k - 1))) },
        };
        continue;
      }
      if (!rates) continue;
      perImpl[impl] = {
        ...(scaledFrom ? { trainRate: `ESTIMATED: ${scaledFrom}'s measured training rate × its parameters / this model's (not measured for this model)` } : {}),
        ...((r as { trainFrom?: string }).trainFrom ? { trainRate: `measured in ${(r as { trainFrom: string }).trainFrom}` } : {}),
        evalK1to7Hours: { lower: hours(evalSeconds(rates, () => LOWER_ATTEMPT_TOKENS)), upper: hours(evalSeconds(rates, (k) => 4096 - PROMPT_TOKENS - 30 * (k - 1))) },
        ppoStepHours: { lower: hours(ppoStepSeconds(rates, LOWER_ATTEMPT_TOKENS)), upper: hours(ppoStepSeconds(rates, 3000)) },
      };
    }
    out[model] = perImpl;
  }
  return out;
}
