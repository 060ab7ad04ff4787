// Every listed symbol: name, price, change, source and age, refreshed while the page is visible.
import * as api from './api.js';
import * as dec from './decimal.js';
import { age, fill, h, trendClass, trendMark, whileVisible } from './dom.js';
import { change, listing } from './market.js';

/** The listing is free (no provider call); quotes and histories may cost one, so less often. */
const LIST_MS = 10_000;
const DETAIL_MS = 60_000;

export function renderMarkets(main) {
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const body = h('tbody');
  const updated = h('span', { class: 'muted' });
  main.append(
    h('div', { class: 'view-head' }, h('h1', {}, 'Markets'), h('p', { class: 'muted' }, 'Refreshes every 10 s. ', updated)),
    status,
    h('div', { class: 'table-wrap panel flush' }, h('table', { class: 'data', id: 'markets' },
      h('caption', { class: 'sr-only' }, 'Listed stocks with price, change since the previous close, source and age'),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, 'Symbol'), h('th', { scope: 'col', class: 'wide-only' }, 'Name'),
        h('th', { scope: 'col', class: 'num' }, 'Price'), h('th', { scope: 'col', class: 'num' }, 'Change'),
        h('th', { scope: 'col' }, 'Source'), h('th', { scope: 'col', class: 'wide-only' }, 'Updated'))),
      body)));

  const details = new Map(); // symbol -> { source, history, fetched }
  let rows = [];
  let stopped = false;

  // Rows are kept and their cells updated in place, so a refresh never moves keyboard focus.
  const rowOf = new Map();
  const draw = () => {
    const now = Date.now();
    const ordered = rows.map((stock) => {
      let row = rowOf.get(stock.symbol);
      if (!row) {
        row = h('tr', { 'data-symbol': stock.symbol },
          h('th', { scope: 'row' }, h('a', { href: `#/stock/${stock.symbol}` }, stock.symbol),
            h('span', { class: 'narrow-only sub' }, stock.name)),
          h('td', { class: 'wide-only' }), h('td', { class: 'num price' }), h('td', { class: 'num change' }), h('td', {}),
          h('td', { class: 'wide-only' }));
        rowOf.set(stock.symbol, row);
      }
      const detail = details.get(stock.symbol);
      const moved = detail && detail.history ? change(stock.price, stock.as_of, detail.history) : null;
      const sign = moved ? dec.sign(moved.amount) : 0;
      const cells = row.children;
      fill(cells[1], stock.name);
      fill(cells[2], dec.money(stock.price));
      cells[3].className = `num change wrap ${trendClass(sign)}`;
      fill(cells[3], moved ? `${trendMark(sign)}${dec.signedMoney(moved.amount)} (${dec.signedPercent(moved.percent)})` : '—');
      fill(cells[4], detail && detail.source ? h('span', { class: `badge src-${detail.source}` }, detail.source) : '—');
      fill(cells[5], h('time', { datetime: stock.as_of, title: stock.as_of }, age(stock.as_of, now)));
      return row;
    });
    if (ordered.some((row, i) => body.children[i] !== row) || body.children.length !== ordered.length) {
      fill(body, ordered);
    }
    // For the tests' "time to the first rendered price" (README).
    if (ordered.length && performance.getEntriesByName('desk:first-price').length === 0) performance.mark('desk:first-price');
  };

  const loadDetails = async () => {
    const now = Date.now();
    await Promise.all(rows.map(async (stock) => {
      const known = details.get(stock.symbol);
      if (known && now - known.fetched < DETAIL_MS) return;
      details.set(stock.symbol, { ...(known || {}), fetched: now });
      try {
        const [quote, history] = await Promise.all([api.quote(stock.symbol), api.history(stock.symbol, 5)]);
        details.set(stock.symbol, { source: quote.source, history: history.prices, fetched: now });
      } catch {
        details.set(stock.symbol, { ...(known || {}), fetched: now - DETAIL_MS / 2 });
      }
    }));
  };

  const refresh = async () => {
    try {
      rows = await listing();
      if (stopped) return;
      fill(status, rows.length ? '' : 'No stock has a quote yet. The market service lists a symbol once it has priced it.');
      fill(updated, `Last updated ${new Date().toISOString().slice(11, 19)} UTC.`);
      draw();
      await loadDetails();
      if (!stopped) draw();
    } catch (error) {
      if (!stopped) fill(status, api.describe(error));
    }
  };

  const stopRefresh = whileVisible(refresh, LIST_MS);
  const ages = setInterval(() => { if (document.visibilityState === 'visible') draw(); }, 1000);
  return () => { stopped = true; stopRefresh(); clearInterval(ages); };
}
