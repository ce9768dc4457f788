// Shared by the fault scenarios: a temp folder with a tiny char-level base checkpoint and a run-config file
// that trains in about a second per step on one CPU core, and the CLI entry point they run.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Transformer } from '../../backend/model/core/transformer.js';
import { parseModelConfig } from '../../backend/model/core/config.js';
import { charTokenizer } from '../../backend/model/tokenizers/char-tokenizer.js';
import { saveModel } from '../../backend/model/formats/checkpoint.js';

export const BIN = fileURLToPath(new URL('../../bin/attempt-studio.js', import.meta.url));

export interface FaultFixture {
  dir: string;
  base: string;
  rolloutBatch: number;
  /** A run config for `steps` steps, a checkpoint every `every`. */
  config(steps: number, every: number, extra?: Record<string, unknown>): Record<string, unknown>;
  /** The same, written to a file; returns its path. */
  configFile(steps: number, every: number, extra?: Record<string, unknown>): string;
  cleanup(): void;
}

export async function faultFixture(prefix = 'as-fault-'): Promise<FaultFixture> {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const base = path.join(dir, 'base');
  const c = parseModelConfig({ vocabSize: charTokenizer.vocabSize, hiddenSize: 16, numLayers: 1, numHeads: 2, numKvHeads: 1, intermediateSize: 24, rmsNormEps: 1e-6, ropeTheta: 10000, qkvBias: false, tieEmbeddings: true, maxPositions: 160 });
  const m = Transformer.create(c, 2);
  await saveModel(base, m);
  m.dispose();
  const rolloutBatch = 4;
  let n = 0;
  const config = (steps: number, every: number, extra: Record<string, unknown> = {}) => ({
    preset: 'builtin-multi-attempt',
    model: { source: 'builtin', checkpoint: base },
    steps,
    rolloutBatch,
    miniBatch: 2,
    seed: 5,
    eval: { everySteps: 0, maxQuestions: 4 },
    checkpoint: { everySteps: every },
    generation: { maxTokensPerAttempt: 10, maxTotalTokens: 30 },
    runtime: 'cpu',
    ...extra,
  });
  return {
    dir,
    base,
    rolloutBatch,
    config,
    configFile: (steps, every, extra = {}) => {
      const f = path.join(dir, `cfg-${n++}.json`);
      writeFileSync(f, JSON.stringify(config(steps, every, extra)));
      return f;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
