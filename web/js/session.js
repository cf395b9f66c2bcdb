// The signed-in user: who they are, where their home is, signing out.
import { api } from './api.js';

const HOMES = {
  patient: '/patient.html',
  prescriber: '/clinician.html',
  therapist: '/clinician.html',
  navigator: '/clinician.html',
  admin: '/admin.html',
};

export const CLINICIAN_ROLES = ['prescriber', 'therapist', 'navigator'];

/** The home page for a role (unknown roles go to the sign-in page). */
export function homeFor(role) {
  return HOMES[role] || '/';
}

/** GET /api/v1/me. A 401 redirects to the sign-in page unless options say otherwise. */
export async function currentUser(options) {
  const data = await api('GET', '/api/v1/me', undefined, options);
  return data.user;
}

/** Signs out (POST /api/v1/auth/logout) and goes to the sign-in page, even if the call fails. */
export async function logout() {
  try {
    await api('POST', '/api/v1/auth/logout', undefined, { redirectOn401: false });
  } catch {
    // Already signed out or offline: the sign-in page is still the right place.
  }
  window.location.assign('/');
}

/**
 * Common start for a signed-in page: loads the user, sends them to their own home if this
 * page is not for their role, shows their name in #user-name and wires #sign-out.
 * Resolves with the user, or never if the browser is being redirected.
 */
export async function startPage(allowedRoles) {
  const signOut = document.getElementById('sign-out');
  if (signOut) signOut.addEventListener('click', () => {
    signOut.disabled = true;
    logout();
  });
  const user = await currentUser();
  if (allowedRoles && !allowedRoles.includes(user.role)) {
    window.location.replace(homeFor(user.role));
    return new Promise(() => {});
  }
  const name = document.getElementById('user-name');
  if (name) name.textContent = user.name;
  for (const id of ['home-link', 'brand-link']) {
    const link = document.getElementById(id);
    if (link) link.href = homeFor(user.role);
  }
  return user;
}
