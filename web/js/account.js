// Account: change password, see and end sessions.
import { api } from './api.js';
import { startPage } from './session.js';
import { clearError, formatDateTime, h, showError, whileBusy } from './ui.js';

const MIN_PASSWORD = 12;
const $ = (id) => document.getElementById(id);

const pageError = $('page-error');
const form = $('password-form');
const current = $('current-password');
const next = $('new-password');
const confirm = $('confirm-password');
const errorBox = $('password-error');
const result = $('password-result');
const list = $('session-list');
const sessionsStatus = $('sessions-status');

/** A short, human description of a browser's user agent ("Firefox on Android"). */
function describeDevice(ua) {
  if (!ua) return 'Unknown device';
  const browser = [
    [/Edg\//, 'Edge'], [/OPR\//, 'Opera'], [/Firefox\//, 'Firefox'], [/Chrom(e|ium)\//, 'Chrome'],
    [/Safari\//, 'Safari'],
  ].find(([re]) => re.test(ua));
  const os = [
    [/Android/, 'Android'], [/iPhone|iPad|iPod/, 'iOS'], [/Windows/, 'Windows'],
    [/CrOS/, 'ChromeOS'], [/Mac OS X|Macintosh/, 'macOS'], [/Linux/, 'Linux'],
  ].find(([re]) => re.test(ua));
  if (browser && os) return `${browser[1]} on ${os[1]}`;
  if (browser) return browser[1];
  return ua.length > 60 ? `${ua.slice(0, 60)}…` : ua;
}

function sessionItem(session) {
  const descId = `session-${session.id}-desc`;
  const title = h('p', { class: 'device', id: descId },
    describeDevice(session.userAgent),
    session.current ? ' ' : null,
    session.current ? h('span', { class: 'badge current', text: 'This device' }) : null);
  const meta = h('p', { class: 'meta' },
    `Signed in ${formatDateTime(session.createdAt)}. Last active ${formatDateTime(session.lastSeenAt)}. `,
    `Expires ${formatDateTime(session.expiresAt)}.`);
  const button = h('button', {
    type: 'button',
    class: 'secondary',
    text: 'Sign out this device',
    'aria-describedby': descId,
    onclick: (e) => endSession(session, e.currentTarget),
  });
  return h('li', { class: session.current ? 'current' : null, dataset: { sessionId: session.id } },
    title, meta, button);
}

async function loadSessions() {
  list.setAttribute('aria-busy', 'true');
  try {
    const { sessions } = await api('GET', '/api/v1/me/sessions');
    const sorted = [...(sessions || [])].sort((a, b) => (b.current - a.current)
      || String(b.lastSeenAt).localeCompare(String(a.lastSeenAt)));
    list.replaceChildren(...sorted.map(sessionItem));
  } catch (err) {
    list.replaceChildren(h('li', { class: 'muted', text: 'Your sessions could not be loaded.' }));
    showError(pageError, err);
  } finally {
    list.setAttribute('aria-busy', 'false');
  }
}

async function endSession(session, button) {
  sessionsStatus.textContent = '';
  button.disabled = true;
  try {
    await api('DELETE', `/api/v1/me/sessions/${encodeURIComponent(session.id)}`);
    if (session.current) {
      window.location.assign('/');
      return;
    }
    sessionsStatus.textContent = `Signed out ${describeDevice(session.userAgent)}.`;
    await loadSessions();
    list.querySelector('button')?.focus();
  } catch (err) {
    button.disabled = false;
    if (err.status === 404) {
      sessionsStatus.textContent = 'That device was already signed out.';
      await loadSessions();
    } else {
      showError(pageError, err);
    }
  }
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearError(errorBox, [current, next, confirm]);
  result.textContent = '';
  if (!current.value) {
    showError(errorBox, 'Enter your current password.', [current]);
    current.focus();
    return;
  }
  if (next.value.length < MIN_PASSWORD) {
    showError(errorBox, `Your new password needs at least ${MIN_PASSWORD} characters.`, [next]);
    next.focus();
    return;
  }
  if (next.value !== confirm.value) {
    showError(errorBox, 'The two new passwords do not match.', [confirm]);
    confirm.focus();
    return;
  }
  try {
    await whileBusy($('change-password'), 'Changing…', () => api('PUT', '/api/v1/me/password', {
      currentPassword: current.value,
      newPassword: next.value,
    }));
    const username = $('account-username').value;
    form.reset();
    $('account-username').value = username;
    result.textContent = 'Your password was changed. You were signed out on all your other devices.';
    loadSessions();
  } catch (err) {
    const field = err.code === 'wrong_password' ? current : err.code === 'weak_password' ? next : null;
    showError(errorBox, err, field ? [field] : []);
    if (field) field.focus();
  }
});

async function main() {
  const user = await startPage();
  $('user-email').textContent = user.email;
  $('account-username').value = user.email;
  await loadSessions();
}

main().catch((err) => showError(pageError, err));
