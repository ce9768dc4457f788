// Rotary-position frequencies with the scalings Llama-family checkpoints use (Hugging Face
// modeling_rope_utils: 'default', 'linear', 'llama3'), and parsing of config.json's rope fields
// (transformers 4.x `rope_theta` + `rope_scaling`, 5.x `rope_parameters`).
import { z } from 'zod';

export const ropeScalingSchema = z
  .object({
    type: z.enum(['linear', 'llama3']),
    factor: z.number().positive(),
    /** llama3 only. */
    lowFreqFactor: z.number().positive().optional(),
    highFreqFactor: z.number().positive().optional(),
    originalMaxPositions: z.number().int().positive().optional(),
  })
  .strict();

export type RopeScaling = z.infer<typeof ropeScalingSchema>;

/** inv_freq[i] = θ^(−2i/D), then scaled: linear divides by factor; llama3 per wavelength band (HF's formula). */
export function inverseFrequencies(headDim: number, theta: number, scaling?: RopeScaling): Float64Array {
  const half = headDim / 2;
  const inv = new Float64Array(half);
  for (let i = 0; i < half; i++) inv[i] = 1 / Math.pow(theta, (2 * i) / headDim);
  if (!scaling) return inv;
  if (scaling.type === 'linear') return inv.map((f) => f / scaling.factor);
  const { factor } = scaling;
  const low = scaling.lowFreqFactor ?? 1;
  const high = scaling.highFreqFactor ?? 4;
  const oldCtx = scaling.originalMaxPositions ?? 8192;
  const lowWavelen = oldCtx / low;
  const highWavelen = oldCtx / high;
  return inv.map((f) => {
    const wavelen = (2 * Math.PI) / f;
    if (wavelen < highWavelen) return f;
    if (wavelen > lowWavelen) return f / factor;
    const smooth = (oldCtx / wavelen - low) / (high - low);
    return (1 - smooth) * (f / factor) + smooth * f;
  });
}

/**
 * Reads theta and scaling from an HF config object. Accepts `rope_scaling` (4.x) or `rope_parameters` (5.x);
 * a null scaling or rope_type 'default' means none; other types (dynamic, yarn, longrope) are refused by name.
 */
export function parseHfRope(hf: Record<string, unknown>, where: string): { theta: number; scaling?: RopeScaling } {
  const params = (hf.rope_parameters ?? null) as Record<string, unknown> | null;
  const legacy = (hf.rope_scaling ?? null) as Record<string, unknown> | null;
  const theta = Number(params?.rope_theta ?? hf.rope_theta ?? 10000);
  if (!Number.isFinite(theta) || theta <= 0) throw new Error(`${where}: field 'rope_theta': must be a positive number`);
  const s = legacy ?? params;
  if (s === null) return { theta };
  if (typeof s !== 'object' || Array.isArray(s)) throw new Error(`${where}: field 'rope_scaling': expected an object or null`);
  const type = String(s.rope_type ?? s.type ?? 'default');
  if (type === 'default') return { theta };
  if (type !== 'linear' && type !== 'llama3')
    throw new Error(`${where}: field 'rope_scaling': rope type '${type}' is not supported (default, linear, llama3)`);
  const num = (k: string) => (s[k] === undefined ? undefined : Number(s[k]));
  const r = ropeScalingSchema.safeParse({
    type,
    factor: num('factor'),
    ...(type === 'llama3'
      ? {
          lowFreqFactor: num('low_freq_factor'),
          highFreqFactor: num('high_freq_factor'),
          originalMaxPositions: num('original_max_position_embeddings'),
        }
      : {}),
  });
  if (!r.success)
    throw new Error(`${where}: field 'rope_scaling': ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return { theta, scaling: r.data };
}

/** The config.json `rope_scaling` object for a scaling (4.x field names, which 5.x still reads). */
export function toHfRopeScaling(s: RopeScaling): Record<string, unknown> {
  if (s.type === 'linear') return { rope_type: 'linear', factor: s.factor };
  return {
    rope_type: 'llama3',
    factor: s.factor,
    low_freq_factor: s.lowFreqFactor ?? 1,
    high_freq_factor: s.highFreqFactor ?? 4,
    original_max_position_embeddings: s.originalMaxPositions ?? 8192,
  };
}
