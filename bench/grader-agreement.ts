// `npm run bench:grader-agreement`: the table in docs/GRADING.md. Every gold answer of the five shipped
// benchmarks and of MATH train, re-formatted every way tests/reference/grading-pairs.ts knows (delimiters,
// box, \dfrac, spacing, reordered sets, swapped equation sides, …) must be equal to itself, and every
// perturbed copy (a digit changed, an item dropped, a sign flipped, a pair swapped) must differ. Graded by
// the production sync path (isEquivalentSync). Writes bench/results/grader-agreement.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { isEquivalentSync } from '../backend/math/index.js';
import { loadGolds, PERTURBATIONS, REFORMATS, rng } from '../tests/reference/grading-pairs.js';

interface Row {
  golds: number;
  reformatted: number;
  equal: number;
  perturbed: number;
  differ: number;
  misses: string[];
}

const golds = await loadGolds();
const rows: Record<string, Row> = {};
const t0 = performance.now();
for (const [dataset, answers] of Object.entries(golds)) {
  const row: Row = { golds: 0, reformatted: 0, equal: 0, perturbed: 0, differ: 0, misses: [] };
  const r = rng(15);
  answers.forEach((raw, i) => {
    const g = raw.trim();
    if (g === '') return;
    row.golds++;
    const gold = `$${g}$`;
    for (const [name, f] of Object.entries(REFORMATS)) {
      const pred = f(g);
      if (pred === null) continue;
      row.reformatted++;
      if (isEquivalentSync(pred, gold).equal) row.equal++;
      else if (row.misses.length < 40) row.misses.push(`${dataset}:${i}:${name} not equal: ${g}`);
    }
    for (const [name, f] of Object.entries(PERTURBATIONS)) {
      const pred = f(g, r);
      if (pred === null) continue;
      row.perturbed++;
      if (!isEquivalentSync(pred, gold).equal) row.differ++;
      else if (row.misses.length < 40) row.misses.push(`${dataset}:${i}:${name} equal: ${g} | ${pred}`);
    }
  });
  rows[dataset] = row;
  const pct = (a: number, b: number) => ((100 * a) / Math.max(1, b)).toFixed(2);
  console.log(
    `| ${dataset} | ${row.golds} | ${row.reformatted} | ${pct(row.equal, row.reformatted)}% | ${row.perturbed} | ${pct(row.differ, row.perturbed)}% |`,
  );
}
const seconds = (performance.now() - t0) / 1000;
for (const row of Object.values(rows)) for (const m of row.misses) console.log('  ', m);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('./results/grader-agreement.json', import.meta.url),
  JSON.stringify(
    {
      date: new Date().toISOString(),
      node: process.version,
      loadAvg1m: os.loadavg()[0],
      seconds: Math.round(seconds),
      rows,
    },
    null,
    2,
  ) + '\n',
);
console.log(`wrote bench/results/grader-agreement.json (${seconds.toFixed(0)} s)`);
