// Tandem API client: JSON in, JSON out, same-origin session cookie.
// On a 401 the user is sent to the sign-in page, except on pages that work without a
// session (sign-in and invitation) and for calls that opt out.

const PUBLIC_PAGES = new Set(['/', '/index.html', '/invite.html']);

/** An API failure: HTTP status, the API's error code and a message a person can act on. */
export class ApiError extends Error {
  constructor(status, code, message, retryAfter = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

function fallbackMessage(status) {
  if (status === 0) return 'Could not reach Tandem. Check your connection and try again.';
  if (status === 401) return 'Please sign in again.';
  if (status === 403) return 'You do not have access to this.';
  if (status === 404) return 'Not found.';
  if (status === 429) return 'Too many attempts. Please wait a moment and try again.';
  if (status >= 500) return 'Something went wrong on our side. Please try again in a moment.';
  return 'The request could not be completed.';
}

function onPublicPage() {
  return PUBLIC_PAGES.has(window.location.pathname);
}

/**
 * Calls the API. Resolves with the parsed JSON body, or null for 204 No Content.
 * Rejects with an ApiError. Options: {redirectOn401: false} to handle 401 yourself.
 */
export async function api(method, path, body, options = {}) {
  const init = {
    method,
    credentials: 'same-origin',
    cache: 'no-store',
    headers: { Accept: 'application/json' },
  };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }

  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'network_error', fallbackMessage(0));
  }

  if (res.status === 204) return null;

  let data = null;
  const text = await res.text();
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (res.ok) return data;

  const error = (data && data.error) || {};
  const redirect = options.redirectOn401 !== false && !onPublicPage();
  if (res.status === 401 && redirect) {
    // Only a session that really ended gets the notice; someone never signed in just signs in.
    window.location.replace(error.code === 'session_expired' ? '/?expired=1' : '/');
    // The page is going away; never settle so callers do not flash an error.
    return new Promise(() => {});
  }
  const retryAfter = res.headers.get('Retry-After');
  throw new ApiError(
    res.status,
    error.code || `http_${res.status}`,
    error.message || fallbackMessage(res.status),
    retryAfter,
  );
}
