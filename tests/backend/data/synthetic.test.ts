// The synthetic curriculum: deterministic, exact answers, disjoint splits, levels and families configurable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_LEVELS,
  FAMILIES,
  generateSynthetic,
  loadDataset,
  problemSpaceSize,
  splitSpaceSize,
  splitOf,
} from '../../../backend/data/index.js';

/** Evaluates `a+b*c`-style integer expressions independently of the generator (shunting by recursion). */
function evaluate(expr: string): number {
  let i = 0;
  const num = (): number => {
    if (expr[i] === '(') {
      i++;
      const v = sum();
      i++;
      return v;
    }
    const m = /^\d+/.exec(expr.slice(i))!;
    i += m[0].length;
    return Number(m[0]);
  };
  const prod = (): number => {
    let v = num();
    while (expr[i] === '*') {
      i++;
      v *= num();
    }
    return v;
  };
  const sum = (): number => {
    let v = prod();
    while (expr[i] === '+' || expr[i] === '-') {
      const op = expr[i++];
      v = op === '+' ? v + prod() : v - prod();
    }
    return v;
  };
  return sum();
}

test('deterministic in the seed, different across seeds', () => {
  const a = generateSynthetic({ seed: 7, count: 300, split: 'train' });
  const b = generateSynthetic({ seed: 7, count: 300, split: 'train' });
  const c = generateSynthetic({ seed: 8, count: 300, split: 'train' });
  assert.deepEqual(a, b);
  assert.notDeepEqual(
    a.map((p) => p.id),
    c.map((p) => p.id),
  );
});

test('answers are exact and the records carry family, level and split', () => {
  const probs = generateSynthetic({ seed: 1, count: 2000, split: 'train' });
  for (const p of probs) {
    assert.equal(p.question, p.id.slice(p.family.length + 1) + '=');
    if (p.family === 'root') {
      const [, a, b] = /^\(x-(\d+)\)\(x-(\d+)\)=0,x=$/.exec(p.question)!;
      assert.notEqual(a, b, p.question);
      assert.ok(p.answer === a || p.answer === b, p.question);
      continue;
    }
    assert.equal(p.answer, String(evaluate(p.question.slice(0, -1))), p.question);
    assert.ok(FAMILIES.includes(p.family));
    assert.ok(p.level >= 1 && p.level <= DEFAULT_LEVELS[p.family].length);
    assert.equal(p.split, 'train');
    assert.ok(p.question.length <= 16, p.question);
  }
  assert.equal(new Set(probs.map((p) => p.id)).size, probs.length);
  assert.deepEqual(new Set(probs.map((p) => p.family)), new Set(FAMILIES));
});

test('root: the gold is either root, a fixed function of the question, and each root is gold about half the time', () => {
  const probs = generateSynthetic({ seed: 5, count: 2000, split: 'train', families: ['root'], levels: [2] });
  let firstIsGold = 0;
  for (const p of probs) {
    const [, a] = /^\(x-(\d+)\)\(x-(\d+)\)=0,x=$/.exec(p.question)!;
    if (p.answer === a) firstIsGold++;
  }
  assert.ok(firstIsGold > 900 && firstIsGold < 1100, `first root is gold in ${firstIsGold} of 2000`);
  const again = generateSynthetic({ seed: 6, count: 3000, split: 'train', families: ['root'], levels: [2] });
  const goldOf = new Map(probs.map((p) => [p.question, p.answer]));
  for (const p of again) if (goldOf.has(p.question)) assert.equal(p.answer, goldOf.get(p.question));
  assert.equal(problemSpaceSize('root', [2]), 90 * 89);
});

test('splitSpaceSize: about 90% / 10% of the chosen families and levels', () => {
  assert.equal(splitSpaceSize('train', ['add', 'root'], [2]), Math.floor((8100 + 90 * 89) * 0.9));
  assert.equal(splitSpaceSize('test', ['add'], [1]), 10);
  // Half the train split can always be drawn.
  const n = Math.floor(splitSpaceSize('train', ['add', 'root'], [2]) / 2);
  assert.equal(generateSynthetic({ seed: 1, count: n, split: 'train', families: ['add', 'root'], levels: [2] }).length, n);
});

test('train and test are disjoint by construction, test holds about testFraction of the space', () => {
  const train = generateSynthetic({ seed: 3, count: 5000, split: 'train' });
  const test_ = generateSynthetic({ seed: 3, count: 1000, split: 'test' });
  const trainIds = new Set(train.map((p) => p.id));
  assert.ok(test_.every((p) => !trainIds.has(p.id)));
  assert.ok(test_.every((p) => splitOf(p.id) === 'test') && train.every((p) => splitOf(p.id) === 'train'));
  let inTest = 0;
  for (let a = 100; a < 200; a++)
    for (let b = 100; b < 200; b++) if (splitOf(`add:${a}+${b}`) === 'test') inTest++;
  assert.ok(inTest > 800 && inTest < 1200, `${inTest} of 10000 in test`);
});

test('carry family: every column carries; sub without sign stays non-negative', () => {
  for (const p of generateSynthetic({ seed: 2, count: 300, split: 'train', families: ['carry'] })) {
    assert.equal(p.meta?.carries, p.level + 1);
  }
  for (const p of generateSynthetic({
    seed: 2,
    count: 300,
    split: 'train',
    families: ['sub'],
    levels: [1, 2, 3],
  })) {
    assert.ok(Number(p.answer) >= 0, p.question);
  }
});

test('levels, digits and template are configurable; a too-small space is an error', () => {
  const easy = generateSynthetic({
    seed: 0,
    count: 50,
    split: 'train',
    families: ['mul'],
    digits: { mul: [[1, 1]] },
    template: 'Q:{expr}',
  });
  assert.ok(easy.every((p) => /^Q:\d\*\d$/.test(p.question)));
  assert.throws(
    () => generateSynthetic({ seed: 0, count: 200, split: 'test', families: ['add'], levels: [1] }),
    /only \d+ distinct test problems/,
  );
  assert.throws(
    () => generateSynthetic({ seed: 0, count: 1, split: 'train', families: ['pow' as 'add'] }),
    /unknown synthetic family 'pow'/,
  );
});

test('the problem space is far larger than a training run at the upper levels', () => {
  assert.equal(problemSpaceSize('add', [1, 1]), 100);
  assert.equal(problemSpaceSize('add', [3, 3]), 810_000);
  assert.ok(problemSpaceSize('mixed', DEFAULT_LEVELS.mixed[4]!) > 1e7);
  assert.equal(problemSpaceSize('carry', [2]), 45 ** 2);
});

test('the registry serves the synthetic set by name', async () => {
  const d = await loadDataset('synthetic', { split: 'test', count: 100, seed: 5 });
  assert.equal(d.records.length, 100);
  assert.ok(d.records.every((r) => r.source === 'synthetic'));
});
