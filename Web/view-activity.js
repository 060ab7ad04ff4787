// Transactions, newest first, a page at a time with the contract's cursor (`next` is the
// `before` of the next, older page). Newer pages are the cursors already seen.
import * as api from './api.js';
import * as dec from './decimal.js';
import { fill, h, when } from './dom.js';

export const PAGE_SIZE = 20;
const RETRY_MS = 3_000;

export function renderActivity(main) {
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const pageLabel = h('span', { class: 'page-label', id: 'page-label' });
  const newer = h('button', { type: 'button', class: 'ghost', id: 'newer', disabled: true }, '← Newer');
  const older = h('button', { type: 'button', class: 'ghost', id: 'older', disabled: true }, 'Older →');
  main.append(h('div', { class: 'view-head' }, h('h1', {}, 'Activity'),
    h('p', { class: 'muted' }, 'Every executed order, newest first.')), status, body,
  h('nav', { class: 'pager', 'aria-label': 'Pages' }, newer, pageLabel, older));

  const cursors = [null]; // the `before` of each page seen; null is the newest page
  let page = 0;
  let next = null;
  let stopped = false;
  let retry = null;

  const load = async () => {
    clearTimeout(retry);
    newer.disabled = true;
    older.disabled = true;
    try {
      const answer = await api.transactions(PAGE_SIZE, cursors[page]);
      if (stopped) return;
      next = answer.next;
      fill(status, '');
      fill(body, answer.transactions.length === 0
        ? h('div', { class: 'panel empty' }, h('p', {}, 'No orders yet. '), h('a', { href: '#/markets' }, 'Find a stock to trade'))
        : h('div', { class: 'table-wrap panel flush' }, h('table', { class: 'data', id: 'transactions' },
          h('caption', { class: 'sr-only' }, `Transactions, page ${page + 1}, newest first`),
          h('thead', {}, h('tr', {}, ['Time', 'Side', 'Symbol', 'Quantity', 'Price', 'Total', 'Cash after']
            .map((t, i) => h('th', { scope: 'col', class: `${i >= 3 ? 'num' : ''} ${i === 4 || i === 6 ? 'wide-only' : ''}` }, t)))),
          h('tbody', {}, answer.transactions.map((t) => h('tr', { 'data-id': t.id },
            h('td', {}, h('time', { datetime: t.executed_at }, when(t.executed_at))),
            h('td', {}, h('span', { class: `badge side-${t.side}` }, t.side === 'buy' ? 'Buy' : 'Sell')),
            h('td', {}, h('a', { href: `#/stock/${t.symbol}` }, t.symbol)),
            h('td', { class: 'num' }, String(t.quantity)),
            h('td', { class: 'num wide-only' }, dec.money(t.price)),
            h('td', { class: 'num' }, dec.money(t.total)),
            h('td', { class: 'num wide-only' }, dec.money(t.cash_after))))))));
      fill(pageLabel, `Page ${page + 1}`);
      newer.disabled = page === 0;
      older.disabled = next === null;
    } catch (error) {
      if (stopped || (error instanceof api.ApiError && error.status === 401)) return;
      fill(status, api.describe(error));
      newer.disabled = page === 0;
      if (error instanceof api.ApiError && (error.status === 0 || error.status >= 502)) retry = setTimeout(load, RETRY_MS); // the message says "Retrying…"
    }
  };

  newer.addEventListener('click', () => { if (page > 0) { page -= 1; load(); } });
  older.addEventListener('click', () => {
    if (next === null) return;
    cursors[page + 1] = next;
    page += 1;
    load();
  });
  load();
  return () => { stopped = true; clearTimeout(retry); };
}
