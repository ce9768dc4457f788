// Character-level tokenizer of the built-in model: special tokens, printable ASCII, newline/tab and the few
// non-ASCII characters math text and LaTeX use. Unknown characters map to <|unk|>.
import type { Tokenizer } from './tokenizer.js';

export const CHAR_SPECIAL_TOKENS = [
  '<|pad|>',
  '<|endoftext|>',
  '<|im_start|>',
  '<|im_end|>',
  '<|unk|>',
] as const;

const EXTRA_CHARS = ['\n', '\t', '×', '÷', '−', '·', '√', 'π', '°', '≤', '≥', '≠', '∞', '…'];

function buildAlphabet(): string[] {
  const chars: string[] = [...EXTRA_CHARS];
  for (let c = 32; c <= 126; c++) chars.push(String.fromCharCode(c));
  return chars;
}

export class CharTokenizer implements Tokenizer {
  readonly name = 'char-v1';
  readonly vocabSize: number;
  readonly specialTokens: Readonly<Record<string, number>>;
  readonly eosId: number;
  readonly padId: number;
  readonly unkId: number;
  private readonly idOf = new Map<string, number>();
  private readonly textOf: string[] = [];
  /** Special tokens sorted longest first, for greedy matching at '<'. */
  private readonly specials: string[];

  constructor() {
    const special: Record<string, number> = {};
    for (const s of CHAR_SPECIAL_TOKENS) {
      special[s] = this.textOf.length;
      this.textOf.push(s);
    }
    for (const ch of buildAlphabet()) {
      this.idOf.set(ch, this.textOf.length);
      this.textOf.push(ch);
    }
    this.specialTokens = Object.freeze(special);
    this.specials = [...CHAR_SPECIAL_TOKENS].sort((a, b) => b.length - a.length);
    this.vocabSize = this.textOf.length;
    this.eosId = special['<|endoftext|>'];
    this.padId = special['<|pad|>'];
    this.unkId = special['<|unk|>'];
  }

  encode(text: string): number[] {
    const out: number[] = [];
    let i = 0;
    while (i < text.length) {
      if (text[i] === '<') {
        const s = this.specials.find((sp) => text.startsWith(sp, i));
        if (s) {
          out.push(this.specialTokens[s]);
          i += s.length;
          continue;
        }
      }
      const cp = text.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      out.push(this.idOf.get(ch) ?? this.unkId);
      i += ch.length;
    }
    return out;
  }

  decode(ids: readonly number[]): string {
    let s = '';
    for (const id of ids) {
      const t = this.textOf[id];
      if (t === undefined)
        throw new Error(`${this.name}: token id ${id} is out of range 0..${this.vocabSize - 1}`);
      s += t;
    }
    return s;
  }
}

/** The built-in model's tokenizer (one shared instance; it is immutable). */
export const charTokenizer = new CharTokenizer();
