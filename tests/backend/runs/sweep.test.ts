// The "Reproduce the finding" sweep as configs (issue #19): baseline + multi-attempt per seed, one budget, K ≥ 5 at the end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunConfig } from '../../../backend/rl/config.js';
import { seedList, sweepRuns } from '../../../backend/runs/sweep.js';

test('a sweep: per seed the baseline and the multi-attempt run, same budget, evaluated at the end with K ≥ 5', () => {
  const runs = sweepRuns({ preset: 'builtin-multi-attempt', steps: 7, rolloutBatch: 4, miniBatch: 4 }, seedList(2), 'finding');
  assert.deepEqual(runs.map((r) => [r.name, r.arm, r.seed]), [
    ['finding · baseline · seed 1', 'baseline', 1],
    ['finding · multi-attempt · seed 1', 'multi-attempt', 1],
    ['finding · baseline · seed 2', 'baseline', 2],
    ['finding · multi-attempt · seed 2', 'multi-attempt', 2],
  ]);
  const parsed = runs.map((r) => parseRunConfig(r.config, r.name));
  assert.deepEqual(parsed.map((c) => [c.preset, c.task.mode, c.task.maxAttempts, c.seed, c.steps, c.rolloutBatch, c.eval.attempts]), [
    ['builtin-baseline', 'single-turn', 1, 1, 7, 4, 5],
    ['builtin-multi-attempt', 'multi-attempt', 5, 1, 7, 4, 5],
    ['builtin-baseline', 'single-turn', 1, 2, 7, 4, 5],
    ['builtin-multi-attempt', 'multi-attempt', 5, 2, 7, 4, 5],
  ]);
  assert.ok(runs.every((r) => r.tags.includes('sweep') && r.tags.includes('finding')));
});

test('a single-turn config still yields a multi-attempt arm; a larger K is kept', () => {
  const runs = sweepRuns({ task: { mode: 'single-turn', minAttempts: 1, maxAttempts: 1 }, eval: { attempts: 8 } }, [3], 's');
  const multi = runs.find((r) => r.arm === 'multi-attempt')!.config as { task: { mode: string; maxAttempts: number }; eval: { attempts: number } };
  assert.equal(multi.task.mode, 'multi-attempt');
  assert.equal(multi.task.maxAttempts, 5);
  assert.equal(multi.eval.attempts, 8);
});
