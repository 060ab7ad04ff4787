// Cash, holdings and unrealised P&L, exactly as the trade service states them; the totals and
// percentages computed here use BigInt decimals. A stale price is marked in words, not colour.
import * as api from './api.js';
import * as dec from './decimal.js';
import { fill, h, trendClass, trendMark, whileVisible } from './dom.js';

const REFRESH_MS = 15_000;
const RETRY_MS = 3_000;
/** Columns a phone's width leaves out (average cost, market value, cost basis: the cards hold the totals). */
const NARROW_HIDDEN = new Set([2, 4, 5]);

function pl(amount, basis) {
  const sign = dec.sign(amount);
  return h('td', { class: `num wrap ${trendClass(sign)}` }, `${trendMark(sign)}${dec.signedMoney(amount)}`,
    h('span', { class: 'pct' }, ` (${dec.signedPercent(dec.percent(amount, basis))})`));
}

function card(label, value, id, extra) {
  return h('div', { class: 'card' }, h('p', { class: 'card-label', id: `${id}-label` }, label),
    h('p', { class: 'card-value', id, 'aria-labelledby': `${id}-label ${id}` }, value), extra || null);
}

export function renderPortfolio(main) {
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const content = h('div', { class: 'portfolio' }, h('p', { class: 'muted' }, 'Loading…'));
  main.append(h('div', { class: 'view-head' }, h('h1', {}, 'Portfolio'),
    h('p', { class: 'muted' }, 'Valued at the market service\'s current prices.')), status, content);
  let stopped = false;
  let retry = null;

  const draw = (folio) => {
    const stale = folio.prices_stale === true;
    const basis = folio.holdings.reduce((sum, x) => dec.add(sum, dec.parse(x.cost_basis)), dec.zero);
    const value = folio.holdings.reduce((sum, x) => dec.add(sum, dec.parse(x.market_value)), dec.zero);
    const gain = folio.holdings.reduce((sum, x) => dec.add(sum, dec.parse(x.unrealized_pl)), dec.zero);
    const sign = dec.sign(gain);
    const staleNote = stale ? h('p', { class: 'stale-banner', role: 'note' }, h('span', { 'aria-hidden': 'true' }, '⚠ '),
      'Prices may be out of date: the market service could not be reached, so holdings are valued at the last prices seen.') : null;
    const table = folio.holdings.length === 0
      ? h('div', { class: 'panel empty' }, h('p', {}, 'You hold no shares yet. '), h('a', { href: '#/markets' }, 'Browse the markets'))
      : h('div', { class: 'table-wrap panel flush' }, h('table', { class: 'data', id: 'holdings' },
        h('caption', { class: 'sr-only' }, 'Holdings with quantity, average cost, price, market value and unrealised profit or loss'),
        h('thead', {}, h('tr', {}, ['Symbol', 'Quantity', 'Avg cost', 'Price', 'Market value', 'Cost basis', 'Unrealised P&L']
          .map((t, i) => h('th', { scope: 'col', class: `${i ? 'num' : ''} ${NARROW_HIDDEN.has(i) ? 'wide-only' : ''}` }, t)))),
        h('tbody', {}, folio.holdings.map((x) => h('tr', { 'data-symbol': x.symbol },
          h('th', { scope: 'row' }, h('a', { href: `#/stock/${x.symbol}` }, x.symbol)),
          h('td', { class: 'num' }, String(x.quantity)),
          h('td', { class: 'num wide-only' }, dec.money(x.avg_cost)),
          h('td', { class: 'num' }, dec.money(x.price), stale ? h('span', { class: 'stale-mark' }, ' (stale)') : null),
          h('td', { class: 'num wide-only' }, dec.money(x.market_value)),
          h('td', { class: 'num wide-only' }, dec.money(x.cost_basis)),
          pl(dec.parse(x.unrealized_pl), dec.parse(x.cost_basis))))),
        h('tfoot', {}, h('tr', { id: 'totals' }, h('th', { scope: 'row' }, 'Total'), h('td', {}), h('td', { class: 'wide-only' }), h('td', {}),
          h('td', { class: 'num wide-only' }, dec.money(value)), h('td', { class: 'num wide-only' }, dec.money(basis)), pl(gain, basis)))));
    fill(content, staleNote,
      h('div', { class: 'cards' },
        card('Cash', dec.money(folio.cash), 'cash'),
        card('Holdings value', dec.money(value), 'holdings-value'),
        card('Total value', dec.money(folio.total_value), 'total-value'),
        card('Unrealised P&L', `${trendMark(sign)}${dec.signedMoney(gain)}`, 'total-pl',
          h('p', { class: `card-sub ${trendClass(sign)}` }, dec.signedPercent(dec.percent(gain, basis))))),
      table);
  };

  const refresh = async () => {
    clearTimeout(retry);
    try {
      const folio = await api.portfolio();
      if (stopped) return;
      fill(status, '');
      draw(folio);
    } catch (error) {
      if (stopped || (error instanceof api.ApiError && error.status === 401)) return;
      fill(status, api.describe(error));
      if (error instanceof api.ApiError && (error.status === 0 || error.status >= 502)) retry = setTimeout(refresh, RETRY_MS); // sooner than the next refresh: the message says "Retrying…"
    }
  };
  const stop = whileVisible(refresh, REFRESH_MS);
  return () => { stopped = true; stop(); clearTimeout(retry); };
}
