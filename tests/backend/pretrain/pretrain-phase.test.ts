// The base model's pre-training reported as a run phase: ETA from the rate so far, reports throttled, a log line
// at each tenth (issue #24: the first run must not wait in silence).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunPhase } from '../../../backend/api/contract.js';
import { pretrainEta, pretrainReporter } from '../../../backend/pretrain/pretrain-phase.js';

test('pre-training ETA: the time per step so far times the steps left; unknown before the first step', () => {
  assert.equal(pretrainEta({ step: 0, steps: 100, elapsedSeconds: 0 }), null);
  assert.equal(pretrainEta({ step: 25, steps: 100, elapsedSeconds: 10 }), 30);
  assert.equal(pretrainEta({ step: 100, steps: 100, elapsedSeconds: 40 }), 0);
});

test('pre-training reporter: at most one phase report per interval (and the last step), a log line per tenth', () => {
  const phases: RunPhase[] = [];
  const lines: string[] = [];
  let now = 0;
  const report = pretrainReporter((p) => phases.push(p), (l) => lines.push(l), 500, () => now);
  for (let step = 1; step <= 100; step++) {
    now = step * 100; // 0.1 s per step
    report({ step, steps: 100, loss: 1 / step, lr: 1e-3, elapsedSeconds: step * 0.1 });
  }
  assert.equal(phases.length, 21, 'every 5th step (500 ms) plus the first and the last');
  assert.ok(phases.every((p) => p.name === 'pretraining' && p.total === 100));
  assert.equal(phases.at(-1)!.done, 100);
  assert.ok(Math.abs(phases[1]!.etaSeconds! - 9.4) < 1e-9, `ETA at step 6: ${phases[1]!.etaSeconds}`);
  assert.equal(lines.length, 10);
  assert.match(lines[0]!, /^pre-training the base model: 10 \/ 100 steps \(10%\), loss 0\.100, about 00:09 left$/);
  assert.match(lines.at(-1)!, /100 \/ 100 steps \(100%\)/);
  assert.doesNotMatch(lines.at(-1)!, /left/);
});
