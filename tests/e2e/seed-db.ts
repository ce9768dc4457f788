// Test fixture: a studio database with finished runs written directly (no training): metrics over steps,
// eval results for k = 1..K on two datasets, a failed run. For page tests that need data without waiting.
import { openDb } from '../../backend/db/open-db.js';
import { addEvalResult, createRun, logStep } from '../../backend/db/run-store.js';
import { failRun, finishRun, markRunning } from '../../backend/jobs/run-status.js';
import { presetRunConfig } from '../../backend/rl/config.js';

export interface SeededRun {
  id: number;
  name: string;
}

/** Writes two completed training runs (baseline, multi-attempt) with `steps` steps and eval results, and one failed run. */
export function seedStudioDb(dbPath: string, steps = 40, k = 5): SeededRun[] {
  const db = openDb(dbPath);
  try {
    const out: SeededRun[] = [];
    for (const [i, preset] of (['builtin-baseline', 'builtin-multi-attempt'] as const).entries()) {
      const config = { ...presetRunConfig(preset), steps };
      const name = i === 0 ? 'seed baseline' : 'seed multi-attempt';
      const id = createRun(db, { kind: 'train', config, name, preset, tags: ['seed'] });
      markRunning(db, id, { pid: process.pid, backend: 'cpu', device: 'CPU (seeded)' });
      for (let s = 1; s <= steps; s++) {
        const p = s / steps;
        const acc = 0.2 + 0.4 * p * (i + 1) * 0.5 + 0.05 * Math.sin(s);
        logStep(db, id, s, {
          metrics: {
            reward: -0.8 + 1.2 * acc,
            accuracy: acc,
            accuracyFirstAttempt: acc * (i === 0 ? 1 : 0.8),
            attemptsUsed: i === 0 ? 1 : 2.5 - p,
            kl: 0.001 * s,
            entropy: 1.5 - 0.5 * p,
            responseLength: 20 + 5 * Math.cos(s / 3),
            tokensPerSecond: 900 + 50 * Math.sin(s / 2),
            solvedAt1: acc * 0.7,
            solvedAt2: i === 0 ? 0 : acc * 0.2,
            solvedAt3: i === 0 ? 0 : acc * 0.1,
          },
        });
      }
      for (const dataset of ['held-out', 'math500'])
        for (let kk = 1; kk <= k; kk++) {
          const base = dataset === 'held-out' ? 0.4 : 0.25;
          const gain = i === 0 ? 0.01 : 0.05;
          const n = 100;
          addEvalResult(db, id, { dataset, k: kk, n, correct: Math.round(n * Math.min(1, base + gain * (kk - 1))), decoding: 'greedy', step: steps });
        }
      finishRun(db, id, 'completed');
      out.push({ id, name });
    }
    const bad = createRun(db, { kind: 'train', config: presetRunConfig('builtin-multi-attempt'), name: 'seed failed', preset: 'builtin-multi-attempt' });
    failRun(db, bad, 'model folder /nowhere does not exist');
    out.push({ id: bad, name: 'seed failed' });
    return out;
  } finally {
    db.close();
  }
}
