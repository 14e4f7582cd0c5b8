// Number formatting for the report: three significant digits, thin grouping.

// 1234567 → "1,230,000"; 0.01234 → "0.0123"; keeps integers below 1000 exact.
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs === 0) return '0';
  if (abs >= 1000) return Math.round(Number(value.toPrecision(3))).toLocaleString('en-US');
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(3)));
}

// A ratio as "0.42×".
export function formatRatio(ratio: number | undefined): string {
  return ratio === undefined ? '' : `${formatNumber(ratio)}×`;
}

// Whether a goal is met, as a table cell.
export function formatMet(met: boolean | undefined): string {
  return met === undefined ? '' : met ? '✅ met' : '❌ missed';
}

// Escapes a table cell.
export function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
