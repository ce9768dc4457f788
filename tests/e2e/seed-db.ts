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

/**
 * Two seed groups (baseline and multi-attempt, `seeds` seeds each, configs differing only in the seed) with noisy
 * reward curves over `steps` steps and held-out accuracy at k = 1..5 that differs by seed: bands to look at.
 */
export function seedGroups(dbPath: string, seeds = 3, steps = 120): SeededRun[] {
  const db = openDb(dbPath);
  try {
    const out: SeededRun[] = [];
    for (const [arm, preset] of [['baseline', 'builtin-baseline'], ['multi-attempt', 'builtin-multi-attempt']] as const) {
      for (let seed = 1; seed <= seeds; seed++) {
        const name = `seeded · ${arm} · seed ${seed}`;
        const id = createRun(db, { kind: 'train', config: { ...presetRunConfig(preset), steps, seed }, name, preset, tags: ['seeded groups'] });
        markRunning(db, id, { pid: process.pid, backend: 'cpu', device: 'CPU (seeded)' });
        let r = 12345 * seed;
        const noise = () => ((r = (r * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5) * 0.5;
        const slope = arm === 'multi-attempt' ? 0.9 : 0.5;
        for (let s = 1; s <= steps; s++) logStep(db, id, s, { metrics: { reward: -0.8 + slope * (s / steps) * (0.8 + 0.1 * seed) + noise() } });
        const base = 0.3 + 0.04 * seed;
        const gain = arm === 'multi-attempt' ? 0.06 + 0.02 * seed : 0.01;
        for (let k = 1; k <= 5; k++) addEvalResult(db, id, { dataset: 'held-out', k, n: 200, correct: Math.round(200 * Math.min(1, base + gain * (k - 1))), decoding: 'greedy', step: steps });
        finishRun(db, id, 'completed');
        out.push({ id, name });
      }
    }
    return out;
  } finally {
    db.close();
  }
}
