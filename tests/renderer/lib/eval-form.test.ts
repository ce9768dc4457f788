// The Evaluate form's checks: every way K, the sampled N / temperature / seed and the question limit can be wrong
// gets a plain message (issue #24), bounded by the model's evaluation defaults (maxK from eval:defaults); the
// options become eval:start's fields for the chosen mode only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evalFormProblems, evalOptionsOf, evalStartFields, type EvalFormValues } from '../../../renderer/src/lib/eval-form.js';

const L = { maxK: 64 };
const k = (o: Partial<EvalFormValues> = {}): EvalFormValues => ({ mode: 'k-attempt', datasets: ['held-out'], attempts: 5, samples: 5, temperature: 1, seed: 0, limit: null, ...o });
const s = (o: Partial<EvalFormValues> = {}) => k({ mode: 'sampled', ...o });

test('evaluate form: K from 1 to maxK, a limit of at least 1 or empty, at least one dataset', () => {
  assert.deepEqual(evalFormProblems(k(), L), {});
  assert.deepEqual(evalFormProblems(k({ attempts: 64, limit: 1 }), L), {});
  assert.match(evalFormProblems(k({ attempts: 0 }), L).attempts!, /from 1 to 64.*got 0/);
  assert.match(evalFormProblems(k({ attempts: 1000 }), L).attempts!, /got 1000/);
  assert.match(evalFormProblems(k({ attempts: 9 }), { maxK: 8 }).attempts!, /from 1 to 8.*got 9/, 'the bound is the one given');
  assert.match(evalFormProblems(k({ attempts: 2.5 }), L).attempts!, /whole number/);
  assert.match(evalFormProblems(k({ attempts: null }), L).attempts!, /required/);
  assert.match(evalFormProblems(k({ attempts: 2, limit: -5 }), L).limit!, /at least 1.*got -5/);
  assert.match(evalFormProblems(k({ datasets: [] }), L).datasets!, /at least one dataset/);
  // The sampled fields are not checked for k-attempt accuracy.
  assert.deepEqual(evalFormProblems(k({ samples: null, temperature: 0, seed: -1 }), L), {});
});

test('evaluate form: sampled N from 1 to maxK, temperature above 0, a whole seed of 0 or more', () => {
  assert.deepEqual(evalFormProblems(s({ samples: 64, temperature: 0.7, seed: 4 }), L), {});
  assert.deepEqual(evalFormProblems(s({ attempts: null }), L), {}, 'K is not checked when sampling');
  assert.match(evalFormProblems(s({ samples: 65 }), L).samples!, /from 1 to 64.*got 65/);
  assert.match(evalFormProblems(s({ samples: null }), L).samples!, /N is required/);
  assert.match(evalFormProblems(s({ temperature: 0 }), L).temperature!, /above 0.*got 0/);
  assert.match(evalFormProblems(s({ temperature: null }), L).temperature!, /required/);
  assert.match(evalFormProblems(s({ seed: 1.5 }), L).seed!, /whole number of 0 or more; got 1\.5/);
  assert.match(evalFormProblems(s({ seed: null }), L).seed!, /required/);
});

test('evaluate form: eval:start gets the chosen mode\'s fields only', () => {
  assert.deepEqual(evalStartFields(evalOptionsOf(k({ attempts: 3, limit: 2 }))), { datasets: ['held-out'], limit: 2, attempts: 3 });
  assert.deepEqual(evalStartFields(evalOptionsOf(s({ samples: 3, temperature: 0.7, seed: 4 }))), { datasets: ['held-out'], samples: 3, temperature: 0.7, seed: 4 });
});
