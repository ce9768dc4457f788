// Synchronous equivalence: cheap rules, then the CAS in this thread behind input-complexity limits
// (casRefusal). Not interruptible: use `isEquivalent` (worker pool, hard timeout) where a hang is unacceptable.
import { undecidedOracle } from './equivalence.js';
import { compareAnswers, resolveOptions, type Equivalence, type EquivalenceOptions } from './options.js';
import { casOracle } from './symbolic.js';

export function isEquivalentSync(pred: string, gold: string, opts: EquivalenceOptions = {}): Equivalence {
  const o = resolveOptions(opts);
  const d = compareAnswers(pred, gold, o, o.symbolic ? casOracle : undecidedOracle);
  return d.equal === undefined ? { equal: false, method: 'undecided', timedOut: false } : { equal: d.equal, method: d.method, timedOut: false };
}
