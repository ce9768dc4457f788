// The model shapes `bench:vs-torch` and `bench/kernel-profile.ts` measure: a ModelConfig for the project's
// Transformer plus the train batch and the generation workload; bench/peers/gpt_torch.py builds the same model.
import { BUILTIN_MODEL_CONFIG, parseModelConfig, type ModelConfig } from '../backend/model/core/config.js';

export interface BenchShape {
  name: string;
  config: ModelConfig;
  /** Train step on ids [batch, seq] (next-token loss on seq − 1 positions). */
  batch: number;
  seq: number;
  /** Greedy generation: genBatch rows, genPrompt-token prompts, genNew new tokens (KV cache). */
  genBatch: number;
  genPrompt: number;
  genNew: number;
}

export const SHAPES: BenchShape[] = [
  // The built-in model (114-char vocab, d 128, 4 layers, 4/2 heads, SwiGLU 384, tied embeddings).
  { name: 'builtin', config: BUILTIN_MODEL_CONFIG, batch: 16, seq: 128, genBatch: 64, genPrompt: 16, genNew: 64 },
  // The reference shape: d 128, 4 layers, seq 64, batch 32 (4 MHA heads, SwiGLU 512, vocab 256).
  {
    name: 'd128-l4-s64-b32',
    config: parseModelConfig({ ...BUILTIN_MODEL_CONFIG, vocabSize: 256, numKvHeads: 4, intermediateSize: 512 }),
    batch: 32,
    seq: 64,
    genBatch: 64,
    genPrompt: 16,
    genNew: 64,
  },
];

/** What the PyTorch peer needs to build the same model and workload. */
export function peerShape(s: BenchShape): Record<string, unknown> {
  const c = s.config;
  return {
    name: s.name,
    vocab: c.vocabSize,
    d: c.hiddenSize,
    layers: c.numLayers,
    heads: c.numHeads,
    kvHeads: c.numKvHeads,
    ffn: c.intermediateSize,
    eps: c.rmsNormEps,
    theta: c.ropeTheta,
    tied: c.tieEmbeddings,
    qkvBias: c.qkvBias,
    maxPositions: c.maxPositions,
    batch: s.batch,
    seq: s.seq,
    genBatch: s.genBatch,
    genPrompt: s.genPrompt,
    genNew: s.genNew,
  };
}
