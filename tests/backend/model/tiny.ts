// Tiny model configs shared by the model tests (fast on the tfjs cpu backend).
import { parseModelConfig, type ModelConfig } from '../../../backend/model/core/config.js';

export function tinyConfig(over: Partial<ModelConfig> = {}): ModelConfig {
  return parseModelConfig({
    vocabSize: 23,
    hiddenSize: 16,
    numLayers: 2,
    numHeads: 4,
    numKvHeads: 2,
    intermediateSize: 24,
    rmsNormEps: 1e-6,
    ropeTheta: 10000,
    qkvBias: true,
    tieEmbeddings: false,
    maxPositions: 64,
    initStd: 0.3,
    ...over,
  });
}
