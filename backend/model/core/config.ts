// The model config (Llama/Qwen2 family and the built-in model): validation with errors naming the field,
// the built-in default, and conversion from/to Hugging Face config.json field names.
import { z } from 'zod';
import { charTokenizer } from '../tokenizers/char-tokenizer.js';
import { parseHfRope, ropeScalingSchema, toHfRopeScaling } from './rope-scaling.js';

const posInt = z.number().int().positive();

/**
 * Upper bounds no real checkpoint of this family comes near (Llama 3.1 405B: 126 layers, hidden 16,384,
 * vocab 128k, 131k positions; 1M-context Qwen2.5: 1,010,000 positions), checked before any work starts:
 * an absurd config.json would otherwise allocate tables or variables for minutes before failing. Each entry
 * names the config.json field it is read from.
 */
export const MODEL_CONFIG_BOUNDS = {
  vocabSize: { max: 2 ** 22, hf: 'vocab_size' },
  hiddenSize: { max: 65_536, hf: 'hidden_size' },
  numLayers: { max: 1024, hf: 'num_hidden_layers' },
  numHeads: { max: 1024, hf: 'num_attention_heads' },
  numKvHeads: { max: 1024, hf: 'num_key_value_heads' },
  headDim: { max: 1024, hf: 'head_dim' },
  intermediateSize: { max: 2 ** 20, hf: 'intermediate_size' },
  maxPositions: { max: 2 ** 20, hf: 'max_position_embeddings' },
} as const;
const bounded = (k: keyof typeof MODEL_CONFIG_BOUNDS) =>
  posInt.max(MODEL_CONFIG_BOUNDS[k].max, `must be at most ${MODEL_CONFIG_BOUNDS[k].max.toLocaleString('en-US')} (larger than any real model)`);

export const modelConfigSchema = z
  .object({
    vocabSize: bounded('vocabSize'),
    hiddenSize: bounded('hiddenSize'),
    numLayers: bounded('numLayers'),
    numHeads: bounded('numHeads'),
    /** Grouped-query attention: numHeads must be a multiple of numKvHeads. */
    numKvHeads: bounded('numKvHeads'),
    /** Per-head size; defaults to hiddenSize / numHeads. */
    headDim: bounded('headDim').optional(),
    /** SwiGLU inner size. */
    intermediateSize: bounded('intermediateSize'),
    rmsNormEps: z.number().positive().max(0.1),
    ropeTheta: z.number().positive(),
    /** Rotary scaling of Llama-3-style checkpoints (rope-scaling.ts); absent = none. */
    ropeScaling: ropeScalingSchema.optional(),
    /** Bias on q/k/v projections (Qwen2). */
    qkvBias: z.boolean(),
    /** lm_head shares model.embed_tokens.weight. */
    tieEmbeddings: z.boolean(),
    maxPositions: bounded('maxPositions'),
    /** A scalar value head on the last hidden state (PPO critic). */
    valueHead: z.boolean(),
    /** Std of the normal initialisation. */
    initStd: z.number().positive().max(1),
  })
  .strict();

export type ModelConfig = z.infer<typeof modelConfigSchema>;

export const MODEL_CONFIG_DEFAULTS = { valueHead: false, initStd: 0.02 } as const;

/** config.json's name for each studio field a Hugging Face config sets (errors on an HF folder name these). */
const HF_FIELD_NAMES: Record<string, string> = {
  ...Object.fromEntries(Object.entries(MODEL_CONFIG_BOUNDS).map(([k, b]) => [k, b.hf])),
  rmsNormEps: 'rms_norm_eps',
  ropeTheta: 'rope_theta',
  ropeScaling: 'rope_scaling',
  tieEmbeddings: 'tie_word_embeddings',
};

/**
 * Validates a model config; `where` names the source (a file) in the error, `names` maps a field to the name
 * the source uses for it (config.json's keys for a Hugging Face folder). Unknown keys are rejected.
 */
