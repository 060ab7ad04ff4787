// What the views share about the market: names from the listing, and a day's change.
import * as api from './api.js';
import * as dec from './decimal.js';

const names = new Map();

/** The listing (`GET /stocks`), remembering each symbol's name. */
export async function listing() {
  const answer = await api.stocks();
  for (const stock of answer.stocks) names.set(stock.symbol, stock.name);
  return answer.stocks;
}

export function nameOf(symbol) { return names.get(symbol) || ''; }

/**
 * The change of `price` (a quote as of `asOf`) since the previous close, from a history oldest
 * first: the quote belongs to the last trading day up to its date (today's row on a weekday,
 * Friday's at a weekend), and the previous close is the row before that one. Returns
 * { amount, percent, previous } or null when the history is too short.
 */
export function change(price, asOf, prices) {
  const day = asOf.slice(0, 10);
  const upTo = prices.filter((p) => p.date <= day);
  if (upTo.length < 2) return null;
  const previous = upTo[upTo.length - 2];
  const amount = dec.sub(dec.parse(price), dec.parse(previous.close));
  return { amount, percent: dec.percent(amount, dec.parse(previous.close)), previous: previous.close };
}
