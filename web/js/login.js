// Sign-in page: POST /api/v1/auth/login, then the role's home.
import { api } from './api.js';
import { currentUser, homeFor } from './session.js';
import { clearError, showError, whileBusy } from './ui.js';

const form = document.getElementById('login-form');
const email = document.getElementById('email');
const password = document.getElementById('password');
const errorBox = document.getElementById('login-error');
const submit = document.getElementById('sign-in');

const params = new URLSearchParams(window.location.search);
if (params.get('expired') === '1') {
  document.getElementById('expired-notice').hidden = false;
}

// Already signed in: straight to the home page.
currentUser({ redirectOn401: false }).then(
  (user) => window.location.replace(homeFor(user.role)),
  () => {},
);

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearError(errorBox, [email, password]);

  const emailValue = email.value.trim();
  if (!emailValue || !password.value) {
    const missing = !emailValue ? email : password;
    showError(errorBox, 'Enter your email and password.', [missing]);
    missing.focus();
    return;
  }

  try {
    const data = await whileBusy(submit, 'Signing in…', () =>
      api('POST', '/api/v1/auth/login', { email: emailValue, password: password.value }));
    window.location.assign(homeFor(data.user.role));
  } catch (err) {
    if (err.status === 401 || err.code === 'invalid_credentials') {
      showError(errorBox, err.message || 'That email and password do not match.', [email, password]);
      password.value = '';
      password.focus();
    } else {
      showError(errorBox, err, err.status === 400 ? [email, password] : []);
    }
  }
});