export function parseModelConfig(raw: unknown, where = 'model config', names: Record<string, string> = {}): ModelConfig {
  const nameOf = (path: PropertyKey[]) => {
    const [head, ...rest] = path.map(String);
    return [names[head ?? ''] ?? head, ...rest].join('.');
  };
  const withDefaults =
    raw && typeof raw === 'object' && !Array.isArray(raw) ? { ...MODEL_CONFIG_DEFAULTS, ...raw } : raw;
  const r = modelConfigSchema.safeParse(withDefaults);
  if (!r.success) {
    const msgs = r.error.issues.map((i) => {
      if (i.code === 'unrecognized_keys') return `unknown field(s) ${i.keys.map((k) => `'${k}'`).join(', ')}`;
      return `field '${nameOf(i.path) || '(root)'}': ${i.message}`;
    });
    throw new Error(`${where}: ${msgs.join('; ')}`);
  }
  const c = r.data;
  const fail = (field: string, msg: string): never => {
    throw new Error(`${where}: field '${names[field] ?? field}': ${msg}`);
  };
  if (c.numHeads % c.numKvHeads !== 0)
    fail('numKvHeads', `numHeads (${c.numHeads}) must be a multiple of numKvHeads (${c.numKvHeads})`);
  if (c.headDim === undefined && c.hiddenSize % c.numHeads !== 0)
    fail(
      'numHeads',
      `hiddenSize (${c.hiddenSize}) must be divisible by numHeads (${c.numHeads}) unless headDim is given`,
    );
  if (headDimOf(c) % 2 !== 0) fail('headDim', `head size ${headDimOf(c)} must be even for rotary positions`);
  return c;
}

export function headDimOf(c: Pick<ModelConfig, 'hiddenSize' | 'numHeads' | 'headDim'>): number {
  return c.headDim ?? c.hiddenSize / c.numHeads;
}

/** The built-in model: ~0.8M parameters, character vocabulary, trains on a laptop CPU in minutes. */
export const BUILTIN_MODEL_CONFIG: ModelConfig = Object.freeze(
  parseModelConfig({
    vocabSize: charTokenizer.vocabSize,
    hiddenSize: 128,
    numLayers: 4,
    numHeads: 4,
    numKvHeads: 2,
    intermediateSize: 384,
    rmsNormEps: 1e-6,
    ropeTheta: 10000,
    qkvBias: false,
    tieEmbeddings: true,
    maxPositions: 512,
  }),
);

/** Hugging Face config.json fields we read and write (Llama / Qwen2). */
export interface HfConfig {
  architectures?: string[];
  model_type?: string;
  vocab_size: number;
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads?: number;
  head_dim?: number;
  intermediate_size: number;
  rms_norm_eps: number;
  rope_theta?: number;
  tie_word_embeddings?: boolean;
  max_position_embeddings: number;
  attention_bias?: boolean;
  hidden_act?: string;
  torch_dtype?: string;
  /** Our extras (valueHead, initStd), ignored by other tools. */
  attempt_studio?: { valueHead?: boolean; initStd?: number };
  [other: string]: unknown;
}

/** config.json `architectures` this transformer implements exactly. */
export const SUPPORTED_ARCHITECTURES = ['Qwen2ForCausalLM', 'LlamaForCausalLM', 'MistralForCausalLM'];

