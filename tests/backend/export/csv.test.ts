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

test('formula injection: text cells starting with = + - @ tab CR get a leading quote; numbers stay numbers', () => {
  const text = toCsv([
    ['cell'],
    ['=HYPERLINK("http://evil.example","x")'],
    ["=cmd|' /C calc'!A0"],
    ['+1+2'],
    ['-2+3'],
    ['@SUM(A1)'],
    ['\t=1'],
    ['\r=1'],
    [-0.5],
    ['-0.5'],
    ['+3'],
    ['1e-5'],
    ['a=b'],
    ['-'],
  ]);
  assert.deepEqual(
    parseCsv(text).map((r) => r[0]),
    ['cell', `'=HYPERLINK("http://evil.example","x")`, "'=cmd|' /C calc'!A0", "'+1+2", "'-2+3", "'@SUM(A1)", "'\t=1", "'\r=1", '-0.5', '-0.5', '+3', '1e-5', 'a=b', "'-"],
  );
});
