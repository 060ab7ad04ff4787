// Sign in and create account: the contract's errors in words beside the field they concern.
import * as api from './api.js';
import { field, fill, h, say } from './dom.js';

const USERNAME = /^[A-Za-z0-9_.-]{3,32}$/;

export function renderAuth(main, mode) {
  const signup = mode === 'signup';
  const username = field('username', 'Username', h('input', {
    type: 'text', name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none',
    spellcheck: 'false', maxlength: 32,
  }), signup ? '3 to 32 letters, digits, dots, dashes or underscores.' : null);
  const password = field('password', 'Password', h('input', {
    type: 'password', name: 'password', required: true, maxlength: 128,
    autocomplete: signup ? 'new-password' : 'current-password',
  }), signup ? 'At least 8 characters.' : null);
  const submit = h('button', { type: 'submit', class: 'primary wide' }, signup ? 'Create account' : 'Sign in');
  const formError = h('p', { class: 'form-error', role: 'alert', hidden: true });
  let countdown = null;

  const showFormError = (text) => {
    formError.hidden = !text;
    fill(formError, text || '');
  };

  // 429: the contract's Retry-After, counted down; the button waits with it.
  const lockout = (seconds) => {
    clearInterval(countdown);
    let left = Math.max(1, seconds);
    const tick = () => {
      if (left <= 0) {
        clearInterval(countdown);
        password.error('');
        submit.disabled = false;
        return;
      }
      password.error(`Too many failed attempts. Try again in ${left} s.`);
      submit.disabled = true;
      left -= 1;
    };
    tick();
    countdown = setInterval(tick, 1000);
  };

  const validate = () => {
    username.error('');
    password.error('');
    showFormError('');
    const name = username.input.value.trim();
    const pass = password.input.value;
    let ok = true;
    if (!name) { username.error('Enter a username.'); ok = false; }
    else if (signup && !USERNAME.test(name)) {
      username.error('Use 3 to 32 letters, digits, dots, dashes or underscores.');
      ok = false;
    }
    if (!pass) { password.error('Enter a password.'); ok = false; }
    else if (signup && [...pass].length < 8) { password.error('Too short: use at least 8 characters.'); ok = false; }
    if (!ok) (username.input.getAttribute('aria-invalid') ? username.input : password.input).focus();
    return ok ? { name, pass } : null;
  };

  const onSubmit = async (event) => {
    event.preventDefault();
    if (submit.disabled) return;
    const values = validate();
    if (!values) return;
    submit.disabled = true;
    say('');
    try {
      if (signup) await api.register(values.name, values.pass);
      await api.signIn(values.name, values.pass);
      location.hash = '#/markets';
    } catch (error) {
      submit.disabled = false;
      if (!(error instanceof api.ApiError)) throw error;
      if (signup && error.status === 409) {
        username.error('That username is taken. Choose another one.');
        username.input.focus();
      } else if (signup && error.status === 400) {
        const target = /password/i.test(error.message) ? password : username;
        target.error(error.message);
        target.input.focus();
      } else if (error.status === 401) {
        password.error('Wrong username or password.');
        password.input.focus();
      } else if (error.status === 429) {
        lockout(error.retryAfter || 1);
      } else {
        showFormError(api.describe(error));
      }
    }
  };

  const form = h('form', { class: 'auth-form', novalidate: true, onsubmit: onSubmit },
    username.wrap, password.wrap, formError, submit);
  main.append(h('section', { class: 'auth panel', 'aria-labelledby': 'auth-title' },
    h('h1', { id: 'auth-title' }, signup ? 'Create your account' : 'Sign in to trade'),
    h('p', { class: 'lede' }, signup
      ? 'A new account starts with paper cash to trade the market.'
      : 'Trade stocks with paper money, priced by the suite\'s market service.'),
    form,
    h('p', { class: 'switch' }, signup ? 'Already have an account? ' : 'New here? ',
      h('a', { href: signup ? '#/signin' : '#/signup' }, signup ? 'Sign in' : 'Create an account'))));
  return () => clearInterval(countdown);
}
