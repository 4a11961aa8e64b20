// Number formatting for the dashboard: currency, percent, basis points, plain numbers.
// Every formatter returns "—" for null/undefined/NaN so a missing figure is never shown as 0.

export const MISSING = "—";

const usd0 = new Intl.NumberFormat("en-US", {
  style: "currency", currency: "USD", maximumFractionDigits: 0, minimumFractionDigits: 0,
});
const usd2 = new Intl.NumberFormat("en-US", {
  style: "currency", currency: "USD", maximumFractionDigits: 2, minimumFractionDigits: 2,
});

function missing(value) {
  return value === null || value === undefined || Number.isNaN(value);
}

/** Dollars, no cents by default: 1234567.8 → "$1,234,568"; -5 → "-$5". */
export function money(value, cents = false) {
  if (missing(value)) return MISSING;
  return (cents ? usd2 : usd0).format(value);
}

/** Signed dollars for P&L: "+$1,234" / "-$1,234" / "$0". */
export function pnl(value) {
  if (missing(value)) return MISSING;
  const text = usd0.format(value);
  return value > 0 && text !== "$0" ? `+${text}` : text;
}

/** A fraction as a percent: 0.01234 → "1.23%" (digits after the point). */
export function pct(value, digits = 2) {
  if (missing(value)) return MISSING;
  return new Intl.NumberFormat("en-US", {
    style: "percent", minimumFractionDigits: digits, maximumFractionDigits: digits,
  }).format(value);
}

/** A fraction in basis points: 0.0123 → "123.0 bp" (1 bp = 0.0001). */
export function bp(value, digits = 1) {
  if (missing(value)) return MISSING;
  return `${num(value * 10000, digits)} bp`;
}

/** A plain number with thousands separators: 1234.567 → "1,234.57". */
export function num(value, digits = 2) {
  if (missing(value)) return MISSING;
  return new Intl.NumberFormat("en-US", {
    minimumFractionDigits: digits, maximumFractionDigits: digits,
  }).format(value);
}

/** Compact dollars for chart axes: 1234567 → "$1.2M". */
export function moneyCompact(value) {
  if (missing(value)) return MISSING;
  return new Intl.NumberFormat("en-US", {
    style: "currency", currency: "USD", notation: "compact", maximumFractionDigits: 2,
  }).format(value);
}

/** The side of a signed figure in words, so colour is never the only signal. */
export function side(value) {
  if (missing(value) || value === 0) return "flat";
  return value > 0 ? "long" : "short";
}
