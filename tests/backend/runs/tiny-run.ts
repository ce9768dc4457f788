// Test fixture: a temp folder with a tiny char-level base checkpoint and run configs that train in seconds.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Transformer } from '../../../backend/model/core/transformer.js';
import { parseModelConfig } from '../../../backend/model/core/config.js';
import { charTokenizer } from '../../../backend/model/tokenizers/char-tokenizer.js';
import { saveModel } from '../../../backend/model/formats/checkpoint.js';

export interface TinySetup {
  dir: string;
  dbPath: string;
  base: string;
  /** A run config input for `steps` steps with a checkpoint every `every` steps. */
  config(steps: number, every?: number): Record<string, unknown>;
  cleanup(): void;
}

export async function tinySetup(prefix = 'as-run-'): Promise<TinySetup> {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const base = path.join(dir, 'base');
  const c = parseModelConfig({ vocabSize: charTokenizer.vocabSize, hiddenSize: 16, numLayers: 1, numHeads: 2, numKvHeads: 1, intermediateSize: 24, rmsNormEps: 1e-6, ropeTheta: 10000, qkvBias: false, tieEmbeddings: true, maxPositions: 160 });
  const m = Transformer.create(c, 2);
  await saveModel(base, m);
  m.dispose();
  return {
    dir,
    dbPath: path.join(dir, 'runs.db'),
    base,
    config: (steps, every = 1) => ({
      preset: 'builtin-multi-attempt',
      model: { source: 'builtin', checkpoint: base },
      steps,
      rolloutBatch: 2,
      miniBatch: 2,
      seed: 5,
      eval: { everySteps: 0, maxQuestions: 2 },
      checkpoint: { everySteps: every },
      generation: { maxTokensPerAttempt: 6, maxTotalTokens: 12 },
      runtime: 'cpu',
    }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
