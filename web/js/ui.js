// Small DOM helpers. Text from the API only ever goes in through textContent or text nodes.

/**
 * Creates an element. props: class, text, dataset, on<event> handlers, other attributes.
 * Children may be nodes or strings (strings become text nodes, never HTML).
 */
export function h(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') {
      node.addEventListener(key.slice(2), value);
    } else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

const ROLE_LABELS = {
  patient: 'Patient',
  prescriber: 'Prescriber',
  therapist: 'Therapist',
  navigator: 'Care navigator',
  admin: 'Administrator',
};

export function roleLabel(role) {
  return ROLE_LABELS[role] || role || '';
}

const STATUS_LABELS = { active: 'Active', invited: 'Invited', disabled: 'Disabled' };

/** A status badge (text says the status; colour is only a hint). */
export function statusBadge(status) {
  return h('span', { class: `badge ${status || ''}`, text: STATUS_LABELS[status] || status || '' });
}

const LANGUAGES = { en: 'English', es: 'Spanish (Español)' };

export function languageLabel(code) {
  return LANGUAGES[code] || code || '';
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

export function formatDateTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : dateTime.format(d);
}

export function formatDate(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : dateOnly.format(d);
}

/** Shows a message in a live region and marks the given inputs invalid. */
export function showError(box, errorOrMessage, fields = []) {
  const message = typeof errorOrMessage === 'string' ? errorOrMessage : errorOrMessage.message;
  box.textContent = message;
  for (const field of fields) {
    field.setAttribute('aria-invalid', 'true');
    addDescribedBy(field, box.id);
  }
}

/** Empties a live region and clears the invalid marks it set. */
export function clearError(box, fields = []) {
  box.textContent = '';
  for (const field of fields) {
    field.removeAttribute('aria-invalid');
  }
}

function addDescribedBy(field, id) {
  if (!id) return;
  const ids = (field.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
  if (!ids.includes(id)) {
    ids.push(id);
    field.setAttribute('aria-describedby', ids.join(' '));
  }
}

/** Disables a submit button while work runs, showing a busy label. */
export async function whileBusy(button, busyLabel, work) {
  const label = button.textContent;
  button.disabled = true;
  button.textContent = busyLabel;
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.textContent = label;
  }
}

/** Replaces a table body's rows with one full-width message row. */
export function messageRow(tbody, columns, text) {
  tbody.replaceChildren(
    h('tr', null, h('td', { colspan: columns, class: 'empty-row muted', text })),
  );
}

/**
 * Renders a one-time invitation link with a Copy button into a container.
 * The link is shown in a read-only input so it can also be selected by hand.
 */
export function renderInvitationLink(container, { intro, link: rawLink, expiresAt, idPrefix }) {
  // The API may return a path; people need a full address they can paste in an email.
  const link = new URL(rawLink, window.location.origin).href;
  const inputId = `${idPrefix}-link`;
  const statusId = `${idPrefix}-copy-status`;
  const hintId = `${idPrefix}-link-hint`;
  const input = h('input', {
    type: 'text', id: inputId, readonly: true, value: link, 'aria-describedby': hintId,
  });
  const status = h('p', { id: statusId, class: 'status-line', role: 'status' });
  const copy = h('button', {
    type: 'button',
    id: `${idPrefix}-copy`,
    class: 'secondary',
    text: 'Copy link',
    onclick: async () => {
      status.textContent = '';
      try {
        await navigator.clipboard.writeText(link);
        status.textContent = 'Link copied.';
      } catch {
        input.focus();
        input.select();
        status.textContent = 'Could not copy automatically. The link is selected: copy it with your keyboard.';
      }
    },
  });
  container.replaceChildren(
    h('p', null, intro),
    h('label', { for: inputId, text: 'Invitation link' }),
    h('span', { class: 'hint', id: hintId, text: `Send it privately. It can be used once and expires ${formatDateTime(expiresAt)}.` }),
    h('div', { class: 'copy-row' }, input, copy),
    status,
  );
}

/** Calls fn once, ms after the last of a burst of calls (live events that each ask for a reload). */
export function debounce(fn, ms) {
  let timer = null;
  return () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(fn, ms);
  };
}
