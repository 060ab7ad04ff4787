// One symbol: its price, a history chart with a selectable range, and an order ticket with a
// confirmation step. Each confirmed order gets a fresh Idempotency-Key; retrying that same order
// (a dropped connection, a 502) sends the same key, so it can never execute twice.
import * as api from './api.js';
import * as dec from './decimal.js';
import { lineChart } from './chart.js';
import { age, fill, h, trendClass, trendMark, whileVisible, field } from './dom.js';
import { change, listing, nameOf } from './market.js';

const RANGES = [['1W', 5], ['1M', 21], ['3M', 63], ['100D', 100]];
const QUOTE_MS = 15_000;

export function renderStock(main, symbol) {
  let quote = null;
  let cash = null;
  let held = 0;
  let days = 21;
  let intent = null; // { key, side, quantity } once reviewed; kept across retries of that order
  let stopped = false;

  const nameLine = h('p', { class: 'muted stock-name' }, nameOf(symbol));
  const price = h('p', { class: 'big-price', id: 'price' }, '…');
  const moveLine = h('p', { class: 'move' });
  const meta = h('p', { class: 'muted meta' });
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const chartBox = h('div', { class: 'chart-box' });
  const rangeButtons = RANGES.map(([label, n]) => h('button', {
    type: 'button', class: 'seg', 'aria-pressed': String(n === days), 'data-days': n,
    'aria-label': `${label}: last ${n} trading days`, onclick: () => { days = n; loadHistory(); },
  }, label));

  // The ticket.
  const buy = h('input', { type: 'radio', name: 'side', value: 'buy', id: 'side-buy', checked: true });
  const sell = h('input', { type: 'radio', name: 'side', value: 'sell', id: 'side-sell' });
  const quantity = field('quantity', 'Quantity (shares)', h('input', {
    type: 'text', inputmode: 'numeric', pattern: '[0-9]*', autocomplete: 'off', value: '1', maxlength: 7,
  }));
  const estimate = h('dl', { class: 'estimate', 'aria-live': 'polite' });
  const review = h('button', { type: 'submit', class: 'primary wide', id: 'review' }, 'Review order');
  const confirmBox = h('div', { class: 'confirm', hidden: true, role: 'group', 'aria-labelledby': 'confirm-title' });
  const result = h('div', { class: 'result', role: 'status', 'aria-live': 'polite' });

  const side = () => (sell.checked ? 'sell' : 'buy');
  const qty = () => {
    const text = quantity.input.value.trim();
    if (!/^\d{1,7}$/.test(text)) return null;
    const n = Number(text);
    return n >= 1 && n <= 1_000_000 ? n : null;
  };
  const totalFor = (n) => dec.round(dec.times(dec.parse(quote.price), n), 2);
  const cashAfter = (n) => (side() === 'buy' ? dec.sub(dec.parse(cash), totalFor(n)) : dec.add(dec.parse(cash), totalFor(n)));

  const row = (term, value, id) => [h('dt', {}, term), h('dd', { id }, value)];
  const drawEstimate = () => {
    const n = qty();
    const ready = quote && cash !== null && n !== null;
    fill(estimate,
      row('Market price', quote ? dec.money(quote.price) : '…', 'est-price'),
      row('Estimated total', ready ? dec.money(totalFor(n)) : '—', 'est-total'),
      row('Cash now', cash !== null ? dec.money(cash) : '…', 'est-cash'),
      row('Cash after (estimate)', ready ? dec.money(cashAfter(n)) : '—', 'est-after'),
      row('Shares held', String(held), 'est-held'));
  };

  /** The reason this order cannot go, or null. */
  const problem = () => {
    const n = qty();
    if (n === null) return 'Enter a whole number of shares from 1 to 1,000,000.';
    if (!quote || cash === null) return 'Waiting for the price and your cash.';
    if (side() === 'buy' && dec.sign(cashAfter(n)) < 0) {
      return `Not enough cash: about ${dec.money(totalFor(n))} needed, ${dec.money(cash)} available.`;
    }
    if (side() === 'sell' && n > held) return `You hold ${held} share${held === 1 ? '' : 's'} of ${symbol}.`;
    return null;
  };

  const showConfirm = () => {
    const n = intent.quantity;
    const verb = intent.side === 'buy' ? 'Buy' : 'Sell';
    fill(confirmBox,
      h('h3', { id: 'confirm-title' }, 'Confirm your order'),
      h('p', { class: 'confirm-text' }, `${verb} ${n} ${symbol} at market, about ${dec.money(totalFor(n))}. `,
        `Cash after, about ${dec.money(cashAfter(n))}. The final price is the one at execution.`),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: `primary ${intent.side}`, id: 'confirm', onclick: submit }, `Confirm ${intent.side}`),
        h('button', { type: 'button', class: 'ghost', id: 'cancel', onclick: cancel }, 'Edit order')));
    confirmBox.hidden = false;
    review.hidden = true;
    confirmBox.querySelector('#confirm').focus();
  };

  const cancel = () => {
    intent = null;
    confirmBox.hidden = true;
    review.hidden = false;
    quantity.input.focus();
  };

  const onReview = (event) => {
    event.preventDefault();
    fill(result, '');
    const reason = problem();
    quantity.error(reason || '');
    if (reason) { quantity.input.focus(); return; }
    intent = { key: api.newIdempotencyKey(), side: side(), quantity: qty() };
    showConfirm();
  };

  // One request at a time per intent: the button is disabled before the first await, so a double
  // click sends one request; and were two sent, they would carry the same key.
  let sending = false;
  async function submit() {
    if (sending || !intent) return;
    sending = true;
    const button = confirmBox.querySelector('#confirm');
    if (button) { button.disabled = true; fill(button, 'Placing order…'); }
    const { key, side: orderSide, quantity: n } = intent;
    try {
      const done = await api.order(orderSide, symbol, n, key);
      intent = null;
      confirmBox.hidden = true;
      review.hidden = false;
      fill(result, h('p', { class: 'ok' }, h('span', { 'aria-hidden': 'true' }, '✓ '),
        `${done.side === 'buy' ? 'Bought' : 'Sold'} ${done.quantity} ${done.symbol} at ${dec.money(done.price)} `,
        `for ${dec.money(done.total)}. Cash now ${dec.money(done.cash_after)}.`));
      cash = done.cash_after;
      await loadAccount();
    } catch (error) {
      if (!(error instanceof api.ApiError) || error.status === 401) throw error;
      if (error.outcomeUnknown) {
        // The same intent stays: retrying sends the same Idempotency-Key.
        fill(confirmBox, h('h3', { id: 'confirm-title' }, 'Order not confirmed'),
          h('p', { class: 'warn' }, error.status === 409
            ? 'This order is still being processed. Retry in a moment to see its result.'
            : 'The server did not confirm this order. Retrying is safe: it will not be placed twice.'),
          h('div', { class: 'actions' },
            h('button', { type: 'button', class: 'primary', id: 'confirm', onclick: submit }, 'Retry order'),
            h('button', { type: 'button', class: 'ghost', id: 'cancel', onclick: cancel }, 'Cancel')));
        confirmBox.querySelector('#confirm').focus();
      } else {
        intent = null;
        confirmBox.hidden = true;
        review.hidden = false;
        const words = {
          '/problems/insufficient-funds': 'Not enough cash for this order.',
          '/problems/insufficient-shares': `You do not hold enough shares of ${symbol}.`,
        }[error.type];
        quantity.error(words || api.describe(error));
        quantity.input.focus();
        await loadAccount();
      }
    } finally {
      sending = false;
    }
  }

  const form = h('form', { class: 'ticket-form', novalidate: true, onsubmit: onReview },
    h('fieldset', { class: 'sides' }, h('legend', {}, 'Side'),
      h('label', { class: 'side', id: 'label-buy' }, buy, h('span', {}, 'Buy')),
      h('label', { class: 'side', id: 'label-sell' }, sell, h('span', {}, 'Sell'))),
    quantity.wrap, estimate, review);
  const onChange = () => { quantity.error(''); if (intent) cancel(); drawEstimate(); };
  form.addEventListener('input', onChange);
  form.addEventListener('change', onChange);

  main.append(
    h('p', { class: 'crumbs' }, h('a', { href: '#/markets' }, '← Markets')),
    h('div', { class: 'view-head stock-head' },
      h('div', {}, h('h1', {}, symbol), nameLine),
      h('div', { class: 'quote' }, price, moveLine, meta)),
    status,
    h('div', { class: 'stock-grid' },
      h('section', { class: 'panel', 'aria-labelledby': 'history-title' },
        h('div', { class: 'panel-head' }, h('h2', { id: 'history-title' }, 'Price history'),
          h('div', { class: 'segmented', role: 'group', 'aria-label': 'Range' }, rangeButtons)),
        chartBox),
      h('section', { class: 'panel ticket', 'aria-labelledby': 'ticket-title' },
        h('h2', { id: 'ticket-title' }, 'Order ticket'), form, confirmBox, result)));

  let historyPrices = [];
  const drawQuote = () => {
    if (!quote) return;
    fill(price, dec.money(quote.price));
    const moved = change(quote.price, quote.as_of, historyPrices);
    const sign = moved ? dec.sign(moved.amount) : 0;
    moveLine.className = `move ${trendClass(sign)}`;
    fill(moveLine, moved ? `${trendMark(sign)}${dec.signedMoney(moved.amount)} (${dec.signedPercent(moved.percent)}) since the previous close` : '');
    fill(meta, h('span', { class: `badge src-${quote.source}` }, quote.source), ' ',
      h('time', { datetime: quote.as_of, title: quote.as_of }, `as of ${age(quote.as_of)}`));
  };

  let drawnWidth = 0;
  let selected = null; // the chart's reading, kept across redraws
  function drawChart() {
    drawnWidth = chartBox.clientWidth;
    fill(chartBox, lineChart(historyPrices, symbol, drawnWidth || 720, selected, (i) => { selected = i; }));
  }
  // Redrawn when its box changes width a lot (a rotated phone, a resized window).
  const resize = new ResizeObserver(() => {
    if (historyPrices.length && Math.abs(chartBox.clientWidth - drawnWidth) > 40) drawChart();
  });
  resize.observe(chartBox);

  async function loadHistory() {
    for (const b of rangeButtons) b.setAttribute('aria-pressed', String(Number(b.dataset.days) === days));
    try {
      const answer = await api.history(symbol, days);
      if (stopped) return;
      historyPrices = answer.prices;
      selected = null;
      drawChart();
      drawQuote();
    } catch (error) {
      if (!stopped) fill(chartBox, h('p', { class: 'warn' }, api.describe(error)));
    }
  }

  async function loadAccount() {
    try {
      const [acct, folio] = await Promise.all([api.account(), api.portfolio()]);
      if (stopped) return;
      cash = acct.cash;
      const holding = folio.holdings.find((x) => x.symbol === symbol);
      held = holding ? holding.quantity : 0;
      drawEstimate();
    } catch (error) {
      if (!stopped && !(error instanceof api.ApiError && error.status === 401)) fill(status, api.describe(error));
    }
  }

  const loadQuote = async () => {
    try {
      quote = await api.quote(symbol);
      if (stopped) return;
      fill(status, '');
      drawQuote();
      drawEstimate();
    } catch (error) {
      if (stopped) return;
      if (error instanceof api.ApiError && error.status === 404) fill(status, `${symbol} is not a known symbol.`);
      else fill(status, api.describe(error));
    }
  };

  drawEstimate();
  if (!nameOf(symbol)) listing().then(() => fill(nameLine, nameOf(symbol))).catch(() => {});
  loadHistory();
  loadAccount();
  const stopQuotes = whileVisible(loadQuote, QUOTE_MS);
  return () => { stopped = true; stopQuotes(); resize.disconnect(); };
}
