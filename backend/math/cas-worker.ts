// Worker-thread body of the CAS pool: answers {id, pred, gold, opts} with the synchronous comparison.
import { parentPort } from 'node:worker_threads';
import { isEquivalentSync } from './equivalent-sync.js';
import type { EquivalenceOptions } from './options.js';

export interface CasRequest {
  id: number;
  pred: string;
  gold: string;
  opts: EquivalenceOptions;
}

const port = parentPort;
if (!port) throw new Error('cas-worker.ts must run in a worker thread');
// Warm the engine up before reporting ready (its first call costs ~0.5 s), so budgets measure real work.
isEquivalentSync('x^2+2x+1', '(x+1)^2');
isEquivalentSync('\\frac{\\sqrt{3}}{2}', '\\sin(\\pi/3)');
port.on('message', (m: CasRequest) => {
  const result = isEquivalentSync(m.pred, m.gold, { ...m.opts, symbolic: true });
  port.postMessage({ type: 'result', id: m.id, result });
});
port.postMessage({ type: 'ready' });
