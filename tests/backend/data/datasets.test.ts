// Every built-in dataset loads with its expected count; gold answers are non-empty, equal to themselves
// after normalisation, and not equal to a copy with one digit changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BENCHMARK_NAMES, BUILTIN_DATASETS, loadDataset } from '../../../backend/data/index.js';
import { isEquivalentSync, normalize } from '../../../backend/math/index.js';

const EXPECTED: Record<string, number> = {
  aime24: 30,
  amc23: 40,
  math500: 500,
  minerva_math: 272,
  olympiadbench: 675,
};

/** The gold with its first digit changed (d → d+1 mod 10), or null when it has no digit. */
function perturb(answer: string): string | null {
  const m = /\d/.exec(answer);
  if (!m) return null;
  return answer.slice(0, m.index) + String((Number(m[0]) + 1) % 10) + answer.slice(m.index + 1);
}

for (const name of BENCHMARK_NAMES) {
  test(`${name}: ${EXPECTED[name]} records, gold equals itself, perturbed gold does not`, async () => {
    const d = await loadDataset(name);
    assert.equal(d.records.length, EXPECTED[name]);
    assert.equal(d.rows, EXPECTED[name]);
    assert.deepEqual(d.emptyAnswers, []);
    let perturbed = 0;
    for (const r of d.records) {
      assert.ok(r.answer.trim() !== '' && r.question.trim() !== '', r.id);
      assert.equal(r.source, name);
      assert.equal(
        normalize(normalize(r.answer)),
        normalize(r.answer),
        `normalize is idempotent on ${r.answer}`,
      );
      assert.equal(isEquivalentSync(r.answer, r.answer).equal, true, r.answer);
      // The normalised form still means the gold answer.
      assert.equal(isEquivalentSync(normalize(r.answer), r.answer).equal, true, `normalised ${r.answer}`);
      const p = perturb(r.answer);
      if (p === null) continue;
      perturbed++;
      const e = isEquivalentSync(p, r.answer);
      assert.equal(e.equal, false, `${r.id}: ${p} vs ${r.answer} (${e.method})`);
    }
    assert.ok(perturbed >= EXPECTED[name]! * 0.8, `${perturbed} perturbed`);
  });
}

test('gold rules: AMC numbers lose .0, Minerva reads the last box, OlympiadBench drops $', async () => {
  const amc = await loadDataset('amc23');
  assert.equal(amc.records[0]!.answer, '27');
  const minerva = await loadDataset('minerva_math');
  assert.equal(minerva.records[1]!.answer, '4.5e33');
  const olympiad = await loadDataset('olympiadbench');
  assert.ok(olympiad.records.every((r) => !r.answer.includes('$')));
  assert.equal(olympiad.records[1]!.answer, '\\frac{1}{2 n+2}');
  assert.equal(olympiad.records[1]!.meta?.answer_type, 'Expression');
});

test('math_train: 8,523 rows, two with empty answers reported by line, one duplicate question', async () => {
  const d = await loadDataset('math_train');
  assert.equal(d.rows, 8523);
  assert.deepEqual(
    d.emptyAnswers.map((e) => e.line),
    [5055, 5159],
  );
  assert.equal(d.records.length, 8521);
  assert.equal(d.duplicates, 1);
  assert.ok(d.records.every((r) => [3, 4, 5].includes(r.meta?.level as number)));
  // Perturbed golds are not equal (cheap rules only here, to keep the test fast).
  let checked = 0;
  for (const r of d.records.slice(0, 2000)) {
    const p = perturb(r.answer);
    if (p === null) continue;
    checked++;
    assert.equal(isEquivalentSync(p, r.answer).equal, false, `${r.id}: ${p} vs ${r.answer}`);
  }
  assert.ok(checked > 1500);
});

test('the registry lists every built-in file, resolved inside the package', () => {
  assert.deepEqual(
    BUILTIN_DATASETS.map((d) => d.name),
    [...BENCHMARK_NAMES, 'math_train'],
  );
});

test('unknown dataset names fail with the list of known ones', async () => {
  await assert.rejects(loadDataset('gsm8k'), /unknown dataset 'gsm8k' \(known: aime24, .*synthetic\)/);
});
