// Accept an invitation: show who it is for, set a password, go to the role's home.
import { api } from './api.js';
import { homeFor } from './session.js';
import { clearError, formatDateTime, roleLabel, showError, whileBusy } from './ui.js';

const MIN_PASSWORD = 12;
const $ = (id) => document.getElementById(id);

const token = new URLSearchParams(window.location.search).get('token') || '';
const loading = $('invite-loading');
const invalid = $('invite-invalid');
const panel = $('invite-panel');
const form = $('invite-form');
const password = $('new-password');
const confirm = $('confirm-password');
const errorBox = $('invite-error');
const tokenPath = `/api/v1/invitations/${encodeURIComponent(token)}`;

function showInvalid(err) {
  loading.hidden = true;
  panel.hidden = true;
  if (err && err.status !== 404) {
    // Something other than an unknown/used link (offline, server error): say so.
    invalid.replaceChildren(document.createTextNode(err.message));
  }
  invalid.hidden = false;
}

async function load() {
  if (!token) {
    showInvalid();
    return;
  }
  try {
    const { invitation } = await api('GET', tokenPath);
    $('invite-name').textContent = invitation.name;
    $('invite-role').textContent = roleLabel(invitation.role);
    $('invite-email').textContent = invitation.email;
    $('invite-username').value = invitation.email;
    $('invite-expires').textContent = formatDateTime(invitation.expiresAt);
    loading.hidden = true;
    panel.hidden = false;
    password.focus();
  } catch (err) {
    showInvalid(err);
  }
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearError(errorBox, [password, confirm]);
  if (password.value.length < MIN_PASSWORD) {
    showError(errorBox, `Your password needs at least ${MIN_PASSWORD} characters.`, [password]);
    password.focus();
    return;
  }
  if (password.value !== confirm.value) {
    showError(errorBox, 'The two passwords do not match.', [confirm]);
    confirm.focus();
    return;
  }
  try {
    const data = await whileBusy($('accept-invite'), 'Setting password…', () =>
      api('POST', `${tokenPath}/accept`, { password: password.value }));
    window.location.assign(homeFor(data.user.role));
  } catch (err) {
    if (err.status === 404) {
      showInvalid(err);
    } else {
      showError(errorBox, err, err.code === 'weak_password' ? [password] : []);
      if (err.code === 'weak_password') password.focus();
    }
  }
});

load();
