// The demo job's spec and its one set of defaults: flags left out take DEMO_BUDGETS (full or quick), overrides
// replace single fields, and a bad value is refused naming its field before any work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { DomainError } from '../../../backend/domain/errors.js';
import { DEMO_BUDGETS, demoBudgetOf, parseDemoJobSpec } from '../../../backend/jobs/kinds/demo-job.js';

test('defaults, the quick budget and single-field overrides', () => {
  assert.deepEqual(parseDemoJobSpec({}), { seed: 0, quick: false, trainBase: false, protocol: 'one-episode', budget: {} });
  const s = parseDemoJobSpec({ quick: true, seed: 2, protocol: 'separate', budget: { rlSteps: 3 } });
  assert.deepEqual(demoBudgetOf(s.quick, s.budget), { ...DEMO_BUDGETS.quick, rlSteps: 3 });
  assert.deepEqual(demoBudgetOf(false), DEMO_BUDGETS.full);
});

test('bad values are refused with the field named', () => {
  const refused = (raw: unknown, field: string, message: RegExp) =>
    assert.throws(() => parseDemoJobSpec(raw), (e: unknown) => e instanceof DomainError && e.kind === 'invalid' && e.field === field && message.test(e.message));
  refused({ protocol: 'twice' }, 'protocol', /must be one-episode or separate, got 'twice'/);
  refused({ budget: { rlSteps: 0 } }, 'budget.rlSteps', /must be at least 1, got 0/);
  refused({ seed: -1 }, 'seed', /must be 0 or more/);
  refused({ budget: { attempts: 3 } }, 'budget', /attempts/);
});

test('the CLI reports a refused budget as its flag, exit 2, before any work', () => {
  const bin = path.resolve(import.meta.dirname, '../../../bin/attempt-studio.js');
  const r = spawnSync(process.execPath, [bin, 'demo', '--quick', '--rl-steps', '0', '--data-dir', '/nonexistent/never-created'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--rl-steps must be at least 1, got 0/);
});
