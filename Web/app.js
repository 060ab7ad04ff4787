// The single-page trading desk: hash routes (#/markets, #/stock/AAPL, ...), so the gateway
// serves one page at `/` and every view talks to the public API on the same origin.
import * as api from './api.js';
import { fill, h, say } from './dom.js';
import { renderAuth } from './view-auth.js';
import { renderMarkets } from './view-markets.js';
import { renderStock } from './view-stock.js';
import { renderPortfolio } from './view-portfolio.js';
import { renderActivity } from './view-activity.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
let cleanup = () => {};

const routes = [
  { pattern: /^#\/signin$/, view: (el) => renderAuth(el, 'signin'), open: true, title: 'Sign in' },
  { pattern: /^#\/signup$/, view: (el) => renderAuth(el, 'signup'), open: true, title: 'Create account' },
  { pattern: /^#\/markets$/, view: renderMarkets, title: 'Markets', nav: 'markets' },
  { pattern: /^#\/stock\/([A-Za-z0-9.-]{1,10})$/, view: renderStock, title: null, nav: 'markets' },
  { pattern: /^#\/portfolio$/, view: renderPortfolio, title: 'Portfolio', nav: 'portfolio' },
  { pattern: /^#\/activity$/, view: renderActivity, title: 'Activity', nav: 'activity' },
];

function showSession() {
  const signedIn = api.signedIn();
  nav.hidden = !signedIn;
  document.getElementById('session').hidden = !signedIn;
  fill(document.getElementById('who'), signedIn ? h('span', {}, 'Signed in as ', h('strong', {}, api.userName())) : '');
}

function route() {
  const hash = location.hash;
  if (hash && !hash.startsWith('#/')) return; // in-page anchors (the skip link)
  const match = routes.map((r) => [r, r.pattern.exec(hash)]).find(([, m]) => m);
  if (!match) {
    location.replace(api.signedIn() ? '#/markets' : '#/signin');
    return;
  }
  const [entry, groups] = match;
  if (!entry.open && !api.signedIn()) {
    location.replace('#/signin');
    return;
  }
  if (entry.open && api.signedIn()) {
    location.replace('#/markets');
    return;
  }
  cleanup();
  showSession();
  for (const link of nav.querySelectorAll('a')) {
    if (link.dataset.view === entry.nav) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const symbol = groups[1] ? groups[1].toUpperCase() : null;
  document.title = `${entry.title || symbol} · Trading desk`;
  main.replaceChildren();
  cleanup = entry.view(main, symbol) || (() => {});
  // Move focus to the new view's heading, so a screen reader announces where the user is.
  const heading = main.querySelector('h1');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus({ preventScroll: true });
  }
}

api.setSignedOutHandler((message) => {
  say(message);
  showSession();
  location.hash = '#/signin';
});

document.getElementById('signout').addEventListener('click', () => {
  api.signOut('You have signed out.');
});
document.getElementById('skip').addEventListener('click', (event) => {
  event.preventDefault();
  main.focus();
});
nav.addEventListener('click', () => say(''));
window.addEventListener('hashchange', route);
route();
