// The clinician's remote-monitoring panel: patients ordered by need, refreshed live when a
// safety alert is raised, escalated or acknowledged; alerts are acknowledged here with a note.
import { api } from './api.js';
import { Live } from './live.js';
import { startPage, CLINICIAN_ROLES } from './session.js';
import { h, showError, formatDateTime } from './ui.js';

const $ = (id) => document.getElementById(id);
const NEEDS = {
  'safety-alert': 'Safety alert',
  deterioration: 'Reliable deterioration',
  overdue: 'Check-in overdue',
  unread: 'Unread messages',
  none: 'Stable',
};
let loading = null;
// The panel lists a patient's newest few alerts; "Show all" lists every open one for that patient
// (from the care team's open-alert list), and keeps doing so across live refreshes.
const expanded = new Set();
let allAlerts = new Map();

async function loadAllAlerts() {
  const data = await api('GET', '/api/v1/safety-alerts');
  const byPatient = new Map();
  for (const a of data.alerts || []) {
    if (!byPatient.has(a.patientId)) byPatient.set(a.patientId, []);
    byPatient.get(a.patientId).push(a);
  }
  allAlerts = byPatient;
}

function scoreLine(ins, s) {
  if (s.total === undefined || s.total === null) {
    const v = s.values || {};
    return `${ins}: mood ${v.mood ?? '–'}/10, anxiety ${v.anxiety ?? '–'}/10, sleep ${v['sleep-hours'] ?? '–'} h`;
  }
  const arrow = { improving: '↓ improving', worsening: '↑ worsening', stable: '→ stable', none: '' }[s.trend] || '';
  return `${ins.toUpperCase()}: ${s.total} (${s.band})${arrow ? ' ' + arrow : ''}${s.reliableDeterioration ? ', reliable deterioration' : ''}`;
}

function alertBlock(a) {
  const noteId = `note-${a.id}`;
  const err = h('p', { class: 'error', role: 'alert', id: `err-${a.id}` });
  const note = h('textarea', { id: noteId, rows: 2, maxlength: 2000, required: true });
  const form = h('form', { class: 'ack-form', dataset: { alertId: a.id } },
    h('label', { for: noteId, text: 'Acknowledge with a note' }), note, err,
    h('button', { type: 'submit', class: 'primary', text: 'Acknowledge' }));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!note.value.trim()) {
      showError(err, 'Write what you did (a note is required).', [note]);
      return;
    }
    form.querySelector('button').disabled = true;
    try {
      await api('POST', `/api/v1/safety-alerts/${encodeURIComponent(a.id)}/acknowledge`, { note: note.value });
      refresh();
    } catch (ex) {
      showError(err, ex, [note]);
      form.querySelector('button').disabled = false;
    }
  });
  const what = a.source === 'message' ? 'Crisis language in a message'
    : (a.rules || []).map((r) => r.rule).join('; ') || 'Check-in answer';
  const esc = a.escalation && a.escalation !== 'none' ? ` · escalated to ${a.escalation}` : '';
  return h('div', { class: `alert-item severity-${a.severity}`, dataset: { alertId: a.id } },
    h('p', { class: 'alert-what', text: `${a.severity === 'urgent' ? 'Urgent' : 'High'}: ${what}` }),
    h('p', { class: 'small muted', text: `Raised ${formatDateTime(a.createdAt)}${esc}` }), form);
}

function row(p) {
  const latest = Object.entries(p.latest || {}).map(([k, v]) => h('li', { text: scoreLine(k, v) }));
  const days = p.daysSinceCheckin === null || p.daysSinceCheckin === undefined ? 'No check-ins yet'
    : `Last check-in ${p.daysSinceCheckin === 0 ? 'today' : p.daysSinceCheckin + ' days ago'}`;
  const facts = [days];
  if (p.overdue.length) facts.push(`Overdue: ${p.overdue.join(', ')}`);
  if (p.unreadMessages) facts.push(`${p.unreadMessages} unread message${p.unreadMessages === 1 ? '' : 's'}`);
  return h('li', { class: `monitor-row needs-${p.needs}`, dataset: { patientId: p.patientId, needs: p.needs } },
    h('div', { class: 'monitor-head' },
      h('h2', { class: 'monitor-name' }, h('a', { href: `/trend.html?patient=${encodeURIComponent(p.patientId)}`, text: p.name || 'Patient' })),
      h('span', { class: `badge needs-badge needs-${p.needs}`, text: NEEDS[p.needs] || p.needs })),
    h('p', { class: 'small', text: facts.join(' · ') }),
    latest.length ? h('ul', { class: 'monitor-scores' }, latest) : null,
    ...shownAlerts(p).map(alertBlock),
    moreAlerts(p));
}

function shownAlerts(p) {
  return expanded.has(p.patientId) && allAlerts.has(p.patientId) ? allAlerts.get(p.patientId) : (p.alerts || []);
}

function moreAlerts(p) {
  const more = p.openAlerts - shownAlerts(p).length;
  if (more <= 0) return null;
  return h('p', { class: 'small more-alerts' }, `${more} more open alert${more === 1 ? '' : 's'}. `,
    h('button', {
      type: 'button',
      class: 'link',
      text: `Show all ${p.openAlerts}`,
      onclick: async () => {
        expanded.add(p.patientId);
        await refresh();
        if (!allAlerts.has(p.patientId)) await refresh(); // a refresh already under way did not list them
        const first = document.querySelector(`#panel li[data-patient-id="${CSS.escape(p.patientId)}"] .alert-item textarea`);
        if (first) first.focus();
      },
    }));
}

async function refresh() {
  if (loading) return loading;
  loading = (async () => {
    try {
      const [data] = await Promise.all([api('GET', '/api/v1/monitoring'), expanded.size ? loadAllAlerts() : null]);
      const list = $('panel');
      list.replaceChildren(...data.patients.map(row));
      if (!data.patients.length) list.append(h('li', { class: 'muted', text: 'No patients on your care teams yet.' }));
      list.setAttribute('aria-busy', 'false');
    } catch (e) {
      showError($('page-error'), e);
    } finally {
      loading = null;
    }
  })();
  return loading;
}

function onEvent(e) {
  if (e.type === 'safety.alert' || e.type === 'safety.escalated') {
    $('alert-live').textContent = e.type === 'safety.alert' ? 'New safety alert. The list has been updated.'
      : 'A safety alert is still unacknowledged and has been escalated.';
    refresh();
  } else if (e.type === 'safety.acknowledged') {
    refresh();
  }
}

function onState(next, { reconnected } = {}) {
  const s = $('live-status');
  s.dataset.state = next;
  s.textContent = next === 'reconnecting' ? 'Reconnecting…' : '';
  if (next === 'open' && reconnected) refresh();
}

async function main() {
  await startPage(CLINICIAN_ROLES);
  new Live({ onEvent, onState }).start();
  await refresh();
}

main();
