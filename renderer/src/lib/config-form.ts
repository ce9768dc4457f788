// The experiment form's model, as pure functions: the schema's fields grouped into sections, nested config
// values read and written by dotted path, and text inputs parsed into typed values with messages.
import type { FieldDoc } from '../../../backend/api/contract.js';

export type Json = Record<string, unknown>;

export interface FormSection {
  /** Top-level key ('' for top-level scalar fields). */
  key: string;
  title: string;
  description: string;
  fields: FieldDoc[];
}

const isPlain = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Leaf fields grouped by their top-level section, in schema order; top-level scalars first ('General'). */
export function formSections(fields: readonly FieldDoc[], hidden: readonly string[] = []): FormSection[] {
  const general: FormSection = { key: '', title: 'General', description: 'Length, batch sizes, seed and runtime', fields: [] };
  const sections: FormSection[] = [general];
  for (const f of fields) {
    if (hidden.some((h) => f.path === h || f.path.startsWith(`${h}.`))) continue;
    const top = f.path.split('.')[0]!;
    if (f.type === 'object') {
      if (!f.path.includes('.')) sections.push({ key: top, title: top[0]!.toUpperCase() + top.slice(1), description: f.description, fields: [] });
      continue;
    }
    if (!f.path.includes('.')) general.fields.push(f);
    else sections.find((s) => s.key === top)?.fields.push(f);
  }
  return sections.filter((s) => s.fields.length > 0);
}

export function getPath(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const k of path.split('.')) {
    if (!isPlain(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

/** A copy of `obj` with `path` set (undefined deletes it); missing objects on the way are created. */
export function setPath(obj: Json, path: string, value: unknown): Json {
  const [head, ...rest] = path.split('.');
  const out: Json = { ...obj };
  if (rest.length === 0) {
    if (value === undefined) delete out[head!];
    else out[head!] = value;
    return out;
  }
  out[head!] = setPath(isPlain(obj[head!]) ? (obj[head!] as Json) : {}, rest.join('.'), value);
  return out;
}

/** How a value shows in a text input. */
export function formatValue(f: FieldDoc, v: unknown): string {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return v.join(', ');
  return String(v);
}

/**
 * Parses a text input for field `f`: '' is "unset" (undefined) for optional fields; numbers, integers,
 * lists (comma-separated) and enums are checked here so the message appears before a server round trip.
 */
export function parseValue(f: FieldDoc, text: string): { value: unknown } | { error: string } {
  const t = text.trim();
  if (t === '') return f.optional || f.type === 'array' ? { value: f.type === 'array' && !f.optional ? [] : undefined } : { error: 'required' };
  if (f.type === 'integer' || f.type === 'number') {
    const n = Number(t);
    if (!Number.isFinite(n)) return { error: `not a number: ${t}` };
    if (f.type === 'integer' && !Number.isInteger(n)) return { error: `must be a whole number, got ${t}` };
    if (Math.abs(n) > Number.MAX_SAFE_INTEGER) return { error: `too large a number: ${t}` };
    if (f.minimum !== undefined && (f.exclusiveMinimum ? n <= f.minimum : n < f.minimum))
      return { error: f.exclusiveMinimum ? `must be greater than ${f.minimum}, got ${t}` : `must be at least ${f.minimum}, got ${t}` };
    if (f.maximum !== undefined && n > f.maximum) return { error: `must be at most ${f.maximum}, got ${t}` };
    return { value: n };
  }
  if (f.type === 'boolean') return t === 'true' ? { value: true } : t === 'false' ? { value: false } : { error: 'true or false' };
  if (f.type === 'enum') return f.options?.includes(t) ? { value: t } : { error: `one of ${f.options?.join(', ')}` };
  if (f.type === 'array') {
    const parts = t.split(',').map((p) => p.trim()).filter((p) => p !== '');
    if (f.items === 'integer' || f.items === 'number') {
      const nums = parts.map(Number);
      const bad = parts.find((p, i) => !Number.isFinite(nums[i]!) || (f.items === 'integer' && !Number.isInteger(nums[i]!)));
      return bad !== undefined ? { error: `not ${f.items === 'integer' ? 'a whole number' : 'a number'}: ${bad}` } : { value: nums };
    }
    const bad = f.options ? parts.find((p) => !f.options!.includes(p)) : undefined;
    return bad !== undefined ? { error: `unknown value ${bad} (one of ${f.options!.join(', ')})` } : { value: parts };
  }
  return { value: t };
}

/** The input for launch: the preset's name plus every field the user changed relative to the preset. */
export function configInput(preset: string | null, values: Json): Json {
  return preset ? { ...values, preset } : values;
}

/** The baseline twin of a multi-attempt config (single-turn, one attempt), for "Launch both". */
export function baselineOf(values: Json): Json {
  let out = setPath(values, 'task.mode', 'single-turn');
  out = setPath(out, 'task.minAttempts', 1);
  out = setPath(out, 'task.maxAttempts', 1);
  return out;
}

/**
 * A schema message in plain language: "Too big: expected int to be <=9007199254740991" → "too large";
 * "Too small: expected number to be >=1" → "must be at least 1". Other messages pass unchanged.
 */
export function plainProblem(message: string): string {
  const big = /^Too big: expected \w+ to be <=?\s*(-?[\d.e+]+)/.exec(message);
  if (big) return Number(big[1]) >= Number.MAX_SAFE_INTEGER ? 'too large a number' : `must be at most ${big[1]}`;
  const small = /^Too small: expected \w+ to be (>=?)\s*(-?[\d.e+]+)/.exec(message);
  if (small) return small[1] === '>' ? `must be greater than ${small[2]}` : `must be at least ${small[2]}`;
  return message;
}
