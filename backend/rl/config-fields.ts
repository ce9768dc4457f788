// Generic tools over a zod object schema and plain JSON, used by the run config (config.ts): field docs for
// `--help`, docs and the UI's generated forms, allowed keys for "unknown key" errors, and merging config layers.
import { z } from 'zod';

type ZodShape = Record<string, z.ZodType>;

export type Json = Record<string, unknown>;
export const isPlain = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Deep merge of plain objects: `over` wins; arrays and scalars are replaced, not merged. */
export function mergeConfigInput(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over))
    out[k] = isPlain(v) && isPlain(out[k]) ? mergeConfigInput(out[k] as Json, v) : v;
  return out;
}

export interface FieldDoc {
  path: string;
  description: string;
  default?: unknown;
  /** The value's kind, for forms: 'object' is a section holding the fields below it. */
  type: 'integer' | 'number' | 'boolean' | 'string' | 'enum' | 'array' | 'object';
  /** The allowed values of an enum, or of an array's items when they are an enum. */
  options?: string[];
  /** Bounds of a number (inclusive unless `exclusiveMinimum`). */
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  /** Kind of an array's items. */
  items?: 'integer' | 'number' | 'string';
  /** May be left unset (no default). */
  optional: boolean;
}

/** A field's kind and bounds from its JSON Schema (zod's own export), for generated forms. */
function fieldShape(schema: z.ZodType): Pick<FieldDoc, 'type' | 'options' | 'minimum' | 'maximum' | 'exclusiveMinimum' | 'items'> {
  const j = z.toJSONSchema(unwrap(schema), { io: 'input', unrepresentable: 'any' }) as Record<string, any>;
  const bounds = {
    ...(typeof j.minimum === 'number' ? { minimum: j.minimum } : typeof j.exclusiveMinimum === 'number' ? { minimum: j.exclusiveMinimum, exclusiveMinimum: true } : {}),
    ...(typeof j.maximum === 'number' && j.maximum < Number.MAX_SAFE_INTEGER ? { maximum: j.maximum } : {}),
  };
  if (Array.isArray(j.enum)) return { type: 'enum', options: j.enum.map(String) };
  if (j.type === 'integer' || j.type === 'number') return { type: j.type, ...bounds };
  if (j.type === 'boolean' || j.type === 'string' || j.type === 'object') return { type: j.type };
  if (j.type === 'array') {
    const it = j.items ?? {};
    if (Array.isArray(it.enum)) return { type: 'array', items: 'string', options: it.enum.map(String) };
    return { type: 'array', items: it.type === 'integer' || it.type === 'number' ? it.type : 'string' };
  }
  return { type: 'string' };
}

/** Walks wrappers (default, optional, prefault, pipe) down to the schema they wrap. */
function unwrap(s: z.ZodType): z.ZodType {
  let cur: any = s;
  while (cur?._zod?.def?.innerType) cur = cur._zod.def.innerType;
  return cur;
}

function shapeAt(root: ZodShape, path: PropertyKey[]): ZodShape {
  let shape: ZodShape | undefined = root;
  for (const key of path) {
    const field: z.ZodType | undefined = shape?.[key as string];
    shape = field ? (unwrap(field) as any).shape : undefined;
  }
  return shape ?? {};
}

/** The keys an object of the schema may have at `path` (for "unknown key" errors). */
export function allowedKeys(root: ZodShape, path: PropertyKey[]): string[] {
  return Object.keys(shapeAt(root, path));
}

/** Help text, kind and bounds of every field (leaves and sections) of an object schema, in schema order. */
export function describeFields(root: ZodShape): FieldDoc[] {
  const out: FieldDoc[] = [];
  const walk = (shape: Record<string, z.ZodType>, prefix: string) => {
    for (const [key, schema] of Object.entries(shape)) {
      const path = prefix ? `${prefix}.${key}` : key;
      const def = (schema as any)._zod.def;
      out.push({
        path,
        description: schema.description ?? '',
        ...(def.type === 'default' ? { default: def.defaultValue } : {}),
        ...fieldShape(schema),
        optional: def.type === 'optional',
      });
      const inner = unwrap(schema) as any;
      if (inner.shape) walk(inner.shape, path);
    }
  };
  walk(root, '');
  return out;
}
