// The experiment form's pure model: sections from the schema, dotted-path get/set, typed parsing of inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeRunConfigFields } from '../../../backend/rl/config.js';
import { baselineOf, configInput, formatValue, formSections, getPath, parseValue, plainProblem, setPath } from '../../../renderer/src/lib/config-form.js';

const fields = describeRunConfigFields();
const f = (p: string) => fields.find((x) => x.path === p)!;

test('sections: General holds the top-level scalars, then one per schema section; hidden paths are left out', () => {
  const s = formSections(fields, ['model.source', 'name', 'preset']);
  assert.equal(s[0]!.title, 'General');
  assert.ok(s[0]!.fields.some((x) => x.path === 'steps'));
  assert.ok(!s[0]!.fields.some((x) => x.path === 'name' || x.path === 'preset'));
  const task = s.find((x) => x.key === 'task')!;
  assert.ok(task.fields.some((x) => x.path === 'task.rewards.correct'), 'nested leaves stay in their top section');
  assert.ok(!s.find((x) => x.key === 'model')!.fields.some((x) => x.path === 'model.source'));
  assert.ok(s.every((x) => x.fields.every((y) => y.type !== 'object')));
});

test('get/set by dotted path without mutating; undefined deletes', () => {
  const a = { task: { mode: 'x' }, steps: 1 };
  const b = setPath(a, 'task.rewards.correct', 2);
  assert.deepEqual(b, { task: { mode: 'x', rewards: { correct: 2 } }, steps: 1 });
  assert.deepEqual(a, { task: { mode: 'x' }, steps: 1 });
  assert.equal(getPath(b, 'task.rewards.correct'), 2);
  assert.equal(getPath(b, 'task.nope.deeper'), undefined);
  assert.deepEqual(setPath(b, 'steps', undefined), { task: { mode: 'x', rewards: { correct: 2 } } });
});

test('inputs parse by kind with messages', () => {
  assert.deepEqual(parseValue(f('steps'), ' 12 '), { value: 12 });
  assert.deepEqual(parseValue(f('steps'), '1.5'), { error: 'must be a whole number, got 1.5' });
  assert.deepEqual(parseValue(f('steps'), 'ten'), { error: 'not a number: ten' });
  assert.deepEqual(parseValue(f('steps'), ''), { error: 'required' });
  assert.deepEqual(parseValue(f('eval.maxQuestions'), ''), { value: undefined }, 'optional: empty is unset');
  assert.deepEqual(parseValue(f('optimizer.actorLr'), '3e-5'), { value: 3e-5 });
  assert.deepEqual(parseValue(f('task.mode'), 'single-turn'), { value: 'single-turn' });
  assert.match((parseValue(f('task.mode'), 'both') as { error: string }).error, /one of multi-attempt, single-turn/);
  assert.deepEqual(parseValue(f('algorithm.whitenAdvantages'), 'false'), { value: false });
  assert.deepEqual(parseValue(f('dataset.synthetic.levels'), '2, 3'), { value: [2, 3] });
  assert.deepEqual(parseValue(f('dataset.synthetic.levels'), '2, x'), { error: 'not a whole number: x' });
  assert.deepEqual(parseValue(f('dataset.synthetic.families'), 'add'), { value: ['add'] });
  assert.match((parseValue(f('dataset.synthetic.families'), 'add, poetry') as { error: string }).error, /unknown value poetry/);
  assert.deepEqual(parseValue(f('eval.datasets'), 'held-out, math500'), { value: ['held-out', 'math500'] });
  assert.equal(formatValue(f('eval.datasets'), ['a', 'b']), 'a, b');
  assert.equal(formatValue(f('eval.maxQuestions'), undefined), '');
});

test('launch input names the preset; the baseline twin is single-turn with one attempt', () => {
  assert.deepEqual(configInput('p', { steps: 3 }), { steps: 3, preset: 'p' });
  assert.deepEqual(configInput(null, { steps: 3 }), { steps: 3 });
  assert.deepEqual(baselineOf({ task: { mode: 'multi-attempt', minAttempts: 1, maxAttempts: 5, attemptDiscount: 1 }, steps: 3 }), {
    task: { mode: 'single-turn', minAttempts: 1, maxAttempts: 1, attemptDiscount: 1 },
    steps: 3,
  });
});

test('plain-language limits: local bounds from the schema, schema messages rewritten (issue #24)', () => {
  assert.deepEqual(parseValue(f('steps'), '-1'), { error: 'must be at least 1, got -1' });
  assert.deepEqual(parseValue(f('steps'), '99999999999999999999'), { error: 'too large a number: 99999999999999999999' });
  assert.deepEqual(parseValue(f('steps'), '3'), { value: 3 });
  assert.equal(plainProblem('Too big: expected int to be <=9007199254740991'), 'too large a number');
  assert.equal(plainProblem('Too big: expected number to be <=10'), 'must be at most 10');
  assert.equal(plainProblem('Too small: expected number to be >=1'), 'must be at least 1');
  assert.equal(plainProblem('Too small: expected number to be >0'), 'must be greater than 0');
  assert.equal(plainProblem('must divide rolloutBatch'), 'must divide rolloutBatch');
});
