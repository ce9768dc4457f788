// Small display formatters shared by the pages (numbers, percentages, dates).

/** 4 significant digits, no trailing noise; '–' for null/NaN. */
export function fmt(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (v !== 0 && (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3)) return v.toExponential(2);
  return String(Number(v.toPrecision(digits)));
}

export function pct(v: number | null | undefined, digits = 1): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : `${(v * 100).toFixed(digits)}%`;
}

/** "2026-11-26 13:05" in local time. */
export function dateTime(ms: number | null | undefined): string {
  if (!ms) return '–';
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** Tags typed as "a, b c" → ['a', 'b c'] (trimmed, de-duplicated, empties dropped). */
export function parseTags(text: string): string[] {
  return [...new Set(text.split(',').map((t) => t.trim()).filter((t) => t !== ''))];
}

/**
 * An axis tick label with as many decimals as the tick spacing needs (0.25 → 2, 0.005 → 3), so neighbouring
 * ticks never print the same text; tiny or huge magnitudes use exponent notation.
 */
export function tickLabel(value: number, spacing: number): string {
  if (!Number.isFinite(value)) return '';
  if (value === 0) return '0';
  const step = Math.abs(spacing) > 0 && Number.isFinite(spacing) ? Math.abs(spacing) : Math.abs(value);
  const mag = Math.max(Math.abs(value), step);
  if (mag >= 1e6 || mag < 1e-3) {
    const digits = Math.min(6, Math.max(1, Math.ceil(Math.log10(mag / step) + 1e-9)));
    return value.toExponential(digits);
  }
  // The fewest decimals that write the spacing exactly (0.25 → 2), so ticks stay distinct.
  let decimals = 0;
  while (decimals < 8 && Math.abs(Math.round(step * 10 ** decimals) - step * 10 ** decimals) > 1e-6 * step * 10 ** decimals) decimals++;
  return value.toFixed(decimals);
}
