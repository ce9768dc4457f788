// A large, realistic attempts database for the explorer benchmark: training runs whose episodes have 1–5
// attempts with boxed answers, verdicts, repeats and later solves in plausible shares, written through logStep.
import { createRun, logStep } from '../backend/db/run-store.js';
import type { EpisodeRecord, Verdict } from '../backend/domain/vocabulary.js';
import type { Db } from '../backend/db/open-db.js';
import { rng32 } from '../backend/data/synthetic.js';

/** The seeded PRNG of the synthetic task (mulberry32), so runs are the same every time. */
const rng = rng32;

const DATASETS = ['synthetic', 'math_train', 'gsm_like', 'aime24'];

export interface FixtureOptions {
  /** Total attempts to write (over all runs). */
  attempts: number;
  runs?: number;
  episodesPerStep?: number;
  seed?: number;
}

/** Fills db (migrated) with `runs` training runs; returns their ids and the counts written. */
export function fillExplorerFixture(db: Db, o: FixtureOptions): { runIds: number[]; episodes: number; attempts: number } {
  const random = rng(o.seed ?? 1);
  const runs = o.runs ?? 2;
  const perStep = o.episodesPerStep ?? 64;
  const runIds: number[] = [];
  let episodes = 0;
  let attempts = 0;
  for (let r = 0; r < runs; r++) {
    const runId = createRun(db, { kind: 'train', config: { steps: 0 }, name: `fixture ${r + 1}` });
    runIds.push(runId);
    const target = Math.round(((r + 1) * o.attempts) / runs);
    for (let step = 1; attempts < target; step++) {
      const batch: EpisodeRecord[] = [];
      for (let i = 0; i < perStep && attempts < target; i++) {
        const a = 12 + Math.floor(random() * 80);
        const b = 3 + Math.floor(random() * 40);
        const gold = String(a + b);
        const allowed = 1 + Math.floor(random() * 5);
        const pSolve = Math.min(0.7, 0.2 + step / 8000);
        const list: EpisodeRecord['attempts'] = [];
        let wrongAnswer: string | null = null;
        for (let k = 0; k < allowed && attempts < target; k++) {
          const u = random();
          let verdict: Verdict;
          let extracted: string | null;
          if (u < pSolve) [verdict, extracted] = ['correct', gold];
          else if (u < pSolve + 0.05) [verdict, extracted] = ['no_box', null];
          else if (wrongAnswer !== null && random() < 0.4) [verdict, extracted] = ['wrong', wrongAnswer];
          else [verdict, extracted] = ['wrong', String(a + b + 1 + Math.floor(random() * 9))];
          if (verdict === 'wrong') wrongAnswer = extracted;
          const response = `${a} + ${b}: ${a} plus ${b} makes ${extracted ?? 'something'}, so the answer is ${extracted === null ? 'unclear' : `\\boxed{${extracted}}`}.`;
          list.push({ response, extracted, verdict, tokens: response.length });
          attempts++;
          if (verdict === 'correct') break;
        }
        const solved = list.some((x) => x.verdict === 'correct');
        batch.push({
          split: random() < 0.9 ? 'train' : 'eval',
          dataset: DATASETS[Math.floor(random() ** 2 * DATASETS.length)]!,
          questionId: `q${Math.floor(random() * 8000)}`,
          question: `What is ${a} + ${b}?`,
          gold,
          attemptsAllowed: allowed,
          reward: solved ? 1 : list.some((x) => x.verdict === 'wrong') ? -0.5 : -1,
          attempts: list,
        });
      }
      logStep(db, runId, step, { metrics: { reward: Math.min(1, -0.5 + step / 2000) }, episodes: batch });
      episodes += batch.length;
    }
  }
  return { runIds, episodes, attempts };
}
