// Comparing two lists item by item under a three-valued equality (true / false / undecided): in order (tuples,
// intervals' ends) or as a one-to-one pairing in any order (sets, lists of solutions, unions). Generic over the
// item type, so the string rules (equivalence.ts) and the structured answers (verify.ts) share one algorithm.

/** true / false when decided, undefined when a comparison could not decide (equivalence.ts's Tri). */
type Tri = boolean | undefined;

/** Above this many items the lists are compared by `key` only (the pairwise search is quadratic or worse). */
const MAX_ITEMS = 64;

/**
 * Element i of a against element i of b; false as soon as one pair is false, undefined if any pair is
 * undecided. With `key`, lists longer than MAX_ITEMS compare their keys exactly instead.
 */
export function allOrdered<T>(a: readonly T[], b: readonly T[], cmp: (x: T, y: T) => Tri, key?: (x: T) => string): Tri {
  if (a.length !== b.length) return false;
  if (key && a.length > MAX_ITEMS) return a.every((x, i) => key(x) === key(b[i]!));
  let result: Tri = true;
  for (let i = 0; i < a.length; i++) {
    const r = cmp(a[i]!, b[i]!);
    if (r === false) return false;
    if (r === undefined) result = undefined;
  }
  return result;
}

/**
 * Is there a one-to-one pairing of a and b with every pair equal? true if one exists using only decided-equal
 * pairs, false if none exists even counting undecided pairs as equal, undefined otherwise (bipartite matching
 * by augmenting paths, each comparison made at most once). Lists longer than MAX_ITEMS compare their sorted
 * keys exactly.
 */
export function matchUnordered<T>(a: readonly T[], b: readonly T[], cmp: (x: T, y: T) => Tri, key: (x: T) => string): Tri {
  if (a.length !== b.length) return false;
  if (a.length > MAX_ITEMS) return [...a].map(key).sort().join('\u0000') === [...b].map(key).sort().join('\u0000');
  const memo = new Map<number, Tri>();
  const edge = (i: number, j: number): Tri => {
    const k = i * 1024 + j;
    if (!memo.has(k)) memo.set(k, cmp(a[i]!, b[j]!));
    return memo.get(k);
  };
  const perfect = (allowUndecided: boolean): boolean => {
    const owner = new Array<number>(b.length).fill(-1);
    const assign = (i: number, seen: boolean[]): boolean => {
      for (let j = 0; j < b.length; j++) {
        if (seen[j]) continue;
        const e = edge(i, j);
        if (!(e === true || (allowUndecided && e === undefined))) continue;
        seen[j] = true;
        if (owner[j] === -1 || assign(owner[j]!, seen)) {
          owner[j] = i;
          return true;
        }
      }
      return false;
    };
    for (let i = 0; i < a.length; i++) if (!assign(i, new Array<boolean>(b.length).fill(false))) return false;
    return true;
  };
  if (perfect(false)) return true;
  return perfect(true) ? undefined : false;
}
