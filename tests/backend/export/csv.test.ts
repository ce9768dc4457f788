// RFC 4180 CSV: quoting of commas, quotes and line breaks; CRLF rows; round trip through parseCsv.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toCsv, parseCsv } from '../../../backend/export/csv.js';

test('quotes only the fields that need it and round-trips', () => {
  const rows = [
    ['dataset', 'k1'],
    ['a,b', 0.5],
    ['say "hi"', 1],
    ['two\nlines', 0],
    ['plain', ''],
  ];
  const text = toCsv(rows);
  assert.equal(text, 'dataset,k1\r\n"a,b",0.5\r\n"say ""hi""",1\r\n"two\nlines",0\r\nplain,\r\n');
  assert.deepEqual(
    parseCsv(text),
    rows.map((r) => r.map(String)),
  );
});