/** Converts a Hugging Face config.json object; unrelated HF fields are ignored, missing required ones named. */
export function fromHfConfig(hf: Record<string, unknown>, where = 'config.json'): ModelConfig {
  const req = (k: string): unknown => {
    if (hf[k] === undefined) throw new Error(`${where}: missing field '${k}'`);
    return hf[k];
  };
  const modelType = typeof hf.model_type === 'string' ? hf.model_type : 'llama';
  if (!['llama', 'qwen2', 'mistral'].includes(modelType))
    throw new Error(`${where}: field 'model_type': '${modelType}' is not supported (llama, qwen2, mistral)`);
  if (Array.isArray(hf.architectures) && hf.architectures.length > 0) {
    const arch = String(hf.architectures[0]);
    if (!SUPPORTED_ARCHITECTURES.includes(arch))
      throw new Error(
        `${where}: field 'architectures': '${arch}' is not supported (${SUPPORTED_ARCHITECTURES.join(', ')})`,
      );
  }
  const hidden_act = hf.hidden_act ?? 'silu';
  if (hidden_act !== 'silu')
    throw new Error(`${where}: field 'hidden_act': '${String(hidden_act)}' is not supported (silu)`);
  const rope = parseHfRope(hf, where);
  // A sliding window at least as long as every sequence is plain causal attention: cap the positions at it.
  let maxPositions = req('max_position_embeddings');
  const window = hf.sliding_window;
  const windowOn = modelType === 'mistral' || hf.use_sliding_window === true;
  if (windowOn && typeof window === 'number' && window < Number(maxPositions)) maxPositions = window;
  if (modelType !== 'qwen2' && hf.attention_bias === true)
    throw new Error(
      `${where}: field 'attention_bias': true (bias on q/k/v/o) is not supported; only Qwen2's q/k/v bias is`,
    );
  if (hf.mlp_bias === true) throw new Error(`${where}: field 'mlp_bias': true is not supported`);
  const extras = (hf.attempt_studio ?? {}) as Record<string, unknown>;
  const numHeads = req('num_attention_heads');
  const cfg: Record<string, unknown> = {
    vocabSize: req('vocab_size'),
    hiddenSize: req('hidden_size'),
    numLayers: req('num_hidden_layers'),
    numHeads,
    numKvHeads: hf.num_key_value_heads ?? numHeads,
    intermediateSize: req('intermediate_size'),
    rmsNormEps: req('rms_norm_eps'),
    ropeTheta: rope.theta,
    ...(rope.scaling ? { ropeScaling: rope.scaling } : {}),
    qkvBias: modelType === 'qwen2',
    tieEmbeddings: Boolean(hf.tie_word_embeddings ?? false),
    maxPositions,
    ...extras,
  };
  // head_dim only matters when it differs from hidden_size / num_attention_heads.
  if (
    hf.head_dim !== undefined &&
    hf.head_dim !== null &&
    hf.head_dim !== Number(hf.hidden_size) / Number(numHeads)
  )
    cfg.headDim = hf.head_dim;
  // Bounds first, named by their config.json fields (parseModelConfig would name the studio's own).
  for (const [key, b] of Object.entries(MODEL_CONFIG_BOUNDS)) {
    const v = cfg[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`${where}: field '${b.hf}': must be a positive integer, got ${JSON.stringify(v)}`);
    if (v > b.max) throw new Error(`${where}: field '${b.hf}': ${v} is over ${b.max.toLocaleString('en-US')} (larger than any real model); is the file damaged?`);
  }
  return parseModelConfig(cfg, where, HF_FIELD_NAMES);
}

/** The config.json a Hugging Face loader understands (Qwen2 when qkvBias, else Llama), plus our extras. */
export function toHfConfig(c: ModelConfig): HfConfig {
  const qwen = c.qkvBias;
  return {
    architectures: [qwen ? 'Qwen2ForCausalLM' : 'LlamaForCausalLM'],
    model_type: qwen ? 'qwen2' : 'llama',
    vocab_size: c.vocabSize,
    hidden_size: c.hiddenSize,
    num_hidden_layers: c.numLayers,
    num_attention_heads: c.numHeads,
    num_key_value_heads: c.numKvHeads,
    head_dim: headDimOf(c),
    intermediate_size: c.intermediateSize,
    rms_norm_eps: c.rmsNormEps,
    rope_theta: c.ropeTheta,
    ...(c.ropeScaling ? { rope_scaling: toHfRopeScaling(c.ropeScaling) } : {}),
    tie_word_embeddings: c.tieEmbeddings,
    max_position_embeddings: c.maxPositions,
    ...(qwen ? {} : { attention_bias: false }),
    hidden_act: 'silu',
    torch_dtype: 'float32',
    attempt_studio: { valueHead: c.valueHead, initStd: c.initStd },
  };
}
