// Exact decimal arithmetic for money: a value is a BigInt of units at a scale (digits after the
// point). The API sends decimal strings; nothing here ever goes through a binary float.

const PATTERN = /^(-?)(\d+)(?:\.(\d+))?$/;

/** Parses "187.2300" into { units: 1872300n, scale: 4 }; throws on anything else. */
export function parse(text) {
  const match = PATTERN.exec(String(text));
  if (!match) throw new Error(`not a decimal: ${text}`);
  const fraction = match[3] || '';
  const units = BigInt(match[2] + fraction);
  return { units: match[1] ? -units : units, scale: fraction.length };
}

/** The same value at a larger scale (exact). */
function widen(value, scale) {
  return { units: value.units * 10n ** BigInt(scale - value.scale), scale };
}

function align(a, b) {
  const scale = Math.max(a.scale, b.scale);
  return [widen(a, scale), widen(b, scale), scale];
}

export function add(a, b) {
  const [x, y, scale] = align(a, b);
  return { units: x.units + y.units, scale };
}

export function sub(a, b) {
  const [x, y, scale] = align(a, b);
  return { units: x.units - y.units, scale };
}

/** a × n for a whole number n (a quantity). */
export function times(a, n) {
  return { units: a.units * BigInt(n), scale: a.scale };
}

export function compare(a, b) {
  const [x, y] = align(a, b);
  return x.units < y.units ? -1 : x.units > y.units ? 1 : 0;
}

export const zero = { units: 0n, scale: 2 };

/** Integer division of n by d, rounded half to even (the API's rounding, API.md "Conventions"). */
function divideHalfEven(n, d) {
  if (d < 0n) { n = -n; d = -d; }
  let q = n / d;
  const r = n - q * d;
  const twice = (r < 0n ? -r : r) * 2n;
  if (twice > d || (twice === d && q % 2n !== 0n)) q += r < 0n ? -1n : 1n;
  return q;
}

/** The value rounded half-even to `scale` digits. */
export function round(value, scale) {
  if (value.scale <= scale) return widen(value, scale);
  return { units: divideHalfEven(value.units, 10n ** BigInt(value.scale - scale)), scale };
}

/** a / b × 100, rounded half-even to 2 digits; null when b is zero. */
export function percent(a, b) {
  const [x, y] = align(a, b);
  if (y.units === 0n) return null;
  return { units: divideHalfEven(x.units * 10000n, y.units), scale: 2 };
}

/** The plain decimal string ("-12.50"). */
export function toText(value) {
  const negative = value.units < 0n;
  let digits = (negative ? -value.units : value.units).toString().padStart(value.scale + 1, '0');
  if (value.scale > 0) digits = `${digits.slice(0, -value.scale)}.${digits.slice(-value.scale)}`;
  return (negative ? '-' : '') + digits;
}

/** Groups the whole part of a decimal string with commas, keeping every digit it has. */
export function group(text) {
  const [whole, fraction] = String(text).split('.');
  const sign = whole.startsWith('-') ? '−' : '';
  const grouped = whole.replace('-', '').replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return sign + grouped + (fraction !== undefined ? `.${fraction}` : '');
}

/** "$1,234.50" from the API's string or a computed value, digits as they are. */
export function money(value) {
  const text = typeof value === 'string' ? value : toText(value);
  const grouped = group(text);
  return grouped.startsWith('−') ? `−$${grouped.slice(1)}` : `$${grouped}`;
}

/** "+$12.50" / "−$3.00" / "$0.00": a change, its sign in words as well as colour. */
export function signedMoney(value) {
  const v = typeof value === 'string' ? parse(value) : value;
  if (v.units > 0n) return `+${money(v)}`;
  return money(v);
}

/** "+1.25%" / "−0.40%". */
export function signedPercent(value) {
  if (value === null) return '—';
  const text = group(toText(value));
  return (value.units > 0n ? '+' : '') + text + '%';
}

/** -1, 0 or 1. */
export function sign(value) {
  const v = typeof value === 'string' ? parse(value) : value;
  return v.units > 0n ? 1 : v.units < 0n ? -1 : 0;
}
