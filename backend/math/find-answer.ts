// Where the final answer sits in a text, in Math-Verify's order of trust: "final answer is …" and the last
// \boxed / \fbox first, then math after the word "answer", then the last math environment ($…$, $$…$$,
// \(…\), \[…\]) or plain number / arithmetic; environments joined by "and", "or" or commas count as one
// list. A text with none of these is read whole as one LaTeX answer. Linear-time scans, bounded input.

export interface Found {
  /** The answer strings (several when environments are joined into a list). */
  parts: string[];
  source: 'final_answer' | 'boxed' | 'answer_word' | 'math' | 'plain_number' | 'whole';
}

interface Span {
  start: number;
  end: number;
  body: string;
}

const MAX_WHOLE = 2000;

/** The brace-matched argument opening at `open` ('{'), with its end, or null when unbalanced. */
export function braceArg(text: string, open: number): { body: string; end: number } | null {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 92 /* \ */) {
      i++;
      continue;
    }
    if (c === 123) depth++;
    else if (c === 125 && --depth === 0) return { body: text.slice(open + 1, i), end: i + 1 };
  }
  return null;
}

/** Every `\boxed{…}` / `\fbox{…}` (outermost), in order. */
function boxes(text: string): Span[] {
  const out: Span[] = [];
  const re = /\\(?:boxed|fbox)\s*/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const at = m.index + m[0].length;
    if (text[at] === '{') {
      const arg = braceArg(text, at);
      if (!arg) continue;
      out.push({ start: m.index, end: arg.end, body: arg.body.trim() });
      re.lastIndex = arg.end;
    } else {
      const t = /^[^\s$]+/.exec(text.slice(at, at + 200));
      if (t) out.push({ start: m.index, end: at + t[0].length, body: t[0].replace(/[.,;]+$/, '') });
    }
  }
  return out;
}

/** Math environments in order: $$…$$, \[…\], $…$ (one line), \(…\). Escaped dollars are not delimiters. */
function mathEnvs(text: string): Span[] {
  const out: Span[] = [];
  const re =
    /(?<!\\)\$\$([^]+?)(?<!\\)\$\$|(?<!\\)\\\[([^]+?)\\\]|(?<![\\\d])\$((?:\\\$|[^\n$])+?)(?<!\\)\$|(?<!\\)\\\(([^]+?)\\\)/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const body = (m[1] ?? m[2] ?? m[3] ?? m[4] ?? '').trim();
    if (body !== '') out.push({ start: m.index, end: m.index + m[0].length, body });
  }
  return out;
}

const JOIN = /^\s*(?:,\s*)?(?:and|or|,)?\s*$/;

/** The environment ending at `spans[k]` plus the ones before it joined by "and" / "or" / "," (≤ 6 in all). */
function joined(text: string, spans: Span[], k: number): string[] {
  const parts = [spans[k]!.body];
  for (let j = k - 1; j >= 0 && parts.length < 6; j--) {
    const gap = text.slice(spans[j]!.end, spans[j + 1]!.start);
    if (gap.length > 12 || !JOIN.test(gap) || gap.trim() === '') break;
    parts.unshift(spans[j]!.body);
  }
  return parts;
}

const PLAIN =
  /(?<![\w.])-?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)(?:\s*[-+*/^×÷]\s*\(?-?\d+(?:\.\d+)?\)?)*(?:\s*(?:%|percent))?/g;

/** The last plain number or number arithmetic (`1/2`, `3.5%`) in `text`. */
function lastPlain(text: string): Span | null {
  let last: Span | null = null;
  PLAIN.lastIndex = 0;
  for (let m = PLAIN.exec(text); m !== null; m = PLAIN.exec(text))
    last = { start: m.index, end: m.index + m[0].length, body: m[0].trim() };
  return last;
}

/** The answer following an anchor at `from`: a math environment or box right after it, else a plain number. */
function afterAnchor(
  text: string,
  from: number,
  envs: Span[],
  boxed: Span[],
  window: number,
): string[] | null {
  const k = envs.findIndex((e) => e.start >= from && e.start - from <= window);
  const b = boxed.find((e) => e.start >= from && e.start - from <= window);
  if (b && (k < 0 || b.start < envs[k]!.start)) return [b.body];
  if (k >= 0) {
    let end = k;
    while (
      end + 1 < envs.length &&
      JOIN.test(text.slice(envs[end]!.end, envs[end + 1]!.start)) &&
      text.slice(envs[end]!.end, envs[end + 1]!.start).trim() !== '' &&
      end - k < 5
    )
      end++;
    return envs.slice(k, end + 1).map((e) => e.body);
  }
  // A plain number within the window (Math-Verify: "answer" then up to 50 characters, then the number).
  const rest = text.slice(from, from + window + 40).split('\n')[0]!;
  PLAIN.lastIndex = 0;
  const m = PLAIN.exec(rest);
  return m && m.index <= window ? [m[0].trim()] : null;
}

/** Finds the final answer in `text`; null when the text holds nothing that can be an answer. */
export function findAnswer(text: string): Found | null {
  const envs = mathEnvs(text);
  const boxed = boxes(text);
  // "final answer is …" and the last box: whichever ends later.
  let finalAnswer: { parts: string[]; end: number } | null = null;
  const fa = /final answer[^]{0,100}?\s+is\s*:?\s*/gi;
  for (let m = fa.exec(text); m !== null; m = fa.exec(text)) {
    const parts = afterAnchor(text, m.index + m[0].length, envs, boxed, 4);
    if (parts) finalAnswer = { parts, end: m.index + m[0].length };
  }
  const lastBox = boxed[boxed.length - 1];
  if (lastBox && (!finalAnswer || lastBox.end >= finalAnswer.end)) {
    // Several boxes inside one math environment ($\boxed{6}$ and $\boxed{8}$) form a list.
    const inEnvs = boxed.filter((b) => envs.some((e) => b.start >= e.start && b.end <= e.end));
    const k = envs.findIndex((e) => lastBox.start >= e.start && lastBox.end <= e.end);
    if (k >= 0 && inEnvs.length > 1) {
      const chain = joined(text, envs, k);
      const bodies = chain.map(
        (body) =>
          boxes(body)
            .map((b) => b.body)
            .join(',') || body,
      );
      if (bodies.length > 1) return { parts: bodies, source: 'boxed' };
    }
    return { parts: [lastBox.body], source: 'boxed' };
  }
  if (finalAnswer) return { parts: finalAnswer.parts, source: 'final_answer' };
  const aw = /answer\s*:?/gi;
  let anchored: string[] | null = null;
  for (let m = aw.exec(text); m !== null; m = aw.exec(text)) {
    const parts = afterAnchor(text, m.index + m[0].length, envs, boxed, 50);
    if (parts) anchored = parts;
  }
  if (anchored) return { parts: anchored, source: 'answer_word' };
  const plain = lastPlain(text);
  if (envs.length > 0) {
    const k = envs.length - 1;
    if (!plain || envs[k]!.end >= plain.end) return { parts: joined(text, envs, k), source: 'math' };
  }
  // Text with no delimiters at all is one LaTeX answer (a gold field, a bare prediction).
  if (envs.length === 0 && text.trim() !== '' && text.length <= MAX_WHOLE && !/\n\s*\n/.test(text)) {
    if (!plain || !/[a-z]{2,}\s+[a-z]{2,}\s+[a-z]{2,}/i.test(text.replace(/\\[a-zA-Z]+(?:\{[^{}]*\})?/g, '')))
      return { parts: [text.trim()], source: 'whole' };
  }
  if (plain) return { parts: [plain.body], source: 'plain_number' };
  return null;
}
