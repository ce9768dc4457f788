// Synchronous equivalence: cheap rules, then the CAS in this thread behind input-complexity limits
// (casRefusal) and at most MAX_CAS_CALLS CAS calls per comparison. Not interruptible: use `isEquivalent`
// (worker pool, hard timeout) where a hang is unacceptable.
import { undecidedOracle, type CasOracle } from './equivalence.js';
import { compareAnswers, resolveOptions, type Equivalence, type EquivalenceOptions } from './options.js';
import { casOracle } from './symbolic.js';

/** CAS calls one comparison may make (elements of a structure each need one); beyond: `too_complex`. */
export const MAX_CAS_CALLS = 24;

export function isEquivalentSync(pred: string, gold: string, opts: EquivalenceOptions = {}): Equivalence {
  const o = resolveOptions(opts);
  let calls = 0;
  const bounded: CasOracle = (p, g, kind) =>
    ++calls > MAX_CAS_CALLS ? { equal: false, method: 'too_complex' } : casOracle(p, g, kind);
  const d = compareAnswers(pred, gold, o, o.symbolic ? bounded : undecidedOracle);
  return d.equal === undefined
    ? { equal: false, method: 'undecided', timedOut: false }
    : { equal: d.equal, method: d.method, timedOut: false };
}
