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
  splitFraction,
  SPLITS,
  type Split,
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

test('splitSpaceSize: about 80% / 10% / 10% of the chosen families and levels', () => {
  assert.equal(splitSpaceSize('train', ['add', 'root'], [2]), Math.floor((8100 + 90 * 89) * 0.8));
  assert.equal(splitSpaceSize('validation', ['add', 'root'], [2]), Math.floor((8100 + 90 * 89) * 0.1));
  assert.equal(splitSpaceSize('test', ['add'], [1]), 10);
  // Half the train split can always be drawn.
  const n = Math.floor(splitSpaceSize('train', ['add', 'root'], [2]) / 2);
  assert.equal(generateSynthetic({ seed: 1, count: n, split: 'train', families: ['add', 'root'], levels: [2] }).length, n);
});

test('train, validation and test are disjoint by construction, each holds about its fraction of the space', () => {
  const train = generateSynthetic({ seed: 3, count: 5000, split: 'train' });
  const validation = generateSynthetic({ seed: 3, count: 1000, split: 'validation' });
  const test_ = generateSynthetic({ seed: 3, count: 1000, split: 'test' });
  const trainIds = new Set(train.map((p) => p.id));
  const validationIds = new Set(validation.map((p) => p.id));
  assert.ok(test_.every((p) => !trainIds.has(p.id) && !validationIds.has(p.id)));
  assert.ok(validation.every((p) => !trainIds.has(p.id)));
  assert.ok(test_.every((p) => splitOf(p.id) === 'test') && train.every((p) => splitOf(p.id) === 'train'));
  assert.ok(validation.every((p) => splitOf(p.id) === 'validation' && p.split === 'validation'));
  const counts = { train: 0, validation: 0, test: 0 };
  for (let a = 100; a < 200; a++) for (let b = 100; b < 200; b++) counts[splitOf(`add:${a}+${b}`)]++;
  assert.ok(counts.test > 800 && counts.test < 1200, `${counts.test} of 10000 in test`);
  assert.ok(counts.validation > 800 && counts.validation < 1200, `${counts.validation} of 10000 in validation`);
});

test('the three splits are pairwise disjoint for every family and level (up to 400 drawn from each)', () => {
  for (const family of FAMILIES) {
    DEFAULT_LEVELS[family].forEach((spec, i) => {
      const level = i + 1;
      const size = problemSpaceSize(family, spec);
      // Draw up to a fifth of each split's expected share (deterministic: the same draw every run).
      const drawn = Object.fromEntries(
        SPLITS.map((split) => {
          const count = Math.min(400, Math.floor((size * splitFraction(split)) / 5));
          const ps = count > 0 ? generateSynthetic({ seed: 11, count, split, families: [family], levels: [level] }) : [];
          for (const p of ps) assert.equal(splitOf(p.id), split, `${p.id} drawn into ${split}`);
          return [split, new Set(ps.map((p) => p.id))];
        }),
      ) as Record<Split, Set<string>>;
      for (const [a, b] of [['train', 'validation'], ['train', 'test'], ['validation', 'test']] as const) {
        const shared = [...drawn[a]].filter((id) => drawn[b].has(id));
        assert.deepEqual(shared, [], `${family} level ${level}: ${a} ∩ ${b}`);
      }
      assert.ok(drawn.validation.size > 0 || size * 0.1 < 3, `${family} level ${level}: validation drawn`);
    });
  }
});

test('the validation split is chosen by the hash, leaves the test split as it was, and checks its fractions', () => {
  // The test split of a given seed is the same with or without a validation share: it never moved.
  const withVal = generateSynthetic({ seed: 4, count: 200, split: 'test', families: ['add'], levels: [3] });
  const without = generateSynthetic({ seed: 4, count: 200, split: 'test', families: ['add'], levels: [3], validationFraction: 0 });
  assert.deepEqual(withVal, without);
  assert.throws(() => generateSynthetic({ seed: 0, count: 5, split: 'validation', testFraction: 0.5, validationFraction: 0.5 }), /must be in \[0, 1\)/);
  assert.throws(() => generateSynthetic({ seed: 0, count: 5, split: 'dev' as Split }), /unknown synthetic split 'dev' \(known: train, validation, test\)/);
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
