// The attempts explorer's pure parts: the filter as route parameters (so a filtered view is a link) and as
// episodes:list input, and an episode as the dialogue the model saw — question, each attempt with its extracted
// answer and verdict, and between attempts the feedback turn the environment injected (docs/ARCHITECTURE.md, "The method").
import type { AttemptView, EpisodeSummary, MethodInput } from '../../../backend/api/contract.js';
import { VERDICTS, type Verdict as VerdictName } from '../../../backend/domain/vocabulary.js';

export { VERDICTS };
export const VERDICT_LABELS: Record<VerdictName, string> = { correct: 'correct', wrong: 'wrong', no_box: 'no box', over_budget: 'over budget' };

/** A three-way choice: any, yes, no. */
export type TriState = '' | 'yes' | 'no';

export interface AttemptsFilter {
  runId: number | null;
  stepMin: string;
  stepMax: string;
  split: '' | 'train' | 'eval';
  dataset: string;
  verdict: '' | VerdictName;
  solvedLater: TriState;
  repeated: TriState;
}

/** No filter: every episode (the explorer's start; reset keeps only the run). */
export const EMPTY_FILTER: Readonly<AttemptsFilter> = { runId: null, stepMin: '', stepMax: '', split: '', dataset: '', verdict: '', solvedLater: '', repeated: '' };

const PARAM_KEYS = { runId: 'run', stepMin: 'from', stepMax: 'to', split: 'split', dataset: 'dataset', verdict: 'verdict', solvedLater: 'later', repeated: 'repeated' } as const;

const tri = (v: string | undefined): TriState => (v === 'yes' || v === 'no' ? v : '');
const stepText = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? v : '');

/** The filter a route's parameters describe; unknown or malformed values are dropped. */
export function filterFromParams(p: Record<string, string>): AttemptsFilter {
  const run = Number(p[PARAM_KEYS.runId]);
  return {
    runId: Number.isInteger(run) && run > 0 ? run : null,
    stepMin: stepText(p[PARAM_KEYS.stepMin]),
    stepMax: stepText(p[PARAM_KEYS.stepMax]),
    split: p.split === 'train' || p.split === 'eval' ? p.split : '',
    dataset: p.dataset ?? '',
    verdict: (VERDICTS as readonly string[]).includes(p.verdict ?? '') ? (p.verdict as VerdictName) : '',
    solvedLater: tri(p[PARAM_KEYS.solvedLater]),
    repeated: tri(p[PARAM_KEYS.repeated]),
  };
}

/** Route parameters for a filter (empty fields left out). */
export function filterToParams(f: AttemptsFilter): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [key, param] of Object.entries(PARAM_KEYS) as Array<[keyof AttemptsFilter, string]>) {
    const v = f[key];
    if (v !== null && v !== '') out[param] = String(v);
  }
  return out;
}

/** A step-range problem to show beside the inputs, or null. */
export function stepRangeError(f: AttemptsFilter): string | null {
  for (const v of [f.stepMin, f.stepMax]) if (v !== '' && !/^\d+$/.test(v.trim())) return `“${v}” is not a step number`;
  if (f.stepMin !== '' && f.stepMax !== '' && Number(f.stepMin) > Number(f.stepMax)) return 'the first step is after the last';
  return null;
}

/** The episode filter of the API (episodes:list and export:csv's `episodes`); null without a run. */
export function episodeQuery(f: AttemptsFilter): Omit<MethodInput<'episodes:list'>, 'cursor' | 'limit'> | null {
  if (f.runId === null) return null;
  return {
    runId: f.runId,
    ...(f.stepMin.trim() !== '' ? { stepMin: Number(f.stepMin) } : {}),
    ...(f.stepMax.trim() !== '' ? { stepMax: Number(f.stepMax) } : {}),
    ...(f.split ? { split: f.split } : {}),
    ...(f.dataset ? { dataset: f.dataset } : {}),
    ...(f.verdict ? { verdict: f.verdict } : {}),
    ...(f.solvedLater ? { solvedOnLaterAttempt: f.solvedLater === 'yes' } : {}),
    ...(f.repeated ? { repeatedWrongAnswer: f.repeated === 'yes' } : {}),
  };
}

/** How many filters (besides the run) are set. */
export function activeFilterCount(f: AttemptsFilter): number {
  return (['stepMin', 'stepMax', 'split', 'dataset', 'verdict', 'solvedLater', 'repeated'] as const).filter((k) => f[k] !== '').length;
}

export type DialogueTurn =
  | { kind: 'question'; text: string; attemptsAllowed: number }
  | { kind: 'attempt'; number: number; attempt: AttemptView }
  | { kind: 'feedback'; text: string; attemptsLeft: number };

/** The text of the feedback turn after a failed attempt, with `left` attempts remaining (the reference's wording). */
export function feedbackText(left: number): string {
  return `Your answer is incorrect. You have ${left} attempt${left === 1 ? '' : 's'} left. Try an alternative.`;
}

/**
 * The dialogue of an episode, in order: the question, then each attempt; after every attempt but the last a
 * feedback turn (attempts run on only after a failure).
 */
export function dialogue(e: Pick<EpisodeSummary, 'question' | 'attemptsAllowed'> & { attempts: AttemptView[] }): DialogueTurn[] {
  const turns: DialogueTurn[] = [{ kind: 'question', text: e.question, attemptsAllowed: e.attemptsAllowed }];
  e.attempts.forEach((a, i) => {
    turns.push({ kind: 'attempt', number: i + 1, attempt: a });
    if (i < e.attempts.length - 1) {
      const left = e.attemptsAllowed - (i + 1);
      turns.push({ kind: 'feedback', text: feedbackText(left), attemptsLeft: left });
    }
  });
  return turns;
}

/** "solved on attempt 2 of 3" / "unsolved after 3 of 5" — the one-line outcome of an episode. */
export function outcomeText(e: Pick<EpisodeSummary, 'solvedAt' | 'attemptsUsed' | 'attemptsAllowed'>): string {
  return e.solvedAt === null ? `unsolved after ${e.attemptsUsed} of ${e.attemptsAllowed}` : `solved on attempt ${e.solvedAt + 1} of ${e.attemptsAllowed}`;
}
