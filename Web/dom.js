// A tiny element builder: text always goes in as text nodes (never parsed as HTML), and no
// style attribute is ever set (the page's CSP allows no inline style).

const SVG_NS = 'http://www.w3.org/2000/svg';

function build(element, attrs, children) {
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** An HTML element: h('button', { class: 'primary', onclick }, 'Buy'). */
export const h = (tag, attrs, ...children) => build(document.createElement(tag), attrs, children);

/** An SVG element. */
export const s = (tag, attrs, ...children) => build(document.createElementNS(SVG_NS, tag), attrs, children);

/** Replaces an element's children. */
export function fill(element, ...children) {
  element.replaceChildren();
  return build(element, {}, children);
}

/** "12 s ago", "3 min ago", "2 h ago", "4 d ago" for an RFC 3339 time. */
export function age(isoTime, now = Date.now()) {
  const seconds = Math.max(0, Math.round((now - Date.parse(isoTime)) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86400)} d ago`;
}

/** "2026-11-24 18:03 UTC" for an RFC 3339 time. */
export function when(isoTime) {
  return `${isoTime.slice(0, 10)} ${isoTime.slice(11, 16)} UTC`;
}

/** Runs `task` now and every `ms` while the page is visible; returns a stop function. */
export function whileVisible(task, ms) {
  let timer = null;
  const tick = () => {
    if (document.visibilityState === 'visible') task();
  };
  const onVisible = () => { if (document.visibilityState === 'visible') task(); };
  document.addEventListener('visibilitychange', onVisible);
  task();
  timer = setInterval(tick, ms);
  return () => {
    clearInterval(timer);
    document.removeEventListener('visibilitychange', onVisible);
  };
}

/** A change in words and arrow as well as colour: class gain/loss/flat. */
export function trendClass(sign) {
  return sign > 0 ? 'gain' : sign < 0 ? 'loss' : 'flat';
}

export function trendMark(sign) {
  return sign > 0 ? '▲ ' : sign < 0 ? '▼ ' : '';
}

/** A message above the view (why the user was signed out); cleared by the next nav click. */
export function say(text) {
  const notice = document.getElementById('notice');
  notice.hidden = !text;
  fill(notice, text || '');
}

/** A labelled field with its error line, wired for screen readers (aria-describedby). */
export function field(id, label, input, hint) {
  input.id = id;
  const error = h('p', { class: 'field-error', id: `${id}-error`, hidden: true });
  const hintLine = hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null;
  input.setAttribute('aria-describedby', [hint ? `${id}-hint` : '', `${id}-error`].join(' ').trim());
  const wrap = h('div', { class: 'field' }, h('label', { for: id }, label), input, hintLine, error);
  return {
    wrap, input,
    error(text) {
      error.hidden = !text;
      fill(error, text ? h('span', { class: 'icon', 'aria-hidden': 'true' }, '⚠ ') : '', text || '');
      if (text) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    },
  };
}
