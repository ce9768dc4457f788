// The accuracy table `attempt-studio eval` prints and writes as CSV: one row per dataset plus the mean,
// one column per k (k-attempt accuracy) or per pass@k (sampled), built from an eval executor's outcome.
import { toCsv } from '../export/csv.js';
import type { KAttemptResult } from '../eval/k-attempt.js';
import type { SampledResult } from '../eval/sampled.js';

interface AccuracyTable {
  header: string[];
  rows: { dataset: string; n: number; skipped: number; values: number[] }[];
}

/** Rows = datasets + mean (unweighted over datasets with n > 0), columns = k (or pass@k). */
function accuracyTable(
  datasets: { dataset: string; n: number; skipped: number; values: number[] }[],
  K: number,
  prefix: string,
): AccuracyTable {
  const used = datasets.filter((d) => d.n > 0);
  const mean = Array.from({ length: K }, (_, i) =>
    used.length ? used.reduce((s, d) => s + d.values[i]!, 0) / used.length : 0,
  );
  return {
    header: ['dataset', 'n', 'skipped', ...Array.from({ length: K }, (_, i) => `${prefix}${i + 1}`)],
    rows: [
      ...datasets,
      {
        dataset: 'mean',
        n: datasets.reduce((s, d) => s + d.n, 0),
        skipped: datasets.reduce((s, d) => s + d.skipped, 0),
        values: mean,
      },
    ],
  };
}

export function formatTable(t: AccuracyTable): string {
  const cells = [
    t.header,
    ...t.rows.map((r) => [
      r.dataset,
      String(r.n),
      String(r.skipped),
      ...r.values.map((v) => (100 * v).toFixed(1)),
    ]),
  ];
  const widths = t.header.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  return cells
    .map((row) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '))
    .join('\n');
}

export const tableCsv = (t: AccuracyTable): string =>
  toCsv([t.header, ...t.rows.map((r) => [r.dataset, r.n, r.skipped, ...r.values])]);

/** The table of a k-attempt evaluation (columns k1..kK). */
export const kAttemptTable = (r: KAttemptResult, K: number): AccuracyTable =>
  accuracyTable(
    r.datasets.map((d) => ({ dataset: d.dataset, n: d.n, skipped: d.skipped.length, values: d.accuracyByK })),
    K,
    'k',
  );

/** pass@1..N of one dataset of a sampled evaluation. */
export const passAtKOf = (d: SampledResult['datasets'][number], samples: number): number[] =>
  Array.from({ length: samples }, (_, i) => d.passAtK[i + 1] ?? 0);

/** The table of a sampled evaluation (columns pass@1..pass@N). */
export const sampledTable = (r: SampledResult, samples: number): AccuracyTable =>
  accuracyTable(
    r.datasets.map((d) => ({ dataset: d.dataset, n: d.questions, skipped: d.skipped.length, values: passAtKOf(d, samples) })),
    samples,
    'pass@',
  );
