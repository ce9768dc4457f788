// Seed groups and their aggregates (issue #19): grouping by config-minus-seed or a key; mean ± sd per step and k.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregateByK, aggregateByStep, aggregateCsv, gain1to2, groupRuns, pctStat, seedGroupKey, stat } from '../../../renderer/src/lib/groups.js';

const cfg = (seed: number, mode: string, lr = 3e-4) => ({ seed, steps: 10, task: { mode }, optimizer: { actorLr: lr }, name: `n${seed}` });

test('runs that differ only in their seed form one group; any other difference splits it', () => {
  assert.equal(seedGroupKey(cfg(1, 'multi-attempt')), seedGroupKey(cfg(2, 'multi-attempt')));
  assert.notEqual(seedGroupKey(cfg(1, 'multi-attempt')), seedGroupKey(cfg(1, 'multi-attempt', 1e-3)));
  const runs = [
    { id: 1, name: 'finding · baseline · seed 1', config: cfg(1, 'single-turn') },
    { id: 2, name: 'finding · multi-attempt · seed 1', config: cfg(1, 'multi-attempt') },
    { id: 3, name: 'finding · baseline · seed 2', config: cfg(2, 'single-turn') },
    { id: 4, name: 'x (multi-attempt, seed 2)', config: cfg(2, 'multi-attempt') },
  ];
  assert.deepEqual(groupRuns(runs, 'seed'), [
    { id: 'g1', label: 'finding · baseline', runIds: [1, 3] },
    { id: 'g2', label: 'finding · multi-attempt', runIds: [2, 4] },
  ]);
  assert.equal(groupRuns([runs[3]!], 'seed')[0]!.label, 'x (multi-attempt)', 'a cut-off parenthesis is closed');
  assert.deepEqual(groupRuns(runs, 'optimizer.actorLr'), [{ id: 'g1', label: 'optimizer.actorLr = 0.0003', runIds: [1, 2, 3, 4] }]);
  assert.deepEqual(groupRuns(runs, 'task.mode').map((g) => g.runIds), [[1, 3], [2, 4]], 'grouped by a config key');
});

test('stat: mean, sample sd, min, max, n over finite values', () => {
  assert.deepEqual(stat([1, 2, 3, null, NaN]), { mean: 2, sd: 1, min: 1, max: 3, n: 3 });
  assert.deepEqual(stat([5]), { mean: 5, sd: 0, min: 5, max: 5, n: 1 });
  assert.equal(stat([null]), null);
});

test('aggregate by step: each step over the runs that logged it', () => {
  const a = aggregateByStep([
    [{ step: 1, value: 0 }, { step: 2, value: 2 }],
    [{ step: 1, value: 2 }],
  ]);
  assert.deepEqual(a.map((r) => [r.step, r.mean, r.n]), [[1, 1, 2], [2, 2, 1]]);
  assert.ok(Math.abs(a[0]!.sd - Math.SQRT2) < 1e-12);
});

test('aggregate by k and the gain k = 1 → 2 (mean ± sd over runs, as docs/RESULTS.md)', () => {
  const curves = [[0.2, 0.4, 0.5], [0.3, 0.4]];
  const byK = aggregateByK(curves);
  assert.equal(byK.length, 3);
  assert.ok(Math.abs(byK[0]!.mean - 0.25) < 1e-12);
  assert.equal(byK[2]!.n, 1);
  const g = gain1to2(curves)!;
  assert.ok(Math.abs(g.mean - 0.15) < 1e-12 && g.n === 2);
  assert.equal(pctStat(stat([0.4, 0.42])), '41.0 ± 1.4%');
  assert.equal(pctStat(stat([0.4, 0.42]), 'minmax'), '41.0% [40.0–42.0]');
  assert.equal(pctStat(null), '–');
});

test('group CSV: header, one row per x, quoted group name', () => {
  const csv = aggregateCsv('a, "b"', 'k', [{ x: 1, mean: 0.5, sd: 0.1, min: 0.4, max: 0.6, n: 2 }]);
  assert.equal(csv, 'group,k,mean,sd,min,max,n\r\n"a, ""b""",1,0.5,0.1,0.4,0.6,2\r\n');
});

test('grouping by hand: runs with the same tags form a group, untagged runs one more', () => {
  const runs = [
    { id: 1, name: 'a', config: cfg(1, 'x'), tags: ['lr sweep', 'fast'] },
    { id: 2, name: 'b', config: cfg(2, 'y'), tags: ['fast', 'lr sweep'] },
    { id: 3, name: 'c', config: cfg(3, 'x'), tags: [] },
  ];
  assert.deepEqual(groupRuns(runs, 'tags'), [
    { id: 'g1', label: 'tags: fast, lr sweep', runIds: [1, 2] },
    { id: 'g2', label: '(no tags)', runIds: [3] },
  ]);
});
