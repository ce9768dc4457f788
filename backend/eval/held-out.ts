// The held-out split of a training run's own task (the questions its periodic evaluation used), so that a
// later evaluation of its checkpoint measures what the run trained for, under the same dataset name.
import { parseRunConfig } from '../rl/config.js';
import { questionsFor } from '../rl/run-data.js';
import type { DatasetQuestions } from './k-attempt.js';

export const HELD_OUT = 'held-out';

/** The held-out questions of the run whose stored config is `config` (first `limit` of them). */
export async function heldOutQuestions(config: unknown, label: string, limit?: number): Promise<DatasetQuestions> {
  const { heldOut } = await questionsFor(parseRunConfig(config, label));
  return { name: HELD_OUT, questions: limit === undefined ? heldOut : heldOut.slice(0, limit) };
}
