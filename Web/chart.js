// A price history as an SVG line chart: labelled axes, ticks in whole cents computed with
// integers, and a readout of the date and close under the pointer or the arrow keys.
import * as dec from './decimal.js';
import { fill, h, s } from './dom.js';

const M = { left: 72, right: 18, top: 16, bottom: 48 };

/** Whole cents of a decimal string, as a Number for plotting only (prices are far below 2^53 cents). */
const cents = (text) => Number(dec.round(dec.parse(text), 2).units);

/** A step of 1, 2 or 5 × 10^k cents giving about `count` intervals over `span`. */
function niceStep(span, count) {
  const raw = Math.max(1, span / count);
  let power = 1;
  while (power * 10 <= raw) power *= 10;
  for (const factor of [1, 2, 5, 10]) if (factor * power >= raw) return factor * power;
  return 10 * power;
}

/** The chart drawn for a box `width` CSS pixels wide (so text keeps its size on a phone). */
/** `selected` (an index) is shown at once and `onSelect` hears each change, so a redraw (a resize) keeps the reading. */
export function lineChart(prices, symbol, width = 720, selected = null, onSelect = () => {}) {
  const WIDTH = Math.round(Math.max(300, Math.min(900, width)));
  const HEIGHT = WIDTH < 520 ? 240 : 300;
  const readout = h('p', { class: 'chart-readout', 'aria-live': 'polite' }, 'Hover over the chart, or focus it and use the arrow keys, to read a close.');
  if (prices.length === 0) return h('div', { class: 'chart' }, h('p', { class: 'muted' }, 'No history to show.'));
  const values = prices.map((p) => cents(p.close));
  let low = Math.min(...values);
  let high = Math.max(...values);
  const step = niceStep(high - low || 100, 4);
  low = Math.floor(low / step) * step;
  high = Math.max(low + step, Math.ceil(high / step) * step);
  const plotW = WIDTH - M.left - M.right;
  const plotH = HEIGHT - M.top - M.bottom;
  const x = (i) => M.left + (prices.length === 1 ? plotW / 2 : (i * plotW) / (prices.length - 1));
  const y = (v) => M.top + plotH - ((v - low) * plotH) / (high - low);

  const grid = s('g', { class: 'grid' });
  for (let tick = low; tick <= high; tick += step) {
    grid.append(s('line', { x1: M.left, x2: WIDTH - M.right, y1: y(tick), y2: y(tick) }),
      s('text', { x: M.left - 8, y: y(tick) + 4, 'text-anchor': 'end', class: 'tick' },
        dec.group(dec.toText({ units: BigInt(tick), scale: 2 }))));
  }
  const labelCount = Math.min(prices.length, WIDTH < 520 ? 3 : 5);
  for (let k = 0; k < labelCount; k += 1) {
    const i = labelCount === 1 ? prices.length - 1 : Math.round((k * (prices.length - 1)) / (labelCount - 1));
    grid.append(s('text', { x: x(i), y: HEIGHT - M.bottom + 18, 'text-anchor': k === 0 ? 'start' : k === labelCount - 1 ? 'end' : 'middle', class: 'tick' },
      prices[i].date.slice(5)));
  }
  const path = values.map((v, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  const area = `${path} L${x(prices.length - 1).toFixed(1)},${M.top + plotH} L${x(0).toFixed(1)},${M.top + plotH} Z`;
  const cursor = s('g', { class: 'cursor', visibility: 'hidden' },
    s('line', { y1: M.top, y2: M.top + plotH }), s('circle', { r: 4.5 }),
    s('rect', { class: 'tip-box', rx: 4, height: 22, width: 150 }), s('text', { class: 'tip' }));
  const overlay = s('rect', { x: M.left, y: M.top, width: plotW, height: plotH, class: 'overlay' });
  const first = prices[0];
  const last = prices[prices.length - 1];
  const svg = s('svg', {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: 'chart-svg', tabindex: 0, role: 'img', focusable: 'true',
    'aria-label': `${symbol} daily closes from ${first.date} (${dec.money(first.close)}) to ${last.date} (${dec.money(last.close)}), ${prices.length} trading days`,
  },
  grid,
  s('line', { class: 'axis', x1: M.left, x2: M.left, y1: M.top, y2: M.top + plotH }),
  s('line', { class: 'axis', x1: M.left, x2: WIDTH - M.right, y1: M.top + plotH, y2: M.top + plotH }),
  s('text', { class: 'axis-title', transform: `translate(16 ${M.top + plotH / 2}) rotate(-90)`, 'text-anchor': 'middle' }, 'Close (USD)'),
  s('text', { class: 'axis-title', x: M.left + plotW / 2, y: HEIGHT - 8, 'text-anchor': 'middle' }, 'Trading day (UTC, month-day)'),
  s('path', { class: 'area', d: area }),
  s('path', { class: 'line', d: path }),
  cursor, overlay);

  let current = prices.length - 1;
  const show = (i) => {
    current = Math.max(0, Math.min(prices.length - 1, i));
    const px = x(current);
    const py = y(values[current]);
    const text = `${prices[current].date}  ${dec.money(prices[current].close)}`;
    cursor.setAttribute('visibility', 'visible');
    const [line, dot, box, tip] = cursor.children;
    line.setAttribute('x1', px); line.setAttribute('x2', px);
    dot.setAttribute('cx', px); dot.setAttribute('cy', py);
    const boxX = Math.min(Math.max(px - 75, M.left), WIDTH - M.right - 150);
    const boxY = py - 34 < M.top ? py + 12 : py - 34;
    box.setAttribute('x', boxX); box.setAttribute('y', boxY);
    tip.setAttribute('x', boxX + 75); tip.setAttribute('y', boxY + 15); tip.setAttribute('text-anchor', 'middle');
    fill(tip, text);
    fill(readout, `${prices[current].date}: close ${dec.money(prices[current].close)}`);
    onSelect(current);
  };
  const fromPointer = (event) => {
    const box = svg.getBoundingClientRect();
    const vx = ((event.clientX - box.left) * WIDTH) / box.width;
    show(prices.length === 1 ? 0 : Math.round(((vx - M.left) * (prices.length - 1)) / plotW));
  };
  overlay.addEventListener('pointermove', fromPointer);
  overlay.addEventListener('pointerdown', fromPointer);
  overlay.addEventListener('pointerleave', () => cursor.setAttribute('visibility', 'hidden'));
  svg.addEventListener('focus', () => show(current));
  svg.addEventListener('blur', () => cursor.setAttribute('visibility', 'hidden'));
  svg.addEventListener('keydown', (event) => {
    const moves = { ArrowLeft: current - 1, ArrowRight: current + 1, Home: 0, End: prices.length - 1 };
    if (!(event.key in moves)) return;
    event.preventDefault();
    show(moves[event.key]);
  });
  if (selected !== null && selected < prices.length) show(selected);
  return h('figure', { class: 'chart' }, svg, readout);
}
