// `attempt-studio grade`: compares `pred` with `gold` on every line of a JSONL file and writes each line
// back with `equal`, `method` and `timedOut` added. All lines are validated before any output is written,
// and the output file is written to a temporary name and renamed, so nothing is ever half-written.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { type Command, int, str, UserError } from './command.js';

interface GradeLine {
  line: number;
  value: Record<string, unknown>;
  pred: string;
  gold: string;
}

/** Deepest nesting of arrays and objects the input may have: lines are echoed back, and deeper ones would not serialise. */
export const MAX_JSON_DEPTH = 1000;

/** The nesting depth of JSON text (brackets outside strings), stopping early once past `limit`. */
function jsonDepth(text: string, limit: number): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123 /* [ { */) {
      if (++depth > max && (max = depth) > limit) return max;
    } else if (c === 93 || c === 125 /* ] } */) depth--;
  }
  return max;
}

/** Parses and validates every line; throws UserError naming the first bad line. */
export function parseGradeInput(text: string, file: string): GradeLine[] {
  const out: GradeLine[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '') continue;
    if (jsonDepth(raw, MAX_JSON_DEPTH) > MAX_JSON_DEPTH)
      throw new UserError(`${file}:${i + 1}: JSON nested deeper than ${MAX_JSON_DEPTH} levels; the grader echoes each line back and takes at most that`);
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw new UserError(`${file}:${i + 1}: malformed JSON: ${(err as Error).message}`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      throw new UserError(`${file}:${i + 1}: expected a JSON object`);
    const v = value as Record<string, unknown>;
    const field = (name: string): string => {
      const x = v[name];
      if (typeof x === 'string') return x;
      if (typeof x === 'number' && Number.isFinite(x)) return String(x);
      throw new UserError(
        `${file}:${i + 1}: field '${name}' must be a string or number, got ${x === undefined ? 'nothing' : JSON.stringify(x)}`,
      );
    };
    out.push({ line: i + 1, value: v, pred: field('pred'), gold: field('gold') });
  }
  return out;
}

export const gradeCommand: Command = {
  name: 'grade',
  summary: 'Check predicted answers against gold answers (JSONL lines with "pred" and "gold")',
  usage: '--input FILE.jsonl [--output FILE.jsonl] [--timeout-ms N]',
  options: {
    input: {
      type: 'string',
      short: 'i',
      value: 'FILE',
      description: 'JSONL file, one {"pred", "gold", ...} object per line',
    },
    output: {
      type: 'string',
      short: 'o',
      value: 'FILE',
      description: 'Where to write the graded lines (default: standard output)',
    },
    'timeout-ms': {
      type: 'string',
      value: 'N',
      description: 'Time budget per comparison in milliseconds',
      default: '1000',
    },
  },
  details:
    'Each output line is the input object with "equal" (boolean), "method" and "timedOut" added.\nA malformed line stops the command before anything is written.',
  async run(args) {
    const input = str(args, 'input');
    if (!input) throw new UserError('--input FILE is required', 2);
    const timeoutMs = int(args, 'timeout-ms') ?? 1000;
    if (timeoutMs < 1) throw new UserError('--timeout-ms must be at least 1', 2);
    let text: string;
    try {
      text = readFileSync(input, 'utf8');
    } catch (err) {
      throw new UserError(`cannot read ${input}: ${(err as Error).message}`);
    }
    const lines = parseGradeInput(text, input);
    // Loaded here, not at the top: the CAS library costs ~0.2 s to import and other commands do not need it.
    const { isEquivalent } = await import('../math/grade.js');
    const { closeSharedCasPool } = await import('../math/cas-pool.js');
    const graded: string[] = [];
    let equal = 0;
    let timedOut = 0;
    try {
      for (const l of lines) {
        const r = await isEquivalent(l.pred, l.gold, { timeoutMs });
        if (r.equal) equal++;
        if (r.timedOut) timedOut++;
        graded.push(JSON.stringify({ ...l.value, equal: r.equal, method: r.method, timedOut: r.timedOut }));
      }
    } finally {
      await closeSharedCasPool();
    }
    const body = graded.map((g) => g + '\n').join('');
    const output = str(args, 'output');
    if (output) {
      const tmp = `${output}.tmp-${process.pid}`;
      try {
        writeFileSync(tmp, body);
        renameSync(tmp, output);
      } catch (err) {
        throw new UserError(`cannot write ${output}: ${(err as Error).message}`);
      }
      process.stderr.write(
        `graded ${lines.length} lines: ${equal} equal, ${lines.length - equal} not equal${timedOut ? `, ${timedOut} timed out` : ''} → ${output}\n`,
      );
    } else process.stdout.write(body);
    return 0;
  },
};
