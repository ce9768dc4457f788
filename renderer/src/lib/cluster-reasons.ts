// Where the Settings page says why a Ray cluster cannot be used. The same failure can reach the page three ways —
// the "In use now" box (the server's last failed switch), "Test connection" and "Save" — each carrying the
// cluster's error as `reason`. The page shows a reason in full once: in the outcome of what the user did last
// (the newer of the test and the save), else in the "In use now" box; every other place with that same reason
// states its own outcome briefly and points to it. Pure, so the rule is unit-tested apart from the page.

/** The places, top to bottom as the page shows them. */
export const REASON_PLACES = ['problem', 'test', 'save'] as const;
export type ReasonPlace = (typeof REASON_PLACES)[number];

/** One place's reason and when it was produced (a counter: higher is newer; the server's problem counts as 0). */
export interface PlacedReason {
  reason: string | null;
  seq: number;
}

/** A place shows its reason in full, points to the place that shows it, or has none. */
export type ReasonShown = { full: true } | { full: false; shownIn: ReasonPlace } | null;

/** Among places sharing a reason, the newest shows it (ties: the save, then the test, then the problem). */
export function reasonDisplay(places: Record<ReasonPlace, PlacedReason>): Record<ReasonPlace, ReasonShown> {
  const byPriority: ReasonPlace[] = ['save', 'test', 'problem'];
  const out: Record<ReasonPlace, ReasonShown> = { problem: null, test: null, save: null };
  for (const p of REASON_PLACES) {
    const r = places[p].reason;
    if (r === null) continue;
    const newest = byPriority.filter((q) => places[q].reason === r).reduce((a, b) => (places[b].seq > places[a].seq ? b : a));
    out[p] = newest === p ? { full: true } : { full: false, shownIn: newest };
  }
  return out;
}

const NAME: Record<ReasonPlace, string> = { problem: '“In use now”', test: 'the test result', save: 'the save result' };

/** "the save result below": where `from` finds the reason it points to. */
export function pointer(from: ReasonPlace, to: ReasonPlace): string {
  return `${NAME[to]} ${REASON_PLACES.indexOf(to) > REASON_PLACES.indexOf(from) ? 'below' : 'above'}`;
}
