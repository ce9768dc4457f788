// Checkpoint folders in Hugging Face layout: config.json (HF fields + our extras) and model.safetensors, plus
// optimizer.safetensors + optimizer.json (Adam moments by tensor name, step) for resuming training.
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { tf, type Tensor } from '../core/tf.js';
import { toHfConfig } from '../core/config.js';
import { loadHfModel } from './hf-import.js';
import { SafetensorsReader, writeSafetensorsStream } from './safetensors-stream.js';
import { Transformer } from '../core/transformer.js';
import { adam } from '../native/native-fused.js';
import { writeFileAtomic } from './safetensors.js';

export const OPTIMIZER_FORMAT = 'attempt-studio-adam-v1';

export interface AdamSettings {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

/**
 * Adam with the reference β = (0.9, 0.95). Apply gradients in model.trainableVariables() order. Its update is
 * one fused native call per variable under cpu-native (native-fused.ts), tfjs's own otherwise; same state.
 */
export function createAdam(s: Partial<AdamSettings> = {}): tf.AdamOptimizer {
  return adam(s.learningRate ?? 1e-3, s.beta1 ?? 0.9, s.beta2 ?? 0.95, s.epsilon ?? 1e-8);
}

/** Writes config.json and model.safetensors (F32, streamed tensor by tensor) into dir; each file via temp + rename. */
export async function saveModel(
  dir: string,
  model: Transformer,
  extraMetadata: Record<string, string> = {},
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const tensors = [...model.params].map(([name, v]) => ({
    name,
    shape: [...v.shape],
    data: async () => (await v.data()) as Float32Array,
  }));
  await writeSafetensorsStream(path.join(dir, 'model.safetensors'), tensors, {
    metadata: { format: 'pt', ...extraMetadata },
  });
  await writeFileAtomic(
    path.join(dir, 'config.json'),
    JSON.stringify(toHfConfig(model.config), null, 2) + '\n',
  );
}

/** Loads a checkpoint folder written by saveModel, or any Hugging Face model folder hf-import.ts reads. */
export async function loadModel(dir: string): Promise<Transformer> {
  return loadHfModel(dir);
}

/** Variable name (`m3/model.norm.weight/m`) → HF name (`model.norm.weight`). */
function hfNameOf(slotName: string): string {
  return slotName.replace(/^m\d+\//, '').replace(/\/[mv]$/, '');
}

/** Saves Adam's moments (by HF tensor name), its step count and settings, plus `extra` (e.g. the trainer's step). */
export async function saveOptimizer(
  dir: string,
  opt: tf.AdamOptimizer,
  extra: Record<string, unknown> = {},
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const weights = await opt.getWeights(); // [iter, m…, v…]
  const iterations = Number((await weights[0].tensor.data())[0]);
  const slots = weights.slice(1);
  const n = slots.length / 2;
  const names: string[] = [];
  // Streamed one moment at a time (a 1.5B model's m and v are 12 GB in float32).
  const tensors = slots.map((slot, i) => {
    const hf = hfNameOf(slot.name);
    if (i < n) names.push(hf);
    return {
      name: `${hf}.${i < n ? 'adam_m' : 'adam_v'}`,
      shape: [...slot.tensor.shape],
      data: async () => (await slot.tensor.data()) as Float32Array,
    };
  });
  weights[0].tensor.dispose();
  const cfg = opt.getConfig() as unknown as AdamSettings;
  await writeSafetensorsStream(path.join(dir, 'optimizer.safetensors'), tensors, { metadata: { format: OPTIMIZER_FORMAT } });
  const meta = { format: OPTIMIZER_FORMAT, iterations, ...cfg, variables: names, extra };
  await writeFileAtomic(path.join(dir, 'optimizer.json'), JSON.stringify(meta, null, 2) + '\n');
}

/**
 * Recreates the Adam optimizer of a checkpoint for `model` (same config). Its moments are ordered like
 * model.trainableVariables(), so the trainer must apply gradients in that order. Returns `extra` as saved.
 */
export async function loadOptimizer(
  dir: string,
  model: Transformer,
): Promise<{ optimizer: tf.AdamOptimizer; extra: Record<string, unknown> }> {
  const jsonFile = path.join(dir, 'optimizer.json');
  let meta: {
    format?: string;
    iterations?: number;
    variables?: string[];
    extra?: Record<string, unknown>;
  } & Partial<AdamSettings>;
  try {
    meta = JSON.parse(await readFile(jsonFile, 'utf8'));
  } catch (err) {
    throw new Error(
      `${jsonFile}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : `not valid JSON (${(err as Error).message})`}`,
    );
  }
  if (meta.format !== OPTIMIZER_FORMAT)
    throw new Error(`${jsonFile}: field 'format' is '${meta.format}', expected '${OPTIMIZER_FORMAT}'`);
  if (!Number.isInteger(meta.iterations) || meta.iterations! < 0)
    throw new Error(`${jsonFile}: field 'iterations' must be a non-negative integer`);
  const stFile = path.join(dir, 'optimizer.safetensors');
  const reader = SafetensorsReader.open(stFile);
  const optimizer = createAdam(meta);
  const order = model.trainableVariables();
  const saved = new Set(meta.variables ?? []);
  const m: { name: string; tensor: Tensor }[] = [];
  const v: { name: string; tensor: Tensor }[] = [];
  const iter = tf.scalar(meta.iterations!, 'int32');
  try {
    for (const variable of order) {
      const hf = hfNameOf(variable.name);
      if (!saved.has(hf)) throw new Error(`${jsonFile}: no optimizer state for tensor '${hf}'`);
      for (const [kind, list] of [
        ['adam_m', m],
        ['adam_v', v],
      ] as const) {
        const t = reader.tensors.get(`${hf}.${kind}`);
        if (!t) throw new Error(`${stFile}: missing tensor '${hf}.${kind}'`);
        if (t.shape.join(',') !== variable.shape.join(','))
          throw new Error(
            `${stFile}: tensor '${hf}.${kind}' has shape [${t.shape}], the model has [${variable.shape}]`,
          );
        list.push({
          name: `${variable.name}/${kind === 'adam_m' ? 'm' : 'v'}`,
          tensor: tf.tensor(reader.read(`${hf}.${kind}`), t.shape),
        });
      }
    }
    await optimizer.setWeights([{ name: 'iter', tensor: iter }, ...m, ...v]);
  } catch (err) {
    optimizer.dispose();
    throw err;
  } finally {
    reader.close();
    tf.dispose([iter, ...[...m, ...v].map((x) => x.tensor)]);
  }
  return { optimizer, extra: meta.extra ?? {} };
}
