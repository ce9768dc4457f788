// Short versions of the issue-18 probe scenarios (bench/reliability/probe-faults.ts): every refused export
// destination refused with a 4xx and nothing written, every allowed one written; every dangerous CSV cell
// neutralised and every number unchanged; every absurd model config refused at once, naming its field; a
// stop during a rollout of a real worker lands in that phase and ends the run `stopped`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runAbsurdConfigs, runExportDestinations, runFormulaCells, runStopLatency } from '../../../bench/reliability/probe-faults.js';

test('export destinations: refused ones refused (4xx, nothing written), allowed ones written', async () => {
  const r = await runExportDestinations();
  assert.equal(r.asExpected, r.total, JSON.stringify(r.cases.filter((c) => !c.ok), null, 1));
});

test('formula cells: all dangerous text neutralised, all numbers unchanged, other text untouched', () => {
  const r = runFormulaCells({ cells: 5000, seed: 2 });
  assert.ok(r.dangerous > 1000 && r.numbers > 1000);
  assert.equal(r.neutralised, r.dangerous);
  assert.equal(r.numbersUnchanged, r.numbers);
  assert.equal(r.plainTextUnchanged, true);
});

test('absurd model configs: every one refused, naming its field, before anything large is allocated', async () => {
  const r = await runAbsurdConfigs();
  assert.equal(r.refusedNamingField, r.total, JSON.stringify(r.cases.filter((c) => !(c.refused && c.namesField)), null, 1));
  for (const c of r.cases) assert.ok(c.rssGrowthMiB < 200, `${c.field} = ${c.value}: grew ${c.rssGrowthMiB} MiB before the refusal`);
});

test('(slow) stop during a rollout of a real worker: the run ends stopped, in that phase, with its last step checkpointed', async () => {
  const r = await runStopLatency({ phases: ['rollout'], trials: 1, seed: 3 });
  const [t] = r.trials;
  assert.equal(t!.status, 'stopped', t!.note);
  assert.match(t!.hit, /^(rollout|update|between steps)$/, t!.note);
  assert.equal(t!.checkpointStep, t!.stepsDone, t!.note);
});
