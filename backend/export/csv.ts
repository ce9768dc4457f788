// CSV text per RFC 4180: CRLF line ends, a field quoted when it holds a comma, quote, CR or LF, quotes doubled.
// Every CSV the studio writes (the Export page, `export csv`, `eval --out`, the demo) goes through csvField, so
// spreadsheet formula injection is neutralised in one place (neutralizeFormula).

/** A plain decimal number as text ("-0.5", "+3", "1e-5"): a spreadsheet reads it as that number, never a formula. */
const PLAIN_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * OWASP's rule for CSV injection: a text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return
 * is prefixed with a single quote, so a spreadsheet shows it as text instead of evaluating it
 * (`=HYPERLINK(…)`, `=cmd|' /C calc'!A0`). Numbers, and text that is just a plain number ("-0.5"), stay as
 * they are: they cannot run anything and the values must survive the round trip.
 */
export function neutralizeFormula(s: string): string {
  return /^[=+\-@\t\r]/.test(s) && !PLAIN_NUMBER.test(s) ? `'${s}` : s;
}

export function csvField(value: string | number): string {
  const s = typeof value === 'number' ? String(value) : neutralizeFormula(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Rows (the first is the header) as CSV text ending in CRLF. */
export function toCsv(rows: readonly (readonly (string | number)[])[]): string {
  return rows.map((r) => r.map(csvField).join(',') + '\r\n').join('');
}
/** Parses CSV written by toCsv (or any RFC 4180 text) back into rows of strings. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
